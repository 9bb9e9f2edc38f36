package decide

import (
	"strings"
	"unicode/utf8"
)

// This file reads a query string as the platform's decision service does
// (Fastify, whose router hands the query to fast-querystring):
//
//   - pairs are separated by '&'; an empty pair is skipped; a pair without
//     '=' is a key with the empty value;
//   - in keys and values '+' is a space, and then each %XX escape, or run
//     of escapes, that spells one character in UTF-8 is decoded; an escape
//     that does not (%zz, %FF, a lone %E2, an encoded surrogate, a '%'
//     within the last two characters) is kept as written, so "%FF" is the
//     three characters %, F and F;
//   - the bytes of the request line are read as Latin-1 (Node reads the
//     request target that way), so an unescaped byte 0xE9 is the
//     character U+00E9;
//   - a key given twice is an array, which the platform's schema refuses.
//
// The result is what a JavaScript string would hold, in UTF-8: it hashes
// and compares as the platform's does.

// queryParam is one parameter of interest: its value (decoded, the first
// one given) and how many times it was given.
type queryParam struct {
	value string
	count int
}

// decideQuery holds the /decide parameters.
type decideQuery struct {
	userKey, env, context queryParam
	contextBytes          int // the longest context given, decoded
}

// parseDecideQuery reads the /decide parameters from a raw query.
func parseDecideQuery(raw string) decideQuery {
	var q decideQuery
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		var p *queryParam
		switch platformDecode(k) {
		case "user_key":
			p = &q.userKey
		case "env":
			p = &q.env
		case "context":
			p = &q.context
		default:
			continue
		}
		p.count++
		if p.count > 1 {
			if p == &q.context {
				q.contextBytes = max(q.contextBytes, len(v)) // bounded by the raw length, without decoding
			}
			continue
		}
		p.value = platformDecode(v)
		if p == &q.context {
			q.contextBytes = max(q.contextBytes, len(p.value))
		}
	}
	return q
}

// platformDecode decodes one key or value as described above. It returns
// s itself, without allocating, when s has nothing to decode.
func platformDecode(s string) string {
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; c == '%' || c == '+' || c >= utf8.RuneSelf {
			break
		}
	}
	if i == len(s) {
		return s
	}
	var stack [512]byte // decoded values are usually short: one allocation, the string
	b := append(stack[:0], s[:i]...)
	for i < len(s) {
		c := s[i]
		switch {
		case c == '+':
			b = append(b, ' ')
			i++
		case c == '%':
			if b0, ok := escapeAt(s, i); ok && b0 < utf8.RuneSelf { // the commonest: one ASCII byte
				b = append(b, b0)
				i += 3
			} else if r, n := decodeEscapes(s, i); n > 0 {
				b = utf8.AppendRune(b, r)
				i += n
			} else {
				b = append(b, '%')
				i++
			}
		case c >= utf8.RuneSelf:
			b = utf8.AppendRune(b, rune(c)) // Latin-1
			i++
		default: // a run of bytes kept as they are, copied at once
			j := i + 1
			for j < len(s) && s[j] != '%' && s[j] != '+' && s[j] < utf8.RuneSelf {
				j++
			}
			b = append(b, s[i:j]...)
			i = j
		}
	}
	return string(b)
}

// decodeEscapes reads the %XX escapes at s[i:] that spell one character
// in strict UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF), returning it and the bytes of s they take, or 0 bytes if
// they do not.
func decodeEscapes(s string, i int) (rune, int) {
	var buf [4]byte
	b0, ok := escapeAt(s, i)
	if !ok {
		return 0, 0
	}
	need := utf8Len(b0)
	if need == 0 {
		return 0, 0
	}
	buf[0] = b0
	for k := 1; k < need; k++ {
		b, ok := escapeAt(s, i+3*k)
		if !ok || b&0xC0 != 0x80 {
			return 0, 0
		}
		buf[k] = b
	}
	r, size := utf8.DecodeRune(buf[:need])
	if r == utf8.RuneError && size <= 1 {
		return 0, 0 // overlong, a surrogate, or beyond U+10FFFF
	}
	return r, 3 * need
}

// escapeAt reads the escape %XX at s[i], which fast-decode-uri-component
// reads only when it starts before the last two bytes of s.
func escapeAt(s string, i int) (byte, bool) {
	if i+2 >= len(s) || s[i] != '%' {
		return 0, false
	}
	hi, ok1 := hexDigit(s[i+1])
	lo, ok2 := hexDigit(s[i+2])
	return hi<<4 | lo, ok1 && ok2
}

// utf8Len is the length of the UTF-8 sequence a byte starts, or 0 if it
// starts none.
func utf8Len(b byte) int {
	switch {
	case b < 0x80:
		return 1
	case b >= 0xC2 && b <= 0xDF:
		return 2
	case b >= 0xE0 && b <= 0xEF:
		return 3
	case b >= 0xF0 && b <= 0xF4:
		return 4
	}
	return 0
}

// latin1 is s, the bytes of a request line, read as Latin-1 as Node reads
// them, in UTF-8.
func latin1(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		b = utf8.AppendRune(b, rune(s[i]))
	}
	return string(b)
}

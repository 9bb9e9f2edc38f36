package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"
)

// AppendString appends s to dst as JavaScript's JSON.stringify writes a
// string: quotes, backslashes and control characters below U+0020
// escaped (\b, \f, \n, \r, \t, else \u00xx in lower-case hex), everything
// else as it is, "<", ">", "&", U+2028 and U+2029 included. Bytes that are
// not valid UTF-8 are written as U+FFFD, as JavaScript decodes them.
func AppendString(dst []byte, s string) []byte { return appendJSONString(dst, s, true) }

// appendJSONString writes s as a JSON string, the one way both writers
// share: quotes, backslashes and control characters escaped (\b, \f, \n,
// \r, \t, else \u00xx). With js, as JavaScript's JSON.stringify: invalid
// UTF-8 as a raw U+FFFD, U+2028 and U+2029 raw. Without, as encoding/json:
// both escaped (\ufffd, \u2028, \u2029).
func appendJSONString(dst []byte, s string, js bool) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			var esc string
			switch {
			case r == utf8.RuneError && size == 1 && js:
				esc = "\uFFFD"
			case r == utf8.RuneError && size == 1:
				esc = `\ufffd`
			case (r == '\u2028' || r == '\u2029') && !js:
				esc = `\u202` + string(hex[r&0xF])
			default:
				i += size
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, esc...)
			i += size
			start = i
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendNumber appends f to dst as JSON.stringify writes a number: the
// shortest decimal that reads back as f, in ECMAScript's Number::toString
// form (1e+21, 1e-7, 0.000001, 123456789012345680000), -0 as 0, and NaN
// and ±Infinity as null.
func AppendNumber(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return append(dst, "null"...)
	case f == 0:
		return append(dst, '0')
	case f < 0:
		dst = append(dst, '-')
		f = -f
	}
	if f < 1e21 && f == math.Trunc(f) { // an integer: plain digits
		return strconv.AppendFloat(dst, f, 'f', -1, 64)
	}
	// digits d1...dk and n, the position of the decimal point, such that
	// f = 0.d1...dk × 10^n, as ECMAScript defines them.
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64) // d.ddde±xx
	mant, exp, _ := bytes.Cut(e, []byte{'e'})
	x, _ := strconv.Atoi(string(exp))
	digits := make([]byte, 0, len(mant))
	for _, c := range mant {
		if c != '.' {
			digits = append(digits, c)
		}
	}
	k, n := len(digits), x+1
	switch {
	case k <= n && n <= 21:
		dst = append(dst, digits...)
		for range n - k {
			dst = append(dst, '0')
		}
	case 0 < n && n <= 21:
		dst = append(dst, digits[:n]...)
		dst = append(dst, '.')
		dst = append(dst, digits[n:]...)
	case -6 < n && n <= 0:
		dst = append(dst, '0', '.')
		for range -n {
			dst = append(dst, '0')
		}
		dst = append(dst, digits...)
	default:
		dst = append(dst, digits[0])
		if k > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:]...)
		}
		dst = append(dst, 'e')
		if n-1 >= 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, int64(n-1), 10)
	}
	return dst
}

// AppendValue appends the JSON value raw to dst re-spelled as
// JSON.stringify writes it: no spaces, strings as AppendString writes
// them, numbers as AppendNumber does (so 1.0 is 1, 1e400 is null). Object
// keys keep their order, duplicates included: reordering is the business
// of whoever built raw. An empty raw is written as null, the encoding of a
// missing value; raw that is not one valid JSON value is an error, and dst
// is then returned unchanged.
func AppendValue(dst []byte, raw []byte) ([]byte, error) {
	out, err := appendValue(dst, raw)
	if err != nil {
		return out, fmt.Errorf("wire: %w", err)
	}
	return out, nil
}

// appendValue is AppendValue with errors that have no package prefix.
func appendValue(dst []byte, raw []byte) ([]byte, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return append(dst, "null"...), nil
	}
	orig := len(dst)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	type frame struct {
		object bool
		n      int // tokens written at this level: keys and values
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if len(stack) > 0 {
				return dst[:orig], errors.New("unexpected end of JSON input")
			}
			break
		}
		if err != nil {
			return dst[:orig], err
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			dst = append(dst, byte(d))
			continue
		}
		if len(stack) > 0 {
			top := &stack[len(stack)-1]
			switch {
			case top.object && top.n%2 == 1:
				dst = append(dst, ':')
			case top.n > 0:
				dst = append(dst, ',')
			}
			top.n++
		} else if len(dst) > orig {
			return dst[:orig], errors.New("more than one JSON value")
		}
		switch v := tok.(type) {
		case json.Delim:
			stack = append(stack, frame{object: v == '{'})
			dst = append(dst, byte(v))
		case string:
			dst = AppendString(dst, v)
		case json.Number:
			f, err := strconv.ParseFloat(string(v), 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				return dst[:orig], fmt.Errorf("number %s: %w", v, err)
			}
			dst = AppendNumber(dst, f)
		case bool:
			dst = strconv.AppendBool(dst, v)
		case nil:
			dst = append(dst, "null"...)
		}
	}
	return dst, nil
}

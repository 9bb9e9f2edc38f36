package decide

import (
	"errors"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/inprocess/experiment/internal/wire"
)

// This file reads and writes JSON as JavaScript does (JSON.parse and
// JSON.stringify), which the platform's decision service uses: strings
// are sequences of UTF-16 code units, numbers are float64, and
// stringify escapes only '"', '\\', control characters and lone
// surrogates (not '<', '>', '&', U+2028 or U+2029, as encoding/json
// does). Go strings here hold UTF-8; a lone surrogate, which a JSON
// \uXXXX escape can name, is held as its 3-byte WTF-8 form so that it
// stays distinct from every valid string and is written back as the
// escape.

// appendJSString appends s quoted as JSON.stringify writes a string.
// Invalid UTF-8 that is not a WTF-8 surrogate is written as U+FFFD.
func appendJSString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
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
				dst = appendUnicodeEscape(dst, rune(c))
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError || size != 1 {
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		if u, ok := wtf8Surrogate(s[i:]); ok {
			dst = appendUnicodeEscape(dst, u)
			i += 3
		} else {
			dst = append(dst, `\ufffd`...)
			i++
		}
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendUnicodeEscape appends \uXXXX for the code unit u, in lower-case
// hex as JSON.stringify writes it.
func appendUnicodeEscape(dst []byte, u rune) []byte {
	const hex = "0123456789abcdef"
	return append(dst, '\\', 'u', hex[u>>12&0xF], hex[u>>8&0xF], hex[u>>4&0xF], hex[u&0xF])
}

// wtf8Surrogate reads a surrogate code point U+D800-U+DFFF encoded as
// UTF-8 bytes would encode it (ED A0-BF 80-BF) at the start of s.
func wtf8Surrogate(s string) (rune, bool) {
	if len(s) < 3 || s[0] != 0xED || s[1] < 0xA0 || s[1] > 0xBF || s[2] < 0x80 || s[2] > 0xBF {
		return 0, false
	}
	return 0xD000 | rune(s[1]&0x3F)<<6 | rune(s[2]&0x3F), true
}

// appendWTF8 appends the code point r as UTF-8, or a surrogate as WTF-8.
func appendWTF8(dst []byte, r rune) []byte {
	if r >= 0xD800 && r <= 0xDFFF {
		return append(dst, 0xED, byte(0x80|(r>>6)&0x3F), byte(0x80|r&0x3F))
	}
	return utf8.AppendRune(dst, r)
}

// maxJSONDepth bounds the nesting of a JSON value read by jsonParser: a
// context deeper than this is refused, where JavaScript would read it.
const maxJSONDepth = 512

// errJSON is any JSON syntax error; JSON.parse's messages are not part of
// the platform's answers, which say only "Invalid context JSON".
var errJSON = errors.New("decide: invalid JSON")

// errJSONRange is a number beyond float64, which JavaScript reads as an
// infinity and experimentd refuses.
var errJSONRange = errors.New("decide: a JSON number beyond the range of a 64-bit float")

// jsonParser reads one JSON text as JSON.parse does. Objects become
// map[string]any, the last of duplicate keys winning, or with ordered set,
// *jsObject in JavaScript's property order; arrays []any; strings string
// (substrings of the input where they hold no escape); numbers float64;
// true, false and null bool and nil.
type jsonParser struct {
	s       string
	i       int
	depth   int
	ordered bool
	top     map[string]any // when not nil, the map of the outermost object, empty
}

// parseJSON reads s as one JSON text.
func parseJSON(s string, ordered bool) (any, error) {
	p := jsonParser{s: s, ordered: ordered}
	return p.text()
}

// parseJSONInto is parseJSON, unordered, filling top, which must be
// empty, if s is an object (and leaving it partly filled if s does not
// parse); nil top is a new map, as for parseJSON.
func parseJSONInto(s string, top map[string]any) (any, error) {
	p := jsonParser{s: s, top: top}
	return p.text()
}

// text reads p.s as one JSON text.
func (p *jsonParser) text() (any, error) {
	p.space()
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, errJSON
	}
	return v, nil
}

func (p *jsonParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value() (any, error) {
	if p.i >= len(p.s) {
		return nil, errJSON
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	for _, lit := range []struct {
		text string
		v    any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if len(p.s)-p.i >= len(lit.text) && p.s[p.i:p.i+len(lit.text)] == lit.text {
			p.i += len(lit.text)
			return lit.v, nil
		}
	}
	return nil, errJSON
}

func (p *jsonParser) enter() error {
	p.depth++
	if p.depth > maxJSONDepth {
		return errJSON
	}
	p.i++ // '{' or '['
	p.space()
	return nil
}

func (p *jsonParser) object() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	var m map[string]any
	var o *jsObject
	switch {
	case p.ordered:
		o = &jsObject{}
	case p.depth == 1 && p.top != nil:
		m = p.top
	default:
		m = map[string]any{}
	}
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return orAny(m, o), nil
	}
	for {
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return nil, errJSON
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, errJSON
		}
		p.i++
		p.space()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		if o != nil {
			o.set(k, v)
		} else {
			m[k] = v
		}
		p.space()
		if p.i >= len(p.s) {
			return nil, errJSON
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			p.space()
		case '}':
			p.i++
			return orAny(m, o), nil
		default:
			return nil, errJSON
		}
	}
}

// orAny is m, or o when it is set.
func orAny(m map[string]any, o *jsObject) any {
	if o != nil {
		return o
	}
	return m
}

func (p *jsonParser) array() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	a := []any{}
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return a, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.space()
		if p.i >= len(p.s) {
			return nil, errJSON
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			p.space()
		case ']':
			p.i++
			return a, nil
		default:
			return nil, errJSON
		}
	}
}

// str reads a string at p.i, which is '"'.
func (p *jsonParser) str() (string, error) {
	p.i++
	start := p.i
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == '"':
			s := p.s[start:p.i]
			p.i++
			return s, nil
		case c == '\\':
			return p.escapedStr(start)
		case c < 0x20:
			return "", errJSON
		default:
			p.i++
		}
	}
	return "", errJSON
}

// escapedStr reads the rest of a string that has an escape at p.i; the
// string's text started at start.
func (p *jsonParser) escapedStr(start int) (string, error) {
	b := []byte(p.s[start:p.i])
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return string(b), nil
		case c < 0x20:
			return "", errJSON
		case c != '\\':
			b = append(b, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			return "", errJSON
		}
		e := p.s[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", errJSON
			}
			if r >= 0xD800 && r < 0xDC00 && p.i+1 < len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
				save := p.i
				p.i += 2
				if lo, ok := p.hex4(); ok && lo >= 0xDC00 && lo <= 0xDFFF {
					r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
				} else {
					p.i = save // the next escape is read on its own
				}
			}
			b = appendWTF8(b, r)
		default:
			return "", errJSON
		}
	}
	return "", errJSON
}

// hex4 reads the four hex digits of a \u escape at p.i.
func (p *jsonParser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(p.s[p.i : p.i+4]) {
		d, ok := hexDigit(c)
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	p.i += 4
	return r, true
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// number reads a number with JSON's grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *jsonParser) number() (any, error) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.s) && p.s[p.i] == '0':
		p.i++
	case p.digits() == 0:
		return nil, errJSON
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			return nil, errJSON
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return nil, errJSON
		}
	}
	f, err := strconv.ParseFloat(p.s[start:p.i], 64)
	if err != nil {
		return nil, errJSONRange // the grammar is checked: only the range can fail
	}
	return f, nil
}

func (p *jsonParser) digits() int {
	n := 0
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
		n++
	}
	return n
}

// jsObject is a JSON object in JavaScript's property order: the keys
// that are array indices ("0" to "4294967294" in canonical form) first,
// in ascending order, then the others in the order they first appeared.
// A repeated key keeps its first place and takes its last value.
type jsObject struct {
	keys []string
	vals []any
}

func (o *jsObject) set(k string, v any) {
	if i := slices.Index(o.keys, k); i >= 0 {
		o.vals[i] = v
		return
	}
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

// arrayIndex reports whether k is an array index as JavaScript orders
// object keys, and its value.
func arrayIndex(k string) (uint64, bool) {
	if k == "" || len(k) > 10 || (k[0] == '0' && len(k) > 1) {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(k); i++ {
		if k[i] < '0' || k[i] > '9' {
			return 0, false
		}
		n = n*10 + uint64(k[i]-'0')
	}
	return n, n <= 4294967294
}

// appendJSValue appends v, as read by jsonParser, as JSON.stringify
// writes it.
func appendJSValue(dst []byte, v any) []byte {
	switch t := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		if t {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case float64:
		return wire.AppendNumber(dst, t)
	case string:
		return appendJSString(dst, t)
	case []any:
		dst = append(dst, '[')
		for i, e := range t {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSValue(dst, e)
		}
		return append(dst, ']')
	case *jsObject:
		return t.appendJS(dst)
	case map[string]any:
		o := &jsObject{}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys) // a map has no order of its own
		for _, k := range keys {
			o.set(k, t[k])
		}
		return o.appendJS(dst)
	}
	return append(dst, "null"...)
}

func (o *jsObject) appendJS(dst []byte) []byte {
	order := make([]int, len(o.keys))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ia, aok := arrayIndex(o.keys[a])
		ib, bok := arrayIndex(o.keys[b])
		switch {
		case aok && bok:
			return cmpUint(ia, ib)
		case aok:
			return -1
		case bok:
			return 1
		}
		return 0
	})
	dst = append(dst, '{')
	for n, i := range order {
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSString(dst, o.keys[i])
		dst = append(dst, ':')
		dst = appendJSValue(dst, o.vals[i])
	}
	return append(dst, '}')
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// jsPayload re-encodes a payload (JSON from the config) as the platform
// writes it: JSON.parse and then JSON.stringify. A payload that does not
// parse, which the config compiler never produces, is kept as it is.
func jsPayload(raw []byte) []byte {
	v, err := parseJSON(string(raw), true)
	if err != nil {
		return raw
	}
	return appendJSValue(nil, v)
}

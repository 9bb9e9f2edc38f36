package experiment

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"

	"gopkg.in/yaml.v3"
)

// payload encodes a variant's payload node as JSON, once, at load. Map keys
// keep their order. Numbers must be finite; a payload larger than
// MaxPayloadSize fails with ErrTooLarge.
func (p *parser) payload(n *yaml.Node, at keyPath) json.RawMessage {
	if isNull(n) {
		return nullJSON
	}
	buf := &p.scratch.payload
	buf.Reset()
	if !p.appendJSON(buf, n, at) {
		return nullJSON
	}
	if buf.Len() > MaxPayloadSize {
		p.errorf(n, p.path(at), ErrTooLarge, "the payload is %d bytes of JSON; the limit is %d (MaxPayloadSize)", buf.Len(), MaxPayloadSize)
		return nullJSON
	}
	return p.rawJSON(buf.Bytes())
}

func (p *parser) appendJSON(buf *bytes.Buffer, n *yaml.Node, at keyPath) bool {
	n = resolve(n)
	ok := p.enter(n, at)
	defer p.leave()
	if !ok {
		return false
	}
	if buf.Len() > MaxPayloadSize {
		p.errorf(n, p.path(at), ErrTooLarge, "the payload is larger than %d bytes of JSON (MaxPayloadSize)", MaxPayloadSize)
		return false
	}
	switch n.Kind {
	case yaml.SequenceNode:
		path := p.path(at)
		buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if !p.appendJSON(buf, c, elemOf(path, i)) {
				return false
			}
		}
		buf.WriteByte(']')
		return true
	case yaml.MappingNode:
		path := p.path(at)
		entries, ok, mark := p.pushEntries(n, path, false)
		defer p.popEntries(mark)
		if !ok {
			return false
		}
		buf.WriteByte('{')
		for i, e := range entries {
			if i > 0 {
				buf.WriteByte(',')
			}
			appendJSONString(buf, e.key)
			buf.WriteByte(':')
			if !p.appendJSON(buf, e.v, keyOf(path, e.key)) {
				return false
			}
		}
		buf.WriteByte('}')
		return true
	case yaml.ScalarNode:
	default:
		p.errorf(n, p.path(at), ErrInvalidValue, "expected a JSON value, found %s", describe(n))
		return false
	}
	return p.appendScalar(buf, n, at)
}

// appendScalar writes a scalar node as JSON: null, a boolean, a finite
// number as written (or normalised when YAML spells it otherwise), or a
// string.
func (p *parser) appendScalar(buf *bytes.Buffer, n *yaml.Node, at keyPath) bool {
	switch n.ShortTag() {
	case "!!null":
		buf.WriteString("null")
	case "!!bool":
		var b bool
		_ = n.Decode(&b)
		buf.WriteString(strconv.FormatBool(b))
	case "!!int", "!!float":
		if isJSONNumber(n.Value) {
			if f, err := strconv.ParseFloat(n.Value, 64); err != nil && math.IsInf(f, 0) {
				p.errorf(n, p.path(at), ErrInvalidValue, "a payload number must be finite, found %s, which is beyond the range of a 64-bit float", n.Value)
				return false
			}
			buf.WriteString(n.Value) // exactly as written
			break
		}
		num, ok := scalarNumber(n)
		switch {
		case !ok:
			p.errorf(n, p.path(at), ErrInvalidValue, "the number %s cannot be read", n.Value)
			return false
		case num.isInt:
			buf.WriteString(strconv.FormatInt(num.i, 10))
		case math.IsNaN(num.f) || math.IsInf(num.f, 0):
			p.errorf(n, p.path(at), ErrInvalidValue, "a payload number must be finite, found %s", n.Value)
			return false
		default:
			b, _ := json.Marshal(num.f)
			buf.Write(b)
		}
	default:
		if n.Style == 0 && n.Tag == "!!str" && isJSONNumber(n.Value) {
			// An unquoted number YAML could not read as a float: 1e400.
			p.errorf(n, p.path(at), ErrInvalidValue, "a payload number must be finite, found %s, which is beyond the range of a 64-bit float; quote it to make it a string", n.Value)
			return false
		}
		appendJSONString(buf, n.Value)
	}
	return true
}

// isJSONNumber reports whether the whole of s is a JSON number, in
// jsonNumberEnd's grammar.
func isJSONNumber(s string) bool {
	end, _ := jsonNumberEnd(s, 0) // json_scan.go
	return end == len(s)
}

// scalarNumber reads a YAML or JSON number node: exactly when it is an
// integer that fits an int64, else as a float64.
func scalarNumber(n *yaml.Node) (number, bool) {
	if num, ok := parseNumber(n.Value); ok && isJSONNumber(n.Value) {
		return num, true
	}
	var x any
	if err := n.Decode(&x); err != nil {
		return number{}, false
	}
	if u, ok := x.(uint64); ok {
		return uintNum(u), true
	}
	return toNumber(x)
}

// appendJSONString writes s as a JSON string, without HTML escaping, as
// encoding/json writes it: printable ASCII other than '"' and '\\' as is
// (the common case, written here), anything else by encoding/json.
func appendJSONString(buf *bytes.Buffer, s string) {
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\'
	}
	if plain {
		buf.WriteByte('"')
		buf.WriteString(s)
		buf.WriteByte('"')
		return
	}
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	buf.Truncate(buf.Len() - 1) // Encode's newline
}

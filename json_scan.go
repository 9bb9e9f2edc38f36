package experiment

import (
	"encoding/json"
	"strconv"

	"gopkg.in/yaml.v3"
)

// scanJSON is decodeJSON's fast path: it reads a valid JSON document into
// the same node tree jsonReader builds (FuzzScanJSON checks that they
// agree), scanning the bytes itself instead of going through
// encoding/json's tokens, and taking the nodes and their Content from a
// few large blocks instead of one allocation each. At anything that is not
// valid JSON (or is nested deeper than maxJSONDepth) it reports false, and
// jsonReader reads the document again to say what is wrong. data must be
// valid UTF-8, which decode has checked.
//
// The document is copied once, into one string, and every string the
// nodes hold (keys, strings without escapes, numbers) is a part of it,
// not an allocation of its own. So whatever keeps one of them (a
// Ruleset keeps its experiments' names) keeps the copy: memory no
// larger than the document.
//
// The nodes come from arena; when the document is not read, they are
// released at once.
func scanJSON(data []byte, arena *nodeArena) (*yaml.Node, bool) {
	s := &jsonScanner{data: data, src: string(data), line: 1, arena: arena}
	n, ok := s.value()
	if ok {
		s.skip()
		ok = s.off == len(data)
	}
	if !ok {
		arena.release()
		return nil, false
	}
	return n, true
}

type jsonScanner struct {
	data  []byte
	src   string // data, copied: where the nodes' strings come from
	off   int    // the next byte to read
	depth int

	// Where the current line starts, its number, and how many UTF-8
	// continuation bytes it has before off (see pos). In JSON a newline
	// can only be whitespace, and a byte that is not ASCII only part of
	// a string, so skip and str keep these as they go.
	lineStart, line, cont int

	arena *nodeArena   // where nodes and Content slices come from
	kids  []*yaml.Node // the children of the open containers, innermost last
}

// pos returns the 1-based line and column (in runes) of offset off, the
// start of a value on the current line: its bytes after the line's
// start, less the continuation bytes of the runes before it.
func (s *jsonScanner) pos(off int) (line, col int) {
	return s.line, off - s.lineStart - s.cont + 1
}

// skip moves past JSON whitespace, counting lines.
func (s *jsonScanner) skip() {
	for s.off < len(s.data) {
		switch s.data[s.off] {
		case ' ', '\t', '\r':
			s.off++
		case '\n':
			s.off++
			s.line, s.lineStart, s.cont = s.line+1, s.off, 0
		default:
			return
		}
	}
}

// node returns a new node at offset off.
func (s *jsonScanner) node(off int) *yaml.Node {
	n := s.arena.node()
	n.Line, n.Column = s.pos(off)
	return n
}

// setNode writes the fields of n the scanner uses besides its position, all
// of them: the arena hands out nodes as a released tree left them (see
// nodeArena). A container's Content is written again once its members
// are read.
func setNode(n *yaml.Node, kind yaml.Kind, style yaml.Style, tag, value string) {
	n.Kind, n.Style, n.Tag, n.Value, n.Content = kind, style, tag, value, nil
}

// value reads one JSON value, after whitespace.
func (s *jsonScanner) value() (*yaml.Node, bool) {
	s.skip()
	if s.off >= len(s.data) {
		return nil, false
	}
	n := s.node(s.off)
	switch c := s.data[s.off]; {
	case c == '{':
		setNode(n, yaml.MappingNode, 0, "!!map", "")
		return n, s.container(n, '}')
	case c == '[':
		setNode(n, yaml.SequenceNode, 0, "!!seq", "")
		return n, s.container(n, ']')
	case c == '"':
		v, ok := s.str()
		setNode(n, yaml.ScalarNode, yaml.DoubleQuotedStyle, "!!str", v)
		return n, ok
	case c == '-' || c >= '0' && c <= '9':
		return n, s.number(n)
	}
	for _, lit := range [...]struct{ text, tag string }{{"true", "!!bool"}, {"false", "!!bool"}, {"null", "!!null"}} {
		if len(s.data)-s.off >= len(lit.text) && string(s.data[s.off:s.off+len(lit.text)]) == lit.text {
			s.off += len(lit.text)
			setNode(n, yaml.ScalarNode, 0, lit.tag, lit.text)
			return n, true
		}
	}
	return nil, false
}

// container reads the members of an object or the elements of an array,
// from its opening byte to end.
func (s *jsonScanner) container(n *yaml.Node, end byte) bool {
	s.depth++
	if s.depth > maxJSONDepth {
		return false
	}
	s.off++
	base := len(s.kids)
	s.skip()
	if s.off < len(s.data) && s.data[s.off] == end {
		s.off++
		s.depth--
		return true
	}
	for {
		if end == '}' {
			if !s.key() {
				return false
			}
		}
		v, ok := s.value()
		if !ok {
			return false
		}
		s.kids = append(s.kids, v)
		s.skip()
		if s.off >= len(s.data) {
			return false
		}
		c := s.data[s.off]
		s.off++
		if c == end {
			break
		}
		if c != ',' {
			return false
		}
	}
	n.Content = s.arena.content(s.kids[base:])
	s.kids = s.kids[:base]
	s.depth--
	return true
}

// key reads an object member's key and its colon.
func (s *jsonScanner) key() bool {
	s.skip()
	if s.off >= len(s.data) || s.data[s.off] != '"' {
		return false
	}
	k := s.node(s.off)
	v, ok := s.str()
	if !ok {
		return false
	}
	setNode(k, yaml.ScalarNode, yaml.DoubleQuotedStyle, "!!str", v)
	s.kids = append(s.kids, k)
	s.skip()
	if s.off >= len(s.data) || s.data[s.off] != ':' {
		return false
	}
	s.off++
	return true
}

// str reads a string. One without escapes is its bytes; one with escapes
// is decoded by encoding/json, so that escapes (surrogate pairs, invalid
// ones) mean what they mean to jsonReader.
func (s *jsonScanner) str() (string, bool) {
	start := s.off + 1
	escaped := false
	for i := start; i < len(s.data); i++ {
		for i < len(s.data) && strPlain[s.data[i]] {
			i++
		}
		if i == len(s.data) {
			break
		}
		switch c := s.data[i]; {
		case c == '\\':
			escaped = true
			i++
		case c == '"':
			s.off = i + 1
			if !escaped {
				return s.src[start:i], true
			}
			var v string
			err := json.Unmarshal(s.data[start-1:i+1], &v)
			return v, err == nil
		case c < 0x20:
			return "", false
		case c&0xC0 == 0x80: // a UTF-8 continuation byte, for pos
			s.cont++
		}
	}
	return "", false
}

// strPlain is the bytes str passes over without a look: all but the
// quote, the backslash, control characters and UTF-8 continuation bytes.
var strPlain = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 0x20 && c != '"' && c != '\\' && c&0xC0 != 0x80
	}
	return t
}()

// number reads a number into n: !!int when it is an integer that fits an
// int64, !!float otherwise, its text as written.
func (s *jsonScanner) number(n *yaml.Node) bool {
	end, integer := jsonNumberEnd(s.src, s.off)
	if end < 0 {
		return false
	}
	setNode(n, yaml.ScalarNode, 0, "!!float", s.src[s.off:end])
	if integer && fitsInt64(n.Value) {
		n.Tag = "!!int"
	}
	s.off = end
	return true
}

// jsonNumberEnd returns where the JSON number that starts at s[i] ends,
// in the grammar's terms -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?,
// and whether it is written as an integer (no fraction, no exponent); -1
// when no number starts there. The scanner and isJSONNumber (payloads)
// both read numbers by it.
func jsonNumberEnd(s string, i int) (int, bool) {
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = digits(s, i+1)
	default:
		return -1, false
	}
	integer := true
	if i < len(s) && s[i] == '.' {
		j := digits(s, i+1)
		if j == i+1 {
			return -1, false
		}
		i, integer = j, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(s, i)
		if j == i {
			return -1, false
		}
		i, integer = j, false
	}
	return i, integer
}

// fitsInt64 reports whether the integer text v (an optional '-' and
// digits) is within int64's range; up to 18 digits always are.
func fitsInt64(v string) bool {
	if len(v) <= 18 {
		return true
	}
	_, err := strconv.ParseInt(v, 10, 64)
	return err == nil
}

// digits returns the offset after the decimal digits from i.
func digits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

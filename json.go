package experiment

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"gopkg.in/yaml.v3"
)

// looksLikeJSON reports whether data starts, after whitespace and a byte
// order mark, with '{': a JSON config or snapshot. Such input is read by
// encoding/json, which handles all of JSON (yaml.v3 rejects the surrogate
// pair escapes JSON uses for characters outside the BMP).
func looksLikeJSON(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	data = bytes.TrimLeft(data, " \t\r\n")
	return len(data) > 0 && data[0] == '{'
}

// decodeJSON reads one JSON value into a yaml.Node tree carrying the line
// and column of every value, so that the config compiler and its errors
// treat JSON and YAML alike. Integers that fit an int64 are tagged !!int,
// other numbers !!float, as YAML would tag them. Valid JSON is read by
// scanJSON, whose nodes come from arena; the rest by readJSON, which
// says what is wrong.
func decodeJSON(data []byte, arena *nodeArena) (*yaml.Node, error) {
	if n, ok := scanJSON(data, arena); ok {
		return n, nil
	}
	return readJSON(data)
}

// readJSON is decodeJSON through encoding/json's tokens: the reader of
// record, whose errors are the ones reported, and which scanJSON must
// agree with.
func readJSON(data []byte) (*yaml.Node, error) {
	j := &jsonReader{data: data, dec: json.NewDecoder(bytes.NewReader(data)), posLine: 1, posCol: 1}
	j.dec.UseNumber()
	n, err := j.value()
	if err != nil {
		return nil, err
	}
	if _, err := j.dec.Token(); err != io.EOF {
		line, col := j.position(j.dec.InputOffset())
		if err == nil {
			err = errors.New("data after the JSON value")
		}
		return nil, &jsonError{line, col, err}
	}
	return n, nil
}

type jsonReader struct {
	data  []byte
	dec   *json.Decoder
	depth int

	posOff          int64 // position's last offset, and its line and column
	posLine, posCol int
}

// jsonError is a JSON syntax error at a position.
type jsonError struct {
	line, col int
	err       error
}

func (e *jsonError) Error() string { return e.err.Error() }

// position turns a byte offset into a 1-based line and column (in runes).
// Offsets mostly grow, so it carries on from the last one it computed:
// reading a document stays linear, even one long minified line.
func (j *jsonReader) position(off int64) (line, col int) {
	off = min(off, int64(len(j.data)))
	if off < j.posOff {
		j.posOff, j.posLine, j.posCol = 0, 1, 1
	}
	for _, c := range j.data[j.posOff:off] {
		switch {
		case c == '\n':
			j.posLine, j.posCol = j.posLine+1, 1
		case c&0xC0 != 0x80: // not a UTF-8 continuation byte: a new rune
			j.posCol++
		}
	}
	j.posOff = off
	return j.posLine, j.posCol
}

// next returns the next token and the position where it starts.
func (j *jsonReader) next() (json.Token, int, int, error) {
	off := j.dec.InputOffset()
	for off < int64(len(j.data)) {
		c := j.data[off]
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != ',' && c != ':' {
			break
		}
		off++
	}
	line, col := j.position(off)
	tok, err := j.dec.Token()
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col = j.position(se.Offset)
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, line, col, &jsonError{line, col, err}
	}
	return tok, line, col, nil
}

func (j *jsonReader) value() (*yaml.Node, error) {
	tok, line, col, err := j.next()
	if err != nil {
		return nil, err
	}
	return j.node(tok, line, col)
}

func (j *jsonReader) node(tok json.Token, line, col int) (*yaml.Node, error) {
	n := &yaml.Node{Line: line, Column: col}
	switch t := tok.(type) {
	case json.Delim:
		j.depth++
		defer func() { j.depth-- }()
		if j.depth > maxJSONDepth {
			return nil, &jsonError{line, col, fmt.Errorf("nested deeper than %d levels", maxJSONDepth)}
		}
		end := json.Delim('}')
		n.Kind, n.Tag = yaml.MappingNode, "!!map"
		if t == '[' {
			end = ']'
			n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
		}
		for {
			tok, line, col, err := j.next()
			if err != nil {
				return nil, err
			}
			if tok == end {
				return n, nil
			}
			child, err := j.node(tok, line, col)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, child)
			if n.Kind == yaml.MappingNode {
				v, err := j.value()
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, v)
			}
		}
	case string:
		n.Kind, n.Tag, n.Value, n.Style = yaml.ScalarNode, "!!str", t, yaml.DoubleQuotedStyle
	case json.Number:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!float", string(t)
		if _, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			n.Tag = "!!int"
		}
	case bool:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!bool", strconv.FormatBool(t)
	case nil:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!null", "null"
	}
	return n, nil
}

package dashboard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The lifecycle the platform allows (PATCH /experiments/:id/status); the
// experiment page offers a button for each allowed next status only.
var transitions = map[string][]string{
	"DRAFT":    {"RUNNING", "ARCHIVED"},
	"RUNNING":  {"PAUSED", "ARCHIVED"},
	"PAUSED":   {"RUNNING", "ARCHIVED"},
	"ARCHIVED": nil,
}

var statuses = []string{"DRAFT", "RUNNING", "PAUSED", "ARCHIVED"}

// transitionVerb is the button for moving from one status to another.
func transitionVerb(from, to string) string {
	switch {
	case to == "RUNNING" && from == "PAUSED":
		return "Resume"
	case to == "RUNNING":
		return "Start"
	case to == "PAUSED":
		return "Pause"
	case to == "ARCHIVED":
		return "Archive"
	}
	return to
}

// jsonField is a form field that holds JSON: its text and, when it does
// not parse as wanted, why.
type jsonField struct {
	Text  string
	Error string
}

// parseJSONField decodes the text of the field named what. Blank text is
// (nil, nil): the caller decides what no value means. want is "object" or
// "array"; a value of another kind is an error, as are invalid JSON and
// trailing data, with the line and column of the problem.
func parseJSONField(what, text, want string) (json.RawMessage, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	if !utf8.ValidString(text) {
		return nil, fmt.Errorf("%s is not valid UTF-8 text", what)
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonError(what, text, err)
	}
	if off := dec.InputOffset(); strings.TrimSpace(text[off:]) != "" {
		line, col := position(text, int(off))
		return nil, fmt.Errorf("%s has more after its JSON value (line %d, column %d)", what, line, col)
	}
	switch v.(type) {
	case map[string]any:
		if want != "object" {
			return nil, fmt.Errorf("%s must be a JSON %s, not an object", what, want)
		}
	case []any:
		if want != "array" {
			return nil, fmt.Errorf("%s must be a JSON %s, not an array", what, want)
		}
	default:
		return nil, fmt.Errorf("%s must be a JSON %s, such as %s", what, want, example(want))
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(text)); err != nil {
		return nil, jsonError(what, text, err)
	}
	return buf.Bytes(), nil
}

func example(want string) string {
	if want == "array" {
		return `[{"conditions": [{"attribute": "country", "operator": "eq", "value": "US"}]}]`
	}
	return `{"color": "blue"}`
}

func jsonError(what, text string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "json: ")
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// Offset counts the offending byte itself.
		line, col := position(text, int(se.Offset)-1)
		return fmt.Errorf("%s is not valid JSON: %s (line %d, column %d)", what, msg, line, col)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s is not valid JSON: it ends too soon", what)
	}
	return fmt.Errorf("%s is not valid JSON: %s", what, msg)
}

// position is the 1-based line and column (in runes) of byte offset off.
func position(text string, off int) (line, col int) {
	off = min(max(off, 0), len(text))
	before := text[:off]
	line = strings.Count(before, "\n") + 1
	col = len([]rune(before[strings.LastIndexByte(before, '\n')+1:])) + 1
	return line, col
}

// formNumber turns a number field into what the API is sent: a JSON number
// when the text is one, so the platform's own messages speak of its range
// or of fractions, and otherwise the text as a JSON string, which the
// platform rejects with its message for a value that is not a number.
func formNumber(text string) any {
	t := strings.TrimSpace(text)
	if t != "" && json.Valid([]byte(t)) {
		if _, err := strconv.ParseFloat(t, 64); err == nil {
			return json.Number(t)
		}
	}
	return text
}

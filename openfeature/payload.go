package experimentprovider

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
)

// payloadError says why a payload is not a value of the requested type: a
// TYPE_MISMATCH (the payload is another kind of JSON value), or with parse
// set a PARSE_ERROR (the right kind, but it cannot be read as the type).
type payloadError struct {
	msg   string // completes "the payload of variant V ..."
	parse bool
	err   error // the underlying error, if any
}

// kindOf names the kind of JSON value in p, from its first byte; the
// library encodes payloads at load, so p is valid JSON or nil.
func kindOf(p json.RawMessage) string {
	p = bytes.TrimLeft(p, " \t\r\n")
	if len(p) == 0 {
		return "none"
	}
	switch p[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "a number"
	}
	return "not JSON"
}

// mismatch is the error for a payload of kind k where want is wanted.
func mismatch(p json.RawMessage, want string) *payloadError {
	k := kindOf(p)
	if k == "not JSON" {
		return &payloadError{msg: "is not JSON", parse: true}
	}
	if k == "none" {
		return &payloadError{msg: "is absent, want " + want}
	}
	return &payloadError{msg: "is " + k + ", want " + want}
}

// intPayload reads a JSON number with an integer value that fits an int64.
func intPayload(p json.RawMessage) (int64, *payloadError) {
	if kindOf(p) != "a number" {
		return 0, mismatch(p, "an integer")
	}
	s := string(bytes.TrimSpace(p))
	i, err := strconv.ParseInt(s, 10, 64)
	if err == nil {
		return i, nil
	}
	if errors.Is(err, strconv.ErrRange) {
		return 0, &payloadError{msg: s + " does not fit an int64", parse: true, err: err}
	}
	// A fraction or an exponent: 3.0 and 3e2 are integers, 2.5 is not.
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil:
		return 0, &payloadError{msg: s + " cannot be read as a number", parse: true, err: err}
	case f != math.Trunc(f):
		return 0, &payloadError{msg: "is " + s + ", want an integer"}
	case f < -(1<<63) || f >= 1<<63:
		return 0, &payloadError{msg: s + " does not fit an int64", parse: true}
	}
	return int64(f), nil
}

// floatPayload reads a JSON number within the range of a float64.
func floatPayload(p json.RawMessage) (float64, *payloadError) {
	if kindOf(p) != "a number" {
		return 0, mismatch(p, "a number")
	}
	s := string(bytes.TrimSpace(p))
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, &payloadError{msg: s + " does not fit a float64", parse: true, err: err}
	}
	return f, nil
}

// objectPayload decodes a JSON object or array.
func objectPayload(p json.RawMessage) (any, *payloadError) {
	switch kindOf(p) {
	case "an object", "an array":
	default:
		return nil, mismatch(p, "an object")
	}
	var v any
	if err := json.Unmarshal(p, &v); err != nil {
		return nil, &payloadError{msg: "cannot be decoded: " + err.Error(), parse: true, err: err}
	}
	return v, nil
}

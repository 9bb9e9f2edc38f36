package control

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/inprocess/experiment/internal/wire"
)

// The events route, POST /events, is not the platform's: it receives the
// batches the library's HTTPSink sends (the format internal/wire
// documents) and stores them with Store.StoreEvents, once per batch id.
//
// Answers: 200 {"batch_id","exposures","events"} for a stored batch, and
// the same for a batch id stored before (nothing is stored again; the
// counts are the first batch's); 400 for a body that is not a batch, with
// "list", "index" and "field" naming the bad record and its key when a
// record is the problem; 413 for a body over wire.MaxBatchBytes; 415 for
// a body that is not application/json; 401 without the bearer token.

// eventsError is a batch refused with 400: the message and, for a bad
// record, where it is.
type eventsError struct {
	msg   string
	list  string // "exposures" or "events"; "" when the batch itself is wrong
	index int
	field string // the record's or the batch's key, "" when none applies
}

func (e *eventsError) body() []byte {
	b := append([]byte(`{"error":`), wire.AppendString(nil, e.msg)...)
	if e.list != "" {
		b = append(b, `,"list":`...)
		b = wire.AppendString(b, e.list)
		b = append(b, `,"index":`...)
		b = strconv.AppendInt(b, int64(e.index), 10)
	}
	if e.field != "" {
		b = append(b, `,"field":`...)
		b = wire.AppendString(b, e.field)
	}
	return append(b, '}')
}

func (s *server) postEvents(w http.ResponseWriter, r *request) {
	body, status, msg := readBatchBody(r.Request)
	if status != 0 {
		writeError(w, status, msg)
		return
	}
	b, berr := decodeBatch(body)
	if berr != nil {
		writeJSON(w, http.StatusBadRequest, berr.body())
		return
	}
	stored, err := s.store.StoreEvents(r.Context(), b)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := append([]byte(`{"batch_id":`), wire.AppendString(nil, stored.BatchID)...)
	out = append(out, `,"exposures":`...)
	out = strconv.AppendInt(out, stored.Exposures, 10)
	out = append(out, `,"events":`...)
	out = strconv.AppendInt(out, stored.Events, 10)
	writeJSON(w, http.StatusOK, append(out, '}'))
}

// readBatchBody reads a batch body of at most wire.MaxBatchBytes, or
// returns the status and message refusing it.
func readBatchBody(r *http.Request) ([]byte, int, string) {
	if ct := r.Header.Get("Content-Type"); mediaType(ct) != "application/json" {
		return nil, http.StatusUnsupportedMediaType, fmt.Sprintf("control: a batch of events is application/json, not %q", ct)
	}
	tooLarge := fmt.Sprintf("control: the batch is larger than %d bytes", wire.MaxBatchBytes)
	if r.ContentLength > wire.MaxBatchBytes {
		return nil, http.StatusRequestEntityTooLarge, tooLarge
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r.Body, wire.MaxBatchBytes+1))
	switch {
	case n > wire.MaxBatchBytes:
		return nil, http.StatusRequestEntityTooLarge, tooLarge
	case err != nil:
		return nil, http.StatusBadRequest, "control: reading the request body: " + err.Error()
	case n == 0:
		return nil, http.StatusBadRequest, "control: the batch is empty; want {\"batch_id\":...,\"exposures\":[...],\"events\":[...]}"
	}
	return buf.Bytes(), 0, ""
}

// decodeBatch decodes and checks a batch as wire documents it, naming the
// record and key at fault.
func decodeBatch(body []byte) (wire.Batch, *eventsError) {
	var raw struct {
		BatchID   *string           `json:"batch_id"`
		Exposures []json.RawMessage `json:"exposures"`
		Events    []json.RawMessage `json:"events"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&raw); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return wire.Batch{}, &eventsError{msg: fmt.Sprintf("control: the batch's %q is a JSON %s, want %s", te.Field, te.Value, wantType(te.Field)), field: te.Field}
		}
		return wire.Batch{}, &eventsError{msg: "control: the batch is not a JSON object: " + err.Error()}
	}
	if dec.More() {
		return wire.Batch{}, &eventsError{msg: "control: data after the batch's JSON object"}
	}
	b := wire.Batch{Exposures: make([]wire.Exposure, 0, len(raw.Exposures)), Events: make([]wire.Event, 0, len(raw.Events))}
	if raw.BatchID != nil {
		b.BatchID = *raw.BatchID
	}
	if n := len(raw.Exposures) + len(raw.Events); n > wire.MaxBatchRecords {
		return wire.Batch{}, &eventsError{msg: fmt.Sprintf("control: the batch has %d records, more than %d", n, wire.MaxBatchRecords)}
	}
	if err := b.Validate(); err != nil {
		return wire.Batch{}, &eventsError{msg: "control: " + err.Error(), field: "batch_id"}
	}
	var rec wire.Record
	for i, data := range raw.Exposures {
		if err := parseRecord(&rec, data, wire.KindExposure); err != nil {
			return wire.Batch{}, recordError("exposures", i, data, err)
		}
		b.Exposures = append(b.Exposures, rec.AsExposure())
	}
	for i, data := range raw.Events {
		if err := parseRecord(&rec, data, wire.KindEvent); err != nil {
			return wire.Batch{}, recordError("events", i, data, err)
		}
		b.Events = append(b.Events, rec.AsEvent())
	}
	return b, nil
}

func wantType(field string) string {
	if field == "batch_id" {
		return "a string"
	}
	return "an array of records"
}

// errKind is a record of the other kind than its list's.
var errKind = errors.New(`"type" does not match the list the record is in`)

func parseRecord(rec *wire.Record, data []byte, kind wire.Kind) error {
	if err := rec.Parse(data); err != nil {
		return err
	}
	if rec.Kind != kind {
		return errKind
	}
	return nil
}

func recordError(list string, i int, data []byte, err error) *eventsError {
	field := faultyKey(data, err)
	where := fmt.Sprintf("%s[%d]", list, i)
	if field != "" {
		where += fmt.Sprintf(", key %q", field)
	}
	return &eventsError{msg: "control: record " + where + ": " + err.Error(), list: list, index: i, field: field}
}

// requiredKeys are the keys of a record, in the order they are checked.
var requiredKeys = []string{"type", "user_key", "experiment_key", "variant_key", "config_version", "event", "timestamp"}

// faultyKey finds the key of a record that err (from wire.Record.Parse)
// is about: the key whose value holds the offset of a syntax error, the
// first required key that is missing or empty, or "type" for a record in
// the wrong list. It returns "" when no key is to blame (the record is
// not an object).
func faultyKey(data []byte, err error) string {
	if errors.Is(err, errKind) {
		return "type"
	}
	var se *wire.SyntaxError
	if errors.As(err, &se) {
		return keyAt(data, se.Offset)
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(data, &fields) != nil {
		return ""
	}
	var typ string
	_ = json.Unmarshal(fields["type"], &typ)
	for _, k := range requiredKeys {
		if (typ == "exposure" && k == "event") || (typ == "event" && (k == "experiment_key" || k == "variant_key" || k == "config_version")) {
			continue
		}
		v, ok := fields[k]
		if !ok || string(v) == `""` {
			return k
		}
	}
	return ""
}

// keyAt returns the key of the object in data whose key or value spans
// byte offset, or the last key read before the JSON went wrong.
func keyAt(data []byte, offset int) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	last := ""
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return last
		}
		key, _ := t.(string)
		last = key
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil || int(dec.InputOffset()) > offset {
			return key
		}
	}
	return ""
}

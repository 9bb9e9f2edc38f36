package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Batch is the body of POST {base}/events: the records a sink sends in
// one request. Its JSON form is the package documentation's.
type Batch struct {
	BatchID   string     `json:"batch_id"`
	Exposures []Exposure `json:"exposures"`
	Events    []Event    `json:"events"`
}

// Len returns the number of records in b.
func (b *Batch) Len() int { return len(b.Exposures) + len(b.Events) }

// Validate reports whether b is a batch a server should accept: a
// non-empty batch id of at most 128 bytes, and at most MaxBatchRecords
// records. (Each record was validated when it was decoded.)
func (b *Batch) Validate() error {
	switch {
	case b.BatchID == "":
		return errors.New("wire: batch without batch_id")
	case len(b.BatchID) > 128:
		return errors.New("wire: batch_id longer than 128 bytes")
	case b.Len() > MaxBatchRecords:
		return fmt.Errorf("wire: batch of %d records, more than %d", b.Len(), MaxBatchRecords)
	}
	return nil
}

// MarshalJSON encodes e as its record, with ErrEmpty, ErrTimestamp or
// ErrTooLong for one that is not to be written.
func (e Exposure) MarshalJSON() ([]byte, error) { return AppendExposure(nil, e) }

// MarshalJSON encodes e as its record, with ErrEmpty, ErrValue,
// ErrTimestamp or ErrTooLong for one that is not to be written.
func (e Event) MarshalJSON() ([]byte, error) { return AppendEvent(nil, e) }

// UnmarshalJSON decodes an exposure record, with an error for anything
// else (an event record included).
func (e *Exposure) UnmarshalJSON(data []byte) error {
	var r Record
	if err := r.Parse(data); err != nil {
		return err
	}
	if r.Kind != KindExposure {
		return errors.New(`wire: want a record of "type":"exposure"`)
	}
	*e = r.AsExposure()
	return nil
}

// UnmarshalJSON decodes an event record, with an error for anything else
// (an exposure record included).
func (e *Event) UnmarshalJSON(data []byte) error {
	var r Record
	if err := r.Parse(data); err != nil {
		return err
	}
	if r.Kind != KindEvent {
		return errors.New(`wire: want a record of "type":"event"`)
	}
	*e = r.AsEvent()
	return nil
}

// AppendBatch appends the JSON body of a batch with the given id;
// exposures and events are records encoded by AppendExposure and
// AppendEvent, each list joined with commas.
func AppendBatch(dst []byte, id string, exposures, events []byte) []byte {
	dst = append(dst, `{"batch_id":`...)
	dst = appendString(dst, id)
	dst = append(dst, `,"exposures":[`...)
	dst = append(dst, exposures...)
	dst = append(dst, `],"events":[`...)
	dst = append(dst, events...)
	return append(dst, "]}"...)
}

// BatchOverhead is the bytes AppendBatch adds to the records, besides the
// batch id and the commas between records.
const BatchOverhead = len(`{"batch_id":"","exposures":[],"events":[]}`)

// DecodeBatch decodes a batch body and validates it: the way a server
// reads POST /events. Keys of the batch other than its three are ignored,
// as in records. A body over MaxBatchBytes is the caller's to refuse
// before reading it all.
func DecodeBatch(body []byte) (Batch, error) {
	var b Batch
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&b); err != nil {
		return Batch{}, fmt.Errorf("wire: batch: %w", err)
	}
	if dec.More() {
		return Batch{}, errors.New("wire: batch: data after the JSON object")
	}
	return b, b.Validate()
}

package wire

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Exposure is an exposure record: a user assigned a variant of an
// experiment by the config of the given version, at Timestamp.
type Exposure struct {
	UserKey       string
	ExperimentKey string
	VariantKey    string
	ConfigVersion int64
	Timestamp     time.Time
}

// Event is an event record: a user did Event at Timestamp, with Value
// when HasValue.
type Event struct {
	UserKey   string
	Event     string
	Value     float64 // meaningful only when HasValue
	HasValue  bool
	Timestamp time.Time
}

// Errors for records that cannot be written. Append wraps them.
var (
	ErrEmpty     = errors.New("wire: empty user key, experiment, variant or event name")
	ErrValue     = errors.New("wire: value is not finite")
	ErrTimestamp = errors.New("wire: timestamp is zero or outside years 0000-9999")
	ErrTooLong   = fmt.Errorf("wire: record longer than %d bytes", MaxRecordBytes)
)

// AppendExposure appends e's record to dst, without a newline. It returns
// dst unchanged and an error wrapping ErrEmpty, ErrTimestamp or ErrTooLong
// for a record that is not to be written.
func AppendExposure(dst []byte, e Exposure) ([]byte, error) {
	if e.UserKey == "" || e.ExperimentKey == "" || e.VariantKey == "" {
		return dst, ErrEmpty
	}
	if !validTime(e.Timestamp) {
		return dst, ErrTimestamp
	}
	start := len(dst)
	dst = append(dst, `{"type":"exposure","user_key":`...)
	dst = appendString(dst, e.UserKey)
	dst = append(dst, `,"experiment_key":`...)
	dst = appendString(dst, e.ExperimentKey)
	dst = append(dst, `,"variant_key":`...)
	dst = appendString(dst, e.VariantKey)
	dst = append(dst, `,"config_version":`...)
	dst = appendInt(dst, e.ConfigVersion)
	dst = append(dst, `,"timestamp":"`...)
	dst = e.Timestamp.UTC().AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `"}`...)
	if len(dst)-start > MaxRecordBytes {
		return dst[:start], ErrTooLong
	}
	return dst, nil
}

// AppendEvent appends e's record to dst, without a newline; "value" is
// null unless e.HasValue. It returns dst unchanged and an error wrapping
// ErrEmpty, ErrValue, ErrTimestamp or ErrTooLong for a record that is not
// to be written.
func AppendEvent(dst []byte, e Event) ([]byte, error) {
	if e.UserKey == "" || e.Event == "" {
		return dst, ErrEmpty
	}
	if e.HasValue && (math.IsNaN(e.Value) || math.IsInf(e.Value, 0)) {
		return dst, ErrValue
	}
	if !validTime(e.Timestamp) {
		return dst, ErrTimestamp
	}
	start := len(dst)
	dst = append(dst, `{"type":"event","user_key":`...)
	dst = appendString(dst, e.UserKey)
	dst = append(dst, `,"event":`...)
	dst = appendString(dst, e.Event)
	dst = append(dst, `,"value":`...)
	if e.HasValue {
		dst = appendFloat(dst, e.Value)
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `,"timestamp":"`...)
	dst = e.Timestamp.UTC().AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `"}`...)
	if len(dst)-start > MaxRecordBytes {
		return dst[:start], ErrTooLong
	}
	return dst, nil
}

func validTime(t time.Time) bool {
	if t.IsZero() {
		return false
	}
	y := t.UTC().Year()
	return y >= 0 && y <= 9999
}

package wire

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Snapshot is one published version of an environment: its running
// experiments, as the platform's publisher writes them. The JSON keys are
// the struct's fields in order; Encode writes them exactly so, and
// json.Unmarshal reads a snapshot into a Snapshot.
type Snapshot struct {
	// Version numbers an environment's publishes from 1, with no gaps.
	Version int64 `json:"version"`
	// Environment is the environment's name (not its id).
	Environment string `json:"environment"`
	// PublishedAt is when the snapshot was built, in TimeLayout.
	PublishedAt string `json:"publishedAt"`
	// Experiments are the environment's RUNNING experiments; a nil slice
	// is written as [].
	Experiments []Experiment `json:"experiments"`
}

// Experiment is a running experiment in a snapshot.
type Experiment struct {
	ID   string `json:"id"`
	Key  string `json:"key"`
	Salt string `json:"salt"`
	// AudienceRules are the rules of the experiment's audience, inlined:
	// a JSON array of {"conditions":[...]} rules. Nil is written as [],
	// the platform's value for an experiment with no audience.
	AudienceRules json.RawMessage `json:"audienceRules"`
	// TargetingRules are the experiment's own rules, the same shape. Nil
	// is written as [].
	TargetingRules json.RawMessage `json:"targetingRules"`
	// Variants and Allocations: nil slices are written as [].
	Variants    []Variant    `json:"variants"`
	Allocations []Allocation `json:"allocations"`
}

// Variant is a variant of a snapshot's experiment.
type Variant struct {
	ID  string `json:"id"`
	Key string `json:"key"`
	// Payload is any JSON value; nil is written as null, the platform's
	// value for a variant without one.
	Payload json.RawMessage `json:"payload"`
}

// Allocation gives the buckets RangeStart to RangeEnd, both inclusive,
// out of 0-9999, to the variant with id VariantID. The platform does not
// check that the variant exists.
type Allocation struct {
	VariantID  string `json:"variantId"`
	RangeStart int    `json:"rangeStart"`
	RangeEnd   int    `json:"rangeEnd"`
}

// Encode returns s as the platform's publisher writes it with
// JSON.stringify: keys in field order, no spaces, raw JSON fields
// re-spelled by AppendValue. It fails only when a raw field is not valid
// JSON, naming the field.
func (s *Snapshot) Encode() ([]byte, error) {
	b := append(make([]byte, 0, 256), `{"version":`...)
	b = strconv.AppendInt(b, s.Version, 10)
	b = append(b, `,"environment":`...)
	b = AppendString(b, s.Environment)
	b = append(b, `,"publishedAt":`...)
	b = AppendString(b, s.PublishedAt)
	b = append(b, `,"experiments":[`...)
	for i := range s.Experiments {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = s.Experiments[i].append(b); err != nil {
			return nil, fmt.Errorf("wire: experiments[%d].%w", i, err)
		}
	}
	return append(b, "]}"...), nil
}

func (e *Experiment) append(b []byte) ([]byte, error) {
	var err error
	b = append(b, `{"id":`...)
	b = AppendString(b, e.ID)
	b = append(b, `,"key":`...)
	b = AppendString(b, e.Key)
	b = append(b, `,"salt":`...)
	b = AppendString(b, e.Salt)
	b = append(b, `,"audienceRules":`...)
	if b, err = appendRules(b, e.AudienceRules); err != nil {
		return nil, fmt.Errorf("audienceRules: %w", err)
	}
	b = append(b, `,"targetingRules":`...)
	if b, err = appendRules(b, e.TargetingRules); err != nil {
		return nil, fmt.Errorf("targetingRules: %w", err)
	}
	b = append(b, `,"variants":[`...)
	for i, v := range e.Variants {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = AppendString(b, v.ID)
		b = append(b, `,"key":`...)
		b = AppendString(b, v.Key)
		b = append(b, `,"payload":`...)
		if b, err = appendValue(b, v.Payload); err != nil {
			return nil, fmt.Errorf("variants[%d].payload: %w", i, err)
		}
		b = append(b, '}')
	}
	b = append(b, `],"allocations":[`...)
	for i, a := range e.Allocations {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"variantId":`...)
		b = AppendString(b, a.VariantID)
		b = append(b, `,"rangeStart":`...)
		b = strconv.AppendInt(b, int64(a.RangeStart), 10)
		b = append(b, `,"rangeEnd":`...)
		b = strconv.AppendInt(b, int64(a.RangeEnd), 10)
		b = append(b, '}')
	}
	return append(b, "]}"...), nil
}

// appendRules appends a rule list, nil as [].
func appendRules(b []byte, raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 {
		return append(b, "[]"...), nil
	}
	return appendValue(b, raw)
}

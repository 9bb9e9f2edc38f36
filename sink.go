package experiment

import (
	"fmt"
	"sync/atomic"

	"github.com/inprocess/experiment/internal/wire"
)

// A Sink is where exposures and events go, to be analysed later:
// JSONLines writes them to a file, HTTPSink posts them to a platform
// server. Give s.Exposure to WithExposures and s.Event to NewTracker.
//
// Both sinks write the records documented in internal/wire (one JSON
// object per exposure or event) and leave out exposures forced by a QA
// override (Exposure.Forced), which are not assignments and would bias an
// analysis; Stats counts them as Skipped. Exposure and Event never block
// and are safe for concurrent use; Close flushes what is pending.
type Sink interface {
	Exposure(Exposure)
	Event(Event)
	Stats() SinkStats
	Close() error
}

// SinkStats counts what a sink did with the records it was given. Every
// record given to a sink is counted exactly once in Written, Dropped,
// Refused or Skipped, once it has been dealt with.
type SinkStats struct {
	// Written: for JSONLines, records written to its buffer (a later
	// failure to flush them is reported by Flush and Close); for
	// HTTPSink, records in batches the server acknowledged.
	Written int64
	// Dropped: records lost: given after Close or after a write error, a
	// full queue, a batch the server refused or that failed every
	// attempt.
	Dropped int64
	// Refused: invalid records, never written: an empty user id,
	// experiment, variant or event name, a non-finite value, a time that
	// is zero or outside years 0-9999, or a record over 4096 bytes.
	Refused int64
	// Skipped: exposures forced by a QA override.
	Skipped int64
	// Batches: HTTPSink only, batches the server acknowledged.
	Batches int64
	// Retries: HTTPSink only, attempts repeated after a failure.
	Retries int64
}

// counters are a sink's SinkStats, updated atomically.
type counters struct {
	written, dropped, refused, skipped, batches, retries atomic.Int64
	firstRefusal                                         atomic.Pointer[error]
}

func (c *counters) stats() SinkStats {
	return SinkStats{
		Written: c.written.Load(), Dropped: c.dropped.Load(), Refused: c.refused.Load(),
		Skipped: c.skipped.Load(), Batches: c.batches.Load(), Retries: c.retries.Load(),
	}
}

func (c *counters) refuse(err error) {
	c.refused.Add(1)
	c.firstRefusal.CompareAndSwap(nil, &err)
}

// refusals returns an error saying how many records were refused, or nil.
func (c *counters) refusals() error {
	n := c.refused.Load()
	if n == 0 {
		return nil
	}
	return fmt.Errorf("experiment: %d invalid records were not written (the first: %w)", n, *c.firstRefusal.Load())
}

func wireExposure(e Exposure) wire.Exposure {
	return wire.Exposure{
		UserKey: e.UserID, ExperimentKey: e.Experiment, VariantKey: e.Variant,
		ConfigVersion: e.Version, Timestamp: e.Time,
	}
}

func wireEvent(e Event) wire.Event {
	return wire.Event{UserKey: e.UserID, Event: e.Name, Value: e.Value, HasValue: e.HasValue, Timestamp: e.Time}
}

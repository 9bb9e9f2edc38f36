package experiment

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/inprocess/experiment/internal/wire"
)

// JSONLines is a Sink that writes one JSON object per line to an
// io.Writer, exposures as
//
//	{"type":"exposure","user_key":"u1","experiment_key":"checkout","variant_key":"blue","config_version":7,"timestamp":"2026-03-01T12:00:00.5Z"}
//
// and events as
//
//	{"type":"event","user_key":"u1","event":"purchase","value":9.99,"timestamp":"2026-03-01T12:03:10Z"}
//
// ("value" is null for an event without one), timestamps in RFC 3339 and
// UTC. Exposures and events may share a file or go to two sinks: the
// analysis reads either kind from any file and skips the other.
//
// Writes are buffered (64 KiB): call Flush to push them to the writer,
// and Close at the end. After the writer's first error every later record
// is dropped (and counted); Flush and Close return that error. A
// JSONLines is safe for concurrent use; writing a record allocates
// nothing.
type JSONLines struct {
	mu     sync.Mutex
	w      *bufio.Writer
	line   []byte
	err    error // the writer's first error
	closed bool
	counters
}

// NewJSONLines returns a JSONLines writing to w. Close does not close w.
func NewJSONLines(w io.Writer) *JSONLines {
	return &JSONLines{w: bufio.NewWriterSize(w, 64<<10), line: make([]byte, 0, 512)}
}

// Exposure writes e's record, unless e.Forced.
func (s *JSONLines) Exposure(e Exposure) {
	if e.Forced {
		s.skipped.Add(1)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := wire.AppendExposure(s.line[:0], wireExposure(e))
	s.write(rec, err)
}

// Event writes e's record.
func (s *JSONLines) Event(e Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := wire.AppendEvent(s.line[:0], wireEvent(e))
	s.write(rec, err)
}

// write writes an encoded record and its newline; s.mu is held.
func (s *JSONLines) write(rec []byte, err error) {
	switch {
	case err != nil:
		s.refuse(err)
		return
	case s.closed || s.err != nil:
		s.dropped.Add(1)
		return
	}
	rec = append(rec, '\n')
	s.line = rec[:0] // keep the grown buffer
	if _, err := s.w.Write(rec); err != nil {
		s.err = fmt.Errorf("experiment: writing JSON Lines: %w", err)
		s.dropped.Add(1)
		return
	}
	s.written.Add(1)
}

// Flush writes the buffered records to the writer and returns the
// writer's first error, if any.
func (s *JSONLines) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flush()
}

func (s *JSONLines) flush() error {
	if s.err == nil && !s.closed {
		if err := s.w.Flush(); err != nil {
			s.err = fmt.Errorf("experiment: writing JSON Lines: %w", err)
		}
	}
	return s.err
}

// Close flushes the buffered records; records given after it are
// dropped. It returns the writer's first error and, if some records were
// invalid, an error saying how many. Close is idempotent.
func (s *JSONLines) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.flush()
	s.closed = true
	return errors.Join(err, s.refusals())
}

// Stats returns the sink's counts so far.
func (s *JSONLines) Stats() SinkStats { return s.stats() }

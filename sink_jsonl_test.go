package experiment

import (
	"bufio"
	"bytes"
	"errors"
	"math"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/inprocess/experiment/internal/wire"
)

var sinkT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// feedSink gives s the records of testdata/sink.jsonl, some of them
// invalid or forced.
func feedSink(s Sink) {
	s.Exposure(Exposure{Experiment: "checkout", Variant: "blue", UserID: "u1", Version: 7, Time: sinkT0.Add(500 * time.Millisecond)})
	s.Exposure(Exposure{Experiment: "checkout", Variant: "green", UserID: "u2", Version: 7, Forced: true, Time: sinkT0})
	s.Exposure(Exposure{Experiment: "checkout", Variant: "green", UserID: `u"3`, Version: 7,
		Time: sinkT0.In(time.FixedZone("CET", 3600)).Add(time.Second)})
	s.Event(Event{UserID: "u1", Name: "purchase", Value: 9.99, HasValue: true, Time: sinkT0.Add(time.Minute)})
	s.Event(Event{UserID: "u1", Name: "signup", Time: sinkT0.Add(2 * time.Minute)})
	s.Event(Event{UserID: "", Name: "purchase", Value: 1, HasValue: true, Time: sinkT0})            // refused: no user
	s.Event(Event{UserID: "u1", Name: "purchase", Value: math.NaN(), HasValue: true, Time: sinkT0}) // refused: NaN
	s.Exposure(Exposure{Experiment: "checkout", Variant: "blue", UserID: "u4", Version: 7})         // refused: zero time
}

var sinkWantStats = SinkStats{Written: 4, Refused: 3, Skipped: 1}

// TestJSONLinesGolden checks the lines JSONLines writes against
// testdata/sink.jsonl (rewrite with -update).
func TestJSONLinesGolden(t *testing.T) {
	var buf bytes.Buffer
	s := NewJSONLines(&buf)
	feedSink(s)
	if buf.Len() != 0 {
		t.Errorf("%d bytes written before Flush: the sink should buffer", buf.Len())
	}
	err := s.Close()
	if err == nil || !strings.Contains(err.Error(), "3 invalid records were not written") || !errors.Is(err, wire.ErrEmpty) {
		t.Errorf("Close error %v, want one counting 3 invalid records, the first wire.ErrEmpty", err)
	}
	if diff := cmp.Diff(sinkWantStats, s.Stats()); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
	const golden = "testdata/sink.jsonl"
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("JSON Lines (-%s +got):\n%s", golden, diff)
	}
	// Every line is a record the analysis can read.
	var r wire.Record
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		if err := r.Parse([]byte(line)); err != nil {
			t.Errorf("%s: %v", line, err)
		}
	}
}

func TestJSONLinesConcurrent(t *testing.T) {
	var buf bytes.Buffer
	s := NewJSONLines(&buf)
	const writers, each = 8, 500
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := NewTracker(s.Event)
			for i := range each {
				if i%2 == 0 {
					tr.TrackValue("user", "purchase", float64(w*each+i))
				} else {
					s.Exposure(Exposure{Experiment: "e", Variant: "v", UserID: "user", Version: 1, Time: sinkT0})
				}
			}
		}()
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&buf)
	lines, values := 0, map[float64]bool{}
	var r wire.Record
	for sc.Scan() {
		if err := r.Parse(sc.Bytes()); err != nil {
			t.Fatalf("line %d: %v: %s", lines+1, err, sc.Bytes())
		}
		if r.Kind == wire.KindEvent {
			values[r.Value] = true
		}
		lines++
	}
	if lines != writers*each || len(values) != writers*each/2 {
		t.Errorf("%d lines and %d distinct event values, want %d and %d", lines, len(values), writers*each, writers*each/2)
	}
	if got := s.Stats().Written; got != writers*each {
		t.Errorf("Written = %d, want %d", got, writers*each)
	}
}

// failingWriter accepts n bytes, then fails.
type failingWriter struct{ n int }

var errDiskFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errDiskFull
	}
	w.n -= len(p)
	return len(p), nil
}

func TestJSONLinesWriteError(t *testing.T) {
	s := NewJSONLines(&failingWriter{n: 100 << 10})
	const total = 2000 // about 200 KiB: more than the writer takes
	for range total {
		s.Event(Event{UserID: "user-12345", Name: "purchase", Value: 19.99, HasValue: true, Time: sinkT0})
	}
	err := s.Close()
	if !errors.Is(err, errDiskFull) || !strings.HasPrefix(err.Error(), "experiment: writing JSON Lines") {
		t.Errorf("Close error %v, want the writer's", err)
	}
	if flushErr := s.Flush(); !errors.Is(flushErr, errDiskFull) {
		t.Errorf("Flush after the failure: %v, want the writer's error again", flushErr)
	}
	st := s.Stats()
	if st.Dropped == 0 || st.Written+st.Dropped != total {
		t.Errorf("Stats %+v: want drops, and Written + Dropped = %d", st, total)
	}
}

func TestJSONLinesAfterClose(t *testing.T) {
	var buf bytes.Buffer
	s := NewJSONLines(&buf)
	s.Event(Event{UserID: "u", Name: "e", Time: sinkT0})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	n := buf.Len()
	s.Event(Event{UserID: "u", Name: "e", Time: sinkT0})
	s.Exposure(Exposure{Experiment: "x", Variant: "v", UserID: "u", Time: sinkT0})
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if buf.Len() != n {
		t.Errorf("records written after Close")
	}
	if diff := cmp.Diff(SinkStats{Written: 1, Dropped: 2}, s.Stats()); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}

package experiment

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/inprocess/experiment/internal/wire"
)

// eventsServer is a platform server's POST /events on 127.0.0.1: it
// decodes every batch and answers with the status fail gives (200 when
// fail is nil).
type eventsServer struct {
	*httptest.Server
	mu      sync.Mutex
	batches []wire.Batch
	headers []http.Header
	got     chan wire.Batch // every decoded batch, when not nil
	fail    func(attempt int) int
}

func newEventsServer(t *testing.T, fail func(attempt int) int) *eventsServer {
	t.Helper()
	s := &eventsServer{fail: fail, got: make(chan wire.Batch, 100)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/events" || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, `{"error":"not POST /events with JSON"}`, http.StatusNotFound)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, wire.MaxBatchBytes+1))
		if err != nil || len(body) > wire.MaxBatchBytes {
			http.Error(w, `{"error":"body"}`, http.StatusRequestEntityTooLarge)
			return
		}
		b, err := wire.DecodeBatch(body)
		if err != nil {
			http.Error(w, `{"error":"bad batch"}`, http.StatusBadRequest)
			t.Errorf("server: %v", err)
			return
		}
		s.mu.Lock()
		attempt := len(s.batches)
		s.batches = append(s.batches, b)
		s.headers = append(s.headers, r.Header.Clone())
		s.mu.Unlock()
		if s.fail != nil {
			if code := s.fail(attempt); code != http.StatusOK {
				http.Error(w, `{"error":"try again"}`, code)
				return
			}
		}
		s.got <- b
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *eventsServer) received() []wire.Batch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]wire.Batch(nil), s.batches...)
}

func newSink(t *testing.T, o HTTPSinkOptions) *HTTPSink {
	t.Helper()
	s, err := NewHTTPSink(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// hangGuard fails the test if ctx has not finished its work in a long
// while; it asserts no duration, it only keeps a broken test from hanging.
func sinkDeadline(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func event(i int) Event {
	return Event{UserID: "u" + string(rune('a'+i%26)), Name: "purchase", Value: float64(i), HasValue: true, Time: sinkT0}
}

func TestHTTPSinkBatchesBySize(t *testing.T) {
	srv := newEventsServer(t, nil)
	s := newSink(t, HTTPSinkOptions{URL: srv.URL + "/", BatchSize: 10, FlushInterval: time.Hour,
		Header: http.Header{"Authorization": {"Bearer s3cret"}}})
	for i := range 25 {
		s.Event(event(i))
	}
	s.Exposure(Exposure{Experiment: "checkout", Variant: "blue", UserID: "ua", Version: 3, Time: sinkT0})
	s.Exposure(Exposure{Experiment: "checkout", Variant: "blue", UserID: "qa", Version: 3, Time: sinkT0, Forced: true})
	if err := s.Flush(sinkDeadline(t)); err != nil {
		t.Fatal(err)
	}
	batches := srv.received()
	var sizes []int
	var values []float64
	ids := map[string]bool{}
	for i, b := range batches {
		sizes = append(sizes, b.Len())
		ids[b.BatchID] = true
		for _, e := range b.Events {
			values = append(values, e.Value)
		}
		srv.mu.Lock()
		got := srv.headers[i].Get("Authorization")
		srv.mu.Unlock()
		if got != "Bearer s3cret" {
			t.Errorf("batch %d: Authorization %q", i, got)
		}
	}
	if diff := cmp.Diff([]int{10, 10, 6}, sizes); diff != "" {
		t.Errorf("batch sizes (-want +got):\n%s", diff)
	}
	if len(ids) != 3 || ids[""] {
		t.Errorf("batch ids %v: want 3 distinct", ids)
	}
	for i, v := range values {
		if v != float64(i) {
			t.Fatalf("event %d has value %v: records out of order or lost", i, v)
		}
	}
	if got := batches[2].Exposures; len(got) != 1 || got[0].UserKey != "ua" || got[0].ConfigVersion != 3 {
		t.Errorf("exposures %+v", got)
	}
	if diff := cmp.Diff(SinkStats{Written: 26, Skipped: 1, Batches: 3}, s.Stats()); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}

// TestHTTPSinkBatchesByInterval: a batch that never fills is sent once its
// first record has waited FlushInterval, without Flush.
func TestHTTPSinkBatchesByInterval(t *testing.T) {
	srv := newEventsServer(t, nil)
	s := newSink(t, HTTPSinkOptions{URL: srv.URL, FlushInterval: 5 * time.Millisecond})
	for i := range 3 {
		s.Event(event(i))
	}
	select {
	case b := <-srv.got:
		if b.Len() != 3 {
			t.Errorf("batch of %d records, want 3", b.Len())
		}
	case <-sinkDeadline(t).Done():
		t.Fatal("no batch arrived: the interval never flushed")
	}
}

// TestHTTPSinkRetries: a batch refused with 503 twice and then accepted
// is sent three times with the same batch id, and counted once.
func TestHTTPSinkRetries(t *testing.T) {
	srv := newEventsServer(t, func(attempt int) int {
		if attempt < 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	var errs []error
	s := newSink(t, HTTPSinkOptions{URL: srv.URL, Backoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
		OnError: func(err error) { errs = append(errs, err) }})
	for i := range 4 {
		s.Event(event(i))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	batches := srv.received()
	if len(batches) != 3 || batches[0].BatchID != batches[1].BatchID || batches[1].BatchID != batches[2].BatchID {
		t.Fatalf("%d attempts with ids %v, want 3 with one id", len(batches), batchIDs(batches))
	}
	if diff := cmp.Diff(SinkStats{Written: 4, Batches: 1, Retries: 2}, s.Stats()); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
	if len(errs) != 2 || !strings.Contains(errs[0].Error(), "503") {
		t.Errorf("OnError got %v, want two 503 failures", errs)
	}
}

func batchIDs(bs []wire.Batch) []string {
	var ids []string
	for _, b := range bs {
		ids = append(ids, b.BatchID)
	}
	return ids
}

// TestHTTPSinkGivesUp: a 401 is final (no retry), a 500 is retried
// MaxAttempts times; both batches are dropped and counted, and no error
// carries the credentials.
func TestHTTPSinkGivesUp(t *testing.T) {
	for _, tt := range []struct {
		name     string
		code     int
		attempts int
	}{
		{"unauthorized", http.StatusUnauthorized, 1},
		{"server error", http.StatusInternalServerError, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newEventsServer(t, func(int) int { return tt.code })
			var errs []error
			s := newSink(t, HTTPSinkOptions{URL: strings.Replace(srv.URL, "http://", "http://user:pa55word@", 1),
				Header: http.Header{"Authorization": {"Bearer s3cret"}}, MaxAttempts: 3, Backoff: time.Millisecond,
				OnError: func(err error) { errs = append(errs, err) }})
			s.Event(event(1))
			s.Event(event(2))
			err := s.Close()
			if err == nil || !strings.Contains(err.Error(), "dropped 2 records") {
				t.Errorf("Close error %v, want 2 dropped records", err)
			}
			if n := len(srv.received()); n != tt.attempts {
				t.Errorf("%d attempts, want %d", n, tt.attempts)
			}
			if diff := cmp.Diff(SinkStats{Dropped: 2, Retries: int64(tt.attempts - 1)}, s.Stats()); diff != "" {
				t.Errorf("Stats (-want +got):\n%s", diff)
			}
			for _, e := range append(errs, err) {
				if strings.Contains(e.Error(), "s3cret") || strings.Contains(e.Error(), "pa55word") {
					t.Errorf("error reveals a credential: %v", e)
				}
			}
		})
	}
}

// TestHTTPSinkQueueFull: while the server holds the first batch, the
// queue takes QueueSize records and drops (and counts) the rest; the
// queued ones are delivered once the server answers.
func TestHTTPSinkQueueFull(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	srv := newEventsServer(t, func(int) int {
		once.Do(func() { close(arrived); <-release })
		return http.StatusOK
	})
	s := newSink(t, HTTPSinkOptions{URL: srv.URL, BatchSize: 1, QueueSize: 5})
	s.Event(event(0))
	select {
	case <-arrived:
	case <-sinkDeadline(t).Done():
		t.Fatal("the first batch never arrived")
	}
	for i := 1; i < 10; i++ {
		s.Event(event(i))
	}
	close(release)
	if err := s.Close(); err == nil || !strings.Contains(err.Error(), "dropped 4 records") {
		t.Errorf("Close error %v, want 4 dropped records", err)
	}
	if diff := cmp.Diff(SinkStats{Written: 6, Dropped: 4, Batches: 6}, s.Stats()); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}

func TestHTTPSinkClose(t *testing.T) {
	srv := newEventsServer(t, nil)
	s := newSink(t, HTTPSinkOptions{URL: srv.URL, FlushInterval: time.Hour})
	feedSink(s)
	err := s.Close()
	if err == nil || !strings.Contains(err.Error(), "3 invalid records") || strings.Contains(err.Error(), "dropped") {
		t.Errorf("Close error %v, want only the 3 invalid records", err)
	}
	if diff := cmp.Diff(sinkWantStats, withoutBatches(s.Stats())); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
	s.Event(event(1))
	if err := s.Flush(context.Background()); err == nil {
		t.Error("Flush after Close succeeded")
	}
	if got := s.Stats().Dropped; got != 1 {
		t.Errorf("Dropped after Close = %d, want 1", got)
	}
	if n := len(srv.received()); n != 1 {
		t.Errorf("%d batches, want Close to send the one", n)
	}
}

func withoutBatches(s SinkStats) SinkStats { s.Batches = 0; return s }

func TestHTTPSinkAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	srv := newEventsServer(t, nil)
	s := newSink(t, HTTPSinkOptions{URL: srv.URL, QueueSize: 5000, FlushInterval: time.Hour, BatchSize: 1000})
	e := event(1)
	if n := testing.AllocsPerRun(1000, func() { s.Event(e) }); n != 0 {
		t.Errorf("Event allocates %v times", n)
	}
}

func TestNewHTTPSinkRejects(t *testing.T) {
	for _, o := range []HTTPSinkOptions{
		{},
		{URL: "ftp://example.com"},
		{URL: "/events"},
		{URL: "http://127.0.0.1", BatchSize: wire.MaxBatchRecords + 1},
		{URL: "http://127.0.0.1", QueueSize: -1},
		{URL: "http://127.0.0.1", Backoff: -time.Second},
	} {
		if s, err := NewHTTPSink(o); err == nil || !strings.HasPrefix(err.Error(), "experiment: ") {
			if s != nil {
				s.Close()
			}
			t.Errorf("NewHTTPSink(%+v) error %v", o, err)
		}
	}
	_, err := NewHTTPSink(HTTPSinkOptions{URL: "gopher://u:pa55word@h"})
	if err == nil || strings.Contains(err.Error(), "pa55word") {
		t.Errorf("error %v reveals the password", err)
	}
}

package experiment

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestTracker(t *testing.T) {
	var got []Event
	tr := NewTracker(func(e Event) { got = append(got, e) })
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tr.now = func() time.Time { return now }
	at := now.Add(-time.Hour)
	tr.Track("u1", "signup")
	tr.TrackValue("u1", "purchase", 19.99)
	tr.Record(Event{UserID: "u2", Name: "refund", Value: -5, HasValue: true, Time: at})
	want := []Event{
		{UserID: "u1", Name: "signup", Time: now},
		{UserID: "u1", Name: "purchase", Value: 19.99, HasValue: true, Time: now},
		{UserID: "u2", Name: "refund", Value: -5, HasValue: true, Time: at},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("recorded (-want +got):\n%s", diff)
	}
}

// TestTrackerAllocs: a Tracker without a sink costs nothing, and one with
// a JSONLines sink allocates nothing per event either; nor does an
// evaluation that reports an exposure to the sink.
func TestTrackerAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	sink := NewJSONLines(io.Discard)
	rs, err := Parse([]byte("experiments:\n  checkout:\n    blue: 0-50%\n    green: 50-100%\n"), WithExposures(sink.Exposure))
	if err != nil {
		t.Fatal(err)
	}
	c := ContextFor("user-1")
	var nilTracker *Tracker
	noFunc, toSink := NewTracker(nil), NewTracker(sink.Event)
	tests := []struct {
		name string
		want float64
		fn   func()
	}{
		{"nil Tracker", 0, func() { nilTracker.Track("u", "e") }},
		{"nil Tracker with a value", 0, func() { nilTracker.TrackValue("u", "e", 1) }},
		{"Tracker without a function", 0, func() { noFunc.Track("u", "e") }},
		{"Tracker to JSONLines", 0, func() { toSink.TrackValue("user-1", "purchase", 9.99) }},
		// Outside Middleware the exposure copies the user id (see
		// WithExposures): the one allocation that keeps every Context
		// off the heap.
		{"exposure to JSONLines", 1, func() { rs.Feature("checkout", c) }},
	}
	for _, tt := range tests {
		tt.fn() // warm the sink's buffer
		if n := testing.AllocsPerRun(1000, tt.fn); n != tt.want {
			t.Errorf("%s: %v allocations, want %v", tt.name, n, tt.want)
		}
	}
	if s := sink.Stats(); s.Written == 0 || s.Refused != 0 {
		t.Errorf("sink stats %+v: want records written and none refused", s)
	}
}

func BenchmarkTrack(b *testing.B) {
	for _, bb := range []struct {
		name string
		tr   *Tracker
	}{
		{"no sink", nil},
		{"JSONLines", NewTracker(NewJSONLines(io.Discard).Event)},
		{"buffer", NewTracker(NewJSONLines(&bytes.Buffer{}).Event)},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bb.tr.TrackValue("user-12345", "purchase", 19.99)
			}
		})
	}
}

package experimentprovider

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/open-feature/go-sdk/openfeature"

	"github.com/inprocess/experiment"
)

// TestTrack: client.Track reaches the provider's Tracker with the user,
// the event and its value.
func TestTrack(t *testing.T) {
	rs, err := experiment.Parse([]byte("experiments:\n  a: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan experiment.Event, 10)
	p := New(rs).WithTracker(experiment.NewTracker(func(e experiment.Event) { got <- e }))
	client, _, err := setProvider(t, p)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	client.Track(ctx, "purchase", openfeature.NewEvaluationContext("alice", nil), openfeature.NewTrackingEventDetails(9.5))
	client.Track(ctx, "signup", openfeature.NewEvaluationContext("bob", nil), openfeature.TrackingEventDetails{})
	client.Track(ctx, "nobody", openfeature.NewTargetlessEvaluationContext(nil), openfeature.NewTrackingEventDetails(1))
	type rec struct {
		User, Name string
		Value      float64
		HasValue   bool
	}
	var recs []rec
	for range 2 {
		select {
		case e := <-got:
			recs = append(recs, rec{e.UserID, e.Name, e.Value, e.HasValue})
		case <-time.After(10 * time.Second):
			t.Fatal("Track never reached the Tracker")
		}
	}
	want := []rec{{"alice", "purchase", 9.5, true}, {"bob", "signup", 0, false}}
	if diff := cmp.Diff(want, recs); diff != "" {
		t.Errorf("tracked (-want +got):\n%s", diff)
	}
	select {
	case e := <-got:
		t.Errorf("an event without a targeting key was recorded: %+v", e)
	default:
	}
}

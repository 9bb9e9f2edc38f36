package experimenttest_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/experimenttest"
)

var quiet = &experiment.WatchOptions{Interval: time.Hour, Logger: slog.New(slog.DiscardHandler)}

func TestForce(t *testing.T) {
	rs := experimenttest.Force(t, experimenttest.Assign{
		"alice": {"buttonColor": "red", "inviteFriends": "on"},
		"bob":   {"buttonColor": "green"},
		"22":    {"buttonColor": "green"},
	})
	tests := []struct {
		user, exp, want string
	}{
		{"alice", "buttonColor", "red"},
		{"alice", "inviteFriends", "on"},
		{"bob", "buttonColor", "green"},
		{"bob", "inviteFriends", ""},
		{"22", "buttonColor", "green"},
		{"carol", "buttonColor", ""},
	}
	for _, tt := range tests {
		if got := rs.Feature(tt.exp, experiment.ContextFor(tt.user)); got != tt.want {
			t.Errorf("Feature(%q) for %q = %q; want %q", tt.exp, tt.user, got, tt.want)
		}
	}
	if diff := cmp.Diff([]string{"buttonColor", "inviteFriends"}, rs.Names()); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
}

func TestServe(t *testing.T) {
	live, err := experiment.Watch(t.Context(), experiment.SourceFunc(func(context.Context) ([]byte, error) {
		return []byte("version: 1\nexperiments: {a: false}"), nil
	}), quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	t.Run("forced", func(t *testing.T) {
		experimenttest.Serve(t, live, experimenttest.Force(t, experimenttest.Assign{"u": {"a": "on"}}))
		if !live.VariantFor("a", experiment.ContextFor("u")) {
			t.Error("the forced ruleset is not serving")
		}
	})
	if live.VariantFor("a", experiment.ContextFor("u")) || live.Version() != 1 {
		t.Error("the forced ruleset still serves after its test")
	}
}

func TestStore(t *testing.T) {
	store := experimenttest.NewStore(t)
	store.Put("/prod.yaml", []byte("version: 1\nexperiments: {a: true}"))
	live, err := experiment.Watch(t.Context(), experiment.HTTPSource(store.URL+"/prod.yaml", nil), quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if err := live.Reload(t.Context()); err != nil || live.Version() != 1 {
		t.Fatalf("unchanged: %v, version %d", err, live.Version())
	}
	store.Fail("/prod.yaml", 503)
	if err := live.Reload(t.Context()); err == nil || live.Version() != 1 {
		t.Errorf("failing store: %v, version %d; want an error and version 1", err, live.Version())
	}
	store.Fail("/prod.yaml", 0)
	store.Put("/prod.yaml", []byte("version: 2\nexperiments: {a: false}"))
	if err := live.Reload(t.Context()); err != nil || live.Version() != 2 {
		t.Errorf("after Put: %v, version %d", err, live.Version())
	}
	if n := store.Requests("/prod.yaml"); n != 4 {
		t.Errorf("Requests = %d; want 4", n)
	}
	store.Delete("/prod.yaml")
	if err := live.Reload(t.Context()); err == nil {
		t.Error("a deleted object reloaded")
	}
}

func TestStorePublish(t *testing.T) {
	store := experimenttest.NewStore(t)
	snap := func(v int) []byte {
		return []byte(fmt.Sprintf(`{"version": %d, "environment": "prod", "experiments": [{"id": "e", "key": "k", "salt": "s",
			"variants": [{"id": "v", "key": "v%d"}], "allocations": [{"variantId": "v", "rangeStart": 0, "rangeEnd": 9999}]}]}`, v, v))
	}
	store.Publish(t, "prod", snap(1))
	live, err := experiment.Watch(t.Context(), experiment.SnapshotSource(store.URL+"/configs/prod/", nil), quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	store.Publish(t, "prod", snap(2))
	if err := live.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := live.Feature("k", experiment.ContextFor("u")); got != "v2" || store.Requests("/configs/prod/snapshots/2.json") != 0 {
		t.Errorf("Feature = %q; want v2", got)
	}
	if errors.Is(live.Status().LastError, experiment.ErrNotModified) {
		t.Error("unexpected status")
	}
}

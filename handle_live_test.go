package experiment

import (
	"context"
	"testing"
	"time"
)

// TestLiveHandleFollowsReloads: a LiveHandle answers from the config the
// Live serves now, a Handle from the config it was taken from.
func TestLiveHandleFollowsReloads(t *testing.T) {
	cfg := []byte("experiments:\n  a: true\n")
	src := SourceFunc(func(context.Context) ([]byte, error) { return cfg, nil })
	live, err := Watch(t.Context(), src, &WatchOptions{Interval: time.Hour, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	lh, old := live.Lookup("a"), live.Ruleset().Lookup("a")
	u := ContextFor("u")
	if !lh.VariantFor(u) || !old.VariantFor(u) {
		t.Fatal("a is on for everyone in the first config")
	}
	cfg = []byte("experiments:\n  a: false\n  b: true\n")
	if err := live.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if lh.VariantFor(u) || !old.VariantFor(u) {
		t.Errorf("after the reload: LiveHandle %v (want false), the old Handle %v (want true, its config)", lh.VariantFor(u), old.VariantFor(u))
	}
	if b := live.Lookup("b"); !b.Found() || b.Feature(u) != "default" {
		t.Errorf("b: found %v, feature %q", b.Found(), b.Feature(u))
	}
	if (LiveHandle{}).VariantFor(u) {
		t.Error("the zero LiveHandle is on")
	}
	if !raceEnabled {
		if n := testing.AllocsPerRun(100, func() { lh.VariantFor(u) }); n != 0 {
			t.Errorf("LiveHandle.VariantFor allocates %v times", n)
		}
	}
}

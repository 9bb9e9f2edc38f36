package experiment

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestRulesetWithExposures checks the copy reports through its hook and
// leaves the original as it was.
func TestRulesetWithExposures(t *testing.T) {
	r := mustParse(t, "version: 1\nexperiments: {a: true}\n")
	var log exposureLog
	c := r.WithExposures(log.record)
	if !c.VariantFor("a", ContextFor("u")) || !r.VariantFor("a", ContextFor("u")) {
		t.Fatal("a is on for everyone in both")
	}
	if diff := cmp.Diff([]string{"a/default u v1  forced=false"}, log.take()); diff != "" {
		t.Errorf("exposures (-want +got):\n%s", diff)
	}
	if r.exposed != nil {
		t.Error("WithExposures changed the original ruleset's hook")
	}
	if got := c.WithExposures(nil); got.exposed != nil || got.VariantFor("a", ContextFor("u")) != true {
		t.Error("WithExposures(nil) must give a copy without a hook that evaluates the same")
	}
	var nilRules *Ruleset
	if nilRules.WithExposures(log.record) != nil {
		t.Error("a nil ruleset's WithExposures must be nil")
	}
}

// TestWatchExposures checks that WatchOptions.Exposures reaches every
// config a Live serves: loaded, the Fallback and an Override, and that it
// replaces a WithExposures given in Parse.
func TestWatchExposures(t *testing.T) {
	fallback := mustParse(t, "version: 7\nexperiments: {a: true}\n")
	override := mustParse(t, "version: 9\nexperiments: {a: true}\n")
	tests := []struct {
		name     string
		fail     bool // the source fails, so the Fallback serves
		override bool
		want     []string
	}{
		{"a loaded config", false, false, []string{"a/default u v2  forced=false"}},
		{"the fallback", true, false, []string{"a/default u v7  forced=false"}},
		{"an override", false, true, []string{"a/default u v9  forced=false"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log, parseLog exposureLog
			src := SourceFunc(func(context.Context) ([]byte, error) {
				if tt.fail {
					return nil, errors.New("down")
				}
				return []byte("version: 2\nexperiments: {a: true}\n"), nil
			})
			live, err := Watch(t.Context(), src, &WatchOptions{Interval: time.Hour, Logger: quiet,
				Fallback: fallback, Exposures: log.record, Parse: []Option{WithExposures(parseLog.record)}})
			if err != nil {
				t.Fatal(err)
			}
			defer live.Close()
			if tt.override {
				defer live.Override(override)()
			}
			if !live.VariantFor("a", ContextFor("u")) {
				t.Fatal("a is on for everyone")
			}
			if diff := cmp.Diff(tt.want, log.take()); diff != "" {
				t.Errorf("WatchOptions.Exposures got (-want +got):\n%s", diff)
			}
			if got := parseLog.take(); got != nil {
				t.Errorf("the WithExposures in Parse got %v; WatchOptions.Exposures replaces it", got)
			}
			if fallback.exposed != nil || override.exposed != nil {
				t.Error("Watch changed the caller's Fallback or Override ruleset")
			}
		})
	}
}

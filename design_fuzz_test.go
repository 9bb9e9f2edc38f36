package experiment

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// FuzzDesign fills the design sections of a config (requires, start, end,
// ramp, a layer's shares, the holdout) with fuzzed values. Parse must not
// panic and must fail with a positioned *ConfigError or succeed; a config
// that loads must keep the promises of doc.go's "Experiment design" for a
// few users at a few instants: the experiments of the layer share no user,
// a user in the holdout is in nothing, a ramp never drops a user, and a
// dependent experiment is on only when its prerequisite is.
func FuzzDesign(f *testing.F) {
	f.Add("checkout/new", "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "10%", "50%", "4", "30%", "20-50%", "5%")
	f.Add("{experiment: checkout, variant: old}", "2026-03-01T00:00:00+01:00", "", "0%", "100%", "", "0%", "100%", "0%")
	f.Add("[checkout, b]", "", "2026-03-01T00:00:00Z", "50%", "10%", "0", "60%", "50%", "100%")
	f.Add("a", "2026-03-01", "x", "1-2%", "2%", "-1", "[0-10%, 5-20%]", "half", "{share: 5%}")
	f.Add("b", "", "", "33.33%", "66.67%", "10000", "12.5%", "[50-60%, 90-100%]", "{share: 5%, salt: layer:L}")
	f.Fuzz(func(t *testing.T, requires, start, end, from, to, steps, shareA, shareB, holdout string) {
		var cfg strings.Builder
		if holdout != "" {
			fmt.Fprintf(&cfg, "holdout: %s\n", holdout)
		}
		fmt.Fprintf(&cfg, "layers:\n  L:\n    experiments:\n      a: %s\n      b: %s\n", shareA, shareB)
		cfg.WriteString("experiments:\n  checkout: {variants: {old: 0-50%, new: 50-100%}}\n")
		fmt.Fprintf(&cfg, "  a:\n    requires: %s\n", requires)
		if start != "" {
			fmt.Fprintf(&cfg, "    start: %s\n", start)
		}
		if end != "" {
			fmt.Fprintf(&cfg, "    end: %s\n", end)
		}
		ramp := "{from: " + from + ", to: " + to + ", start: 2026-03-01T00:00:00Z, end: 2026-03-11T00:00:00Z"
		if steps != "" {
			ramp += ", steps: " + steps
		}
		fmt.Fprintf(&cfg, "    ramp: %s}\n    variants: {x: 0-50%%, y: 50-100%%}\n  b: true\n", ramp)
		r, err := Parse([]byte(cfg.String()))
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), "experiment: ") || ce.Err == nil {
				t.Fatalf("malformed error %T: %v", err, err)
			}
			return
		}
		checkDesignPromises(t, r)
	})
}

// checkDesignPromises checks FuzzDesign's promises for users u0..u49.
func checkDesignPromises(t *testing.T, r *Ruleset) {
	instants := []time.Time{
		time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC),
	}
	fa, _ := r.byName.get("a")
	a := fa.exp.design
	for i := range 50 {
		c := ContextFor(fmt.Sprint("u", i))
		wasInRamp := false
		for _, at := range instants {
			ca := c.At(at)
			if r.VariantFor("a", ca) && r.VariantFor("b", ca) {
				t.Fatalf("user %d at %s is in both experiments of layer L", i, at)
			}
			for _, h := range a.holdouts {
				if h.layer == "" && h.holds(&ca) && (r.VariantFor("a", ca) || r.VariantFor("b", ca) || r.VariantFor("checkout", ca)) {
					t.Fatalf("user %d is in the config's holdout and in an experiment", i)
				}
			}
			if r.VariantFor("a", ca) && !r.VariantFor("checkout", ca) && len(a.requires) > 0 && a.requires[0].exp.key == "checkout" {
				t.Fatalf("user %d is in a without its prerequisite checkout", i)
			}
			in := a.ramp != nil && a.ramp.admits(&ca, r.now(&ca))
			if wasInRamp && !in {
				t.Fatalf("user %d left the ramp at %s", i, at)
			}
			wasInRamp = in
		}
	}
}

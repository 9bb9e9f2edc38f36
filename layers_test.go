package experiment

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// layerSpans returns, for each experiment of r in a layer, its spans
// under the layer's salt, written as percentages.
func layerSpans(r *Ruleset) map[string]string {
	out := map[string]string{}
	for _, e := range r.exps {
		if e.design != nil && e.design.layer != nil {
			out[e.key] = formatSpans(e.design.layer.spans)
		}
	}
	return out
}

func TestLayerPacking(t *testing.T) {
	exps := "experiments: {a: true, b: true, c: true, d: true}\n"
	tests := []struct {
		name   string
		layers string
		want   map[string]string
	}{
		{"shares, first come", "{L: {experiments: {a: 30%, b: 20%, c: 50%}}}",
			map[string]string{"a": "0-30%", "b": "30-50%", "c": "50-100%"}},
		{"free space left", "{L: {experiments: {a: 10%, b: 12.5%}}}",
			map[string]string{"a": "0-10%", "b": "10-22.5%"}},
		{"a pinned range, then shares around it", "{L: {experiments: {a: 20-40%, b: 30%, c: 10%}}}",
			map[string]string{"a": "20-40%", "b": "0-20%, 40-50%", "c": "50-60%"}},
		{"a list of pinned ranges", "{L: {experiments: {a: [0-10%, 50-60%], b: 10-50%}}}",
			map[string]string{"a": "0-10%, 50-60%", "b": "10-50%"}},
		{"a zero share", "{L: {experiments: {a: 0%, b: 10%}}}",
			map[string]string{"a": "none", "b": "0-10%"}},
		{"two layers", "{L: {experiments: {a: 50%, b: 50%}}, M: {experiments: {c: 50%, d: 50%}}}",
			map[string]string{"a": "0-50%", "b": "50-100%", "c": "0-50%", "d": "50-100%"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustParse(t, exps+"layers: "+tt.layers+"\n")
			if diff := cmp.Diff(tt.want, layerSpans(r)); diff != "" {
				t.Errorf("layer spans (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLayerAddMovesNobody checks the promise of first-come packing:
// adding an experiment to a layer's free space, or pinning one there,
// leaves every earlier experiment's buckets as they were.
func TestLayerAddMovesNobody(t *testing.T) {
	before := mustParse(t, "experiments: {a: true, b: true, c: true, d: true}\nlayers: {L: {experiments: {a: 20%, b: 30-40%, c: 10%}}}\n")
	for _, add := range []string{"d: 25%", "d: 60-100%", "d: 0%"} {
		after := mustParse(t, "experiments: {a: true, b: true, c: true, d: true}\nlayers: {L: {experiments: {a: 20%, b: 30-40%, c: 10%, "+add+"}}}\n")
		want, got := layerSpans(before), layerSpans(after)
		delete(got, "d")
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("adding %s moved users (-before +after):\n%s", add, diff)
		}
	}
}

const layerConfig = `
holdout: {share: 5%, salt: global-holdout}
layers:
  checkout:
    holdout: 10%
    experiments:
      button: 30%
      copy: 30-50%
experiments:
  button: {variants: {red: 0-50%, blue: 50-100%}}
  copy: {variants: {on: 100%}}
  outside: {variants: {on: 100%}}
`

func TestLayerEvaluation(t *testing.T) {
	r := mustParse(t, layerConfig)
	// A user chosen by their bucket under one salt may be held out under
	// another; find users who are not, unless the case wants them to be.
	user := func(salt string, b int, heldOut string) string {
		for n := 1; ; n++ {
			u := findUser(t, salt, b, n)
			g, l := Bucket(u, "global-holdout") < 500, Bucket(u, "holdout:checkout") < 1000
			if (heldOut == "global") == g && (heldOut == "layer") == l {
				return u
			}
		}
	}
	tests := []struct {
		name   string
		user   string
		exp    string
		want   string
		reason Reason
	}{
		{"in button's part", user("layer:checkout", 100, ""), "button", "", ""},
		{"in button's part, not copy's", user("layer:checkout", 100, ""), "copy", "", ReasonLayer},
		{"in copy's part", user("layer:checkout", 4000, ""), "copy", "on", ReasonEveryone},
		{"in copy's part, not button's", user("layer:checkout", 4000, ""), "button", "", ReasonLayer},
		{"in the free space", user("layer:checkout", 7000, ""), "copy", "", ReasonLayer},
		{"outside the layer, not held out", user("layer:checkout", 7000, ""), "outside", "on", ReasonEveryone},
		{"held out by the config", user("layer:checkout", 4000, "global"), "copy", "", ReasonHoldout},
		{"the config's holdout applies outside layers", user("layer:checkout", 4000, "global"), "outside", "", ReasonHoldout},
		{"held out by the layer", user("layer:checkout", 4000, "layer"), "copy", "", ReasonHoldout},
		{"the layer's holdout stays in the layer", user("layer:checkout", 4000, "layer"), "outside", "on", ReasonEveryone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ContextFor(tt.user)
			got := r.Feature(tt.exp, c)
			if tt.exp == "button" && tt.reason == "" {
				if got == "" {
					t.Errorf("Feature(button) is off; want red or blue")
				}
				return
			}
			if got != tt.want {
				t.Errorf("Feature(%q) = %q; want %q", tt.exp, got, tt.want)
			}
			if ex := r.Explain(tt.exp, c); ex.Reason != tt.reason {
				t.Errorf("Explain reason = %s (%s); want %s", ex.Reason, ex.Detail, tt.reason)
			}
		})
	}
}

// findUser returns the n-th user (n >= 1) whose bucket under salt is b.
func findUser(t *testing.T, salt string, b, n int) string {
	t.Helper()
	for i := 0; i < 20_000_000; i++ {
		u := "v-" + itoa(i)
		if Bucket(u, salt) == b {
			if n--; n == 0 {
				return u
			}
		}
	}
	t.Fatalf("no user %d with bucket %d under %q", n, b, salt)
	return ""
}

func TestLayerExplain(t *testing.T) {
	r := mustParse(t, layerConfig)
	u := findUser(t, "layer:checkout", 7000, 1)
	if Bucket(u, "global-holdout") < 500 || Bucket(u, "holdout:checkout") < 1000 {
		t.Fatalf("pick another user: %q is held out", u)
	}
	ex := r.Explain("copy", ContextFor(u))
	want := `layer "checkout": bucket 7000 under the layer's salt "layer:checkout" is in none of the experiment's ranges (30-50%)`
	if ex.Reason != ReasonLayer || ex.Detail != want {
		t.Errorf("Explain = %s: %s\nwant %s: %s", ex.Reason, ex.Detail, ReasonLayer, want)
	}
	h := userIn(t, "global-holdout", 42)
	ex = r.Explain("outside", ContextFor(h))
	want = `held out by the config's holdout: bucket 42 under salt "global-holdout" is in 0-5%`
	if ex.Reason != ReasonHoldout || ex.Detail != want {
		t.Errorf("Explain = %s: %s\nwant %s: %s", ex.Reason, ex.Detail, ReasonHoldout, want)
	}
}

func TestLayerErrors(t *testing.T) {
	exps := "experiments: {a: true, b: true, c: true}\n"
	tests := []struct {
		name   string
		config string
		kind   error
		want   string
	}{
		{"over-allocated", exps + "layers:\n  L:\n    experiments:\n      a: 60%\n      b: 30%\n      c: 20%\n", ErrLayer,
			`7:10: layers.L.experiments.c: layer "L" is over-allocated: "c" asks for 20% but only 10% is free (its experiments ask for 110% in all)`},
		{"a pinned range overlaps", exps + "layers:\n  L:\n    experiments:\n      a: 30%\n      b: 20-40%\n", ErrOverlap,
			`6:10: layers.L.experiments.b: layer "L": "b"'s range 20-40% overlaps "a"'s range 0-30%`},
		{"pinned ranges of one experiment overlap", exps + "layers:\n  L:\n    experiments:\n      a: [0-30%, 20-40%]\n", ErrOverlap,
			`5:10: layers.L.experiments.a: layer "L": "a"'s ranges 0-30% and 20-40% overlap`},
		{"in two layers", exps + "layers:\n  L: {experiments: {a: 10%}}\n  M: {experiments: {a: 10%}}\n", ErrLayer,
			`4:21: layers.M.experiments.a: experiment "a" is already in a layer (line 3); an experiment is in one layer at most`},
		{"an unknown experiment", exps + "layers:\n  L: {experiments: {zz: 10%}}\n", ErrLayer,
			`3:21: layers.L.experiments.zz: layer "L" names experiment "zz", which no part of the config defines`},
		{"an unknown layer key", exps + "layers:\n  L: {experiment: {a: 10%}}\n", ErrUnknownKey,
			`3:7: layers.L.experiment: unknown key "experiment" in a layer; expected salt, holdout or experiments`},
		{"not a percentage", exps + "layers:\n  L: {experiments: {a: half}}\n", ErrPercentage,
			`3:24: layers.L.experiments.a: expected a share such as "20%", a range such as "20-40%", or a list of ranges, found "half"`},
		{"a holdout without share", exps + "holdout: {salt: x}\n", ErrMissingKey,
			`2:10: holdout: a holdout needs share: the share of users it keeps out, such as 5%`},
		{"a holdout range", exps + "holdout: 0-5%\n", ErrPercentage,
			`2:10: holdout: expected a share of users such as "10%" (0 to 100, at most two decimals), found "0-5%"`},
		{"an unknown holdout key", exps + "holdout: {share: 5%, slat: x}\n", ErrUnknownKey,
			`2:22: holdout.slat: unknown key "slat" in a holdout; expected share or salt`},
		{"layers not a map", exps + "layers: [a]\n", ErrInvalidValue,
			`2:9: layers: expected a map, found a list`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.config))
			if !errors.Is(err, tt.kind) {
				t.Fatalf("Parse error = %v; want %v\n%s", err, tt.kind, tt.config)
			}
			if got := strings.TrimPrefix(err.Error(), "experiment: "); got != tt.want {
				t.Errorf("error:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestLayerWarnings(t *testing.T) {
	tests := []struct {
		name   string
		config string
		want   []string
	}{
		{"a share after a sibling", "experiments: {a: true, b: true}\nlayers:\n  L: {experiments: {a: 30%, b: 20%}}\n",
			[]string{`3:29: layers.L.experiments.b: layer "L" packs "b" into 30-50% after "a": inserting an experiment before it, or growing or removing one, would move its users; pin its range (b: 30-50%) to keep them`}},
		{"a share split around a pinned range", "experiments: {a: true, b: true}\nlayers:\n  L: {experiments: {a: 10-20%, b: 20%}}\n",
			[]string{`3:32: layers.L.experiments.b: layer "L" packs "b" into 0-10%, 20-30% after "a": inserting an experiment before it, or growing or removing one, would move its users; pin its range (b: [0-10%, 20-30%]) to keep them`}},
		{"pinned ranges: no warning", "experiments: {a: true, b: true}\nlayers:\n  L: {experiments: {a: 0-30%, b: 30-50%}}\n", nil},
		{"the experiment hashes under the layer's salt", "experiments:\n  a: {salt: s, variants: {x: 0-50%, y: 50-100%}}\nlayers:\n  L: {salt: s, experiments: {a: 0-20%}}\n",
			[]string{`4:30: layers.L.experiments.a: experiment "a" hashes under the layer's salt "s": its variants see only the buckets of its part of the layer (0-20%); give the experiment its own salt`}},
		{"the holdout's salt is an experiment's", "experiments: {holdout: true}\nholdout: 5%\n",
			[]string{`2:10: holdout: the holdout's salt "holdout" is also experiment "holdout"'s: the users it holds out are related to that experiment's buckets; give one of them another salt`}},
		{"the holdout's salt is a layer's", "experiments: {a: true}\nholdout: {share: 5%, salt: s}\nlayers: {L: {salt: s, experiments: {a: 0-10%}}}\n",
			[]string{`2:10: holdout: the holdout's salt "s" is also layer "L"'s: the users it holds out are related to that layer's buckets; give one of them another salt`}},
		{"everyone held out", "experiments: {a: true}\nholdout: 100%\n",
			[]string{`2:10: holdout: the holdout holds out every user: no experiment it applies to assigns anyone`}},
		{"an empty layer", "experiments: {a: true}\nlayers: {L: {salt: s}}\n",
			[]string{`2:10: layers.L: layer "L" has no experiments`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs, warns := Check([]byte(tt.config))
			if len(errs) > 0 {
				t.Fatalf("Check errors: %v", errs)
			}
			var got []string
			for _, w := range warns {
				got = append(got, w.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLayerEnvOverride checks that a layer holds the experiment of its
// name in the active environment, an override included.
func TestLayerEnvOverride(t *testing.T) {
	config := "experiments: {a: true, b: true}\nlayers: {L: {experiments: {a: 0-50%, b: 50-100%}}}\nenvs: {prod: {a: {salt: other, variants: {x: 100%}}}}\n"
	r := mustParse(t, config, WithEnv("prod"))
	inB := userIn(t, "layer:L", 7000)
	if got := r.Feature("a", ContextFor(inB)); got != "" {
		t.Errorf("prod's a for a user in b's part = %q; want off: the override is still in the layer", got)
	}
	if got := r.Feature("a", ContextFor(userIn(t, "layer:L", 100))); got != "x" {
		t.Errorf("prod's a for a user in its part = %q; want x", got)
	}
}

// TestDesignJSON loads every design key from a JSON config.
func TestDesignJSON(t *testing.T) {
	r := mustParse(t, `{
  "holdout": {"share": "5%", "salt": "h"},
  "layers": {"L": {"experiments": {"a": "30%"}}},
  "experiments": {
    "a": {"variants": {"on": "100%"}},
    "b": {"requires": [{"experiment": "a"}], "start": "2026-03-01T00:00:00Z", "end": "2026-04-01T00:00:00Z",
          "ramp": {"from": "10%", "to": "50%", "start": "2026-03-01T00:00:00Z", "end": "2026-03-11T00:00:00Z", "steps": 4},
          "version": 3, "variants": {"on": "100%"}}
  }
}`)
	info := r.Experiments()[1].Design
	want := DesignInfo{
		Requires: []PrerequisiteInfo{{Experiment: "a"}},
		Start:    time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
		Ramp: &RampInfo{From: 1000, To: 5000, Start: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC),
			Steps: 4, Salt: "b:ramp"},
		Holdouts:      []HoldoutInfo{{Salt: "h", Share: 500}},
		BucketVersion: 3,
	}
	if diff := cmp.Diff(want, info, cmpopts.IgnoreUnexported(RampInfo{})); diff != "" {
		t.Errorf("b's design (-want +got):\n%s", diff)
	}
	if l := r.Experiments()[0].Design.Layer; l == nil || l.Salt != "layer:L" || len(l.Ranges) != 1 || l.Ranges[0] != (Range{0, 3000}) {
		t.Errorf("a's layer = %+v; want layer:L, 0-30%%", l)
	}
}

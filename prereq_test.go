package experiment

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// prereqConfig has checkout with a gap (buckets 4000-4999 under its salt
// are off), so its users are old, new or off.
const prereqConfig = `
experiments:
  checkout:
    variants: {old: 0-40%, new: 50-100%}
  upsell:
    requires: {experiment: checkout, variant: new}
    variants: {on: 100%}
  banner:
    requires: checkout
    variants: {on: 100%}
  slashed:
    requires: checkout/old
    variants: {on: 100%}
  both:
    requires: [checkout, {experiment: upsell}]
    variants: {on: 100%}
  chained:
    requires: both
    variants: {on: 100%}
  pro-only:
    targeting:
      - conditions: [{attribute: plan, operator: eq, value: pro}]
    variants: {on: 100%}
  needs-pro:
    requires: pro-only
    variants: {on: 100%}
envs:
  prod:
    checkout: false
`

func TestPrerequisites(t *testing.T) {
	r := mustParse(t, prereqConfig)
	prod := mustParse(t, prereqConfig, WithEnv("prod"))
	old, off, nw := userIn(t, "checkout", 100), userIn(t, "checkout", 4500), userIn(t, "checkout", 9000)
	pro := map[string]any{"plan": "pro"}
	tests := []struct {
		name string
		r    *Ruleset
		exp  string
		c    Context
		want string
	}{
		{"variant required, user has it", r, "upsell", ContextFor(nw), "on"},
		{"variant required, user has another", r, "upsell", ContextFor(old), ""},
		{"variant required, user off", r, "upsell", ContextFor(off), ""},
		{"on required, any variant", r, "banner", ContextFor(old), "on"},
		{"on required, other variant", r, "banner", ContextFor(nw), "on"},
		{"on required, user off", r, "banner", ContextFor(off), ""},
		{"exp/variant string form", r, "slashed", ContextFor(old), "on"},
		{"exp/variant string form, other variant", r, "slashed", ContextFor(nw), ""},
		{"list: all met", r, "both", ContextFor(nw), "on"},
		{"list: one unmet", r, "both", ContextFor(old), ""},
		{"chain: met through two levels", r, "chained", ContextFor(nw), "on"},
		{"chain: unmet two levels down", r, "chained", ContextFor(off), ""},
		{"prerequisite's targeting matches", r, "needs-pro", ContextFor(off).With(pro), "on"},
		{"prerequisite's targeting fails", r, "needs-pro", ContextFor(off), ""},
		{"prerequisite switched off in the env", prod, "banner", ContextFor(old), ""},
		{"variant of a switched-off prerequisite", prod, "upsell", ContextFor(nw), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.Feature(tt.exp, tt.c); got != tt.want {
				t.Errorf("Feature(%q) = %q; want %q", tt.exp, got, tt.want)
			}
			if got := tt.r.VariantFor(tt.exp, tt.c); got != (tt.want != "") {
				t.Errorf("VariantFor(%q) = %v; want %v", tt.exp, got, tt.want != "")
			}
			ex := tt.r.Explain(tt.exp, tt.c)
			if ex.Variant != tt.want {
				t.Errorf("Explain(%q).Variant = %q; want %q", tt.exp, ex.Variant, tt.want)
			}
			if tt.want == "" && ex.Reason != ReasonPrerequisite {
				t.Errorf("Explain(%q).Reason = %q (%s); want %q", tt.exp, ex.Reason, ex.Detail, ReasonPrerequisite)
			}
		})
	}
}

func TestPrerequisiteExplain(t *testing.T) {
	r := mustParse(t, prereqConfig)
	prod := mustParse(t, prereqConfig, WithEnv("prod"))
	tests := []struct {
		name string
		r    *Ruleset
		exp  string
		user string
		want string
	}{
		{"another variant", r, "upsell", userIn(t, "checkout", 100), `prerequisite "checkout" needs variant "new"; the user has "old"`},
		{"off in the prerequisite", r, "banner", userIn(t, "checkout", 4500),
			`prerequisite "checkout" is not met: the user is off in it (no-match: no variant's allocation holds the user (bucket 4500 under salt "checkout"))`},
		{"no such variant in this environment", prod, "upsell", "u", `prerequisite "checkout": it has no variant "new" in this environment`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := tt.r.Explain(tt.exp, ContextFor(tt.user))
			if ex.Reason != ReasonPrerequisite || ex.Detail != tt.want {
				t.Errorf("Explain = %s: %s\nwant %s: %s", ex.Reason, ex.Detail, ReasonPrerequisite, tt.want)
			}
		})
	}
}

// TestPrerequisiteExposures checks that an exposure of a dependent
// experiment reports its prerequisites' exposures too, naming it.
func TestPrerequisiteExposures(t *testing.T) {
	var got []Exposure
	r := mustParse(t, prereqConfig, WithExposures(func(e Exposure) { got = append(got, e) }))
	c := ContextFor(userIn(t, "checkout", 9000))
	if v := r.Feature("chained", c); v != "on" {
		t.Fatalf("Feature(chained) = %q; want on", v)
	}
	type exp struct{ Experiment, Variant, RequiredBy string }
	var have []exp
	for _, e := range got {
		have = append(have, exp{e.Experiment, e.Variant, e.RequiredBy})
	}
	want := []exp{
		{"chained", "on", ""},
		{"both", "on", "chained"},
		{"checkout", "new", "both"},
		{"upsell", "on", "both"},
		{"checkout", "new", "upsell"},
	}
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("exposures (-want +got):\n%s", diff)
	}
	got = nil
	if v := r.Feature("upsell", ContextFor(userIn(t, "checkout", 100))); v != "" || len(got) != 0 {
		t.Errorf("an unmet prerequisite: Feature = %q with %d exposures; want off and none", v, len(got))
	}
}

func TestPrerequisiteErrors(t *testing.T) {
	tests := []struct {
		name   string
		config string
		kind   error
		want   string // the error's text after "experiment: "
	}{
		{"unknown experiment", "experiments:\n  a:\n    requires: nope\n    variants: {on: 100%}\n",
			ErrPrerequisite, `3:15: experiments.a.requires: requires experiment "nope", which is not defined`},
		{"unknown variant", "experiments:\n  a: {variants: {x: 100%}}\n  b:\n    requires: {experiment: a, variant: y}\n    variants: {on: 100%}\n",
			ErrPrerequisite, `4:15: experiments.b.requires: requires variant "y" of experiment "a", which has no such variant; it has "x"`},
		{"unknown variant, string form", "experiments:\n  a: {variants: {x: 100%}}\n  b:\n    requires: [a/y]\n    variants: {on: 100%}\n",
			ErrPrerequisite, `4:16: experiments.b.requires[0]: requires variant "y" of experiment "a", which has no such variant; it has "x"`},
		{"requires itself", "experiments:\n  a:\n    requires: a\n    variants: {on: 100%}\n",
			ErrPrerequisite, `3:15: experiments.a.requires: prerequisites form a cycle: "a" requires "a"`},
		{"cycle of three", "experiments:\n  a: {requires: b, variants: {on: 100%}}\n  b: {requires: c, variants: {on: 100%}}\n  c: {requires: a, variants: {on: 100%}}\n",
			ErrPrerequisite, `4:17: experiments.c.requires: prerequisites form a cycle: "a" requires "b" requires "c" requires "a"`},
		{"cycle only in an environment", "experiments:\n  a: {requires: b, variants: {on: 100%}}\n  b: true\nenvs:\n  prod:\n    b: {requires: a, variants: {on: 100%}}\n",
			ErrPrerequisite, `6:19: envs.prod.b.requires: prerequisites form a cycle: "a" requires "b" requires "a"`},
		{"unknown only in an environment", "experiments:\n  a: {requires: b, variants: {on: 100%}}\n  b: true\nenvs:\n  prod:\n    a: {requires: c, variants: {on: 100%}}\n",
			ErrPrerequisite, `6:19: envs.prod.a.requires: requires experiment "c", which is not defined`},
		{"a number", "experiments:\n  a: {requires: 3, variants: {on: 100%}}\n",
			ErrInvalidValue, `2:17: experiments.a.requires: expected an experiment name or {experiment: NAME, variant: NAME}, found the number 3`},
		{"a map without experiment", "experiments:\n  a: {requires: {variant: x}, variants: {on: 100%}}\n",
			ErrMissingKey, `2:17: experiments.a.requires: a requirement needs experiment: the name of the experiment required`},
		{"an unknown key", "experiments:\n  a: {requires: {experiment: b, varaint: x}, variants: {on: 100%}}\n  b: true\n",
			ErrUnknownKey, `2:33: experiments.a.requires.varaint: unknown key "varaint" in a requirement; expected experiment or variant`},
		{"a lattice too wide to evaluate", lattice(9),
			ErrTooLarge, `10:18: experiments.e8.requires: evaluating "e8" evaluates more than 64 experiments through prerequisites; the limit keeps evaluation bounded`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.config))
			if !errors.Is(err, tt.kind) {
				t.Fatalf("Parse error = %v; want %v", err, tt.kind)
			}
			if got := strings.TrimPrefix(err.Error(), "experiment: "); got != tt.want {
				t.Errorf("error:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// lattice is a config whose experiment e(i) requires e(i-1) and e(i-2):
// evaluating e(n-1) reaches a number of experiments that grows as the
// Fibonacci numbers.
func lattice(n int) string {
	var b strings.Builder
	b.WriteString("experiments:\n  e0: true\n  e1: {requires: e0, variants: {on: 100%}}\n")
	for i := 2; i < n; i++ {
		b.WriteString("  e" + itoa(i) + ": {requires: [e" + itoa(i-1) + ", e" + itoa(i-2) + "], variants: {on: 100%}}\n")
	}
	return b.String()
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestPrerequisiteLatticeWithinBound(t *testing.T) {
	// e0..e7: evaluating e7 reaches 54 experiments, within the bound.
	r := mustParse(t, lattice(8))
	if !r.VariantFor("e7", ContextFor("u")) {
		t.Errorf("e7 is off; every prerequisite is on for everyone")
	}
}

package experiment

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// rulesetView is what a test can see of a Ruleset: every experiment's
// variant and payload for a few users, and the warnings.
func rulesetView(r *Ruleset) []string {
	var out []string
	for _, name := range r.Names() {
		for _, u := range []string{"u1", "u2", "u3", "u4"} {
			c := ContextFor(u).With(map[string]any{"country": "US", "plan": "pro"})
			out = append(out, fmt.Sprintf("%s %s %s %s", name, u, r.Feature(name, c), r.Payload(name, c)))
		}
	}
	for _, w := range r.Warnings() {
		out = append(out, "warning "+w.String())
	}
	return out
}

// TestParseReusesNothingItReturns checks that a Ruleset does not depend
// on the memory Parse reuses (a JSON document's node blocks, the key
// paths' blocks, the slabs): parsing other configs after it, which reuse
// and clear those blocks, changes none of its answers or warnings.
func TestParseReusesNothingItReturns(t *testing.T) {
	_, first := parseBenchConfig(60)
	// A warning (the group is unused) and payloads, to check that their
	// paths and bytes survive too.
	warned := []byte(`{"groups": {"unused": [1]}, "experiments": {"a": {"variants": {"x": {"allocation": "0-50%", "payload": {"k": [1, "two"]}}}}}}`)
	cases := []struct {
		name string
		data []byte
	}{
		{"bench config", first},
		{"warnings and payloads", warned},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Parse(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			want := rulesetView(r)
			if tc.name == "warnings and payloads" && !strings.Contains(strings.Join(want, "\n"), "warning ") {
				t.Fatalf("the config has no warning to check:\n%s", strings.Join(want, "\n"))
			}
			for i := range 3 {
				y, j := parseBenchConfig(80 + i)
				for _, other := range [][]byte{j, y, []byte(`{"experiments": {"z": "10%"}}`)} {
					if _, err := Parse(other); err != nil {
						t.Fatal(err)
					}
				}
			}
			if diff := cmp.Diff(want, rulesetView(r)); diff != "" {
				t.Errorf("the Ruleset changed after other Parses (-before +after):\n%s", diff)
			}
		})
	}
}

// TestParseAllocs guards the allocations of a cold Parse of 1,000
// experiments from JSON: a few per experiment (its record, its compiled
// steps, its name index share), not one per node, path or string as
// before the node blocks, path blocks and slabs (about 41,600).
func TestParseAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	_, j := parseBenchConfig(1000)
	got := testing.AllocsPerRun(5, func() {
		if _, err := Parse(j); err != nil {
			t.Fatal(err)
		}
	})
	const limit = 8000
	if got > limit {
		t.Errorf("Parse of 1,000 experiments from JSON: %.0f allocations; want at most %d", got, limit)
	}
}

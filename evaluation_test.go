package experiment

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEvaluateAgreesWithExplain: Evaluate's variant, reason and Targeted
// are Explain's, for every experiment of the sample configs and many users.
func TestEvaluateAgreesWithExplain(t *testing.T) {
	for _, file := range []string{"testdata/seed.yaml", "testdata/assign/longform.yaml", "testdata/snapshots/quirks.json"} {
		rs, err := Load(file)
		if err != nil {
			t.Fatal(err)
		}
		names := append(rs.Names(), "nope", "featureThree/variantOne")
		for i := range 300 {
			c := ContextFor(fmt.Sprint("user-", i)).With(map[string]any{"country": []string{"US", "CA", "FR"}[i%3], "plan": "pro"})
			for _, name := range names {
				ex, ev := rs.Explain(name, c), rs.Evaluate(name, c)
				type out struct {
					Variant  string
					Reason   Reason
					Targeted bool
				}
				if diff := cmp.Diff(out{ex.Variant, ex.Reason, ex.Targeted}, out{ev.Variant, ev.Reason, ev.Targeted}); diff != "" {
					t.Fatalf("%s %s user-%d: Explain vs Evaluate (-explain +evaluate):\n%s", file, name, i, diff)
				}
				if ev.Variant != rs.Feature(name, c) || string(ev.Payload) != string(rs.Payload(name, c)) {
					t.Fatalf("%s %s user-%d: Evaluate %q, Feature %q", file, name, i, ev.Variant, rs.Feature(name, c))
				}
			}
		}
	}
}

package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/inprocess/experiment"
)

// designCases are experiments with a design, and the shares dist
// configures for them at designAt: the variants', then off.
var designAt = time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC)

var designCases = []struct {
	name   string
	config string
	exp    string
	want   []float64 // nil: n/a
	why    string
}{
	{"inside the window", "experiments:\n  e: {start: 2026-03-01T00:00:00Z, end: 2026-04-01T00:00:00Z, variants: {a: 0-50%, b: 50-100%}}\n",
		"e", []float64{0.5, 0.5, 0}, ""},
	{"outside the window", "experiments:\n  e: {start: 2026-04-01T00:00:00Z, variants: {a: 0-50%, b: 50-100%}}\n",
		"e", []float64{0, 0, 1}, ""},
	{"a ramp at 30%", "experiments:\n  e: {ramp: {from: 10%, to: 50%, start: 2026-03-01T00:00:00Z, end: 2026-03-11T00:00:00Z}, variants: {a: 0-50%, b: 50-100%}}\n",
		"e", []float64{0.15, 0.15, 0.7}, ""},
	{"a layer's 30% under a 10% holdout", "holdout: 10%\nlayers: {L: {experiments: {e: 30%}}}\nexperiments:\n  e: {variants: {a: 0-50%, b: 50-100%}}\n",
		"e", []float64{0.135, 0.135, 0.73}, ""},
	{"prerequisites", "experiments:\n  p: true\n  e: {requires: p, variants: {a: 100%}}\n",
		"e", nil, "requires another experiment"},
	{"a ramp under the experiment's salt", "experiments:\n  e: {salt: s, ramp: {salt: s, from: 10%, to: 50%, start: 2026-03-01T00:00:00Z, end: 2026-03-11T00:00:00Z}, variants: {a: 100%}}\n",
		"e", nil, "its gates share a salt"},
}

func TestDesignShares(t *testing.T) {
	for _, tc := range designCases {
		t.Run(tc.name, func(t *testing.T) {
			rs := parse(t, tc.config)
			got, why := designShares(experimentInfo(t, rs, tc.exp), rs.GroupSalt(), designAt)
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" || why != tc.why {
				t.Errorf("shares (-want +got):\n%s\nwhy %q; want %q", diff, why, tc.why)
			}
		})
	}
}

// TestDistAgreesWithDesign simulates the cases whose shares are known at
// designAt: none may be flagged.
func TestDistAgreesWithDesign(t *testing.T) {
	for _, tc := range designCases {
		if tc.want == nil {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			n := 200000
			if raceEnabled {
				n = 40000
			}
			rs, err := experiment.Parse([]byte(tc.config), experiment.WithClock(func() time.Time { return designAt }))
			if err != nil {
				t.Fatal(err)
			}
			if rep := dist(rs, population{n: n}, designAt, nil); rep.Flagged > 0 {
				b, _ := json.MarshalIndent(rep, "", "  ")
				t.Errorf("%d shares flagged:\n%s", rep.Flagged, b)
			}
		})
	}
}

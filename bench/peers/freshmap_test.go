package peers

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A request is one user of scenario 6: an id and the two attributes its
// request carries. The attribute values come from these fields, not from
// constants, so that no SDK (and no compiler) can treat them as known in
// advance.
type request struct{ id, country, plan string }

// freshRequests are the 1,024 requests of scenario 6, users userID(0) …
// userID(1023), each in one of the five targeted countries on the pro plan,
// so that every one matches the targeting and gets one of its two variants.
var freshRequests = func() []request {
	reqs := make([]request, rotatingUsers)
	for i := range reqs {
		reqs[i] = request{id: userID(i), country: countries[i%len(countries)], plan: plans[0]}
	}
	return reqs
}()

// plans are the plans of the tests' users; only the first is targeted.
var plans = []string{"pro", "free"}

// BenchmarkFreshMap is scenario 6: a request's attributes arrive as a new
// map[string]any each time (country and plan, for 1,024 users in turn),
// the SDK's user is built from the id and that map inside the loop, and the
// targeted flag is evaluated for it. Each SDK converts the map the way its
// API takes a generic one (its file says how).
func BenchmarkFreshMap(b *testing.B) {
	runBench(b, func(s sdk, b *testing.B) { s.benchFreshMap(b, freshRequests) })
}

// TestFreshMap checks that the map path of every SDK really reads the
// attributes: for matching and non-matching users alike it gives what the
// SDK's typed path gives (targeted, whose shares TestShares checks), the
// requests of the benchmark are split about 50/50 (± 6%, 4 standard
// deviations for 1,024 users), and a user in the wrong country, on the
// wrong plan or with an empty map is off.
func TestFreshMap(t *testing.T) {
	n := len(freshRequests)
	if raceEnabled {
		n = 256
	}
	for _, s := range sdks {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			p := s.open(t)
			control := 0
			var want, got []string
			for _, r := range freshRequests[:n] {
				v := p.fromMap(r.id, map[string]any{"country": r.country, "plan": r.plan})
				if v == "control" {
					control++
				} else if v != "treatment" {
					t.Fatalf("fromMap(%s, %s, %s) = %q; want control or treatment", r.id, r.country, r.plan, v)
				}
				got = append(got, v)
				want = append(want, p.targeted(r.id, r.country, r.plan))
				for _, a := range []map[string]any{
					{"country": "JP", "plan": r.plan},
					{"country": r.country, "plan": plans[1]},
					{},
				} {
					got = append(got, p.fromMap(r.id, a))
					want = append(want, "")
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("fromMap differs from targeted (-want +got):\n%s", diff)
			}
			tol := 0.0625
			if raceEnabled {
				tol = 0.125
			}
			checkShare(t, "fresh-map control", control, n, 0.5, tol)
		})
	}
}

// BenchmarkFreshMapLiteral is the part of scenario 6 that no SDK can make
// cheaper: the caller's own map literal with its two boxed strings, handed
// to a function the compiler cannot see into. Every SDK's row of
// BenchmarkFreshMap includes this cost; compare them with it in the same
// run (BENCHMARKS.md).
func BenchmarkFreshMapLiteral(b *testing.B) {
	i := 0
	for b.Loop() {
		r := &freshRequests[i%len(freshRequests)]
		sink.n = mapLen(map[string]any{"country": r.country, "plan": r.plan})
		i++
	}
}

// mapLen is len(m), out of line so that the map literal is really built.
//
//go:noinline
func mapLen(m map[string]any) int { return len(m) }

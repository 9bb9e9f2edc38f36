package experiment

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// reachConfigs returns condConfigs' configs (testdata, the benchmark
// configs) and two of first-wins cases: overlaps across the two axes, one
// salt and two, and a snapshot with an allocation for everyone and one
// after it.
func reachConfigs(t *testing.T) map[string][]byte {
	t.Helper()
	configs := condConfigs(t)
	configs["shadowed"] = []byte("salt: s\ngroups:\n  beta: [1, 2, 10-40%]\n  gamma: [30-60%]\n" +
		"experiments:\n  a:\n    salt: s\n    variants:\n      x: [beta, 0-20%]\n      y: [gamma, 20-50%]\n      z: 50-100%\n" +
		"  b:\n    variants:\n      x: [beta, 0-20%]\n      y: [gamma, 20-50%]\n      z: 50-100%\n")
	configs["snapshot"] = []byte(`{"version": 1, "environment": "prod", "experiments": [{"id": "e1", "key": "s", "salt": "s", "audienceRules": [], "targetingRules": [],
		"variants": [{"id": "v1", "key": "one"}, {"id": "v2", "key": "two"}, {"id": "v3", "key": "three"}],
		"allocations": [{"variantId": "v1", "rangeStart": 0, "rangeEnd": 1999}, {"variantId": "v2", "rangeStart": 1000, "rangeEnd": 4999},
			{"variantId": "v3", "rangeStart": 0, "rangeEnd": 9999}, {"variantId": "v1", "rangeStart": 0, "rangeEnd": 9999}]}]}`)
	return configs
}

// reachArms returns, for each experiment bucket and each group bucket, the
// arm Reach says it points to (-1: none).
func reachArms(reach []ArmReach) (byOwn, byGroup [Buckets]int) {
	for b := range Buckets {
		byOwn[b], byGroup[b] = -1, -1
	}
	for i, r := range reach {
		for _, p := range r.Pieces {
			axis := &byOwn
			if p.Group >= 0 {
				axis = &byGroup
			}
			for b := p.Start; b < p.End; b++ {
				if axis[b] >= 0 {
					panic(fmt.Sprintf("bucket %d is in pieces of arms %d and %d", b, axis[b], i))
				}
				axis[b] = i
			}
		}
	}
	return byOwn, byGroup
}

// earlier returns the earlier of two arms, -1 standing for none.
func earlier(a, b int) int {
	switch {
	case a < 0:
		return b
	case b < 0:
		return a
	}
	return min(a, b)
}

// TestReachMatchesDecide checks Reach against decide, the one
// implementation of the evaluation order: for every experiment that only
// its allocations decide, in the configs and snapshots in testdata, 2,000
// users (listed by no group) get from decide the variant of the earlier of
// the two arms their buckets point to in Reach's pieces. It also checks
// Share against a count of the same rule over every bucket.
func TestReachMatchesDecide(t *testing.T) {
	checked := 0
	for name, data := range reachConfigs(t) {
		t.Run(name, func(t *testing.T) {
			r, err := Parse(data)
			if err != nil {
				t.Skipf("does not load: %v", err)
			}
			infos := r.Experiments()
			for k, e := range r.exps {
				if !e.running || e.disabled || len(e.audience) > 0 || len(e.targeting) > 0 || e.design != nil {
					continue
				}
				checked++
				reach := infos[k].Reach(r.groupSalt)
				byOwn, byGroup := reachArms(reach)
				for u := range 2000 {
					id := fmt.Sprint("reach-user-", u)
					if listed(e, id) {
						continue
					}
					c := ContextFor(id)
					gb := -1
					got := r.decide(e, &c, &gb, nil)
					arm := earlier(byOwn[Bucket(id, e.salt)], byGroup[Bucket(id, r.groupSalt)])
					want := -1
					if arm >= 0 {
						want = e.arms[arm].variant
					}
					if got != want {
						t.Fatalf("%s, user %q: decide gives variant %d, Reach arm %d (variant %d)", e.key, id, got, arm, want)
					}
				}
				checkShares(t, e.key, reach, byOwn, byGroup, e.salt == r.groupSalt)
			}
		})
	}
	if checked < 100 {
		t.Errorf("only %d experiments checked; the benchmark config alone has 100", checked)
	}
}

// listed reports whether a group of e's arms lists the user.
func listed(e *experiment, id string) bool {
	for _, a := range e.arms {
		for _, g := range a.alloc.groups {
			if _, ok := g.users[id]; ok {
				return true
			}
		}
	}
	return false
}

// checkShares counts, over every (group bucket, experiment bucket) pair
// (or every bucket, with one salt), which arm decides by the earlier-arm
// rule, and compares the fractions with Reach's Share.
func checkShares(t *testing.T, key string, reach []ArmReach, byOwn, byGroup [Buckets]int, oneSalt bool) {
	t.Helper()
	cells := make([]float64, len(reach))
	if oneSalt {
		for b := range Buckets {
			if a := earlier(byOwn[b], byGroup[b]); a >= 0 {
				cells[a] += Buckets
			}
		}
	} else {
		// Pairs whose earlier arm is i: i by the experiment bucket with a
		// group bucket pointing to no arm before i, or i by the group
		// bucket with an experiment bucket pointing to no arm up to i.
		ownAt, groupAt := make([]float64, len(reach)), make([]float64, len(reach))
		for b := range Buckets {
			if a := byOwn[b]; a >= 0 {
				ownAt[a]++
			}
			if a := byGroup[b]; a >= 0 {
				groupAt[a]++
			}
		}
		ownBefore, groupBefore := 0.0, 0.0 // buckets pointing to arms before i
		for i := range reach {
			cells[i] = ownAt[i]*(Buckets-groupBefore) + groupAt[i]*(Buckets-ownBefore-ownAt[i])
			ownBefore += ownAt[i]
			groupBefore += groupAt[i]
		}
	}
	for i, r := range reach {
		// An arm for everyone holds every group bucket as well: what is
		// left of the plane once the experiment buckets before it are
		// counted.
		if r.Reached && len(r.Pieces) > 0 && r.Pieces[0].From < 0 {
			rest := 1.0
			for j := range i {
				rest -= cells[j] / (Buckets * Buckets)
			}
			cells[i] = rest * Buckets * Buckets
		}
		if want := cells[i] / (Buckets * Buckets); math.Abs(r.Share-want) > 1e-12 {
			t.Errorf("%s, arm %d: Share %v; counting gives %v", key, i, r.Share, want)
		}
	}
}

// TestReach checks the pieces and shares of small experiments written out
// by hand.
func TestReach(t *testing.T) {
	r := mustParse(t, string(reachConfigs(t)["shadowed"]))
	infos := r.Experiments()
	tests := []struct {
		name string
		exp  int
		want []ArmReach
	}{
		{"one salt: later arms lose what earlier ones hold on either axis", 0, []ArmReach{
			{Reached: true, Pieces: []Piece{{Range{0, 2000}, -1, 0}, {Range{1000, 4000}, 0, 0}}, Share: 0.4},
			{Reached: true, Pieces: []Piece{{Range{2000, 5000}, -1, 0}, {Range{4000, 6000}, 0, 0}}, Share: 0.2},
			{Reached: true, Pieces: []Piece{{Range{5000, 10000}, -1, 0}}, Share: 0.4},
		}},
		{"two salts", 1, []ArmReach{
			{Reached: true, Pieces: []Piece{{Range{0, 2000}, -1, 0}, {Range{1000, 4000}, 0, 0}}, Share: 1 - 0.7*0.8},
			{Reached: true, Pieces: []Piece{{Range{2000, 5000}, -1, 0}, {Range{4000, 6000}, 0, 0}}, Share: 0.7*0.8 - 0.5*0.5},
			{Reached: true, Pieces: []Piece{{Range{5000, 10000}, -1, 0}}, Share: 0.5 * 0.5},
		}},
		{"snapshot: overlaps, an allocation for everyone and one after it", -1, []ArmReach{
			{Reached: true, Pieces: []Piece{{Range{0, 2000}, -1, 0}}, Share: 0.2},
			{Reached: true, Pieces: []Piece{{Range{2000, 5000}, -1, 0}}, Share: 0.3},
			{Reached: true, Pieces: []Piece{{Range{5000, 10000}, -1, -1}}, Share: 0.5},
			{Reached: false, Share: 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, salt := infos[max(tt.exp, 0)], r.GroupSalt()
			if tt.exp < 0 {
				snap := mustParse(t, string(reachConfigs(t)["snapshot"]))
				info, salt = snap.Experiments()[0], snap.GroupSalt()
			}
			got := info.Reach(salt)
			for i := range got {
				got[i].Share = math.Round(got[i].Share*1e9) / 1e9
				tt.want[i].Share = math.Round(tt.want[i].Share*1e9) / 1e9
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Reach (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRangeArithmetic checks rangeSet.add, which Reach is built on,
// against a bucket-by-bucket model: each range is drawn less what earlier
// ranges hold, so the pieces drawn are exactly the buckets
// that range decides.
func TestRangeArithmetic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 500 {
		var s rangeSet
		var model [Buckets]bool
		for range 1 + rng.IntN(8) {
			a, b := rng.IntN(Buckets+1), rng.IntN(Buckets+1)
			if trial%3 == 0 { // coarse ranges touch and overlap often
				a, b = a/1000*1000, b/1000*1000
			}
			r := Range{Start: min(a, b), End: max(a, b)}
			before := append([]span(nil), s.spans...)
			var drawn [Buckets]bool
			prevEnd := -1
			for _, p := range s.add(r) {
				if p.Start >= p.End || p.Start <= prevEnd {
					t.Fatalf("add(%v) to %v: piece %v empty, unsorted or touching the last", r, before, p)
				}
				prevEnd = p.End
				for x := p.Start; x < p.End; x++ {
					drawn[x] = true
				}
			}
			for x := range Buckets {
				if want := x >= r.Start && x < r.End && !model[x]; drawn[x] != want {
					t.Fatalf("add(%v) to %v: bucket %d drawn %v, want %v", r, before, x, drawn[x], want)
				}
			}
			for x := r.Start; x < r.End; x++ {
				model[x] = true
			}
			for i := 1; i < len(s.spans); i++ {
				if s.spans[i-1].hi >= s.spans[i].lo {
					t.Fatalf("add: %v not sorted and disjoint", s.spans)
				}
			}
			if n := count(model[:]); s.len() != n {
				t.Fatalf("add: %v holds %d buckets, want %d", s.spans, s.len(), n)
			}
		}
	}
}

func count(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

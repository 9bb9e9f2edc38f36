package experiment

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Statistical tests of doc.go's "Experiment design", over the same fixed
// users as stats_test.go (statN of them) and with its tolerance: layers,
// holdouts, ramps and sticky assignment. Run `go test -v -run StatDesign`
// to see the figures.

var approxShare = cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) <= statTolerance })

// TestStatDesignLayer checks that the experiments of a layer share no user
// and each gets its share of the layer, and that an experiment's variants
// split its part evenly (its own salt is independent of the layer's).
func TestStatDesignLayer(t *testing.T) {
	r := mustParse(t, `
layers:
  checkout:
    experiments: {a: 30%, b: 20%, c: 12.5%, d: 70-100%}
experiments:
  a: {variants: {red: 0-50%, blue: 50-100%}}
  b: true
  c: {variants: {on: 100%}}
  d: 100%
`)
	exps := []string{"a", "b", "c", "d"}
	k := len(exps)
	// Cells: 0..k-1 in exactly that experiment, k none, k+1 two or more.
	n := statN()
	counts := statCount(n, k+2, func(c Context) int {
		in, which := 0, k
		for i, e := range exps {
			if r.VariantFor(e, c) {
				in++
				which = i
			}
		}
		if in > 1 {
			return k + 1
		}
		return which
	})
	red := statCount(n, 2, func(c Context) int {
		if r.Feature("a", c) == "red" {
			return 1
		}
		return 0
	})[1]
	if counts[k+1] > 0 {
		t.Fatalf("%d users are in two experiments of one layer", counts[k+1])
	}
	got := make([]float64, k)
	for i := range exps {
		got[i] = 100 * float64(counts[i]) / float64(n)
	}
	redShare := 100 * float64(red) / float64(n)
	t.Logf("shares: %v, none %.4f%%, a's red %.4f%%", got, 100*float64(counts[k])/float64(n), redShare)
	if diff := cmp.Diff([]float64{30, 20, 12.5, 30}, got, approxShare); diff != "" {
		t.Errorf("layer shares in percent, ±%.1f points (-want +got):\n%s", statTolerance, diff)
	}
	if math.Abs(redShare-15) > statTolerance {
		t.Errorf("a's red: %.4f%% of users; want 15%% (half of a's 30%%) ±%.1f", redShare, statTolerance)
	}
}

// TestStatDesignHoldout checks that a holdout keeps out exactly the users
// whose bucket under its salt is below its share, about its share of
// them, from every experiment, and nobody else.
func TestStatDesignHoldout(t *testing.T) {
	r := mustParse(t, `
holdout: {share: 5%, salt: h-2026}
layers:
  L: {holdout: 10%, experiments: {in-layer: 100%}}
experiments:
  flag: true
  split: {variants: {x: 0-50%, y: 50-100%}}
  in-layer: 100%
`)
	n := statN()
	// Cells: 0 held out and in nothing; 1 not held out and in flag and
	// split; 2 anything else (a failure). 3 and 4 count the layer: held out
	// of it only, and in it.
	bad := func(c Context) bool {
		held := Bucket(c.UserID(), "h-2026") < 500
		inAny := r.VariantFor("flag", c) || r.VariantFor("split", c) || r.VariantFor("in-layer", c)
		inAll := r.VariantFor("flag", c) && r.VariantFor("split", c)
		return held == inAny || (!held && !inAll)
	}
	counts := statCount(n, 5, func(c Context) int {
		switch held := Bucket(c.UserID(), "h-2026") < 500; {
		case bad(c):
			return 2
		case held:
			return 0
		case Bucket(c.UserID(), "holdout:L") < 1000:
			if r.VariantFor("in-layer", c) {
				return 2
			}
			return 3
		}
		return 4
	})
	if counts[2] > 0 {
		t.Fatalf("%d users break the holdout, e.g. %q", counts[2], statFirst(n, bad))
	}
	share := 100 * float64(counts[0]) / float64(n)
	layerShare := 100 * float64(counts[3]) / float64(n-counts[0])
	t.Logf("held out: %d users, %.4f%%; of the others, held out of the layer: %.4f%%", counts[0], share, layerShare)
	if math.Abs(share-5) > statTolerance {
		t.Errorf("the config's holdout holds %.4f%% of users; want 5%% ±%.1f", share, statTolerance)
	}
	if math.Abs(layerShare-10) > statTolerance {
		t.Errorf("the layer's holdout holds %.4f%% of the users not held out; want 10%% ±%.1f", layerShare, statTolerance)
	}
}

// TestStatDesignRamp follows a ramp from 10% to 50% at eleven instants:
// no user admitted at one instant is out at a later one, and the share at
// each instant is the ramp's.
func TestStatDesignRamp(t *testing.T) {
	r := mustParse(t, `
experiments:
  rollout:
    ramp: {from: 10%, to: 50%, start: 2026-03-01T00:00:00Z, end: 2026-03-11T00:00:00Z}
    variants: {control: 0-50%, treatment: 50-100%}
`)
	start := mustTime(t, "2026-03-01T00:00:00Z")
	const k = 11
	var at [k]time.Time
	for i := range at {
		at[i] = start.Add(time.Duration(i) * 25 * time.Hour) // past the end at the last
	}
	// A user's cell is the first instant they are in (k: never), or k+1
	// if they are out at a later instant, or change variant.
	n := statN()
	cell := func(c Context) int {
		first, v := k, ""
		for i := range at {
			got := r.Feature("rollout", c.At(at[i]))
			switch {
			case got == "" && first < k, got != "" && first < k && got != v:
				return k + 1
			case got != "" && first == k:
				first, v = i, got
			}
		}
		return first
	}
	counts := statCount(n, k+2, cell)
	if counts[k+1] > 0 {
		t.Fatalf("%d users left the ramp or changed variant, e.g. %q", counts[k+1], statFirst(n, func(c Context) bool { return cell(c) == k+1 }))
	}
	got, want := make([]float64, k), make([]float64, k)
	in := 0
	for i := range at {
		in += counts[i]
		got[i] = 100 * float64(in) / float64(n)
		want[i] = float64(r.exps[0].design.ramp.share(at[i].UnixNano())) / 100
	}
	t.Logf("shares: %v\n  want: %v", got, want)
	if diff := cmp.Diff(want, got, approxShare); diff != "" {
		t.Errorf("shares at each instant, ±%.1f points (-want +got):\n%s", statTolerance, diff)
	}
}

// TestStatDesignSticky assigns every user through a store, edits the
// experiment's allocation, and checks that the store keeps 100% of them
// in their variant, though bucketing alone moves about 30%; bumping the
// version then re-buckets every user to the edited allocation.
func TestStatDesignSticky(t *testing.T) {
	n := statN()
	store := NewMemoryStore(n)
	before := mustParse(t, "experiments:\n  e: {variants: {control: 0-50%, treatment: 50-100%}}\n", WithSticky(store))
	edited := mustParse(t, "experiments:\n  e: {variants: {control: 0-20%, treatment: 20-100%}}\n", WithSticky(store))
	bumped := mustParse(t, "experiments:\n  e: {version: 1, variants: {control: 0-20%, treatment: 20-100%}}\n", WithSticky(store))
	ctx := context.Background()
	sticky := func(r *Ruleset, c Context) string {
		v, err := r.StickyFeature(ctx, "e", c)
		if err != nil {
			t.Error(err)
		}
		return v
	}
	statCount(n, 1, func(c Context) int { sticky(before, c); return 0 })
	if store.Len() != n {
		t.Fatalf("the store holds %d users; want all %d", store.Len(), n)
	}
	// Cells: 0 kept, and bucketing alone keeps them too; 1 kept, though
	// bucketing alone moves them; 2 moved despite the store.
	counts := statCount(n, 3, func(c Context) int {
		was := before.Feature("e", c)
		switch {
		case sticky(edited, c) != was:
			return 2
		case edited.Feature("e", c) != was:
			return 1
		}
		return 0
	})
	moved := counts[1]
	t.Logf("after the edit: %d of %d kept with the store; bucketing alone moves %.4f%%", counts[0]+counts[1], n, 100*float64(moved)/float64(n))
	if counts[2] > 0 {
		t.Errorf("%d users moved through an allocation edit despite the store", counts[2])
	}
	if share := 100 * float64(moved) / float64(n); math.Abs(share-30) > statTolerance {
		t.Errorf("bucketing alone moves %.4f%%; want 30%% (control 20-50%%): the test would not show stickiness", share)
	}
	// Bumping the version: every user gets the edited allocation's
	// variant, and the store then holds it.
	rebucketed := statCount(n, 3, func(c Context) int {
		switch {
		case sticky(bumped, c) != edited.Feature("e", c):
			return 2
		case edited.Feature("e", c) != before.Feature("e", c):
			return 1
		}
		return 0
	})
	t.Logf("after the version bump: %d moved, %d stayed, %d not re-bucketed", rebucketed[1], rebucketed[0], rebucketed[2])
	if rebucketed[2] > 0 {
		t.Errorf("%d users kept their old variant through a version bump", rebucketed[2])
	}
	if rebucketed[1] != moved {
		t.Errorf("the version bump moved %d users; want the %d bucketing moves", rebucketed[1], moved)
	}
	if v, version, ok, _ := store.Get(ctx, "user-0", "e"); !ok || version != 1 || v != edited.Feature("e", ContextFor("user-0")) {
		t.Errorf("after the bump the store holds %q, version %d, %v; want the edited variant under version 1", v, version, ok)
	}
}

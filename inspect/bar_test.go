package inspect

import (
	"math/rand/v2"
	"testing"

	"github.com/inprocess/experiment"
)

// TestSubtractInsert checks the range arithmetic behind the bars against a
// bucket-by-bucket model: each range is drawn less what earlier ranges
// hold, so the pieces drawn are exactly the buckets that range decides.
func TestSubtractInsert(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 500 {
		var taken []experiment.Range
		var model [experiment.Buckets]bool
		for range 1 + rng.IntN(8) {
			a, b := rng.IntN(experiment.Buckets+1), rng.IntN(experiment.Buckets+1)
			if trial%3 == 0 { // coarse ranges touch and overlap often
				a, b = a/1000*1000, b/1000*1000
			}
			r := experiment.Range{Start: min(a, b), End: max(a, b)}
			var drawn [experiment.Buckets]bool
			prevEnd := -1
			for _, p := range subtract(r, taken) {
				if p.Start >= p.End || p.Start <= prevEnd {
					t.Fatalf("subtract(%v, %v): piece %v empty, unsorted or touching the last", r, taken, p)
				}
				prevEnd = p.End
				for x := p.Start; x < p.End; x++ {
					drawn[x] = true
				}
			}
			for x := range experiment.Buckets {
				if want := x >= r.Start && x < r.End && !model[x]; drawn[x] != want {
					t.Fatalf("subtract(%v, %v): bucket %d drawn %v, want %v", r, taken, x, drawn[x], want)
				}
			}
			if got, want := covered(r, taken), r.End-r.Start-count(drawn[:]); got != want {
				t.Fatalf("covered(%v, %v) = %d, want %d", r, taken, got, want)
			}
			taken = insert(taken, r)
			for x := r.Start; x < r.End; x++ {
				model[x] = true
			}
			for i := 1; i < len(taken); i++ {
				if taken[i-1].End >= taken[i].Start {
					t.Fatalf("insert: %v not sorted and disjoint", taken)
				}
			}
			if total(taken) != count(model[:]) {
				t.Fatalf("insert: %v holds %d buckets, want %d", taken, total(taken), count(model[:]))
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

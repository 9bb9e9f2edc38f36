package experiment

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSlabTake checks that the slices a slab hands out are separate:
// filling one to its capacity and appending past it leaves the next one
// as it was, and an empty one is not nil.
func TestSlabTake(t *testing.T) {
	cases := []struct {
		name  string
		sizes []int
	}{
		{"small", []int{1, 2, 3}},
		{"across chunks", []int{slabChunk / 4, slabChunk / 4, slabChunk / 4, slabChunk / 4, 5}},
		{"larger than a quarter chunk", []int{slabChunk/4 + 1, 1}},
		{"empty", []int{0, 1, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s slab[int]
			var got [][]int
			for i, n := range tc.sizes {
				b := s.take(n)
				if b == nil || len(b) != 0 || cap(b) != n {
					t.Fatalf("take(%d) = len %d, cap %d, nil %v; want an empty slice of capacity %d", n, len(b), cap(b), b == nil, n)
				}
				for range n {
					b = append(b, i)
				}
				got = append(got, b)
			}
			// Appending past the capacity moves the slice, not its neighbours.
			for i := range got {
				got[i] = append(got[i], -1)
			}
			for i, n := range tc.sizes {
				want := append(slicesRepeat(i, n), -1)
				if diff := cmp.Diff(want, got[i]); diff != "" {
					t.Errorf("slice %d (-want +got):\n%s", i, diff)
				}
			}
		})
	}
}

func slicesRepeat(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// TestPathArena checks that key paths stay what they were built as while
// many more are written after them, past the end of a block.
func TestPathArena(t *testing.T) {
	p := &parser{}
	long := strings.Repeat("k", pathBlock/2)
	cases := []struct {
		name string
		got  func() string
		want string
	}{
		{"join", func() string { return p.joinPath("experiments", "x") }, "experiments.x"},
		{"join at the top", func() string { return p.joinPath("", "groups") }, "groups"},
		{"index", func() string { return p.indexPath("experiments.x", 12) }, "experiments.x[12]"},
		{"negative index", func() string { return p.indexPath("a", -1) }, "a[-1]"},
		{"longer than the rest of a block", func() string { return p.joinPath(long, long) }, long + "." + long},
		{"longer than a block", func() string { return p.joinPath(long+long, "y") }, long + long + ".y"},
	}
	var got, want []string
	for _, tc := range cases {
		got, want = append(got, tc.got()), append(want, tc.want)
	}
	for range 3 * pathBlock / 16 { // several blocks more
		p.joinPath("experiments", "padding")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
}

package experiment

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// TestHostileScaling checks that Parse's cost grows at most linearly with
// its input, for each family of input the reliability review found
// super-linear: each is built at 1x, 4x and 16x a base size, and the bytes
// allocated and the allocations made per input byte at 16x must be within
// 2x of those at 1x. Counting allocation, not time, makes the test
// independent of the machine's load.
func TestHostileScaling(t *testing.T) {
	rx := func(i int) string { return fmt.Sprintf("^(a|b)%d[a-z]{2,8}(x|y|z)+$", i) }
	families := []struct {
		name string
		gen  func(n int) string // a config that grows with n
		base int
	}{
		{"aliased experiments", func(n int) string {
			var b strings.Builder
			b.WriteString("groups: {g: 5%}\nexperiments:\n  e0: &E {variants: {")
			for i := range 50 {
				fmt.Fprintf(&b, "v%d: 1%%, ", i)
			}
			b.WriteString("w: 60-100%}}\n")
			for i := 1; i < n; i++ {
				fmt.Fprintf(&b, "  e%d: *E\n", i)
			}
			return b.String()
		}, 200},
		{"aliased envs", func(n int) string {
			var b strings.Builder
			b.WriteString("experiments: &X\n")
			for i := range 200 {
				fmt.Fprintf(&b, "  e%d: 50%%\n", i)
			}
			b.WriteString("envs:\n")
			for i := range n {
				fmt.Fprintf(&b, "  env%d: *X\n", i)
			}
			return b.String()
		}, 200},
		{"aliased rules and conditions", func(n int) string {
			var b strings.Builder
			b.WriteString("audiences:\n  au: &R [{conditions: [&C {attribute: x, operator: matches, value: '" + strings.Repeat("(a|b)", 100) + "'}, *C, *C]}]\nexperiments:\n")
			for i := range n {
				fmt.Fprintf(&b, "  e%d: {audience: au, targeting: *R, variants: {v: 100%%}}\n", i)
			}
			return b.String()
		}, 100},
		{"aliased payloads", func(n int) string {
			var b strings.Builder
			b.WriteString("experiments:\n  a:\n    variants:\n      v0: {allocation: 0%, payload: &P '" + strings.Repeat("x", 2000) + "'}\n")
			for i := 1; i < n; i++ {
				fmt.Fprintf(&b, "      v%d: {allocation: 0%%, payload: *P}\n", i)
			}
			return b.String()
		}, 100},
		{"aliased groups", func(n int) string {
			var b strings.Builder
			b.WriteString("groups:\n  g0: &L [")
			for i := range 500 {
				fmt.Fprintf(&b, "u%d,", i)
			}
			b.WriteString("u]\n")
			for i := 1; i < n; i++ {
				fmt.Fprintf(&b, "  g%d: *L\n", i)
			}
			b.WriteString("experiments:\n  a: g0\n")
			return b.String()
		}, 50},
		{"long range lists", func(n int) string {
			return "experiments:\n  e:\n    a: [" + strings.Repeat("0-1%,", n-1) + "0-1%]\n    b: [" + strings.Repeat("1-2%,", n-1) + "1-2%]\n"
		}, 2000},
		{"overlapping ranges", func(n int) string {
			return "experiments:\n  e:\n    a: [" + strings.Repeat("0-100%,", n-1) + "0-100%]\n    b: [" + strings.Repeat("0-100%,", n-1) + "0-100%]\n"
		}, 1000},
		{"large snapshots", func(n int) string {
			var b strings.Builder
			b.WriteString(`{"version": 1, "experiments": [{"id": "e", "key": "e", "salt": "s", "variants": [`)
			for i := range n {
				if i > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, `{"id": "v%d", "key": "v%d"}`, i, i)
			}
			b.WriteString(`], "allocations": [`)
			for i := range n {
				if i > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, `{"variantId": "none%d", "rangeStart": 0, "rangeEnd": 1}`, i)
			}
			b.WriteString("]}]}")
			return b.String()
		}, 1000},
		{"long keys with many variants", func(n int) string {
			var b strings.Builder
			b.WriteString(`{"experiments": {"` + strings.Repeat("k", MaxNameLength) + `": {`)
			for i := range n {
				if i > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, `"v%d": "0%%"`, i)
			}
			b.WriteString("}}}")
			return b.String()
		}, 500},
		{"many regexps", func(n int) string {
			var b strings.Builder
			b.WriteString("experiments:\n")
			for i := range n {
				fmt.Fprintf(&b, "  e%d: {targeting: [{conditions: [{attribute: x, operator: matches, value: '%s'}]}], variants: {v: 100%%}}\n", i, rx(i))
			}
			return b.String()
		}, 200},
	}
	for _, f := range families {
		t.Run(f.name, func(t *testing.T) {
			type cost struct{ bytes, allocs float64 }
			var costs []cost
			for _, k := range []int{1, 4, 16} {
				input := []byte(f.gen(f.base * k))
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				_, _ = Check(input)
				runtime.ReadMemStats(&after)
				c := cost{float64(after.TotalAlloc-before.TotalAlloc) / float64(len(input)), float64(after.Mallocs-before.Mallocs) / float64(len(input))}
				costs = append(costs, c)
				t.Logf("%2dx: %8d bytes in: %7.1f bytes and %5.3f allocations per input byte", k, len(input), c.bytes, c.allocs)
			}
			first, last := costs[0], costs[len(costs)-1]
			if last.bytes > 2*first.bytes {
				t.Errorf("bytes allocated per input byte grew from %.1f at 1x to %.1f at 16x: not linear", first.bytes, last.bytes)
			}
			if last.allocs > 2*first.allocs {
				t.Errorf("allocations per input byte grew from %.3f at 1x to %.3f at 16x: not linear", first.allocs, last.allocs)
			}
		})
	}
}

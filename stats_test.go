package experiment

import (
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Statistical tests of doc.go's "Percentages and buckets": shares, uniformity, independence, nesting,
// ramps and mutual exclusion, over the fixed users "user-0" to
// "user-999999". The users are fixed and the hash is fixed, so each test
// computes the same figures on every run: a test that passes can never
// flake. The tolerances are still chosen as if the users were random, so
// that a pass means something: each one says how many standard errors it
// allows. Run `go test -v -run Stat .` to see the figures.
//
// Each test evaluates up to a few million (user, experiment) pairs through
// the public API, split over GOMAXPROCS goroutines: about a second without
// the race detector. Under -race, evaluation is 5-20 times slower, so the
// tests use statRaceUsers users there instead (and in -short mode), with
// the same tolerances, which are then about 2.5 times fewer standard
// errors wide, still over 2.5 (they pass deterministically all the same).

const (
	statUsers     = 1_000_000
	statRaceUsers = 200_000
)

var statUserIDs = sync.OnceValue(func() []string {
	ids := make([]string, statUsers)
	buf := []byte("user-")
	for i := range ids {
		ids[i] = string(strconv.AppendInt(buf[:5], int64(i), 10))
	}
	return ids
})

// statN is the number of users a statistical test uses (see above).
func statN() int {
	if raceEnabled || testing.Short() {
		return statRaceUsers
	}
	return statUsers
}

// statCount calls cell for the Context of each of the first n users, on
// GOMAXPROCS goroutines, and returns how many users fell in each cell;
// cell returns an index in [0, cells).
func statCount(n, cells int, cell func(c Context) int) []int {
	users := statUserIDs()[:n]
	workers := runtime.GOMAXPROCS(0)
	counts := make([][]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]int, cells)
			for i := w; i < len(users); i += workers {
				local[cell(ContextFor(users[i]))]++
			}
			counts[w] = local
		}()
	}
	wg.Wait()
	total := make([]int, cells)
	for _, local := range counts {
		for i, c := range local {
			total[i] += c
		}
	}
	return total
}

// statFirst returns the first of the first n users for whom bad is true,
// to show in a failure, or "" for none.
func statFirst(n int, bad func(c Context) bool) string {
	for _, u := range statUserIDs()[:n] {
		if bad(ContextFor(u)) {
			return u
		}
	}
	return ""
}

// statTolerance is the largest allowed difference, in percentage points,
// between a share and the width of its range. Over 1,000,000 users the
// standard error of a share p is sqrt(p(1-p)/n): at most 0.05 points (at
// p = 50%), so 0.3 points is 6 standard errors or more for every share
// tested: a real bias of 0.3 points would show, noise would not.
const statTolerance = 0.3

// statSE is the standard error, in percentage points, of a share p over n
// users.
func statSE(p float64, n int) float64 { return 100 * math.Sqrt(p*(1-p)/float64(n)) }

// statVariantIndex maps each variant name of experiment exp to an index in
// [0, len), and "" (off) to len: the cells of a count.
func statVariantIndex(t *testing.T, r *Ruleset, exp string) (names []string, index map[string]int) {
	t.Helper()
	for _, e := range r.Experiments() {
		if e.Key == exp {
			index = map[string]int{}
			for i, v := range e.Variants {
				names = append(names, v.Key)
				index[v.Key] = i
			}
			index[""] = len(names)
			return append(names, "(off)"), index
		}
	}
	t.Fatalf("no experiment %q", exp)
	return nil, nil
}

// TestStatUniformity checks that every variant's share of users is the
// width of its range, within statTolerance, for uneven ranges written in
// each way doc.go's "Percentages and buckets" allows: experiment percentages under the experiment's
// name, under an explicit salt, and group percentages under the top-level
// salt.
func TestStatUniformity(t *testing.T) {
	tests := []struct {
		name   string
		config string
		exp    string
		want   map[string]float64 // variant (or "(off)") -> share in percent
	}{
		{
			name:   "short form 0-10, 10-35, 35-100",
			config: "experiments:\n  uneven: {a: 0-10%, b: 10-35%, c: 35-100%}\n",
			exp:    "uneven",
			want:   map[string]float64{"a": 10, "b": 25, "c": 65, "(off)": 0},
		},
		{
			name:   "long form with a salt and a 7.5% holdout",
			config: "experiments:\n  checkout:\n    salt: 6f1c0e1a\n    variants:\n      control: {allocation: 0-2.5%}\n      treatment: {allocation: 2.5-60%}\n      big: {allocation: 67.5-100%}\n",
			exp:    "checkout",
			want:   map[string]float64{"control": 2.5, "treatment": 57.5, "big": 32.5, "(off)": 7.5},
		},
		{
			name:   "group percentages under the top-level salt",
			config: "salt: rollout-2026\ngroups:\n  early: 0-12.5%\n  late: [12.5-40%, 90-100%]\nexperiments:\n  phased: {x: early, y: late}\n",
			exp:    "phased",
			want:   map[string]float64{"x": 12.5, "y": 37.5, "(off)": 50},
		},
	}
	n := statN()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustParse(t, tt.config)
			names, index := statVariantIndex(t, r, tt.exp)
			counts := statCount(n, len(names), func(c Context) int { return index[r.Feature(tt.exp, c)] })
			got := map[string]float64{}
			for i, name := range names {
				share := 100 * float64(counts[i]) / float64(n)
				got[name] = share
				want := tt.want[name]
				dev := share - want
				t.Logf("%-9s want %6.2f%%  got %8.4f%%  (%7d users)  off by %+.4f points = %+.2f standard errors",
					name, want, share, counts[i], dev, dev/math.Max(statSE(want/100, n), 1e-9))
			}
			approx := cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) <= statTolerance })
			if diff := cmp.Diff(tt.want, got, approx); diff != "" {
				t.Errorf("shares in percent, tolerance ±%.1f points (-want +got):\n%s", statTolerance, diff)
			}
		})
	}
}

// TestStatChiSquare checks that users spread evenly over 100 equal ranges
// of buckets (0-99, 100-199, ...) with Pearson's chi-square test: it fails
// when p < 0.001, that is when the statistic exceeds the critical value
// of the chi-square distribution with 99 degrees of freedom at 0.999,
// 148.2304. The test computes that value with chiSquareQ below (the
// regularised upper incomplete gamma function) and checks it against the
// table value, 148.23, so both the statistic's p-value and the threshold
// rest on checked code.
func TestStatChiSquare(t *testing.T) {
	const df = 99
	critical := chiSquareCritical(0.001, df)
	if math.Abs(critical-148.23) > 0.005 {
		t.Fatalf("computed chi-square critical value (df %d, p 0.001) = %.4f; the table has 148.23", df, critical)
	}
	var b strings.Builder
	b.WriteString("experiments:\n  hundred:\n")
	for i := range 100 {
		fmt.Fprintf(&b, "    v%02d: %d-%d%%\n", i, i, i+1)
	}
	r := mustParse(t, b.String())
	_, index := statVariantIndex(t, r, "hundred")
	n := statN()
	counts := statCount(n, 101, func(c Context) int { return index[r.Feature("hundred", c)] })
	if counts[100] != 0 {
		t.Fatalf("%d users are in none of 100 ranges covering 0-100%%", counts[100])
	}
	expected := float64(n) / 100
	var chi2 float64
	lo, hi := n, 0
	for _, c := range counts[:100] {
		d := float64(c) - expected
		chi2 += d * d / expected
		lo, hi = min(lo, c), max(hi, c)
	}
	p := chiSquareQ(df, chi2)
	t.Logf("%d users in 100 ranges of 100 buckets: expected %.0f each, smallest %d, largest %d", n, expected, lo, hi)
	t.Logf("chi-square = %.2f, df = %d, p = %.4f; fails above %.4f (p < 0.001)", chi2, df, p, critical)
	if chi2 > critical {
		t.Errorf("chi-square %.2f > %.2f: p = %.6f < 0.001; the buckets are not uniform", chi2, critical, p)
	}
}

// TestStatChiSquareFunctions checks the chi-square code against table
// values, so TestStatChiSquare's threshold is not an untested number.
func TestStatChiSquareFunctions(t *testing.T) {
	tests := []struct {
		name     string
		df       float64
		x        float64
		wantQ    float64 // P(X > x)
		tolerant float64
	}{
		{"df 1 at 3.841", 1, 3.841459, 0.05, 1e-6},
		{"df 1 at 10.83", 1, 10.827566, 0.001, 1e-7},
		{"df 2 at 2 (exp(-1))", 2, 2, math.Exp(-1), 1e-12},
		{"df 10 at 18.31", 10, 18.307038, 0.05, 1e-6},
		{"df 99 at 148.23", 99, 148.2304, 0.001, 1e-6},
		{"df 99 at 123.23", 99, 123.2252, 0.05, 1e-5},
		{"df 99 at the mean", 99, 99, 0.4812, 1e-3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := chiSquareQ(tt.df, tt.x); math.Abs(got-tt.wantQ) > tt.tolerant {
				t.Errorf("chiSquareQ(%v, %v) = %.8f; want %.8f", tt.df, tt.x, got, tt.wantQ)
			}
		})
	}
}

// chiSquareQ is P(X > x) for X chi-square distributed with df degrees of
// freedom: the regularised upper incomplete gamma function Q(df/2, x/2).
func chiSquareQ(df, x float64) float64 { return gammaQ(df/2, x/2) }

// chiSquareCritical returns the x with chiSquareQ(df, x) = p, by bisection
// (Q falls as x grows).
func chiSquareCritical(p, df float64) float64 {
	lo, hi := 0.0, df+100*math.Sqrt(2*df)+100
	for range 200 {
		mid := (lo + hi) / 2
		if chiSquareQ(df, mid) > p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// gammaQ is the regularised upper incomplete gamma function Q(a, x) =
// Γ(a, x)/Γ(a), by the series for P = 1 - Q when x < a+1 and by the
// continued fraction (modified Lentz) otherwise, as in Numerical Recipes
// §6.2; both converge fast in their region.
func gammaQ(a, x float64) float64 {
	if x <= 0 {
		return 1
	}
	lgam, _ := math.Lgamma(a)
	front := math.Exp(-x + a*math.Log(x) - lgam)
	if x < a+1 {
		sum, term := 1/a, 1/a
		for n := 1; n < 1000; n++ {
			term *= x / (a + float64(n))
			sum += term
			if math.Abs(term) < math.Abs(sum)*1e-15 {
				break
			}
		}
		return 1 - sum*front
	}
	const tiny = 1e-300
	b := x + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1; i < 1000; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		delta := d * c
		h *= delta
		if math.Abs(delta-1) < 1e-15 {
			break
		}
	}
	return front * h
}

// TestStatIndependence checks that two 50/50 splits with different salts
// are independent: each of the four joint cells holds 25% of users, within
// statTolerance (0.3 points is 7 standard errors of a 25% share over
// 1,000,000 users), and a chi-square test of independence on the 2×2
// table (df 1) does not reject at p < 0.001 (critical value 10.83).
func TestStatIndependence(t *testing.T) {
	tests := []struct {
		name   string
		config string
		a, b   string
	}{
		{
			name:   "two experiments, each salted with its name",
			config: "experiments:\n  left: {a: 0-50%, b: 50-100%}\n  right: {a: 0-50%, b: 50-100%}\n",
			a:      "left", b: "right",
		},
		{
			name:   "explicit salts differing in one character",
			config: "experiments:\n  x: {salt: layer-1, variants: {a: 0-50%, b: 50-100%}}\n  y: {salt: layer-2, variants: {a: 0-50%, b: 50-100%}}\n",
			a:      "x", b: "y",
		},
		{
			name:   "a group percentage (top-level salt) and an experiment percentage",
			config: "salt: rollout\ngroups:\n  first: 0-50%\n  second: 50-100%\nexperiments:\n  byGroup: {a: first, b: second}\n  bySplit: {a: 0-50%, b: 50-100%}\n",
			a:      "byGroup", b: "bySplit",
		},
	}
	n := statN()
	critical := chiSquareCritical(0.001, 1)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustParse(t, tt.config)
			cellOf := map[string]int{"a": 0, "b": 1}
			counts := statCount(n, 4, func(c Context) int {
				return 2*cellOf[r.Feature(tt.a, c)] + cellOf[r.Feature(tt.b, c)]
			})
			got := map[string]float64{}
			for i, name := range []string{"a/a", "a/b", "b/a", "b/b"} {
				got[name] = 100 * float64(counts[i]) / float64(n)
				t.Logf("%s=%s, %s=%s: %8.4f%% (%d users), off by %+.4f points = %+.2f standard errors",
					tt.a, name[:1], tt.b, name[2:], got[name], counts[i], got[name]-25, (got[name]-25)/statSE(0.25, n))
			}
			want := map[string]float64{"a/a": 25, "a/b": 25, "b/a": 25, "b/b": 25}
			approx := cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) <= statTolerance })
			if diff := cmp.Diff(want, got, approx); diff != "" {
				t.Errorf("joint shares in percent, tolerance ±%.1f points (-want +got):\n%s", statTolerance, diff)
			}
			// Chi-square test of independence: expected cell = row × column / n.
			rows := [2]float64{float64(counts[0] + counts[1]), float64(counts[2] + counts[3])}
			cols := [2]float64{float64(counts[0] + counts[2]), float64(counts[1] + counts[3])}
			var chi2 float64
			for i := range 2 {
				for j := range 2 {
					e := rows[i] * cols[j] / float64(n)
					d := float64(counts[2*i+j]) - e
					chi2 += d * d / e
				}
			}
			t.Logf("independence: chi-square = %.3f, df = 1, p = %.4f; fails above %.2f", chi2, chiSquareQ(1, chi2), critical)
			if chi2 > critical {
				t.Errorf("chi-square %.3f > %.2f: the two assignments are not independent (p < 0.001)", chi2, critical)
			}
		})
	}
}

// TestStatNestingAndRamps checks the "Percentages and buckets" section's stability promises for every
// user (no tolerance: each is exact): changing the config from before to
// after moves nobody who had a variant to another variant or off. It also
// checks that the share of users newly assigned is the width added,
// within statTolerance.
func TestStatNestingAndRamps(t *testing.T) {
	tests := []struct {
		name          string
		before, after string
		exp           string
		wantGained    float64 // percent of users off before and on after
	}{
		{
			name:       "group 20-30% inside 20-50%",
			before:     "groups: {inner: 20-30%, outer: 20-50%}\nexperiments: {e: inner}\n",
			after:      "groups: {inner: 20-30%, outer: 20-50%}\nexperiments: {e: outer}\n",
			exp:        "e",
			wantGained: 20,
		},
		{
			name:       "group 20-50% inside 20-60%, with a top-level salt",
			before:     "salt: s1\ngroups: {phase 2: 20-50%, phase 3: 20-60%}\nexperiments: {e: phase 2}\n",
			after:      "salt: s1\ngroups: {phase 2: 20-50%, phase 3: 20-60%}\nexperiments: {e: phase 3}\n",
			exp:        "e",
			wantGained: 10,
		},
		{
			name:       "ramp 0-10% to 0-20%",
			before:     "experiments: {e: 0-10%}\n",
			after:      "experiments: {e: 0-20%}\n",
			exp:        "e",
			wantGained: 10,
		},
		{
			name:       "ramp a group from 20-30% to 20-60% in place",
			before:     "groups: {rollout: 20-30%}\nexperiments: {e: rollout}\n",
			after:      "groups: {rollout: 20-60%}\nexperiments: {e: rollout}\n",
			exp:        "e",
			wantGained: 30,
		},
		{
			name:       "ramp both variants of a long-form experiment",
			before:     "experiments:\n  e:\n    salt: abc\n    variants:\n      control: {allocation: 0-10%, payload: 1}\n      treatment: {allocation: 50-60%, payload: 2}\n",
			after:      "experiments:\n  e:\n    salt: abc\n    variants:\n      control: {allocation: 0-25%, payload: 1}\n      treatment: {allocation: 50-75%, payload: 2}\n",
			exp:        "e",
			wantGained: 30,
		},
		{
			name:       "add a variant in an unused range, in the middle",
			before:     "experiments:\n  e: {a: 0-10%, b: 50-60%}\n",
			after:      "experiments:\n  e: {a: 0-10%, new: 20-30%, b: 50-60%}\n",
			exp:        "e",
			wantGained: 10,
		},
		{
			name:       "add a variant in an unused range, first",
			before:     "experiments:\n  e: {a: 0-10%, b: 50-60%}\n",
			after:      "experiments:\n  e: {new: 90-100%, a: 0-10%, b: 50-60%}\n",
			exp:        "e",
			wantGained: 10,
		},
	}
	n := statN()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, after := mustParse(t, tt.before), mustParse(t, tt.after)
			const (
				offBoth = iota
				kept
				gained
				moved // had a variant before, another (or none) after: a violation
			)
			cell := func(c Context) int {
				b, a := before.Feature(tt.exp, c), after.Feature(tt.exp, c)
				switch {
				case b == "" && a == "":
					return offBoth
				case b == "":
					return gained
				case a == b:
					return kept
				}
				return moved
			}
			counts := statCount(n, 4, cell)
			share := func(i int) float64 { return 100 * float64(counts[i]) / float64(n) }
			t.Logf("kept %.4f%%, gained %.4f%% (want %.2f%%), off in both %.4f%%, moved %d users",
				share(kept), share(gained), tt.wantGained, share(offBoth), counts[moved])
			if counts[moved] > 0 {
				u := statFirst(n, func(c Context) bool { return cell(c) == moved })
				t.Errorf("%d users had a variant before and another or none after; e.g. %q: %q before, %q after",
					counts[moved], u, before.Feature(tt.exp, ContextFor(u)), after.Feature(tt.exp, ContextFor(u)))
			}
			if d := share(gained) - tt.wantGained; math.Abs(d) > statTolerance {
				t.Errorf("gained %.4f%% of users; want %.2f%% ± %.1f points", share(gained), tt.wantGained, statTolerance)
			}
		})
	}
}

// TestStatMutualExclusion checks that experiments sharing a salt with
// disjoint ranges never share a user (exact, for every user), that each
// gets the share of its ranges (within statTolerance), and, as a control,
// that the same ranges under different salts do overlap.
func TestStatMutualExclusion(t *testing.T) {
	tests := []struct {
		name      string
		config    string
		exps      []string
		want      []float64 // percent of users in each experiment
		exclusive bool      // no user in two experiments
		covering  bool      // every user in exactly one
	}{
		{
			name: "three experiments share a salt and cover 0-100%",
			config: "experiments:\n" +
				"  e1: {salt: layer-1, variants: {on: 0-30%}}\n" +
				"  e2: {salt: layer-1, variants: {a: 30-45%, b: 45-60%}}\n" +
				"  e3: {salt: layer-1, variants: {on: 60-100%}}\n",
			exps: []string{"e1", "e2", "e3"}, want: []float64{30, 30, 40}, exclusive: true, covering: true,
		},
		{
			name: "disjoint ranges with gaps, in two short forms with an explicit long-form salt",
			config: "experiments:\n" +
				"  red: {salt: checkout, variants: {on: 0-10%}}\n" +
				"  blue: {salt: checkout, variants: {on: [10.5-20%, 95-100%]}}\n" +
				"  green: {salt: checkout, variants: {x: 40-41%, y: 41-70%}}\n",
			exps: []string{"red", "blue", "green"}, want: []float64{10, 14.5, 30}, exclusive: true,
		},
		{
			name: "control: the same ranges under different salts overlap",
			config: "experiments:\n" +
				"  e1: {salt: layer-1, variants: {on: 0-30%}}\n" +
				"  e2: {salt: layer-2, variants: {a: 30-45%, b: 45-60%}}\n" +
				"  e3: {salt: layer-3, variants: {on: 60-100%}}\n",
			exps: []string{"e1", "e2", "e3"}, want: []float64{30, 30, 40},
		},
	}
	n := statN()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustParse(t, tt.config)
			k := len(tt.exps)
			// Cells: 0..k-1 in exactly that one experiment, k in none, k+1
			// in two or more.
			cell := func(c Context) int {
				in, which := 0, k
				for i, e := range tt.exps {
					if r.VariantFor(e, c) {
						in++
						which = i
					}
				}
				if in > 1 {
					return k + 1
				}
				return which
			}
			counts := statCount(n, k+2, cell)
			shares := make([]float64, k)
			for i, e := range tt.exps {
				shares[i] = 100 * float64(counts[i]) / float64(n)
				if counts[k+1] > 0 {
					// Shares only in that one; not comparable with want.
					t.Logf("%s alone: %.4f%%", e, shares[i])
					continue
				}
				t.Logf("%s: %.4f%% (want %.2f%%, off by %+.4f points)", e, shares[i], tt.want[i], shares[i]-tt.want[i])
			}
			t.Logf("in none: %d users (%.4f%%); in two or more: %d users (%.4f%%)",
				counts[k], 100*float64(counts[k])/float64(n), counts[k+1], 100*float64(counts[k+1])/float64(n))
			switch {
			case tt.exclusive && counts[k+1] > 0:
				u := statFirst(n, func(c Context) bool { return cell(c) == k+1 })
				t.Errorf("%d users are in two or more experiments sharing a salt; e.g. %q", counts[k+1], u)
			case !tt.exclusive && counts[k+1] == 0:
				t.Errorf("no user is in two experiments with different salts: the control should overlap")
			}
			if tt.covering && counts[k] > 0 {
				u := statFirst(n, func(c Context) bool { return cell(c) == k })
				t.Errorf("%d users are in no experiment, though the ranges cover 0-100%%; e.g. %q", counts[k], u)
			}
			if tt.exclusive {
				approx := cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) <= statTolerance })
				if diff := cmp.Diff(tt.want, shares, approx); diff != "" {
					t.Errorf("shares in percent, tolerance ±%.1f points (-want +got):\n%s", statTolerance, diff)
				}
			}
		})
	}
}

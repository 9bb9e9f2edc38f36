package stats

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// The simulations draw each arm's sufficient statistics directly instead
// of per-user values: for n users with normal values N(μ, σ²), the sample
// mean is N(μ, σ²/n) and (n−1)s²/σ² is χ²(n−1), independently, which
// gives sum = n·x̄ and sum of squares = (n−1)s² + n·x̄² exactly; for a
// proportion the number of converted users is Binomial(n, p). The seeds
// are fixed, so every run draws the same experiments.
//
// Under -short or -race (which slows gonum's numerics twentyfold) the
// simulations are smaller: 2,000 A/A experiments instead of 10,000, 400
// sequential paths instead of 2,000, 1,000 power experiments instead of
// 4,000. The bounds are the same; at those sizes they sit about two
// standard errors from the expected values, and hold for the fixed seeds.

// sims returns full, or reduced under -short or -race.
func sims(full, reduced int) int {
	if testing.Short() || raceEnabled {
		return reduced
	}
	return full
}

// normalArm draws the sums of n users with values N(mu, sigma²).
type normalArm struct {
	mu, sigma float64
	src       rand.Source
}

func (a normalArm) draw(n int64) Sums {
	fn := float64(n)
	mean := distuv.Normal{Mu: a.mu, Sigma: a.sigma / math.Sqrt(fn), Src: a.src}.Rand()
	s2 := a.sigma * a.sigma * distuv.ChiSquared{K: fn - 1, Src: a.src}.Rand() / (fn - 1)
	return Sums{N: n, Sum: fn * mean, SumSquares: (fn-1)*s2 + fn*mean*mean}
}

// bivariateArm draws the sums of n users whose covariate X is N(mx, sx²) and
// metric Y = a + b·X + N(0, se²): the mean vector is N(μ, Σ/n) and the
// scatter matrix Wishart(Σ, n−1), drawn by Bartlett's decomposition.
type bivariateArm struct {
	mx, sx, a, b, se float64
	src              rand.Source
}

func (c bivariateArm) draw(n int64) Sums {
	fn := float64(n)
	// Σ = L·Lᵀ for (X, Y).
	vx, cxy := c.sx*c.sx, c.b*c.sx*c.sx
	vy := c.b*c.b*vx + c.se*c.se
	l11 := math.Sqrt(vx)
	l21 := cxy / l11
	l22 := math.Sqrt(vy - l21*l21)
	z := distuv.UnitNormal
	z.Src = c.src
	z1, z2 := z.Rand(), z.Rand()
	mx := c.mx + l11*z1/math.Sqrt(fn)
	my := c.a + c.b*c.mx + (l21*z1+l22*z2)/math.Sqrt(fn)
	// Bartlett: B = [[√χ²(n−1), 0], [N(0,1), √χ²(n−2)]], scatter = L·B·Bᵀ·Lᵀ.
	b11 := math.Sqrt(distuv.ChiSquared{K: fn - 1, Src: c.src}.Rand())
	b22 := math.Sqrt(distuv.ChiSquared{K: fn - 2, Src: c.src}.Rand())
	b21 := z.Rand()
	// M = L·B.
	m11, m21, m22 := l11*b11, l21*b11+l22*b21, l22*b22
	sxx, sxy, syy := m11*m11, m11*m21, m21*m21+m22*m22
	return Sums{
		N: n, Sum: fn * my, SumSquares: syy + fn*my*my,
		CovariateSum: fn * mx, CovariateSumSquares: sxx + fn*mx*mx, MainCovariateSumProduct: sxy + fn*mx*my,
	}
}

func binomialArm(n int64, p float64, src rand.Source) Sums {
	k := distuv.Binomial{N: float64(n), P: p, Src: src}.Rand()
	return Sums{N: n, Sum: k, SumSquares: k}
}

func covers(r Result, truth float64) bool { return r.Lower <= truth && truth <= r.Upper }

// TestCoverageAA: in A/A experiments (no true effect) the fixed-horizon
// 95 % interval covers 0 in 94-96 % of them. 10,000 experiments make the
// estimate's standard error 0.2 points, so a correct interval passes by a
// wide margin and one off by a point and a half fails.
func TestCoverageAA(t *testing.T) {
	sims := sims(10000, 2000)
	tests := []struct {
		name string
		opts Options
		draw func(src rand.Source) (a, b Sums)
	}{
		{
			name: "mean, relative, 1000 users per arm",
			draw: func(src rand.Source) (Sums, Sums) {
				arm := normalArm{mu: 10, sigma: 3, src: src}
				return arm.draw(1000), arm.draw(1000)
			},
		},
		{
			name: "proportion 10 %, absolute, 2000 users per arm",
			opts: Options{Kind: Proportion, Absolute: true},
			draw: func(src rand.Source) (Sums, Sums) {
				return binomialArm(2000, 0.1, src), binomialArm(2000, 0.1, src)
			},
		},
		{
			name: "mean with CUPED, relative, 500 users per arm",
			opts: Options{CUPED: true},
			draw: func(src rand.Source) (Sums, Sums) {
				arm := bivariateArm{mx: 10, sx: 3, a: 5, b: 0.8, se: 2, src: src}
				return arm.draw(500), arm.draw(500)
			},
		},
		{
			name: "mean, Bayesian credible interval",
			opts: Options{Bayesian: true},
			draw: func(src rand.Source) (Sums, Sums) {
				arm := normalArm{mu: 5, sigma: 2, src: src}
				return arm.draw(1500), arm.draw(1500)
			},
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := rand.NewPCG(16, uint64(i))
			covered := 0
			for range sims {
				a, b := tt.draw(src)
				r, err := Compare(a, b, tt.opts)
				if err != nil || r.Problem != "" {
					t.Fatalf("Compare: %v %q", err, r.Problem)
				}
				if covers(r, 0) {
					covered++
				}
			}
			rate := float64(covered) / float64(sims)
			t.Logf("coverage %.4f over %d A/A experiments", rate, sims)
			if rate < 0.94 || rate > 0.96 {
				t.Errorf("coverage = %.4f, want 0.94-0.96", rate)
			}
		})
	}
}

// TestCUPEDReducesVariance: with a covariate correlated ρ with the
// metric, CUPED shrinks the standard error by √(1 − ρ²), here 0.64.
func TestCUPEDReducesVariance(t *testing.T) {
	const (
		n  = 2000
		mx = 10.0
		sx = 3.0
		b  = 0.8
		se = 2.0
	)
	src := rand.NewPCG(16, 50)
	arm := bivariateArm{mx: mx, sx: sx, a: 5, b: b, se: se, src: src}
	rho2 := b * b * sx * sx / (b*b*sx*sx + se*se)
	want := math.Sqrt(1 - rho2)
	var ratio float64
	const sims = 200
	for range sims {
		a, bb := arm.draw(n), arm.draw(n)
		adj, err := Compare(a, bb, Options{CUPED: true, Absolute: true})
		if err != nil || adj.Problem != "" {
			t.Fatalf("Compare: %v %q", err, adj.Problem)
		}
		plain, _ := Compare(a, bb, Options{Absolute: true})
		ratio += adj.StdErr / plain.StdErr / sims
	}
	t.Logf("CUPED standard error / unadjusted: %.4f, theory %.4f", ratio, want)
	if math.Abs(ratio-want) > 0.01 {
		t.Errorf("CUPED standard error ratio %.4f, want %.4f ± 0.01", ratio, want)
	}
}

// TestSequentialCoverage: the sequential interval covers the true effect
// (0) at least 95 % of the time at every one of 10 peeks, and in at least
// 95 % of experiments at all 10 at once; the fixed-horizon interval,
// looked at 10 times, excludes 0 at some peek far more often than 5 %.
func TestSequentialCoverage(t *testing.T) {
	sims := sims(2000, 400)
	const (
		peeks = 10
		chunk = 500 // users per arm between peeks
	)
	src := rand.NewPCG(16, 100)
	arm := normalArm{mu: 10, sigma: 4, src: src}
	var seqCovered [peeks]int
	seqAll, fixedAny := 0, 0
	for range sims {
		var a, b Sums
		all, anyMiss := true, false
		for p := range peeks {
			a, b = a.Plus(arm.draw(chunk)), b.Plus(arm.draw(chunk))
			seq, err := Compare(a, b, Options{Sequential: true})
			if err != nil {
				t.Fatal(err)
			}
			if covers(seq, 0) {
				seqCovered[p]++
			} else {
				all = false
			}
			fixed, err := Compare(a, b, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !covers(fixed, 0) {
				anyMiss = true
			}
		}
		if all {
			seqAll++
		}
		if anyMiss {
			fixedAny++
		}
	}
	for p, c := range seqCovered {
		rate := float64(c) / float64(sims)
		if rate < 0.95 {
			t.Errorf("peek %d (%d users per arm): sequential coverage %.4f, want >= 0.95", p+1, (p+1)*chunk, rate)
		}
	}
	allRate, anyRate := float64(seqAll)/float64(sims), float64(fixedAny)/float64(sims)
	t.Logf("sequential coverage per peek %v of %d; at all peeks %.4f; fixed horizon misses at some peek %.4f",
		seqCovered, sims, allRate, anyRate)
	if allRate < 0.95 {
		t.Errorf("sequential coverage at all %d peeks = %.4f, want >= 0.95", peeks, allRate)
	}
	if anyRate < 0.1 {
		t.Errorf("fixed-horizon interval excluded 0 at some peek in %.4f of A/A experiments; peeking should inflate that well past 0.05", anyRate)
	}
}

// TestPowerMatchesFormula: a 10 % relative lift of a 5 % conversion rate
// with 20,000 users per arm is detected (two-sided p < 0.05, in the right
// direction) as often as Power predicts, within 3 points.
func TestPowerMatchesFormula(t *testing.T) {
	sims := sims(4000, 1000)
	const (
		n    = 20000
		pA   = 0.05
		lift = 0.10
	)
	pB := pA * (1 + lift)
	// The relative effect's standard error at the true rates (the delta
	// method, as Compare computes it).
	se := math.Sqrt(pB*(1-pB)/(n*pA*pA) + pA*(1-pA)*pB*pB/(n*pA*pA*pA*pA))
	want, err := Power(lift, se, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	src := rand.NewPCG(16, 200)
	detected := 0
	for range sims {
		r, err := Compare(binomialArm(n, pA, src), binomialArm(n, pB, src), Options{Kind: Proportion})
		if err != nil {
			t.Fatal(err)
		}
		if r.PValue < 0.05 && r.Effect > 0 {
			detected++
		}
	}
	got := float64(detected) / float64(sims)
	t.Logf("power: predicted %.4f, simulated %.4f over %d experiments", want, got, sims)
	if math.Abs(got-want) > 0.03 {
		t.Errorf("simulated power %.4f, predicted %.4f: more than 3 points apart", got, want)
	}
}

// TestSRMFlagsSkewedSplit: 52/48 of a configured 50/50 is a sample ratio
// mismatch at 10,000 users (and not yet at 1,000). Simulated with 20,000
// users, it is flagged in at least 98 % of experiments (the normal
// approximation predicts 99.1 %: the first arm's excess over 10,000 is
// N(400, 70.6²) and the flag needs more than 232.6), while a true 50/50
// split is flagged about as rarely as the threshold says (0.1 %).
func TestSRMFlagsSkewedSplit(t *testing.T) {
	half := []float64{0.5, 0.5}
	for _, tt := range []struct {
		name  string
		users []int64
		want  SRMStatus
	}{
		{"52/48 of 10,000", []int64{5200, 4800}, SRMMismatch},
		{"52/48 of 1,000", []int64{520, 480}, SRMOK},
		{"50/50", []int64{5000, 5000}, SRMOK},
		{"15 users", []int64{10, 5}, SRMNotEnoughTraffic},
	} {
		r, err := SRM(tt.users, half)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != tt.want {
			t.Errorf("%s: SRM = %+v, want %s", tt.name, r, tt.want)
		}
	}

	const sims, users = 2000, 20000
	src := rand.NewPCG(16, 300)
	flagged := func(share float64) int {
		c := 0
		for range sims {
			a := int64(distuv.Binomial{N: users, P: share, Src: src}.Rand())
			r, err := SRM([]int64{a, users - a}, half)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status == SRMMismatch {
				c++
			}
		}
		return c
	}
	if got := flagged(0.52); got < sims*98/100 {
		t.Errorf("52/48 split flagged in %d of %d experiments, want at least 98 %%", got, sims)
	}
	if got := flagged(0.5); got > sims/200 {
		t.Errorf("true 50/50 split flagged in %d of %d experiments, want at most 0.5 %%", got, sims)
	}
}

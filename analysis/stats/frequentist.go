package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// fixedHorizon is Welch's t-test: valid for one look at the data, at the
// sample size planned in advance.
func (m effect) fixedHorizon(alt Alternative, alpha float64) Result {
	se := math.Sqrt(m.variance)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: m.df}
	stat := m.delta / se
	r := m.result(se)
	switch alt {
	case Greater:
		r.PValue = t.Survival(stat)
		r.Lower, r.Upper = m.delta-t.Quantile(1-alpha)*se, math.Inf(1)
	case Less:
		r.PValue = t.CDF(stat)
		r.Lower, r.Upper = math.Inf(-1), m.delta+t.Quantile(1-alpha)*se
	default:
		r.PValue = 2 * t.Survival(math.Abs(stat))
		w := t.Quantile(1-alpha/2) * se
		r.Lower, r.Upper = m.delta-w, m.delta+w
	}
	return r
}

func (m effect) result(se float64) Result {
	return Result{
		ControlMean: m.meanA, TreatmentMean: m.meanB,
		Effect: m.delta, StdErr: se, DF: m.df, Theta: m.theta,
	}
}

// sequential is the asymptotic confidence sequence of Waudby-Smith et al.
// (arXiv:2103.06476v7, eqs. 9, 134, 155, 161) as GrowthBook tunes it: with
// N the users in both arms and s² = Var·N, the interval is Δ ± h(α) and
// holds at every N simultaneously with probability 1 − α.
func (m effect) sequential(o Options) Result {
	se := math.Sqrt(m.variance)
	r := m.result(se)
	alpha, tuning := o.alpha(), o.tuning()
	n, s2 := m.n, m.variance*m.n
	if o.Alternative == TwoSided {
		rho := sequentialRho(alpha, tuning)
		h := halfWidth(s2, n, rho, alpha)
		r.Lower, r.Upper = m.delta-h, m.delta+h
		// The e-value of eq. 155, reparameterised as GrowthBook has it.
		nr := n*rho*rho + 1
		e := math.Exp(rho*rho*(m.delta*m.delta*n/m.variance)/(2*nr)) / math.Sqrt(nr)
		r.PValue = math.Min(1, 1/e)
		return r
	}
	// One-sided: ρ is tuned for 2α, and the p-value is the α at which the
	// interval's closed end reaches 0, found by bisection.
	rho := sequentialRho(2*alpha, tuning)
	bound := func(a float64) float64 {
		h := halfWidthOneSided(s2, n, rho, a)
		if o.Alternative == Greater {
			return m.delta - h
		}
		return m.delta + h
	}
	if o.Alternative == Greater {
		r.Lower, r.Upper = bound(alpha), math.Inf(1)
	} else {
		r.Lower, r.Upper = math.Inf(-1), bound(alpha)
	}
	p, ok := oneSidedPValue(bound, o.Alternative == Greater)
	if !ok {
		r.PValue, r.Problem = 1, NotConverged
		return r
	}
	r.PValue = p
	return r
}

// sequentialRho is ρ = √((−2 ln α + ln(−2 ln α + 1))/N*), which makes the
// confidence sequence narrowest at N*.
func sequentialRho(alpha, tuning float64) float64 {
	l := -2 * math.Log(alpha)
	return math.Sqrt((l + math.Log(l+1)) / tuning)
}

// halfWidth is √s²·√(2(Nρ²+1)/(N²ρ²)·ln(√(Nρ²+1)/α)).
func halfWidth(s2, n, rho, alpha float64) float64 {
	nr := n*rho*rho + 1
	return math.Sqrt(s2) * math.Sqrt(2*nr/(n*n*rho*rho)*math.Log(math.Sqrt(nr)/alpha))
}

// halfWidthOneSided is √(s²·2(Nρ²+1)/(Nρ)²·ln(1 + √(Nρ²+1)/(2α))).
func halfWidthOneSided(s2, n, rho, alpha float64) float64 {
	nr := n*rho*rho + 1
	return math.Sqrt(s2 * 2 * nr / (n * rho * n * rho) * math.Log(1+math.Sqrt(nr)/(2*alpha)))
}

// The bisection's range and tolerance, GrowthBook's.
const (
	minAlpha   = 1e-5
	maxAlpha   = 0.4999
	bisectTol  = 1e-6
	bisectIter = 100
)

// oneSidedPValue finds the α at which bound(α), the interval's closed
// end, is 0 (within bisectTol); greater says the interval is
// [bound, ∞). Outside the range it returns the range's end; it reports
// false when bisection does not converge.
func oneSidedPValue(bound func(float64) float64, greater bool) (float64, bool) {
	// excludes reports whether the interval at α excludes 0 in the
	// alternative's direction.
	excludes := func(b float64) bool {
		if greater {
			return b > 0
		}
		return b < 0
	}
	if excludes(bound(minAlpha)) {
		return minAlpha, true
	}
	if !excludes(bound(maxAlpha)) {
		return maxAlpha, true
	}
	// GrowthBook returns the midpoint after the step that met the
	// tolerance; this returns the α that met it, whose interval ends
	// within the tolerance of 0, so that the p-value and the interval
	// agree.
	lo, hi := minAlpha, maxAlpha
	for range bisectIter {
		a := (lo + hi) / 2
		b := bound(a)
		if math.Abs(b) < bisectTol {
			return a, true
		}
		if excludes(b) {
			hi = a
		} else {
			lo = a
		}
	}
	return 0, false
}

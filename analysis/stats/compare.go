package stats

import (
	"errors"
	"fmt"
	"math"
)

// Alternative is the alternative hypothesis of a frequentist test. The
// zero Alternative is TwoSided.
type Alternative uint8

const (
	// TwoSided: the treatment differs from the control (either way).
	TwoSided Alternative = iota
	// Greater: the treatment's mean is greater than the control's. The
	// interval is [lower, +Inf).
	Greater
	// Less: the treatment's mean is less than the control's. The interval
	// is (−Inf, upper].
	Less
)

// String returns "two-sided", "greater" or "less".
func (a Alternative) String() string {
	switch a {
	case TwoSided:
		return "two-sided"
	case Greater:
		return "greater"
	case Less:
		return "less"
	}
	return fmt.Sprintf("Alternative(%d)", uint8(a))
}

// DefaultAlpha is the significance level used when Options.Alpha is 0.
const DefaultAlpha = 0.05

// DefaultTuning is the sequential tuning parameter N* used when
// Options.Tuning is 0: the total sample size at which the confidence
// sequence is narrowest.
const DefaultTuning = 5000

// Options says which effect and which test Compare computes. The zero
// Options is GrowthBook's frequentist default: the relative effect of a
// Mean metric, two-sided, fixed-horizon, α = 0.05, without CUPED.
type Options struct {
	// Kind is the metric's kind. Default Mean.
	Kind Kind
	// Absolute selects the absolute effect μ_B − μ_A instead of the
	// relative (μ_B − μ_A)/|μ_A|.
	Absolute bool
	// Bayesian selects the Bayesian engine with an improper prior, which
	// reports ChanceToWin instead of PValue. It allows neither Sequential
	// nor a one-sided Alternative.
	Bayesian bool
	// Alternative is the frequentist test's alternative. Default TwoSided.
	Alternative Alternative
	// Sequential replaces the fixed-horizon interval and p-value with an
	// asymptotic confidence sequence, valid at every look at the data.
	Sequential bool
	// Tuning is the sequential test's N*, a positive total sample size.
	// 0 means DefaultTuning.
	Tuning float64
	// CUPED adjusts the metric with the pre-exposure covariate in the
	// Sums (θ pooled over both arms). A Mean or Proportion metric only.
	CUPED bool
	// Alpha is the significance level: the interval has coverage 1 − α.
	// 0 means DefaultAlpha; otherwise it must be in (0, 1), and below 0.5
	// for a one-sided sequential test.
	Alpha float64
}

func (o Options) alpha() float64 {
	if o.Alpha == 0 {
		return DefaultAlpha
	}
	return o.Alpha
}

func (o Options) tuning() float64 {
	if o.Tuning == 0 {
		return DefaultTuning
	}
	return o.Tuning
}

func (o Options) validate() error {
	switch {
	case o.Kind > Ratio:
		return fmt.Errorf("stats: unknown metric kind %d", o.Kind)
	case o.Alternative > Less:
		return fmt.Errorf("stats: unknown alternative %d", o.Alternative)
	case math.IsNaN(o.Alpha) || o.Alpha < 0 || o.Alpha >= 1:
		return fmt.Errorf("stats: alpha %v is not in (0, 1)", o.Alpha)
	case o.Sequential && o.Alternative != TwoSided && o.alpha() >= 0.5:
		return fmt.Errorf("stats: alpha %v is not below 0.5, as a one-sided sequential test needs", o.Alpha)
	case math.IsNaN(o.Tuning) || math.IsInf(o.Tuning, 0) || o.Tuning < 0:
		return fmt.Errorf("stats: sequential tuning %v is not a positive number", o.Tuning)
	case o.Bayesian && o.Sequential:
		return errors.New("stats: the Bayesian engine has no sequential test")
	case o.Bayesian && o.Alternative != TwoSided:
		return errors.New("stats: the Bayesian engine has no one-sided test")
	case o.CUPED && o.Kind == Ratio:
		return errors.New("stats: CUPED is for mean and proportion metrics, not ratios")
	}
	return nil
}

// Result is one variant compared with the control.
//
// Effect, StdErr, Lower and Upper are on the scale Options chose: a
// fraction of the control's mean for the relative effect (0.1 is +10 %),
// the metric's unit for the absolute one. A one-sided interval has −Inf or
// +Inf at its open end; everything else is finite. When Problem is not
// empty the result is GrowthBook's uninformative one: Effect, StdErr,
// Lower and Upper 0, PValue 1, ChanceToWin 0.5 (the means are still set).
type Result struct {
	// ControlMean and TreatmentMean are the arms' means, before any CUPED
	// adjustment.
	ControlMean   float64
	TreatmentMean float64
	// Effect is the estimated effect Δ: relative or absolute, CUPED
	// adjusted when asked.
	Effect float64
	// StdErr is the standard error of Effect, √Var.
	StdErr float64
	// Lower and Upper bound the 1 − α interval: a confidence interval, a
	// confidence sequence when sequential, a credible interval when
	// Bayesian.
	Lower, Upper float64
	// DF is the Welch–Satterthwaite degrees of freedom of the t-test (0
	// when Problem is set).
	DF float64
	// PValue is the frequentist p-value (always-valid when sequential);
	// 0 under the Bayesian engine, which does not compute one.
	PValue float64
	// ChanceToWin is the Bayesian posterior probability that the effect
	// is positive; 0 under the frequentist engine.
	ChanceToWin float64
	// Theta is CUPED's θ, or 0 without CUPED or when it fell back to the
	// unadjusted metric (a covariate without variance).
	Theta float64
	// Problem is why the estimate could not be computed, or "".
	Problem Problem
}

// Compare compares the treatment arm with the control arm under o. It
// returns an error only for inputs no experiment can produce (negative or
// non-finite sums, a proportion above its n) or for options outside their
// documented ranges; a result that cannot be estimated from valid data is
// a Result with its Problem set.
func Compare(control, treatment Sums, o Options) (Result, error) {
	if err := o.validate(); err != nil {
		return Result{}, err
	}
	if err := control.validate(o.Kind); err != nil {
		return Result{}, err
	}
	if err := treatment.validate(o.Kind); err != nil {
		return Result{}, err
	}
	m := moments(control, treatment, o)
	if m.problem == "" && !finite(m.delta, m.variance, m.df) {
		m.problem = Overflow
	}
	if m.problem != "" {
		return m.uninformative(o), nil
	}
	if o.Bayesian {
		return m.bayesian(o.alpha()), nil
	}
	if o.Sequential {
		return m.sequential(o), nil
	}
	return m.fixedHorizon(o.Alternative, o.alpha()), nil
}

// CompareAll compares every variant after the first (the control) with
// the first, in order: the result for variants[i] is at index i−1. Fewer
// than two variants give no results.
func CompareAll(variants []Sums, o Options) ([]Result, error) {
	if len(variants) < 2 {
		return nil, nil
	}
	out := make([]Result, 0, len(variants)-1)
	for i, v := range variants[1:] {
		r, err := Compare(variants[0], v, o)
		if err != nil {
			return nil, fmt.Errorf("%w (variant %d)", err, i+1)
		}
		out = append(out, r)
	}
	return out, nil
}

// effect is the moments of an estimated effect that every test starts
// from.
type effect struct {
	meanA, meanB float64 // unadjusted means
	delta        float64 // the point estimate
	variance     float64 // of delta
	df           float64
	n            float64 // users in both arms
	theta        float64
	problem      Problem
}

func (m effect) uninformative(o Options) Result {
	r := Result{ControlMean: m.meanA, TreatmentMean: m.meanB, PValue: 1, Theta: m.theta, Problem: m.problem}
	if o.Bayesian {
		r.PValue, r.ChanceToWin = 0, 0.5
	}
	return r
}

// moments computes the effect's estimate and variance, or its problem.
func moments(a, b Sums, o Options) effect {
	sa, sb := summarize(o.Kind, a), summarize(o.Kind, b)
	m := effect{meanA: sa.mean, meanB: sb.mean, n: sa.n + sb.n}
	switch {
	case !finite(sa.mean, sb.mean, sa.variance, sb.variance):
		m.meanA, m.meanB = 0, 0
		m.problem = Overflow
		return m
	case sa.n <= 1 || sb.n <= 1:
		m.problem = TooFewUsers
		return m
	case o.Kind == Ratio && (a.DenominatorSum == 0 || b.DenominatorSum == 0):
		m.problem = ZeroDenominator
		return m
	}
	if o.CUPED {
		if c, ok := cuped(o.Kind, a, b, sa, sb); ok {
			c.effect(&m, !o.Absolute)
			return m
		}
	}
	switch {
	case sa.variance <= 0 || sb.variance <= 0:
		m.problem = ZeroVariance
		return m
	case sa.mean == 0:
		m.problem = ZeroBaseline
		return m
	}
	if o.Absolute {
		m.delta = sb.mean - sa.mean
		m.variance = sb.variance/sb.n + sa.variance/sa.n
	} else {
		m.delta = (sb.mean - sa.mean) / math.Abs(sa.mean)
		m.variance = varianceOfRatio(sb.mean, sb.variance/sb.n, sa.mean, sa.variance/sa.n, 0)
	}
	m.df = welchDF(sa.variance, sa.n, sb.variance, sb.n)
	if m.variance <= 0 {
		m.problem = ZeroVariance
	}
	return m
}

func finite(xs ...float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// welchDF is the Welch–Satterthwaite degrees of freedom.
func welchDF(va, na, vb, nb float64) float64 {
	num := vb/nb + va/na
	return num * num / (vb*vb/(nb*nb*(nb-1)) + va*va/(na*na*(na-1)))
}

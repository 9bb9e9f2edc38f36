package stats

// Problem says why a Result carries the uninformative values (effect 0,
// interval [0, 0], p-value 1, chance to win 0.5) instead of an estimate.
// The empty Problem means the estimate is real. The values are stable
// codes, safe to store and compare; Explanation gives a sentence for
// people.
type Problem string

const (
	// TooFewUsers: an arm has fewer than two users, so its variance is
	// undefined.
	TooFewUsers Problem = "too-few-users"
	// ZeroVariance: an arm's variance, or the effect's, is zero or
	// negative: every user has the same value (all converted, or none).
	ZeroVariance Problem = "zero-variance"
	// ZeroBaseline: the control's mean is zero, so there is no relative
	// change to compute (and, as in GrowthBook, no result at all).
	ZeroBaseline Problem = "zero-baseline"
	// ZeroDenominator: a ratio metric's denominator sums to zero in an
	// arm.
	ZeroDenominator Problem = "zero-denominator"
	// NotConverged: the bisection for a one-sided sequential p-value did
	// not converge; the interval is still valid, the p-value is 1.
	NotConverged Problem = "not-converged"
	// Overflow: the sums are too large (or their variance too small) for
	// float64 arithmetic.
	Overflow Problem = "overflow"
)

// Explanation returns a sentence saying what p means for the result, or
// "" for the empty Problem.
func (p Problem) Explanation() string {
	switch p {
	case "":
		return ""
	case TooFewUsers:
		return "an arm has fewer than 2 users: no variance to test with"
	case ZeroVariance:
		return "zero variance: every user in an arm has the same value"
	case ZeroBaseline:
		return "the control's mean is 0: no change relative to it can be computed"
	case ZeroDenominator:
		return "the ratio's denominator sums to 0 in an arm"
	case Overflow:
		return "the sums are beyond what float64 arithmetic can compute with"
	case NotConverged:
		return "the one-sided sequential p-value did not converge; it is reported as 1"
	}
	return string(p)
}

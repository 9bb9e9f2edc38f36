package stats

import (
	"fmt"
	"math"
)

// Kind is the kind of a metric: how its sums become a mean and a variance.
// The zero Kind is Mean.
type Kind uint8

const (
	// Mean: any numeric value per user (revenue, count of events). The
	// variance is the sample variance, (sum_squares − sum²/n)/(n−1).
	Mean Kind = iota
	// Proportion: 0 or 1 per user (converted or not), so that Sum is the
	// number of users who converted and SumSquares is ignored. The
	// variance is μ(1−μ).
	Proportion
	// Ratio: a numerator and a denominator per user (revenue per order);
	// the metric is ΣM/ΣD and its variance comes from the delta method.
	Ratio
)

// String returns "mean", "proportion" or "ratio".
func (k Kind) String() string {
	switch k {
	case Mean:
		return "mean"
	case Proportion:
		return "proportion"
	case Ratio:
		return "ratio"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Sums are one variant's sufficient statistics for one metric: what a
// query reduces the variant's users to. The JSON names are GrowthBook's
// column names.
//
// The zero Sums is a variant without users. Fields a metric's kind does
// not use are ignored: the denominator fields outside Ratio, the covariate
// fields unless Options.CUPED, SumSquares for a Proportion.
type Sums struct {
	// N is the number of users, after removing those exposed to more than
	// one variant.
	N int64 `json:"n"`
	// Sum and SumSquares are the sums over users of the metric's value
	// (for a Ratio, the numerator's) and of its square.
	Sum        float64 `json:"main_sum"`
	SumSquares float64 `json:"main_sum_squares"`

	// DenominatorSum and DenominatorSumSquares are the sums of a Ratio
	// metric's per-user denominator and of its square, and
	// MainDenominatorSumProduct the sum of numerator × denominator.
	DenominatorSum            float64 `json:"denominator_sum,omitempty"`
	DenominatorSumSquares     float64 `json:"denominator_sum_squares,omitempty"`
	MainDenominatorSumProduct float64 `json:"main_denominator_sum_product,omitempty"`

	// CovariateSum and CovariateSumSquares are the sums of the CUPED
	// covariate (the same metric, measured before exposure) and of its
	// square, and MainCovariateSumProduct the sum of metric × covariate.
	// For a Proportion the covariate is 0 or 1 too.
	CovariateSum            float64 `json:"covariate_sum,omitempty"`
	CovariateSumSquares     float64 `json:"covariate_sum_squares,omitempty"`
	MainCovariateSumProduct float64 `json:"main_covariate_sum_product,omitempty"`
}

// Plus returns the field-by-field sum of s and t: the statistics of the
// two sets of users together (two days, two arms).
func (s Sums) Plus(t Sums) Sums {
	return Sums{
		N:                         s.N + t.N,
		Sum:                       s.Sum + t.Sum,
		SumSquares:                s.SumSquares + t.SumSquares,
		DenominatorSum:            s.DenominatorSum + t.DenominatorSum,
		DenominatorSumSquares:     s.DenominatorSumSquares + t.DenominatorSumSquares,
		MainDenominatorSumProduct: s.MainDenominatorSumProduct + t.MainDenominatorSumProduct,
		CovariateSum:              s.CovariateSum + t.CovariateSum,
		CovariateSumSquares:       s.CovariateSumSquares + t.CovariateSumSquares,
		MainCovariateSumProduct:   s.MainCovariateSumProduct + t.MainCovariateSumProduct,
	}
}

// MeanOf returns the metric's mean for the users in s: sum/n, or for a
// Ratio ΣM/ΣD. It returns 0 for a variant without users or, for a Ratio,
// with a zero denominator sum.
func MeanOf(k Kind, s Sums) float64 {
	return summarize(k, s).mean
}

// VarianceOf returns the per-user variance of the metric for the users in
// s, as the package documentation defines it: 0 when n ≤ 1 and, for a
// Ratio, when the denominator's mean is 0.
func VarianceOf(k Kind, s Sums) float64 {
	return summarize(k, s).variance
}

// validate reports an error for sums no query could produce: a negative
// or non-finite field, a proportion above n.
func (s Sums) validate(k Kind) error {
	if s.N < 0 {
		return fmt.Errorf("stats: negative user count %d", s.N)
	}
	for _, f := range [...]float64{s.Sum, s.SumSquares, s.DenominatorSum, s.DenominatorSumSquares,
		s.MainDenominatorSumProduct, s.CovariateSum, s.CovariateSumSquares, s.MainCovariateSumProduct} {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("stats: non-finite sum %v", f)
		}
	}
	if k == Proportion && (s.Sum < 0 || s.Sum > float64(s.N)) {
		return fmt.Errorf("stats: proportion of %v converted out of %d users", s.Sum, s.N)
	}
	if k == Proportion && (s.CovariateSum < 0 || s.CovariateSum > float64(s.N)) {
		return fmt.Errorf("stats: covariate proportion of %v out of %d users", s.CovariateSum, s.N)
	}
	return nil
}

// summary is one arm's metric: its users, mean and per-user variance.
type summary struct {
	n        float64
	mean     float64
	variance float64
}

func summarize(k Kind, s Sums) summary {
	n := float64(s.N)
	switch k {
	case Proportion:
		return summary{n, proportionMean(s.Sum, n), proportionVariance(s.Sum, n)}
	case Ratio:
		return ratioSummary(s)
	default:
		return summary{n, sampleMean(s.Sum, n), sampleVariance(s.Sum, s.SumSquares, n)}
	}
}

func sampleMean(sum, n float64) float64 {
	if n == 0 {
		return 0
	}
	return sum / n
}

// sampleVariance is (ss − s²/n)/(n−1), or 0 when n ≤ 1.
func sampleVariance(sum, ss, n float64) float64 {
	if n <= 1 {
		return 0
	}
	return (ss - sum*sum/n) / (n - 1)
}

func proportionMean(sum, n float64) float64 { return sampleMean(sum, n) }

// proportionVariance is μ(1−μ): the population form, deliberately.
func proportionVariance(sum, n float64) float64 {
	m := proportionMean(sum, n)
	return m * (1 - m)
}

// sampleCovariance is (Σxy − ΣxΣy/n)/(n−1), or 0 when n ≤ 1.
func sampleCovariance(sx, sy, sxy, n float64) float64 {
	if n <= 1 {
		return 0
	}
	return (sxy - sx*sy/n) / (n - 1)
}

// proportionCovariance is Σxy/n − ΣxΣy/n², the form for two proportions.
func proportionCovariance(sx, sy, sxy, n float64) float64 {
	if n == 0 {
		return 0
	}
	return sxy/n - sx*sy/(n*n)
}

func ratioSummary(s Sums) summary {
	n := float64(s.N)
	if n == 0 || s.DenominatorSum == 0 {
		return summary{n: n}
	}
	mm, md := s.Sum/n, s.DenominatorSum/n
	vm := sampleVariance(s.Sum, s.SumSquares, n)
	vd := sampleVariance(s.DenominatorSum, s.DenominatorSumSquares, n)
	cov := sampleCovariance(s.Sum, s.DenominatorSum, s.MainDenominatorSumProduct, n)
	return summary{n, s.Sum / s.DenominatorSum, varianceOfRatio(mm, vm, md, vd, cov)}
}

// varianceOfRatio is the delta-method variance of M/D for M with mean mm
// and variance vm, D with mean md and variance vd, and covariance cov.
func varianceOfRatio(mm, vm, md, vd, cov float64) float64 {
	return vm/(md*md) + vd*mm*mm/(md*md*md*md) - 2*cov*mm/(md*md*md)
}

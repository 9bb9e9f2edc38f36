package stats

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// SRMThreshold is the p-value below which a traffic split is flagged as a
// sample ratio mismatch.
const SRMThreshold = 0.001

// SRMMinUsersPerVariant is the users per variant, on average, below which
// the check reports NotEnoughTraffic instead of a verdict.
const SRMMinUsersPerVariant = 8

// SRMStatus is the verdict of the sample ratio mismatch check.
type SRMStatus string

const (
	// SRMOK: the observed split is consistent with the configured one.
	SRMOK SRMStatus = "ok"
	// SRMMismatch: p < SRMThreshold; the assignment or the exposure
	// logging is broken and the experiment's results are not to be
	// trusted.
	SRMMismatch SRMStatus = "mismatch"
	// SRMNotEnoughTraffic: fewer users than SRMMinUsersPerVariant times
	// the number of variants.
	SRMNotEnoughTraffic SRMStatus = "not-enough-traffic"
)

// SRMResult is the sample ratio mismatch check of one experiment.
type SRMResult struct {
	ChiSquare float64   // Pearson's χ² statistic
	PValue    float64   // P(χ²_{k−1} ≥ ChiSquare); 1 without users
	Status    SRMStatus // the verdict
}

// SRM checks that the users observed per variant match the configured
// weights, with Pearson's χ² test on k − 1 degrees of freedom (k the
// number of variants): χ² = Σ (o_i − e_i)²/e_i with e_i = w_i/Σw · Σo.
// Variants of weight 0 are left out of the sum (but not of k), as
// GrowthBook does. Weights need not sum to 1. Without users the p-value
// is 1.
//
// The verdict is SRMNotEnoughTraffic when Σo < 8k (GrowthBook's rule: on
// average fewer than SRMMinUsersPerVariant per variant), SRMMismatch when
// p < SRMThreshold, SRMOK otherwise. It returns an error when the slices
// differ in length, have fewer than two variants, or hold a negative or
// non-finite weight, a negative count, or no positive weight.
func SRM(observed []int64, weights []float64) (SRMResult, error) {
	if len(observed) != len(weights) {
		return SRMResult{}, fmt.Errorf("stats: %d user counts for %d weights", len(observed), len(weights))
	}
	if len(observed) < 2 {
		return SRMResult{}, fmt.Errorf("stats: a sample ratio check needs at least 2 variants, not %d", len(observed))
	}
	var total, totalWeight float64
	for i, o := range observed {
		w := weights[i]
		if o < 0 || math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
			return SRMResult{}, fmt.Errorf("stats: variant %d has users %d and weight %v", i, o, w)
		}
		total += float64(o)
		totalWeight += w
	}
	if totalWeight == 0 {
		return SRMResult{}, fmt.Errorf("stats: no variant has a positive weight")
	}
	k := len(observed)
	r := SRMResult{PValue: 1}
	if total > 0 {
		for i, o := range observed {
			if weights[i] <= 0 {
				continue
			}
			e := weights[i] / totalWeight * total
			d := float64(o) - e
			r.ChiSquare += d * d / e
		}
		r.PValue = distuv.ChiSquared{K: float64(k - 1)}.Survival(r.ChiSquare)
	}
	switch {
	case total < float64(SRMMinUsersPerVariant*k):
		r.Status = SRMNotEnoughTraffic
	case r.PValue < SRMThreshold:
		r.Status = SRMMismatch
	default:
		r.Status = SRMOK
	}
	return r, nil
}

package stats

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Power returns the probability that a two-sided fixed-horizon test at
// level alpha detects a true effect of size effect when the estimate's
// standard error is se, in the normal approximation:
// Φ(effect/se − z) + Φ(−effect/se − z) with z = Φ⁻¹(1 − α/2). It is the
// planning formula: effect and se on the same scale (relative or
// absolute) as Compare's. alpha 0 means DefaultAlpha. It returns an error
// for se ≤ 0, a non-finite effect, or alpha outside (0, 1).
func Power(effect, se, alpha float64) (float64, error) {
	if alpha == 0 {
		alpha = DefaultAlpha
	}
	if !(se > 0) || math.IsInf(se, 0) || math.IsNaN(effect) || math.IsInf(effect, 0) || !(alpha > 0 && alpha < 1) {
		return 0, fmt.Errorf("stats: power of effect %v with standard error %v at alpha %v", effect, se, alpha)
	}
	n := distuv.UnitNormal
	z := n.Quantile(1 - alpha/2)
	return n.CDF(effect/se-z) + n.CDF(-effect/se-z), nil
}

package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// bayesian is the engine with an improper prior: the posterior of the
// effect is N(Δ, Var), its credible interval the normal quantiles α/2 and
// 1 − α/2, and the chance to win P(effect > 0).
func (m effect) bayesian(alpha float64) Result {
	se := math.Sqrt(m.variance)
	post := distuv.Normal{Mu: m.delta, Sigma: se}
	r := m.result(se)
	r.Lower, r.Upper = post.Quantile(alpha/2), post.Quantile(1-alpha/2)
	r.ChanceToWin = post.Survival(0)
	return r
}

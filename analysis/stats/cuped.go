package stats

import "math"

// cupedFit is CUPED's θ and the per-arm moments it adjusts: the metric
// after exposure (post), the covariate before it (pre), and their
// covariance.
type cupedFit struct {
	theta float64
	a, b  cupedArm
}

type cupedArm struct {
	n, post, pre    float64 // users and means
	varPost, varPre float64
	covariance      float64 // of post and pre
}

// cuped fits θ = Cov(post, pre)/Var(pre) on both arms pooled. It reports
// false when θ is 0 (or undefined: a covariate without variance), in which
// case the metric is analysed unadjusted, as GrowthBook does.
func cuped(k Kind, a, b Sums, sa, sb summary) (cupedFit, bool) {
	j := a.Plus(b)
	ja := arm(k, j, summarize(k, j))
	if ja.varPre <= 0 {
		return cupedFit{}, false
	}
	theta := ja.covariance / ja.varPre
	if theta == 0 || math.IsNaN(theta) {
		return cupedFit{}, false
	}
	return cupedFit{theta, arm(k, a, sa), arm(k, b, sb)}, true
}

func arm(k Kind, s Sums, post summary) cupedArm {
	c := cupedArm{n: post.n, post: post.mean, varPost: post.variance}
	if k == Proportion {
		c.pre = proportionMean(s.CovariateSum, post.n)
		c.varPre = proportionVariance(s.CovariateSum, post.n)
		c.covariance = proportionCovariance(s.Sum, s.CovariateSum, s.MainCovariateSumProduct, post.n)
	} else {
		c.pre = sampleMean(s.CovariateSum, post.n)
		c.varPre = sampleVariance(s.CovariateSum, s.CovariateSumSquares, post.n)
		c.covariance = sampleCovariance(s.Sum, s.CovariateSum, s.MainCovariateSumProduct, post.n)
	}
	return c
}

// adjusted returns the arm's CUPED-adjusted mean and per-user variance.
func (c cupedArm) adjusted(theta float64) (mean, variance float64) {
	return c.post - theta*c.pre, c.varPost + theta*theta*c.varPre - 2*theta*c.covariance
}

// effect fills m with the adjusted effect, or its problem.
func (f cupedFit) effect(m *effect, relative bool) {
	t := f.theta
	m.theta = t
	adjA, va := f.a.adjusted(t)
	adjB, vb := f.b.adjusted(t)
	switch {
	case va <= 0 || vb <= 0:
		m.problem = ZeroVariance
		return
	case f.a.post == 0:
		m.problem = ZeroBaseline
		return
	}
	na, nb := f.a.n, f.b.n
	if relative {
		mA, mB := f.a.post, f.b.post
		m.delta = (adjB - adjA) / math.Abs(mA)
		vt := vb / (nb * mA * mA)
		vc := (f.a.varPost*mB*mB/(mA*mA) - 2*t*f.a.covariance*mB/mA + t*t*f.a.varPre) / (na * mA * mA)
		m.variance = vt + vc
	} else {
		m.delta = adjB - adjA
		m.variance = vb/nb + va/na
	}
	m.df = welchDF(va, na, vb, nb)
	if m.variance <= 0 {
		m.problem = ZeroVariance
	}
}

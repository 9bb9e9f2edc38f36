// Package stats turns per-variant sufficient statistics into experiment
// results: the effect of each variant against the control, its interval,
// and a p-value or a chance to win. It computes what GrowthBook's stats
// engine (gbstats 0.8.0) computes, formula for formula, so that the same
// sums give the same numbers here and there.
//
// # Inputs
//
// A query reduces a variant's users to a Sums: the number of users n, the
// sum and sum of squares of their metric values, and, for a ratio metric,
// the sums of the denominator and its cross product with the numerator,
// and, for CUPED, the sums of a pre-exposure covariate and its cross
// product with the metric. Nothing per user reaches this package.
//
// # Means and variances
//
// For a Mean metric μ = sum/n and σ² = (sum_squares − sum²/n)/(n−1), or 0
// when n ≤ 1. For a Proportion metric (each user 0 or 1) σ² = μ(1−μ), the
// population form, as GrowthBook has it. For a Ratio metric μ = ΣM/ΣD and
// σ² = σ²_M/μ_D² + σ²_D·μ_M²/μ_D⁴ − 2·Cov(M,D)·μ_M/μ_D³, the delta method,
// with μ_M, μ_D the per-user means.
//
// # Effects
//
// The relative effect (the default) is Δ = (μ_B − μ_A)/|μ_A| with variance
// σ²_B/(n_B·μ_A²) + σ²_A·μ_B²/(n_A·μ_A⁴); the absolute effect is
// Δ = μ_B − μ_A with variance σ²_B/n_B + σ²_A/n_A. The frequentist test is
// Welch's t-test with Welch–Satterthwaite degrees of freedom; the
// sequential test replaces the t interval with an asymptotic confidence
// sequence (Waudby-Smith et al. 2023, arXiv:2103.06476) that stays valid
// however often the results are looked at. The Bayesian engine uses an
// improper prior, so its posterior is N(Δ, Var): a normal interval and a
// chance to win 1 − Φ(0; Δ, √Var).
//
// # Guards
//
// When a result cannot be computed (an arm with fewer than two users, zero
// variance, a control mean of zero, a zero denominator), the Result says
// so in its Problem and carries the reference's uninformative values:
// effect 0, interval [0, 0], p-value 1 or chance to win 0.5. No function of
// this package returns NaN for finite inputs.
//
// # Concurrency
//
// Every function is pure: it reads its arguments only and is safe for
// concurrent use.
package stats

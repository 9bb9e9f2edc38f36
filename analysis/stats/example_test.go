package stats_test

import (
	"fmt"

	"github.com/inprocess/experiment/analysis/stats"
)

// A conversion rate: 1,396 of 3,000 users converted in control, 2,422 of
// 3,461 in treatment.
func ExampleCompare() {
	control := stats.Sums{N: 3000, Sum: 1396}
	treatment := stats.Sums{N: 3461, Sum: 2422}
	r, err := stats.Compare(control, treatment, stats.Options{Kind: stats.Proportion})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.1f%% → %.1f%%: %+.1f%% [%+.1f%%, %+.1f%%], p = %.2g\n",
		100*r.ControlMean, 100*r.TreatmentMean, 100*r.Effect, 100*r.Lower, 100*r.Upper, r.PValue)
	// Output: 46.5% → 70.0%: +50.4% [+43.7%, +57.0%], p = 3.1e-49
}

// The Bayesian engine reports a chance to win instead of a p-value.
func ExampleCompare_bayesian() {
	r, _ := stats.Compare(stats.Sums{N: 100, Sum: 49}, stats.Sums{N: 100, Sum: 51},
		stats.Options{Kind: stats.Proportion, Bayesian: true})
	fmt.Printf("chance to win %.1f%%\n", 100*r.ChanceToWin)
	// Output: chance to win 60.9%
}

// An arm in which every user has the same value has no variance to test
// with: the result says so instead of returning NaN.
func ExampleCompare_guard() {
	r, _ := stats.Compare(stats.Sums{N: 500}, stats.Sums{N: 500, Sum: 12}, stats.Options{Kind: stats.Proportion})
	fmt.Println(r.Effect, r.PValue, r.Problem, "-", r.Problem.Explanation())
	// Output: 0 1 zero-variance - zero variance: every user in an arm has the same value
}

func ExampleSRM() {
	r, _ := stats.SRM([]int64{5200, 4800}, []float64{0.5, 0.5})
	fmt.Printf("χ² %.1f, p %.1e: %s\n", r.ChiSquare, r.PValue, r.Status)
	// Output: χ² 16.0, p 6.3e-05: mismatch
}

func ExampleHolm() {
	adjusted, _ := stats.Holm([]float64{0.01, 0.04, 0.03, 0.005})
	fmt.Printf("%.2f\n", adjusted)
	// Output: [0.03 0.06 0.06 0.02]
}

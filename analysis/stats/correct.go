package stats

import (
	"fmt"
	"math"
	"slices"
)

// Holm adjusts p-values for multiple testing with the Holm–Bonferroni
// method, which controls the family-wise error rate: sorted ascending,
// the i-th (from 0) of m becomes min(1, p·(m−i)), then each is raised to
// the largest before it. GrowthBook applies it across goal metrics ×
// variants. The result is a new slice in the order of p; an empty p gives
// an empty result. It returns an error for a p-value outside [0, 1].
func Holm(p []float64) ([]float64, error) {
	if err := checkPValues(p); err != nil {
		return nil, err
	}
	order := sortedIndex(p, false)
	out := make([]float64, len(p))
	m, run := float64(len(p)), 0.0
	for i, j := range order {
		run = math.Max(run, math.Min(1, p[j]*(m-float64(i))))
		out[j] = run
	}
	return out, nil
}

// BenjaminiHochberg adjusts p-values for multiple testing with the
// Benjamini–Hochberg method, which controls the false discovery rate:
// sorted descending, the i-th (from 0) of m becomes min(1, p·m/(m−i)),
// then each is lowered to the smallest before it. The result is a new
// slice in the order of p; an empty p gives an empty result. It returns an
// error for a p-value outside [0, 1].
func BenjaminiHochberg(p []float64) ([]float64, error) {
	if err := checkPValues(p); err != nil {
		return nil, err
	}
	order := sortedIndex(p, true)
	out := make([]float64, len(p))
	m, run := float64(len(p)), 1.0
	for i, j := range order {
		run = math.Min(run, math.Min(1, p[j]*m/(m-float64(i))))
		out[j] = run
	}
	return out, nil
}

func checkPValues(p []float64) error {
	for i, v := range p {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("stats: p-value %v at %d is not in [0, 1]", v, i)
		}
	}
	return nil
}

// sortedIndex returns the indexes of p sorted by value, ties in input
// order.
func sortedIndex(p []float64, descending bool) []int {
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		if descending {
			a, b = b, a
		}
		switch {
		case p[a] < p[b]:
			return -1
		case p[a] > p[b]:
			return 1
		}
		return 0
	})
	return idx
}

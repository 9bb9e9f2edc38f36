package stats

import "testing"

// The engine's cost per metric: one comparison of a treatment with the
// control, for each kind of test.
func BenchmarkCompare(b *testing.B) {
	a6 := withCovariate(row4A, 16.87, 527.9767, 1)
	b6 := withCovariate(row1B, 22.7, 1348.29, 1)
	for _, bb := range []struct {
		name string
		a, b Sums
		o    Options
	}{
		{"fixed-horizon", row1A, row1B, Options{}},
		{"proportion", Sums{N: 3000, Sum: 1396}, Sums{N: 3461, Sum: 2422}, Options{Kind: Proportion}},
		{"sequential", row4A, row1B, Options{Sequential: true}},
		{"sequential-one-sided", row4A, row1B, Options{Sequential: true, Alternative: Greater}},
		{"cuped", a6, b6, Options{CUPED: true}},
		{"bayesian", row1A, row1B, Options{Bayesian: true}},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Compare(bb.a, bb.b, bb.o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSRM(b *testing.B) {
	users, weights := []int64{4072, 2035}, []float64{0.8, 0.2}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SRM(users, weights); err != nil {
			b.Fatal(err)
		}
	}
}

package stats

import (
	"math"
	"testing"
)

// FuzzCompare: for any sums and options Compare accepts, every number in
// the result is finite (but a one-sided interval's open end), the interval
// is ordered around the effect, and the p-value and chance to win are
// probabilities.
func FuzzCompare(f *testing.F) {
	f.Add(int64(3407), 1396.87, 52377.9767, 0.0, 0.0, 0.0, int64(3461), 2422.7, 134698.29, 0.0, 0.0, 0.0, uint8(0), uint8(0))
	f.Add(int64(28), 14.0, 14.0, 0.0, 0.0, 0.0, int64(30), 16.0, 16.0, 0.0, 0.0, 0.0, uint8(1), uint8(3))
	f.Add(int64(3000), 1396.87, 52377.9767, 16.87, 527.9767, 1.0, int64(3461), 2422.7, 134698.29, 22.7, 1348.29, 1.0, uint8(0), uint8(0x14))
	f.Add(int64(7), 95.0, 2675.0, 11.0, 21.0, 220.0, int64(7), 190.0, 10700.0, 11.0, 21.0, 440.0, uint8(2), uint8(0x20))
	f.Add(int64(2), 1e200, 1e300, 0.0, 0.0, 0.0, int64(2), 1.0, 1.0, 0.0, 0.0, 0.0, uint8(0), uint8(0x08))
	f.Fuzz(func(t *testing.T, na int64, sa, ssa, xa, xxa, pa float64, nb int64, sb, ssb, xb, xxb, pb float64, kind, flags uint8) {
		a := Sums{N: na, Sum: sa, SumSquares: ssa}
		b := Sums{N: nb, Sum: sb, SumSquares: ssb}
		o := Options{Kind: Kind(kind % 3), Absolute: flags&1 != 0, Alternative: Alternative(flags >> 1 % 3),
			Sequential: flags&0x08 != 0, CUPED: flags&0x10 != 0, Bayesian: flags&0x20 != 0}
		if o.Kind == Ratio {
			a.DenominatorSum, a.DenominatorSumSquares, a.MainDenominatorSumProduct = xa, xxa, pa
			b.DenominatorSum, b.DenominatorSumSquares, b.MainDenominatorSumProduct = xb, xxb, pb
		} else {
			a.CovariateSum, a.CovariateSumSquares, a.MainCovariateSumProduct = xa, xxa, pa
			b.CovariateSum, b.CovariateSumSquares, b.MainCovariateSumProduct = xb, xxb, pb
		}
		r, err := Compare(a, b, o)
		if err != nil {
			return
		}
		if !finite(r.ControlMean, r.TreatmentMean, r.Effect, r.StdErr, r.DF, r.PValue, r.ChanceToWin, r.Theta) {
			t.Fatalf("Compare(%+v, %+v, %+v) = %+v: not finite", a, b, o, r)
		}
		if math.IsNaN(r.Lower) || math.IsNaN(r.Upper) || math.IsInf(r.Lower, 1) || math.IsInf(r.Upper, -1) {
			t.Fatalf("Compare(%+v, %+v, %+v) = %+v: bad interval", a, b, o, r)
		}
		if r.Problem == "" && !(r.Lower <= r.Effect && r.Effect <= r.Upper) {
			t.Fatalf("Compare(%+v, %+v, %+v) = %+v: effect outside its interval", a, b, o, r)
		}
		if r.PValue < 0 || r.PValue > 1 || r.ChanceToWin < 0 || r.ChanceToWin > 1 {
			t.Fatalf("Compare(%+v, %+v, %+v) = %+v: not a probability", a, b, o, r)
		}
	})
}

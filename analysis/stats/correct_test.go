package stats

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gonum.org/v1/gonum/stat/distuv"
)

func TestCorrections(t *testing.T) {
	tests := []struct {
		name     string
		p        []float64
		holm, bh []float64
	}{
		// Holm, sorted ascending: 0.005·4, 0.01·3, 0.03·2, max(0.04·1, 0.06).
		// BH, sorted descending: 0.04·4/4, min(0.03·4/3, 0.04), 0.01·4/2, min(0.005·4, 0.02).
		{"four", []float64{0.01, 0.04, 0.03, 0.005}, []float64{0.03, 0.06, 0.06, 0.02}, []float64{0.02, 0.04, 0.04, 0.02}},
		{"one is unchanged", []float64{0.2}, []float64{0.2}, []float64{0.2}},
		{"capped at 1", []float64{0.6, 0.7}, []float64{1, 1}, []float64{0.7, 0.7}},
		{"ties", []float64{0.02, 0.02, 0.5}, []float64{0.06, 0.06, 0.5}, []float64{0.03, 0.03, 0.5}},
		{"empty", []float64{}, []float64{}, []float64{}},
	}
	approx := cmpopts.EquateApprox(0, 1e-12)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			holm, err := Holm(tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.holm, holm, approx); diff != "" {
				t.Errorf("Holm (-want +got):\n%s", diff)
			}
			bh, err := BenjaminiHochberg(tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.bh, bh, approx); diff != "" {
				t.Errorf("BenjaminiHochberg (-want +got):\n%s", diff)
			}
		})
	}
	for _, bad := range [][]float64{{0.1, -0.01}, {1.5}, {math.NaN()}} {
		if _, err := Holm(bad); err == nil {
			t.Errorf("Holm(%v) accepted", bad)
		}
		if _, err := BenjaminiHochberg(bad); err == nil {
			t.Errorf("BenjaminiHochberg(%v) accepted", bad)
		}
	}
}

func TestMultipleExposures(t *testing.T) {
	tests := []struct {
		name            string
		multiple, users int64
		want            MultipleExposuresResult
	}{
		{"none", 0, 1000, MultipleExposuresResult{0, 1000, 0, ExposuresOK}},
		{"just under 1 %", 9, 1000, MultipleExposuresResult{9, 1000, 0.009, ExposuresOK}},
		{"1 %", 10, 1000, MultipleExposuresResult{10, 1000, 0.01, ExposuresWarning}},
		{"5 %", 50, 1000, MultipleExposuresResult{50, 1000, 0.05, ExposuresWarning}},
		{"too few users", 3, 9, MultipleExposuresResult{3, 9, 1.0 / 3, ExposuresNotEnoughData}},
		{"no users", 0, 0, MultipleExposuresResult{0, 0, 0, ExposuresNotEnoughData}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MultipleExposures(tt.multiple, tt.users)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("MultipleExposures (-want +got):\n%s", diff)
			}
		})
	}
	for _, bad := range [][2]int64{{-1, 10}, {11, 10}} {
		if _, err := MultipleExposures(bad[0], bad[1]); err == nil {
			t.Errorf("MultipleExposures(%d, %d) accepted", bad[0], bad[1])
		}
	}
}

func TestSRMRejects(t *testing.T) {
	tests := []struct {
		name    string
		users   []int64
		weights []float64
	}{
		{"lengths differ", []int64{1, 2}, []float64{1}},
		{"one variant", []int64{1}, []float64{1}},
		{"negative count", []int64{-1, 2}, []float64{1, 1}},
		{"negative weight", []int64{1, 2}, []float64{-1, 1}},
		{"NaN weight", []int64{1, 2}, []float64{math.NaN(), 1}},
		{"no weight", []int64{1, 2}, []float64{0, 0}},
	}
	for _, tt := range tests {
		if _, err := SRM(tt.users, tt.weights); err == nil {
			t.Errorf("%s: SRM accepted", tt.name)
		}
	}
	// No users: p is 1 and there is not enough traffic.
	r, err := SRM([]int64{0, 0}, []float64{1, 1})
	if diff := cmp.Diff(SRMResult{PValue: 1, Status: SRMNotEnoughTraffic}, r); diff != "" || err != nil {
		t.Errorf("SRM without users: %v\n%s", err, diff)
	}
	// A variant of weight 0 is left out of χ², but its users count in the
	// total and it counts in k: e = 107/2 for the other two, and df = 2.
	r, _ = SRM([]int64{50, 50, 7}, []float64{1, 1, 0})
	chi2 := 2 * 3.5 * 3.5 / 53.5
	if want := (distuv.ChiSquared{K: 2}).Survival(chi2); math.Abs(r.ChiSquare-chi2) > 1e-12 || math.Abs(r.PValue-want) > 1e-12 {
		t.Errorf("SRM with a weightless variant = %+v, want χ² %v, p %v", r, chi2, want)
	}
}

func TestPower(t *testing.T) {
	// At an effect of z = 1.96 standard errors a two-sided 5 % test has
	// power one half, plus the other tail's Φ(−2z).
	const z = 1.959963984540054
	p, err := Power(z, 1, 0.05)
	if want := 0.5 + distuv.UnitNormal.CDF(-2*z); err != nil || math.Abs(p-want) > 1e-12 {
		t.Errorf("Power = %v, %v; want %v", p, err, want)
	}
	// No effect: the power is the size of the test.
	if p, _ := Power(0, 0.3, 0); math.Abs(p-0.05) > 1e-12 {
		t.Errorf("Power(0) = %v, want 0.05", p)
	}
	for _, bad := range [][3]float64{{1, 0, 0.05}, {1, -1, 0.05}, {math.NaN(), 1, 0.05}, {1, 1, 1}} {
		if _, err := Power(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("Power%v accepted", bad)
		}
	}
}

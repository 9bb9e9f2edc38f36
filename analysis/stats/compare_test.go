package stats

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGuards(t *testing.T) {
	ok := Sums{N: 100, Sum: 50, SumSquares: 100}
	tests := []struct {
		name               string
		control, treatment Sums
		opts               Options
		want               Problem
	}{
		{"control without users", Sums{}, ok, Options{}, TooFewUsers},
		{"treatment with one user", ok, Sums{N: 1, Sum: 3, SumSquares: 9}, Options{}, TooFewUsers},
		{"all values equal", Sums{N: 10, Sum: 20, SumSquares: 40}, ok, Options{}, ZeroVariance},
		{"nobody converted", Sums{N: 100}, Sums{N: 100, Sum: 3}, Options{Kind: Proportion}, ZeroVariance},
		{"everybody converted", Sums{N: 100, Sum: 3}, Sums{N: 100, Sum: 100}, Options{Kind: Proportion}, ZeroVariance},
		{"control mean 0", Sums{N: 4, Sum: 0, SumSquares: 4}, ok, Options{}, ZeroBaseline},
		{"control mean 0, absolute too", Sums{N: 4, Sum: 0, SumSquares: 4}, ok, Options{Absolute: true}, ZeroBaseline},
		{"sums of squares too small for the sums", Sums{N: 10, Sum: 10, SumSquares: 5}, ok, Options{}, ZeroVariance},
		{"ratio, zero denominator", Sums{N: 10, Sum: 5, SumSquares: 5}, Sums{N: 10, Sum: 5, SumSquares: 5, DenominatorSum: 10, DenominatorSumSquares: 12},
			Options{Kind: Ratio}, ZeroDenominator},
		{"bayesian, zero variance", Sums{N: 100}, Sums{N: 100, Sum: 3}, Options{Kind: Proportion, Bayesian: true}, ZeroVariance},
		{"sequential, too few users", Sums{N: 1, Sum: 1, SumSquares: 1}, ok, Options{Sequential: true}, TooFewUsers},
		{"sums overflow", Sums{N: 2, Sum: 1e200, SumSquares: 1e300}, ok, Options{}, Overflow},
		{"ratio mean overflows", Sums{N: 2, Sum: 1e300, SumSquares: 1e300, DenominatorSum: 1e-300, DenominatorSumSquares: 1e-300}, Sums{N: 2, Sum: 1, SumSquares: 1, DenominatorSum: 1, DenominatorSumSquares: 1},
			Options{Kind: Ratio}, Overflow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Compare(tt.control, tt.treatment, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			want := Result{PValue: 1, Problem: tt.want, ControlMean: r.ControlMean, TreatmentMean: r.TreatmentMean}
			if tt.opts.Bayesian {
				want.PValue, want.ChanceToWin = 0, 0.5
			}
			if diff := cmp.Diff(want, r); diff != "" {
				t.Errorf("Compare (-want +got):\n%s", diff)
			}
			if !finite(r.ControlMean, r.TreatmentMean) {
				t.Errorf("means %v, %v: not finite", r.ControlMean, r.TreatmentMean)
			}
			if r.Problem.Explanation() == "" || r.Problem.Explanation() == string(r.Problem) {
				t.Errorf("Problem %q has no explanation", r.Problem)
			}
		})
	}
}

func TestCompareRejects(t *testing.T) {
	ok := Sums{N: 100, Sum: 50, SumSquares: 100}
	tests := []struct {
		name               string
		control, treatment Sums
		opts               Options
		want               string
	}{
		{"negative n", Sums{N: -1}, ok, Options{}, "negative user count"},
		{"NaN sum", ok, Sums{N: 3, Sum: math.NaN()}, Options{}, "non-finite sum"},
		{"infinite covariate", ok, Sums{N: 3, CovariateSum: math.Inf(1)}, Options{}, "non-finite sum"},
		{"proportion above n", Sums{N: 10, Sum: 11}, ok, Options{Kind: Proportion}, "converted out of 10"},
		{"negative proportion", Sums{N: 10, Sum: -1}, ok, Options{Kind: Proportion}, "converted out of 10"},
		{"covariate proportion above n", Sums{N: 10, Sum: 1, CovariateSum: 12}, Sums{N: 100, Sum: 50}, Options{Kind: Proportion, CUPED: true}, "covariate proportion"},
		{"alpha 1", ok, ok, Options{Alpha: 1}, "alpha 1 is not in (0, 1)"},
		{"negative alpha", ok, ok, Options{Alpha: -0.05}, "is not in (0, 1)"},
		{"NaN alpha", ok, ok, Options{Alpha: math.NaN()}, "is not in (0, 1)"},
		{"one-sided sequential alpha 0.6", ok, ok, Options{Sequential: true, Alternative: Less, Alpha: 0.6}, "below 0.5"},
		{"negative tuning", ok, ok, Options{Sequential: true, Tuning: -1}, "tuning"},
		{"bayesian sequential", ok, ok, Options{Bayesian: true, Sequential: true}, "no sequential"},
		{"bayesian one-sided", ok, ok, Options{Bayesian: true, Alternative: Greater}, "no one-sided"},
		{"CUPED ratio", ok, ok, Options{Kind: Ratio, CUPED: true}, "CUPED"},
		{"unknown kind", ok, ok, Options{Kind: 7}, "unknown metric kind 7"},
		{"unknown alternative", ok, ok, Options{Alternative: 9}, "unknown alternative 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compare(tt.control, tt.treatment, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "stats: ") {
				t.Errorf("Compare error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestSequentialOneSided checks the one-sided confidence sequence's
// p-value against its interval: the bisection finds the α at which the
// interval's closed end is 0, so the interval at α = p touches 0, and the
// test rejects at 0.05 exactly when the interval excludes 0.
func TestSequentialOneSided(t *testing.T) {
	strong := [2]Sums{{N: 3000, Sum: 1396, SumSquares: 1396}, {N: 3000, Sum: 1530, SumSquares: 1530}}
	tests := []struct {
		name  string
		arms  [2]Sums
		alt   Alternative
		wantP string // "min", "max" or "inside"
	}{
		{"greater, moderate effect", strong, Greater, "inside"},
		{"less, moderate effect", strong, Less, "max"},
		{"greater, huge effect", [2]Sums{{N: 3000, Sum: 1396, SumSquares: 1396}, {N: 3461, Sum: 2422, SumSquares: 2422}}, Greater, "min"},
		{"less, negative effect", [2]Sums{strong[1], strong[0]}, Less, "inside"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Options{Kind: Proportion, Sequential: true, Alternative: tt.alt}
			r, err := Compare(tt.arms[0], tt.arms[1], o)
			if err != nil || r.Problem != "" {
				t.Fatalf("Compare: %v %q", err, r.Problem)
			}
			switch tt.wantP {
			case "min":
				if r.PValue != minAlpha {
					t.Errorf("p = %v, want %v", r.PValue, minAlpha)
				}
			case "max":
				if r.PValue != maxAlpha {
					t.Errorf("p = %v, want %v", r.PValue, maxAlpha)
				}
			default:
				if r.PValue <= minAlpha || r.PValue >= maxAlpha {
					t.Fatalf("p = %v, want inside (%v, %v)", r.PValue, minAlpha, maxAlpha)
				}
				// The sequence's ρ stays tuned for the configured α; only the
				// α in the half-width moves.
				n := float64(tt.arms[0].N + tt.arms[1].N)
				h := halfWidthOneSided(r.StdErr*r.StdErr*n, n, sequentialRho(2*DefaultAlpha, DefaultTuning), r.PValue)
				end := r.Effect - h
				if tt.alt == Less {
					end = r.Effect + h
				}
				if math.Abs(end) >= bisectTol {
					t.Errorf("interval at alpha = p ends at %v, want 0", end)
				}
			}
			// The test rejects at 0.05 exactly when the interval excludes 0.
			excludes := r.Lower > 0 || r.Upper < 0
			if rejects := r.PValue < 0.05; rejects != excludes {
				t.Errorf("p = %v but interval [%v, %v]", r.PValue, r.Lower, r.Upper)
			}
			// The one-sided sequence is tighter at its closed end than the
			// two-sided one.
			two, _ := Compare(tt.arms[0], tt.arms[1], Options{Kind: Proportion, Sequential: true})
			if (tt.alt == Greater && r.Lower <= two.Lower) || (tt.alt == Less && r.Upper >= two.Upper) {
				t.Errorf("one-sided [%v, %v] not tighter than two-sided [%v, %v]", r.Lower, r.Upper, two.Lower, two.Upper)
			}
		})
	}
}

// TestRatio checks a ratio metric's mean and delta-method variance against
// the same quantities computed per user, in two passes.
func TestRatio(t *testing.T) {
	m := []float64{10, 0, 25, 5, 40, 0, 15}
	d := []float64{1, 1, 2, 1, 3, 1, 2}
	var s Sums
	for i := range m {
		s.N++
		s.Sum += m[i]
		s.SumSquares += m[i] * m[i]
		s.DenominatorSum += d[i]
		s.DenominatorSumSquares += d[i] * d[i]
		s.MainDenominatorSumProduct += m[i] * d[i]
	}
	n := float64(len(m))
	var mm, md float64
	for i := range m {
		mm += m[i] / n
		md += d[i] / n
	}
	var vm, vd, cov float64
	for i := range m {
		vm += (m[i] - mm) * (m[i] - mm) / (n - 1)
		vd += (d[i] - md) * (d[i] - md) / (n - 1)
		cov += (m[i] - mm) * (d[i] - md) / (n - 1)
	}
	wantVar := vm/(md*md) + vd*mm*mm/math.Pow(md, 4) - 2*cov*mm/math.Pow(md, 3)
	if got, want := MeanOf(Ratio, s), 95.0/11; math.Abs(got-want) > 1e-12 {
		t.Errorf("MeanOf = %v, want %v", got, want)
	}
	if got := VarianceOf(Ratio, s); math.Abs(got-wantVar) > 1e-9 {
		t.Errorf("VarianceOf = %v, want %v", got, wantVar)
	}
	// Against a treatment with twice the numerator: a +100 % effect.
	b := s
	b.Sum, b.SumSquares, b.MainDenominatorSumProduct = 2*s.Sum, 4*s.SumSquares, 2*s.MainDenominatorSumProduct
	r, err := Compare(s, b, Options{Kind: Ratio})
	if err != nil || r.Problem != "" {
		t.Fatalf("Compare: %v %q", err, r.Problem)
	}
	if math.Abs(r.Effect-1) > 1e-12 {
		t.Errorf("Effect = %v, want 1", r.Effect)
	}
}

// TestCUPEDProportion checks θ for a proportion metric, where the
// covariance takes the population form Σxy/n − ΣxΣy/n².
func TestCUPEDProportion(t *testing.T) {
	a := Sums{N: 1000, Sum: 100, CovariateSum: 120, MainCovariateSumProduct: 60}
	b := Sums{N: 1000, Sum: 130, CovariateSum: 118, MainCovariateSumProduct: 75}
	n, sx, sy, sxy := 2000.0, 230.0, 238.0, 135.0
	cov := sxy/n - sx*sy/(n*n)
	pre := sy / n
	wantTheta := cov / (pre * (1 - pre))
	r, err := Compare(a, b, Options{Kind: Proportion, CUPED: true})
	if err != nil || r.Problem != "" {
		t.Fatalf("Compare: %v %q", err, r.Problem)
	}
	if math.Abs(r.Theta-wantTheta) > 1e-12 {
		t.Errorf("Theta = %v, want %v", r.Theta, wantTheta)
	}
	plain, _ := Compare(a, b, Options{Kind: Proportion})
	if r.StdErr >= plain.StdErr {
		t.Errorf("CUPED standard error %v not below the unadjusted %v", r.StdErr, plain.StdErr)
	}
}

// TestCUPEDFallsBack: a covariate without variance gives θ = 0 and the
// unadjusted result, as GrowthBook does.
func TestCUPEDFallsBack(t *testing.T) {
	a := withCovariate(row4A, 3000, 3000, 1396.87) // every user's covariate is 1
	b := withCovariate(row1B, 3461, 3461, 2422.7)
	for _, abs := range []bool{false, true} {
		got, err := Compare(a, b, Options{CUPED: true, Absolute: abs})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := Compare(a, b, Options{Absolute: abs})
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("absolute %v (-unadjusted +CUPED):\n%s", abs, diff)
		}
	}
}

func TestCompareAll(t *testing.T) {
	arms := []Sums{row4A, row1B, row1A}
	got, err := CompareAll(arms, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var want []Result
	for _, b := range arms[1:] {
		r, _ := Compare(arms[0], b, Options{})
		want = append(want, r)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CompareAll (-want +got):\n%s", diff)
	}
	if r, err := CompareAll(arms[:1], Options{}); r != nil || err != nil {
		t.Errorf("CompareAll of one arm = %v, %v; want nil, nil", r, err)
	}
	if _, err := CompareAll([]Sums{row4A, {N: -2}}, Options{}); err == nil || !strings.Contains(err.Error(), "variant 1") {
		t.Errorf("CompareAll error = %v, want one naming variant 1", err)
	}
}

func TestPlus(t *testing.T) {
	a := Sums{1, 2, 3, 4, 5, 6, 7, 8, 9}
	b := Sums{10, 20, 30, 40, 50, 60, 70, 80, 90}
	if diff := cmp.Diff(Sums{11, 22, 33, 44, 55, 66, 77, 88, 99}, a.Plus(b)); diff != "" {
		t.Error(diff)
	}
}

func TestStrings(t *testing.T) {
	got := []string{Mean.String(), Proportion.String(), Ratio.String(), Kind(9).String(),
		TwoSided.String(), Greater.String(), Less.String(), Alternative(5).String(), Problem("x").Explanation(), Problem("").Explanation()}
	want := []string{"mean", "proportion", "ratio", "Kind(9)", "two-sided", "greater", "less", "Alternative(5)", "x", ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
}

package stats

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The checkable worked examples of GrowthBook's stats engine: inputs and
// expected numbers from gbstats' own tests (tests/frequentist/test_tests.py,
// tests/bayesian/test_tests.py) and, for the SRM row, PostHog/posthog#84351.
// Each expected number is compared at the decimals it is printed with.
var (
	row1A = Sums{N: 3407, Sum: 1396.87, SumSquares: 52377.9767}
	row1B = Sums{N: 3461, Sum: 2422.7, SumSquares: 134698.29}
	row4A = Sums{N: 3000, Sum: 1396.87, SumSquares: 52377.9767}
)

func withCovariate(s Sums, sum, ss, product float64) Sums {
	s.CovariateSum, s.CovariateSumSquares, s.MainCovariateSumProduct = sum, ss, product
	return s
}

func TestWorkedExamples(t *testing.T) {
	tests := []struct {
		name               string
		control, treatment Sums
		opts               Options
		want               map[string]string // field -> value as printed
	}{
		{
			name: "1 sample mean, relative", control: row1A, treatment: row1B,
			want: map[string]string{"effect": "0.70732", "lower": "-0.03526", "upper": "1.44989", "se": "0.37879", "p": "0.06191"},
		},
		{
			name: "2 sample mean, absolute", control: row1A, treatment: row1B, opts: Options{Absolute: true},
			want: map[string]string{"effect": "0.29", "lower": "0.04538", "upper": "0.53462", "se": "0.12478", "p": "0.02016"},
		},
		{
			name: "3 proportion, relative", control: Sums{N: 28, Sum: 14}, treatment: Sums{N: 30, Sum: 16},
			opts: Options{Kind: Proportion},
			want: map[string]string{"effect": "0.06667", "lower": "-0.47767", "upper": "0.61101", "se": "0.2717", "p": "0.80707"},
		},
		{
			name: "4 sequential, N* 1000", control: row4A, treatment: row1B,
			opts: Options{Sequential: true, Tuning: 1000},
			want: map[string]string{"effect": "0.50336", "lower": "-0.55844", "upper": "1.56516", "p": "1"},
		},
		{
			name: "5 proportion, sequential", control: Sums{N: 3000, Sum: 1396}, treatment: Sums{N: 3461, Sum: 2422},
			opts: Options{Kind: Proportion, Sequential: true},
			// gbstats rounds the p-value, 5.2e-44, to 0.0.
			want: map[string]string{"effect": "0.50386", "lower": "0.40098", "upper": "0.60675", "se": "0.03386", "p": "0.0", "p_sci": "5.2e-44"},
		},
		{
			name:      "6 CUPED, sequential",
			control:   withCovariate(row4A, 16.87, 527.9767, 1),
			treatment: withCovariate(row1B, 22.7, 1348.29, 1),
			opts:      Options{CUPED: true, Sequential: true},
			want:      map[string]string{"theta": "-0.011403", "effect": "0.50338", "lower": "-0.50969", "upper": "1.51646", "se": "0.33341"},
		},
		{
			name: "7 one-sided greater", control: row4A, treatment: row1B, opts: Options{Alternative: Greater},
			want: map[string]string{"lower": "-0.04514", "upper": "+Inf", "p": "0.06558"},
		},
		{
			name: "7 one-sided greater, absolute", control: row4A, treatment: row1B,
			opts: Options{Alternative: Greater, Absolute: true},
			want: map[string]string{"lower": "0.02079", "upper": "+Inf", "p": "0.03554"},
		},
		{
			name: "7 one-sided less", control: row4A, treatment: row1B, opts: Options{Alternative: Less},
			want: map[string]string{"lower": "-Inf", "upper": "1.05186", "p": "0.93442"},
		},
		{
			name: "8 Bayesian proportion", control: Sums{N: 100, Sum: 49}, treatment: Sums{N: 100, Sum: 51},
			opts: Options{Kind: Proportion, Bayesian: true},
			want: map[string]string{"effect": "0.04082", "lower": "-0.24779", "upper": "0.32943", "se": "0.14725", "ctw": "0.60918"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Compare(tt.control, tt.treatment, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if r.Problem != "" {
				t.Fatalf("Problem = %q", r.Problem)
			}
			fields := map[string]float64{
				"effect": r.Effect, "lower": r.Lower, "upper": r.Upper, "se": r.StdErr,
				"p": r.PValue, "p_sci": r.PValue, "ctw": r.ChanceToWin, "theta": r.Theta,
			}
			got := map[string]string{}
			for k, w := range tt.want {
				got[k] = asPrinted(fields[k], w)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Compare (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWorkedExampleSRM(t *testing.T) {
	r, err := SRM([]int64{4072, 2035}, []float64{0.8, 0.2})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"chi2": "677.445", "p": "2.402e-149", "status": string(SRMMismatch)}
	got := map[string]string{"chi2": asPrinted(r.ChiSquare, want["chi2"]), "p": asPrinted(r.PValue, want["p"]), "status": string(r.Status)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SRM (-want +got):\n%s", diff)
	}
}

// asPrinted formats v the way want is printed: as many decimals, or the
// same significant digits in scientific notation, or ±Inf.
func asPrinted(v float64, want string) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	if i := strings.IndexAny(want, "e"); i >= 0 {
		mant := want[:i]
		d := 0
		if j := strings.IndexByte(mant, '.'); j >= 0 {
			d = len(mant) - j - 1
		}
		return fmt.Sprintf("%.*e", d, v)
	}
	d := 0
	if j := strings.IndexByte(want, '.'); j >= 0 {
		d = len(want) - j - 1
	}
	return fmt.Sprintf("%.*f", d, v)
}

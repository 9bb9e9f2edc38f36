package aggregate

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/inprocess/experiment/analysis/stats"
)

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func ts(d time.Duration) string { return t0.Add(d).Format(time.RFC3339Nano) }

// attribution is one file holding both kinds of record, each line a case
// of the attribution rules.
var attribution = strings.Join([]string{
	// u1: control, exposed twice; the first exposure counts.
	`{"type":"exposure","user_key":"u1","experiment_key":"checkout","variant_key":"control","config_version":1,"timestamp":"` + ts(time.Hour) + `"}`,
	`{"type":"exposure","user_key":"u1","experiment_key":"checkout","variant_key":"control","config_version":1,"timestamp":"` + ts(0) + `"}`,
	// u2: control then treatment: excluded.
	`{"type":"exposure","user_key":"u2","experiment_key":"checkout","variant_key":"control","config_version":1,"timestamp":"` + ts(0) + `"}`,
	`{"type":"exposure","user_key":"u2","experiment_key":"checkout","variant_key":"treatment","config_version":2,"timestamp":"` + ts(time.Minute) + `"}`,
	// u3: treatment, a day later.
	`{"type":"exposure","user_key":"u3","experiment_key":"checkout","variant_key":"treatment","config_version":1,"timestamp":"` + ts(24*time.Hour) + `"}`,
	// u4: treatment.
	`{"type":"exposure","user_key":"u4","experiment_key":"checkout","variant_key":"treatment","config_version":1,"timestamp":"` + ts(25*time.Hour) + `"}`,
	// u5: another experiment only.
	`{"type":"exposure","user_key":"u5","experiment_key":"other","variant_key":"on","config_version":1,"timestamp":"` + ts(0) + `"}`,
	"",
	// u1's events: 10 after its first exposure (counts), 5 before it
	// (only the covariate, with a 2 h pre-window), 7 two days later
	// (outside a 1-day window).
	`{"type":"event","user_key":"u1","event":"purchase","value":10,"timestamp":"` + ts(30*time.Minute) + `"}`,
	`{"type":"event","user_key":"u1","event":"purchase","value":5,"timestamp":"` + ts(-time.Hour) + `"}`,
	`{"type":"event","user_key":"u1","event":"purchase","value":7,"timestamp":"` + ts(48*time.Hour) + `"}`,
	// u2 is excluded, u5 and u6 were never exposed.
	`{"type":"event","user_key":"u2","event":"purchase","value":100,"timestamp":"` + ts(time.Hour) + `"}`,
	`{"type":"event","user_key":"u5","event":"purchase","value":100,"timestamp":"` + ts(time.Hour) + `"}`,
	`{"type":"event","user_key":"u6","event":"purchase","value":100,"timestamp":"` + ts(time.Hour) + `"}`,
	// u3: a purchase without a value (counts 1), twice, and another event.
	`{"type":"event","user_key":"u3","event":"purchase","value":null,"timestamp":"` + ts(24*time.Hour+time.Minute) + `"}`,
	`{"type":"event","user_key":"u3","event":"purchase","timestamp":"` + ts(24*time.Hour+2*time.Minute) + `"}`,
	`{"type":"event","user_key":"u3","event":"pageview","timestamp":"` + ts(24*time.Hour) + `"}`,
	// u4, first exposed at 25 h: a purchase exactly then (counts), one
	// exactly a day later (counts, the window is inclusive), one a
	// millisecond after that (outside a 1-day window).
	`{"type":"event","user_key":"u4","event":"purchase","value":3,"timestamp":"` + ts(25*time.Hour) + `"}`,
	`{"type":"event","user_key":"u4","event":"purchase","value":4,"timestamp":"` + ts(49*time.Hour) + `"}`,
	`{"type":"event","user_key":"u4","event":"purchase","value":6,"timestamp":"` + ts(49*time.Hour+time.Millisecond) + `"}`,
}, "\n")

var (
	day1 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	day2 = day1.AddDate(0, 0, 1)
)

func sums(n int64, sum, ss float64) stats.Sums { return stats.Sums{N: n, Sum: sum, SumSquares: ss} }

func cupedSums(n int64, sum, ss, c, cc, xc float64) stats.Sums {
	return stats.Sums{N: n, Sum: sum, SumSquares: ss, CovariateSum: c, CovariateSumSquares: cc, MainCovariateSumProduct: xc}
}

var (
	purchaseMean = Metric{"purchase", stats.Mean}
	purchaseRate = Metric{"purchase", stats.Proportion}
)

// attributionCases are the results of attribution, by hand.
var attributionCases = []struct {
	name   string
	opts   Options
	want   []MetricSums
	counts Counts
}{
	{
		name: "no window",
		opts: Options{Experiment: "checkout", Metrics: []Metric{purchaseMean, purchaseRate}},
		want: []MetricSums{
			// control: u1's 10 and 7 (its 5 came before). treatment: u3 2, u4 13.
			{purchaseMean, []stats.Sums{sums(1, 17, 289), sums(2, 15, 173)}, []Day{
				{day1, []stats.Sums{sums(1, 17, 289), {}}}, {day2, []stats.Sums{{}, sums(2, 15, 173)}}}},
			{purchaseRate, []stats.Sums{sums(1, 1, 1), sums(2, 2, 2)}, []Day{
				{day1, []stats.Sums{sums(1, 1, 1), {}}}, {day2, []stats.Sums{{}, sums(2, 2, 2)}}}},
		},
		// 11 purchases: counted u1×2, u3×2, u4×3; u1's one before; 2 of
		// users never exposed; 1 of the excluded u2.
		counts: Counts{Exposures: 6, Events: 11, Skipped: 2, Counted: 7, BeforeFirst: 1, NotExposed: 2, OfMultiple: 1},
	},
	{
		name: "1-day window, 2-hour CUPED covariate",
		opts: Options{Experiment: "checkout", Metrics: []Metric{purchaseMean}, Window: 24 * time.Hour, PreWindow: 2 * time.Hour},
		want: []MetricSums{
			// control: u1 10, covariate 5. treatment: u3 2, u4 3+4.
			{purchaseMean, []stats.Sums{cupedSums(1, 10, 100, 5, 25, 50), cupedSums(2, 9, 53, 0, 0, 0)}, []Day{
				{day1, []stats.Sums{cupedSums(1, 10, 100, 5, 25, 50), {}}}, {day2, []stats.Sums{{}, cupedSums(2, 9, 53, 0, 0, 0)}}}},
		},
		counts: Counts{Exposures: 6, Events: 11, Skipped: 2, Counted: 5, BeforeFirst: 1, AfterWindow: 2, NotExposed: 2, OfMultiple: 1},
	},
}

func attributionResult(want []MetricSums, counts Counts) *Result {
	return &Result{Experiment: "checkout", Variants: []string{"control", "treatment"}, Users: []int64{1, 2},
		Multiple: 1, Metrics: want, Counts: counts}
}

func TestAttribution(t *testing.T) {
	tests := attributionCases
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One file holding both kinds, read twice.
			got, err := Aggregate(strings.NewReader(attribution), strings.NewReader(attribution), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			// The exposures' lines that are events, and the events' lines
			// that are exposures, are skipped too.
			counts := tt.counts
			counts.Skipped += 12 + 7
			want := attributionResult(tt.want, counts)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Aggregate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAggregateRejects(t *testing.T) {
	ok := Options{Experiment: "checkout", Metrics: []Metric{{"purchase", stats.Mean}}}
	exposure := `{"type":"exposure","user_key":"u1","experiment_key":"checkout","variant_key":"a","config_version":1,"timestamp":"2026-03-01T00:00:00Z"}`
	tests := []struct {
		name              string
		exposures, events string
		opts              Options
		want              string
	}{
		{"no experiment", "", "", Options{Metrics: ok.Metrics}, "no experiment"},
		{"no metric", "", "", Options{Experiment: "x"}, "no metric"},
		{"negative window", "", "", Options{Experiment: "x", Metrics: ok.Metrics, Window: -1}, "negative window"},
		{"ratio metric", "", "", Options{Experiment: "x", Metrics: []Metric{{"e", stats.Ratio}}}, "mean or proportion"},
		{"bad exposure line", exposure + "\n{\"type\":\"exposure\"}\n", "", ok, "exposures line 2: wire: missing"},
		{"bad event line", exposure, "\n\nnot json\n", ok, "events line 3: wire: at byte 0"},
		{"long line", strings.Repeat(" ", MaxLine+10), "", ok, "exposures line 1: longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Aggregate(strings.NewReader(tt.exposures), strings.NewReader(tt.events), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "aggregate: ") {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestParseMetric(t *testing.T) {
	tests := []struct {
		in   string
		want Metric
		err  string
	}{
		{"purchase", Metric{"purchase", stats.Proportion}, ""},
		{"purchase:mean", Metric{"purchase", stats.Mean}, ""},
		{"purchase:proportion", Metric{"purchase", stats.Proportion}, ""},
		{"a:b:mean", Metric{"a:b", stats.Mean}, ""},
		{"purchase:meen", Metric{}, `kind "meen"`},
		{":mean", Metric{}, "no event name"},
		{"", Metric{}, "no event name"},
	}
	for _, tt := range tests {
		got, err := ParseMetric(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseMetric(%q) error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseMetric(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if back, _ := ParseMetric(got.String()); back != got {
			t.Errorf("ParseMetric(%q.String()) = %v", tt.in, back)
		}
	}
}

func FuzzParseMetric(f *testing.F) {
	for _, s := range []string{"purchase", "a:b:mean", ":", "x:proportion", "x:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMetric(s)
		if err != nil {
			return
		}
		if back, err := ParseMetric(m.String()); err != nil || back != m {
			t.Fatalf("ParseMetric(%q) = %v, but its String %q reads as %v, %v", s, m, m.String(), back, err)
		}
	})
}

// FuzzAggregate: any input gives a result or an error, never a panic, and
// a result's totals are the sums of its days.
func FuzzAggregate(f *testing.F) {
	f.Add([]byte(attribution))
	f.Fuzz(func(t *testing.T, data []byte) {
		o := Options{Experiment: "checkout", Metrics: []Metric{{"purchase", stats.Mean}, {"purchase", stats.Proportion}}, PreWindow: time.Hour}
		res, err := Aggregate(bytes.NewReader(data), bytes.NewReader(data), o)
		if err != nil {
			return
		}
		for _, m := range res.Metrics {
			for p := range res.Variants {
				var total stats.Sums
				for _, d := range m.Days {
					total = total.Plus(d.Sums[p])
				}
				if total.N != m.Total[p].N || total.N != res.Users[p] {
					t.Fatalf("variant %d: days add up to %d users, total %d, users %d", p, total.N, m.Total[p].N, res.Users[p])
				}
			}
		}
	})
}

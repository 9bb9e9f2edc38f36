package analyze

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/inprocess/experiment/analysis/aggregate"
	"github.com/inprocess/experiment/analysis/stats"
)

// Correction is a multiple-testing correction across metrics and
// variants.
type Correction string

const (
	NoCorrection      Correction = ""
	Holm              Correction = "holm"
	BenjaminiHochberg Correction = "bh"
)

// Options says how Build analyses the statistics. The zero Options is
// GrowthBook's default: frequentist, relative effect, two-sided, fixed
// horizon, α = 0.05, equal weights, no correction.
type Options struct {
	// Control is the control variant's key. Default: "control" if a
	// variant has that key, else the first variant in key order.
	Control string
	// Weights are the configured traffic weights by variant key, for the
	// SRM check; variants with a weight but no users count with 0 users.
	// Nil: equal weights. Otherwise every variant with users needs one.
	Weights map[string]float64
	// Stats are the engine's options; its Kind is taken from each metric
	// and CUPED is set when the statistics have a covariate.
	Stats stats.Options
	// CUPED says the statistics carry CUPED's covariate (aggregated with
	// a pre-exposure window).
	CUPED bool
	// Correction adjusts the p-values across all metrics and variants
	// (frequentist engine only).
	Correction Correction
}

// Report is an experiment's results: what the analyze command prints and
// the HTML report shows. Intervals' open ends (one-sided tests) and values
// that do not apply are null in JSON.
type Report struct {
	Experiment string   `json:"experiment"`
	Settings   Settings `json:"settings"`
	Control    string   `json:"control"`
	// Variants are the control first, then the others in key order;
	// every per-variant list follows this order.
	Variants []Traffic `json:"variants"`
	Users    int64     `json:"users"`
	SRM      SRM       `json:"srm"`
	Multiple Multiple  `json:"multiple_exposures"`
	Metrics  []Metric  `json:"metrics"`
	Notes    []string  `json:"notes,omitempty"`
}

// Settings are the analysis's options, spelled out.
type Settings struct {
	Engine      string  `json:"engine"`      // frequentist or bayesian
	Effect      string  `json:"effect"`      // relative or absolute
	Alternative string  `json:"alternative"` // two-sided, greater, less
	Sequential  bool    `json:"sequential"`
	Tuning      float64 `json:"sequential_tuning,omitempty"`
	CUPED       bool    `json:"cuped"`
	Alpha       float64 `json:"alpha"`
	Correction  string  `json:"correction,omitempty"`
}

// Traffic is a variant's users and configured weight.
type Traffic struct {
	Variant string  `json:"variant"`
	Users   int64   `json:"users"`
	Weight  float64 `json:"weight"` // normalised to sum to 1
}

// SRM is the sample ratio mismatch check.
type SRM struct {
	ChiSquare float64 `json:"chi_square"`
	PValue    float64 `json:"p_value"`
	Status    string  `json:"status"`
}

// Multiple is the multiple-exposures check.
type Multiple struct {
	Users  int64   `json:"users"`
	Share  float64 `json:"share"`
	Status string  `json:"status"`
}

// Metric is one metric's results.
type Metric struct {
	Metric string `json:"metric"` // EVENT:kind
	Arms   []Arm  `json:"arms"`
	// Results compare each variant after the control with it.
	Results []Result `json:"results"`
	// Cumulative are the results with the users who entered by the end
	// of each UTC day.
	Cumulative []Point `json:"cumulative"`
}

// Arm is one variant's statistics.
type Arm struct {
	Variant string     `json:"variant"`
	Users   int64      `json:"users"`
	Mean    float64    `json:"mean"`
	Sums    stats.Sums `json:"sums"`
}

// Result is one variant against the control.
type Result struct {
	Variant        string   `json:"variant"`
	Effect         float64  `json:"effect"`
	StdErr         float64  `json:"std_err"`
	Lower          *float64 `json:"lower"`
	Upper          *float64 `json:"upper"`
	PValue         *float64 `json:"p_value"`
	AdjustedPValue *float64 `json:"adjusted_p_value,omitempty"`
	ChanceToWin    *float64 `json:"chance_to_win"`
	Theta          float64  `json:"theta,omitempty"`
	Problem        string   `json:"problem,omitempty"`
	Explanation    string   `json:"explanation,omitempty"`
}

// Point is the results as of one day.
type Point struct {
	Date    string   `json:"date"` // YYYY-MM-DD
	Users   int64    `json:"users"`
	Results []Result `json:"results"`
}

// Build computes the report of an aggregation. It returns an error for
// options that do not fit the statistics: an unknown control, a weight
// missing or not positive, an option the engine rejects.
func Build(res *aggregate.Result, o Options) (*Report, error) {
	variants, weights, err := order(res, o)
	if err != nil {
		return nil, err
	}
	idx := map[string]int{}
	for i, v := range res.Variants {
		idx[v] = i
	}
	r := &Report{Experiment: res.Experiment, Control: variants[0], Settings: settings(o)}
	observed := make([]int64, len(variants))
	var total float64
	for _, w := range weights {
		total += w
	}
	for i, v := range variants {
		if j, ok := idx[v]; ok {
			observed[i] = res.Users[j]
		}
		r.Users += observed[i]
		r.Variants = append(r.Variants, Traffic{Variant: v, Users: observed[i], Weight: weights[i] / total})
	}
	srm, err := stats.SRM(observed, weights)
	if err != nil {
		return nil, fmt.Errorf("analyze: %w", err)
	}
	r.SRM = SRM{srm.ChiSquare, srm.PValue, string(srm.Status)}
	me, err := stats.MultipleExposures(res.Multiple, r.Users+res.Multiple)
	if err != nil {
		return nil, fmt.Errorf("analyze: %w", err)
	}
	r.Multiple = Multiple{me.Multiple, me.Share, string(me.Status)}

	pick := func(sums []stats.Sums) []stats.Sums {
		out := make([]stats.Sums, len(variants))
		for i, v := range variants {
			if j, ok := idx[v]; ok {
				out[i] = sums[j]
			}
		}
		return out
	}
	for _, m := range res.Metrics {
		so := o.Stats
		so.Kind, so.CUPED = m.Metric.Kind, o.CUPED
		mr := Metric{Metric: m.Metric.String()}
		total := pick(m.Total)
		for i, s := range total {
			mr.Arms = append(mr.Arms, Arm{Variant: variants[i], Users: s.N, Mean: stats.MeanOf(m.Metric.Kind, s), Sums: s})
		}
		if mr.Results, err = compare(variants, total, so); err != nil {
			return nil, err
		}
		var cum []stats.Sums
		for _, d := range m.Days {
			day := pick(d.Sums)
			if cum == nil {
				cum = make([]stats.Sums, len(day))
			}
			p := Point{Date: d.Date.Format(time.DateOnly)}
			for i := range cum {
				cum[i] = cum[i].Plus(day[i])
				p.Users += cum[i].N
			}
			if p.Results, err = compare(variants, cum, so); err != nil {
				return nil, err
			}
			mr.Cumulative = append(mr.Cumulative, p)
		}
		r.Metrics = append(r.Metrics, mr)
	}
	if err := r.correct(o); err != nil {
		return nil, err
	}
	if o.Stats.Sequential {
		r.Notes = append(r.Notes, "Sequential: the intervals and p-values stay valid however often the results are looked at.")
	} else if !o.Stats.Bayesian {
		r.Notes = append(r.Notes, "Fixed horizon: the p-values and intervals hold for one look at the planned sample size; the cumulative plot is for watching, not for stopping early.")
	}
	return r, nil
}

func compare(variants []string, sums []stats.Sums, o stats.Options) ([]Result, error) {
	var out []Result
	for i := 1; i < len(sums); i++ {
		c, err := stats.Compare(sums[0], sums[i], o)
		if err != nil {
			return nil, fmt.Errorf("analyze: %w", err)
		}
		r := Result{Variant: variants[i], Effect: c.Effect, StdErr: c.StdErr,
			Lower: finite(c.Lower), Upper: finite(c.Upper), Theta: c.Theta,
			Problem: string(c.Problem), Explanation: c.Problem.Explanation()}
		if o.Bayesian {
			r.ChanceToWin = &c.ChanceToWin
		} else {
			r.PValue = &c.PValue
		}
		out = append(out, r)
	}
	return out, nil
}

// finite returns &x, or nil for ±Inf (an interval's open end).
func finite(x float64) *float64 {
	if math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// order returns the variants, control first, and their weights.
func order(res *aggregate.Result, o Options) ([]string, []float64, error) {
	variants := slices.Clone(res.Variants)
	for v := range o.Weights {
		if !slices.Contains(variants, v) {
			variants = append(variants, v)
		}
	}
	slices.Sort(variants)
	if len(variants) < 2 {
		return nil, nil, fmt.Errorf("analyze: experiment %q has %d variants with users; a comparison needs 2", res.Experiment, len(variants))
	}
	control := o.Control
	if control == "" {
		control = variants[0]
		if slices.Contains(variants, "control") {
			control = "control"
		}
	}
	i := slices.Index(variants, control)
	if i < 0 {
		return nil, nil, fmt.Errorf("analyze: control %q is not among the variants %v", control, variants)
	}
	variants = append([]string{control}, slices.Delete(variants, i, i+1)...)
	weights := make([]float64, len(variants))
	for i, v := range variants {
		switch w, ok := o.Weights[v]; {
		case o.Weights == nil:
			weights[i] = 1
		case !ok:
			return nil, nil, fmt.Errorf("analyze: no weight for variant %q", v)
		case !(w > 0) || math.IsInf(w, 0):
			return nil, nil, fmt.Errorf("analyze: weight %v for variant %q is not positive", w, v)
		default:
			weights[i] = w
		}
	}
	return variants, weights, nil
}

func settings(o Options) Settings {
	s := Settings{Engine: "frequentist", Effect: "relative", Alternative: o.Stats.Alternative.String(),
		Sequential: o.Stats.Sequential, CUPED: o.CUPED, Alpha: o.Stats.Alpha, Correction: string(o.Correction)}
	if o.Stats.Bayesian {
		s.Engine = "bayesian"
	}
	if o.Stats.Absolute {
		s.Effect = "absolute"
	}
	if s.Alpha == 0 {
		s.Alpha = stats.DefaultAlpha
	}
	if o.Stats.Sequential {
		s.Tuning = o.Stats.Tuning
		if s.Tuning == 0 {
			s.Tuning = stats.DefaultTuning
		}
	}
	return s
}

// correct sets the adjusted p-values of the overall results.
func (r *Report) correct(o Options) error {
	if o.Correction == NoCorrection {
		return nil
	}
	if o.Stats.Bayesian {
		return errors.New("analyze: a multiple-testing correction needs the frequentist engine")
	}
	var ps []float64
	for _, m := range r.Metrics {
		for _, res := range m.Results {
			ps = append(ps, *res.PValue)
		}
	}
	var adj []float64
	var err error
	switch o.Correction {
	case Holm:
		adj, err = stats.Holm(ps)
	case BenjaminiHochberg:
		adj, err = stats.BenjaminiHochberg(ps)
	default:
		return fmt.Errorf("analyze: unknown correction %q (holm or bh)", o.Correction)
	}
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	k := 0
	for mi := range r.Metrics {
		for ri := range r.Metrics[mi].Results {
			r.Metrics[mi].Results[ri].AdjustedPValue = &adj[k]
			k++
		}
	}
	return nil
}

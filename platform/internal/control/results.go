package control

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/inprocess/experiment/analysis/aggregate"
	"github.com/inprocess/experiment/analysis/analyze"
	"github.com/inprocess/experiment/analysis/stats"
	"github.com/inprocess/experiment/platform/internal/store"
)

// The results route, GET /experiments/:id/results, is not the
// platform's: it aggregates the exposures and events stored by POST
// /events for the experiment's key (aggregate.QuerySQL, in the database)
// and analyses them (analyze.Build), answering with the report exactly as
// `experiment analyze -json` prints it.
//
// Its query parameters are the command's flags: metric (EVENT, or
// EVENT:mean or EVENT:proportion; repeated, 1 to maxMetrics), and
// optionally control, window and cuped (Go durations such as 72h),
// alternative (two-sided, greater, less), correction (holm, bh), alpha,
// and the switches absolute, bayesian and sequential (true or false).
// The SRM check's configured weights are the experiment's allocations
// (the buckets of each variant), when every variant with users has one;
// otherwise equal weights.
//
// Answers: 200 with the report; 400 for a bad parameter; 404 for an
// unknown experiment; 422 when no exposures of it were received yet, or
// when the statistics do not fit the options (analyze.Build's error).

// maxMetrics bounds the metrics of one results request: each is a query.
const maxMetrics = 20

func (s *server) results(w http.ResponseWriter, r *request) {
	e, err := s.store.GetExperiment(r.Context(), r.params[0])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	agg, opts, err := resultsOptions(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	agg.Experiment = e.Key
	res, err := s.store.Aggregate(r.Context(), agg)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(res.Variants) == 0 {
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("control: no exposures of experiment %q have been received", e.Key))
		return
	}
	opts.Weights = allocationWeights(e, res.Variants)
	rep, err := analyze.Build(res, opts)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	var buf bytes.Buffer
	if err := analyze.WriteJSON(&buf, rep); err != nil {
		s.fail(w, r, fmt.Errorf("control: encoding the results: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, buf.Bytes())
}

// allocationWeights are the buckets allocated to each variant, by key,
// or nil (equal weights) when a variant with users has none.
func allocationWeights(e store.Experiment, withUsers []string) map[string]float64 {
	keys := map[string]string{}
	for _, v := range e.Variants {
		keys[v.ID] = v.Key
	}
	w := map[string]float64{}
	for _, a := range e.Allocations {
		if k, ok := keys[a.VariantID]; ok && a.RangeEnd >= a.RangeStart {
			w[k] += float64(a.RangeEnd - a.RangeStart + 1)
		}
	}
	for _, v := range withUsers {
		if w[v] <= 0 {
			return nil
		}
	}
	return w
}

// resultsOptions reads the results route's query parameters.
func resultsOptions(q url.Values) (aggregate.Options, analyze.Options, error) {
	var agg aggregate.Options
	var o analyze.Options
	for k := range q {
		switch k {
		case "metric", "control", "window", "cuped", "alternative", "correction", "alpha", "absolute", "bayesian", "sequential":
		default:
			return agg, o, fmt.Errorf("control: unknown results parameter %q (metric, control, window, cuped, alternative, correction, alpha, absolute, bayesian, sequential)", k)
		}
		if k != "metric" && len(q[k]) > 1 {
			return agg, o, fmt.Errorf("control: results parameter %q given %d times", k, len(q[k]))
		}
	}
	ms := q["metric"]
	if len(ms) == 0 || len(ms) > maxMetrics {
		return agg, o, fmt.Errorf("control: give 1 to %d metrics, as metric=EVENT[:mean|proportion]; got %d", maxMetrics, len(ms))
	}
	for _, m := range ms {
		metric, err := aggregate.ParseMetric(m)
		if err != nil {
			return agg, o, fmt.Errorf("control: %w", err)
		}
		agg.Metrics = append(agg.Metrics, metric)
	}
	var err error
	if agg.Window, err = duration(q, "window"); err != nil {
		return agg, o, err
	}
	if agg.PreWindow, err = duration(q, "cuped"); err != nil {
		return agg, o, err
	}
	o.CUPED = agg.PreWindow > 0
	o.Control = q.Get("control")
	switch a := q.Get("alternative"); a {
	case "", "two-sided":
	case "greater":
		o.Stats.Alternative = stats.Greater
	case "less":
		o.Stats.Alternative = stats.Less
	default:
		return agg, o, fmt.Errorf("control: alternative %q: want two-sided, greater or less", a)
	}
	switch c := analyze.Correction(q.Get("correction")); c {
	case analyze.NoCorrection, analyze.Holm, analyze.BenjaminiHochberg:
		o.Correction = c
	default:
		return agg, o, fmt.Errorf("control: correction %q: want holm or bh", c)
	}
	o.Stats.Alpha = stats.DefaultAlpha
	if a := q.Get("alpha"); a != "" {
		if o.Stats.Alpha, err = strconv.ParseFloat(a, 64); err != nil || !(o.Stats.Alpha > 0 && o.Stats.Alpha < 1) {
			return agg, o, fmt.Errorf("control: alpha %q: want a number between 0 and 1", a)
		}
	}
	o.Stats.Tuning = stats.DefaultTuning
	for name, dst := range map[string]*bool{"absolute": &o.Stats.Absolute, "bayesian": &o.Stats.Bayesian, "sequential": &o.Stats.Sequential} {
		if v := q.Get(name); v != "" {
			if *dst, err = strconv.ParseBool(v); err != nil {
				return agg, o, fmt.Errorf("control: %s %q: want true or false", name, v)
			}
		}
	}
	return agg, o, nil
}

func duration(q url.Values, name string) (time.Duration, error) {
	v := q.Get(name)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("control: %s %q: want a duration such as 72h, not negative", name, v)
	}
	return d, nil
}

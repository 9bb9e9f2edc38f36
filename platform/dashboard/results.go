package dashboard

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/inprocess/experiment/analysis/analyze"
)

// resultRows is how many metric rows the results form offers.
const resultRows = 3

// resultsView is the experiment page's Results section: the metrics
// chosen (a row each: an event name and a kind) and, once some are, the
// analysis from the API's results route, shown as analyze's own HTML
// (tables and plots).
type resultsView struct {
	Rows   []metricRow
	Asked  bool          // the query chose at least one metric
	Report template.HTML // analyze.HTMLFragment of the results
	Err    string
}

type metricRow struct {
	Event, Kind string // Kind is "proportion" or "mean"
}

// resultsOf reads the chosen metrics from the page's query (event=NAME
// and kind=mean|proportion, repeated in step; a row without an event is
// skipped) and asks the API for their results.
func (d *dashboard) resultsOf(r *http.Request, id string) resultsView {
	q := r.URL.Query()
	events, kinds := q["event"], q["kind"]
	var v resultsView
	var metrics []string
	for i, ev := range events {
		kind := "proportion"
		if i < len(kinds) && kinds[i] == "mean" {
			kind = "mean"
		}
		if ev = strings.TrimSpace(ev); ev == "" {
			continue
		}
		v.Rows = append(v.Rows, metricRow{ev, kind})
		metrics = append(metrics, ev+":"+kind)
	}
	for len(v.Rows) < resultRows {
		v.Rows = append(v.Rows, metricRow{Kind: "proportion"})
	}
	if len(metrics) == 0 {
		return v
	}
	v.Asked = true
	rep, err := d.api.results(r.Context(), id, metrics)
	if err != nil {
		v.Err = err.Error()
		return v
	}
	if v.Report, err = analyze.HTMLFragment(rep); err != nil {
		v.Err = "dashboard: showing the results: " + err.Error()
	}
	return v
}

package analyze

import (
	_ "embed"
	"html/template"
	"io"
)

//go:embed report.html.tmpl
var reportHTML string

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"count":   count,
	"share":   share,
	"percent": percent,
	"mean":    mean,
	"dec":     func(i int) int { return i - 1 },
}).Parse(reportHTML))

// htmlReport gives the template the report's formatting as methods.
type htmlReport struct{ *Report }

func (h htmlReport) Describe() string                      { return h.describe() }
func (h htmlReport) Level() string                         { return h.level() }
func (h htmlReport) SRMLine() string                       { return h.srmLine() }
func (h htmlReport) MultipleLine() string                  { return h.multipleLine() }
func (h htmlReport) Effect(x float64) string               { return h.effect(x) }
func (h htmlReport) Interval(r Result) string              { return h.interval(r) }
func (h htmlReport) Verdict(r Result) string               { return verdict(r) }
func (h htmlReport) IntervalPlot(m Metric) template.HTML   { return h.intervalPlot(m) }
func (h htmlReport) CumulativePlot(m Metric) template.HTML { return h.cumulativePlot(m) }

// WriteHTML writes r as a self-contained HTML page: tables, the traffic
// checks, and per metric two inline SVG plots (each variant's interval
// against the control, and the cumulative effect by day). The page loads
// nothing: no scripts, fonts, images or styles from elsewhere, and its
// Content-Security-Policy forbids them.
func WriteHTML(w io.Writer, r *Report) error {
	return reportTemplate.Execute(w, htmlReport{r})
}

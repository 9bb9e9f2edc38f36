package analyze

import (
	"bytes"
	_ "embed"
	"html/template"
	"io"
)

//go:embed report.html.tmpl
var reportHTML string

// PlotCSS is the stylesheet the plots of WriteHTML and HTMLFragment need:
// rules for the class "plot" and the classes of its marks, and nothing
// else, so a page can add it to its own.
//
//go:embed plots.css
var PlotCSS string

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"count":   count,
	"share":   share,
	"percent": percent,
	"mean":    mean,
	"dec":     func(i int) int { return i - 1 },
	"plotCSS": func() template.CSS { return template.CSS(PlotCSS) },
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

// HTMLFragment returns what WriteHTML's page shows under its title, to
// put inside another page (the platform's dashboard does): the settings,
// the traffic table, the sample ratio and multiple-exposure checks, and
// per metric a heading (h2), the results table and the two inline SVG
// plots, then the notes. The plots are drawn with the classes PlotCSS
// styles and with presentation attributes, never a style attribute or a
// script, so a page with a strict Content-Security-Policy shows them.
func HTMLFragment(r *Report) (template.HTML, error) {
	var b bytes.Buffer
	if err := reportTemplate.ExecuteTemplate(&b, "results", htmlReport{r}); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

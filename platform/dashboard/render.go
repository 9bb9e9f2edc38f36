package dashboard

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

// pageTemplate is one page: the layout with the page's "content".
type pageTemplate = template.Template

// pageNames are the pages, each templates/NAME.html defining "content".
var pageNames = []string{"login", "overview", "environments", "experiments", "experiment_new", "experiment", "audiences", "decide", "error"}

// parsePages parses every page with the layout, its links under base.
func parsePages(base string) (map[string]*pageTemplate, error) {
	funcs := template.FuncMap{
		"path":     func(p string) string { return base + p },
		"when":     when,
		"pct":      pct,
		"json":     prettyJSON,
		"compact":  compactJSON,
		"plural":   plural,
		"add":      func(a, b int) int { return a + b },
		"lower":    strings.ToLower,
		"verb":     transitionVerb,
		"sharePct": sharePct,
		"readable": readableRules,
	}
	pages := make(map[string]*pageTemplate, len(pageNames))
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("dashboard: parsing the %s page: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// view is what the layout needs from every page.
type view struct {
	Title  string
	Nav    string // the active section: environments, experiments, audiences, decide
	CSRF   string
	Flash  *flash
	Error  string // a page-level error, above the content
	Logout bool   // a token is configured: offer to log out
	Status int    // the response status
}

func (v *view) base() *view { return v }

// viewer is a page's data: a struct embedding view.
type viewer interface{ base() *view }

// newView fills the layout's fields for the request.
func (d *dashboard) newView(w http.ResponseWriter, r *http.Request, title, nav string) view {
	s := sessionOf(r)
	return view{Title: title, Nav: nav, CSRF: d.csrfToken(s), Flash: d.takeFlash(w, r, s), Logout: d.token != "", Status: http.StatusOK}
}

// render executes the page into a buffer, so a failing template never
// sends half a page, then writes it with the view's status.
func (d *dashboard) render(w http.ResponseWriter, name string, data viewer) {
	var buf bytes.Buffer
	if err := d.pages[name].Execute(&buf, data); err != nil {
		http.Error(w, "dashboard: rendering the "+name+" page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(data.base().Status)
	_, _ = w.Write(buf.Bytes())
}

type errorPage struct{ view }

// fail answers with the error page.
func (d *dashboard) fail(w http.ResponseWriter, r *http.Request, s session, status int, err error) {
	p := errorPage{view{Title: http.StatusText(status), CSRF: d.csrfToken(s), Error: err.Error(), Logout: d.token != "" && s.authed, Status: status}}
	d.render(w, "error", &p)
}

// done redirects after a successful form (303, so a reload does not post
// again), with a flash message for the next page.
func (d *dashboard) done(w http.ResponseWriter, r *http.Request, to string, f flash) {
	if f.Text != "" {
		d.setFlash(w, r, sessionOf(r), f)
	}
	http.Redirect(w, r, d.base+to, http.StatusSeeOther)
}

// publishFlash says what a mutation's publish headers reported.
func publishFlash(done string, p published) flash {
	switch {
	case p.Attempted && p.Succeeded:
		return flash{Text: done + " The environment was published."}
	case p.Attempted:
		msg := p.Error
		if msg == "" {
			msg = "no reason given"
		}
		return flash{Warn: true, Text: done + " Publishing the environment failed: " + msg}
	}
	return flash{Text: done}
}

func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// pct formats a count of the 10000 buckets as a percentage.
func pct(buckets int) string {
	return strconv.FormatFloat(float64(buckets)/100, 'f', -1, 64) + "%"
}

// sharePct formats a share in [0, 1] as a percentage with two decimals.
func sharePct(share float64) string {
	return strconv.FormatFloat(100*share, 'f', 2, 64) + "%"
}

// prettyJSON indents raw JSON for a textarea; "" for none or null.
func prettyJSON(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var buf bytes.Buffer
	if json.Indent(&buf, raw, "", "  ") != nil {
		return string(raw)
	}
	return buf.String()
}

// compactJSON prints raw JSON on one line; "" for none or null.
func compactJSON(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return string(raw)
	}
	return buf.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

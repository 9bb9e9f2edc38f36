package dashboard_test

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/analysis/analyze"
)

// apiCall sends a JSON request to the rig's API with its token and
// returns the answer's id.
func apiCall(t *testing.T, rig platformRig, method, path, body string) string {
	t.Helper()
	req, err := http.NewRequest(method, rig.Dashboard+"/api"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+rig.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %s %s", method, path, resp.Status, data)
	}
	var v struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(data, &v)
	return v.ID
}

// TestBrowserResults: exposures and purchases sent by the library's
// HTTPSink to the platform show in the experiment page's Results section
// in headless Chromium: the metrics chosen in its form, a results table
// and both plots per metric, with the numbers of the results route, and
// no console error (a Content-Security-Policy violation included).
func TestBrowserResults(t *testing.T) {
	rig := startPlatform(t)
	env := apiCall(t, rig, "POST", "/environments", `{"name":"results"}`)
	exp := apiCall(t, rig, "POST", "/experiments", `{"key":"checkout","name":"Checkout","environmentId":"`+env+`"}`)
	c := apiCall(t, rig, "POST", "/experiments/"+exp+"/variants", `{"key":"control","name":"Control"}`)
	f := apiCall(t, rig, "POST", "/experiments/"+exp+"/variants", `{"key":"fast","name":"Fast"}`)
	apiCall(t, rig, "PUT", "/experiments/"+exp+"/allocations",
		`{"allocations":[{"variantId":"`+c+`","rangeStart":0,"rangeEnd":4999},{"variantId":"`+f+`","rangeStart":5000,"rangeEnd":9999}]}`)

	// A service's records, over three days, through the library's sink.
	sink, err := experiment.NewHTTPSink(experiment.HTTPSinkOptions{URL: rig.Dashboard + "/api",
		Header: http.Header{"Authorization": {"Bearer " + rig.Token}}, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rules, err := experiment.Parse([]byte("version: 1\nexperiments:\n  checkout:\n    control: 0-50%\n    fast: 50-100%\n"),
		experiment.WithExposures(sink.Exposure))
	if err != nil {
		t.Fatal(err)
	}
	track := experiment.NewTracker(sink.Event)
	rng := rand.New(rand.NewPCG(3, 7))
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range 900 {
		user := "user-" + strconv.Itoa(i)
		at := start.Add(time.Duration(i) * 5 * time.Minute)
		v := rules.Feature("checkout", experiment.ContextFor(user).At(at))
		if rng.Float64() < map[string]float64{"control": 0.2, "fast": 0.3}[v] {
			track.Record(experiment.Event{UserID: user, Name: "purchase", Value: float64(10 + rng.IntN(90)), HasValue: true, Time: at.Add(time.Minute)})
		}
	}
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}

	// The numbers, from the results route.
	resp, err := http.Get(rig.Dashboard + "/api/experiments/" + exp + "/results?metric=purchase:mean&metric=purchase:proportion")
	if err != nil {
		t.Fatal(err)
	}
	var rep analyze.Report
	err = json.NewDecoder(resp.Body).Decode(&rep)
	resp.Body.Close()
	if err != nil || rep.Users != 900 || len(rep.Metrics) != 2 {
		t.Fatalf("results route: %v, %d users, %d metrics", err, rep.Users, len(rep.Metrics))
	}

	ctx := newBrowser(t, 60*time.Second)
	var mu sync.Mutex
	var problems []string
	err = chromedp.Listen(ctx, func(e any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := e.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value))
				}
				problems = append(problems, "console."+string(e.Type)+": "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
				problems = append(problems, "log: "+e.Entry.Text+" "+e.Entry.URL)
			}
		}
	})
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	b := &tab{t: t, ctx: ctx, base: rig.Dashboard}
	b.open("/login")
	b.fill(`input[name=token]`, rig.Token)
	b.submit(`button[type=submit]`)
	b.open("/experiments/" + exp)
	b.fill(`#results-form .metric-row:nth-of-type(1) input[name=event]`, "purchase",
		`#results-form .metric-row:nth-of-type(2) input[name=event]`, "purchase")
	b.set(`#results-form .metric-row:nth-of-type(1) select[name=kind]`, "mean")
	if st := b.submit("#show-results"); st != 200 {
		t.Fatalf("show results: status %d", st)
	}
	b.do("wait for the report", chromedp.WaitVisible(chromedp.CSS("#results-report svg.cumulative")))

	count := func(sel string) int {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+strconv.Quote(sel)+`).length`))
		if err != nil {
			t.Fatalf("count %s: %v", sel, err)
		}
		return n
	}
	if got := [4]int{count("#results-report h2"), count("#results-report table.results"), count("#results-report svg.intervals"), count("#results-report svg.cumulative")}; got != [4]int{2, 2, 2, 2} {
		t.Errorf("metric headings, tables, interval and cumulative plots: %v, want 2 of each", got)
	}
	if marks := count("#results-report svg.intervals circle.estimate") + count("#results-report svg.cumulative polyline.effect"); marks < 4 {
		t.Errorf("%d estimates and effect lines drawn, want at least 4", marks)
	}
	sizes, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](
		`[...document.querySelectorAll("#results-report svg")].flatMap(s => { const r = s.getBoundingClientRect(); return [r.width, r.height] })`))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range sizes {
		if s < 50 {
			t.Errorf("plot %d has a side of %v px: not laid out", i/2, s)
		}
	}
	// The plots are styled by the dashboard's stylesheet (PlotCSS): a
	// band is translucent.
	if op, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("#results-report svg.cumulative .band")).opacity`)); err != nil || op != "0.18" {
		t.Errorf("a band's opacity is %q (%v), want 0.18 from the stylesheet", op, err)
	}
	// The table's numbers are the route's: users per variant, in order.
	for i, v := range rep.Variants {
		sel := "#results-report table.traffic tr:nth-of-type(" + strconv.Itoa(i+2) + ") td:nth-of-type(2)"
		if got, want := strings.ReplaceAll(b.text(sel), ",", ""), strconv.FormatInt(v.Users, 10); got != want {
			t.Errorf("%s users: page %q, route %s", v.Variant, got, want)
		}
	}
	if v := b.attr(`#results-form .metric-row:nth-of-type(1) input[name=event]`, "value"); v != "purchase" {
		t.Errorf("the form forgot the first metric: %q", v)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("the page logged problems:\n%s", strings.Join(problems, "\n"))
	}
	var buf bytes.Buffer
	_ = analyze.WriteText(&buf, &rep)
	t.Logf("results:\n%s", buf.String())
}

package analyze

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// findChromium returns the path of a Chromium or Chrome binary, or "".
func findChromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestBrowser opens the HTML report in headless Chromium: it renders, has
// both plots for every metric with real sizes, logs no console error or
// exception, and requests nothing but itself.
func TestBrowser(t *testing.T) {
	bin := findChromium()
	if bin == "" {
		t.Skip("no headless browser: install Chromium (apt-get install -y --no-install-recommends chromium) or set $CHROMIUM")
	}
	ex, ev, _ := inputs(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var stdout, stderr bytes.Buffer
	if code := Run([]string{"-exposures", ex, "-events", ev, "-experiment", "checkout", "-metric", "purchase:mean",
		"-metric", "purchase", "-metric", "refund", "-html", page}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.Env("HOME=" + dir),
	}
	// A hang guard, not a measurement.
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()

	var mu sync.Mutex
	var problems, requests []string
	err := chromedp.Listen(bctx, func(e any) {
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
				problems = append(problems, "log: "+e.Entry.Text)
			}
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		}
	})
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}

	if err := chromedp.Do(bctx, chromedp.Navigate("file://"+page), chromedp.WaitVisible(chromedp.CSS("svg.cumulative"))); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	title, err := chromedp.Run(bctx, chromedp.Title())
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	count := func(selector string) int {
		n, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll(`+strconv.Quote(selector)+`).length`))
		if err != nil {
			t.Fatalf("chromium: %v", err)
		}
		return n
	}
	sections, intervals, cumulative, plots := count("h2"), count("svg.intervals"), count("svg.cumulative"), count("svg")
	// Every plot laid out with a real size, with its marks drawn.
	sizes, err := chromedp.Run(bctx, chromedp.Evaluate[[]float64](
		`[...document.querySelectorAll("svg")].flatMap(s => { const r = s.getBoundingClientRect(); return [r.width, r.height] })`))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if marks := count("svg.intervals circle.estimate") + count("svg.cumulative polyline.effect"); marks < 4 {
		t.Errorf("%d estimates and effect lines drawn, want at least 4", marks)
	}
	if title != "checkout: experiment results" {
		t.Errorf("title %q", title)
	}
	if sections != 3 || intervals != 3 || cumulative != 3 || plots != 6 {
		t.Errorf("%d sections, %d interval plots, %d cumulative plots, %d svg elements; want 3, 3, 3, 6", sections, intervals, cumulative, plots)
	}
	for i, s := range sizes {
		if s < 50 {
			t.Errorf("svg %d has a side of %v px: not laid out", i/2, s)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("the page logged problems:\n%s", strings.Join(problems, "\n"))
	}
	for _, u := range requests {
		if u != "file://"+page {
			t.Errorf("the page requested %s: it must load nothing", u)
		}
	}
}

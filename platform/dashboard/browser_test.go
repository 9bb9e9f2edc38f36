package dashboard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// newBrowser starts headless Chromium with a fresh profile and returns a
// tab, which closes at the end of the test. deadline bounds the whole
// browser session: a hang fails the test instead of stalling it.
func newBrowser(t *testing.T, deadline time.Duration) context.Context {
	t.Helper()
	bin := findChromium()
	if bin == "" {
		t.Skip("no headless browser: install Chromium (apt-get install -y --no-install-recommends chromium) or set $CHROMIUM to a Chromium or Chrome binary")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "profile")),
		chromedp.WindowSize(1280, 1000),
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	tab, tcancel := chromedp.NewContext(actx)
	t.Cleanup(tcancel)
	return tab
}

// tab drives one browser tab through the dashboard, failing the test at
// the first step that does not work.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func (b *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *tab) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path))
}

// fill types into the fields of a form, by CSS selector.
func (b *tab) fill(fields ...string) {
	b.t.Helper()
	for i := 0; i+1 < len(fields); i += 2 {
		b.do("fill "+fields[i], chromedp.SendKeys(chromedp.CSS(fields[i]), fields[i+1]))
	}
}

// set sets a field's value (a select's option, or a field to retype).
func (b *tab) set(sel, value string) {
	b.t.Helper()
	b.do("set "+sel, chromedp.SetValue(chromedp.CSS(sel), value))
}

// submit clicks a button and waits for the page it loads; it returns that
// page's HTTP status.
func (b *tab) submit(sel string) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
	return resp.Status
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("read %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func (b *tab) attr(sel, name string) string {
	b.t.Helper()
	a, err := chromedp.Run(b.ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil || !a.Exists {
		b.t.Fatalf("attribute %s of %s: %v (exists %v)", name, sel, err, a.Exists)
	}
	return a.Value
}

// expect checks the text of an element.
func (b *tab) expect(sel, want string) {
	b.t.Helper()
	if got := b.text(sel); got != want {
		b.t.Fatalf("%s says %q, want %q", sel, got, want)
	}
}

// TestBrowserWalkthrough clicks through the seed's walkthrough in headless
// Chromium against the real control plane: create an environment, an
// experiment, two variants and a 50/50 allocation (first overlapping,
// which shows the platform's message beside the form), start it; then
// /decide assigns the experiment to every user, deterministically and
// about half to each variant, and the dashboard's decide preview agrees.
func TestBrowserWalkthrough(t *testing.T) {
	rig := startPlatform(t) // skips when the platform's server is missing
	ctx := newBrowser(t, 60*time.Second)
	b := &tab{t: t, ctx: ctx, base: rig.Dashboard}

	if rig.Token != "" {
		b.open("/login")
		b.fill(`input[name=token]`, rig.Token)
		if st := b.submit(`button[type=submit]`); st != 200 {
			t.Fatalf("login: status %d", st)
		}
	}

	// 1. An environment.
	b.open("/environments")
	b.fill(`#new-environment input[name=name]`, "walkthrough")
	if st := b.submit(`#new-environment button[type=submit]`); st != 200 {
		t.Fatalf("create environment: status %d", st)
	}
	b.expect("#flash", `Created environment "walkthrough".`)

	// 2. An experiment in it.
	b.open("/experiments/new")
	b.set(`#create-experiment select[name=environmentId]`, b.attr(`#create-experiment select[name=environmentId] option:nth-of-type(2)`, "value"))
	b.fill(`#create-experiment input[name=key]`, "checkout-button",
		`#create-experiment input[name=name]`, "Checkout button",
		`#create-experiment textarea[name=description]`, "The seed's walkthrough")
	if st := b.submit(`#create-experiment button[type=submit]`); st != 200 {
		t.Fatalf("create experiment: status %d", st)
	}
	b.expect("#experiment-name", "Checkout button")
	b.expect("#header .badge", "DRAFT")
	expURL, _ := chromedp.Run(ctx, chromedp.Location())

	// 3. Two variants with payloads.
	b.fill(`#add-variant input[name=key]`, "control", `#add-variant input[name=name]`, "Control", `#add-variant textarea[name=payload]`, `{"color": "blue"}`)
	b.submit(`#add-variant button[type=submit]`)
	b.expect("#flash", "Added variant “control”.")
	b.do("open the add form", chromedp.Click(chromedp.CSS(`#add-variant-box > summary`)))
	b.fill(`#add-variant input[name=key]`, "treatment", `#add-variant input[name=name]`, "Treatment", `#add-variant textarea[name=payload]`, `{"color": "green"}`)
	b.submit(`#add-variant button[type=submit]`)
	b.expect("#flash", "Added variant “treatment”.")

	// 4. Allocations: an overlap first (5000 is in both), refused by the
	// platform with its message beside the form; then 50/50.
	control := b.attr(`#allocation-form select[name="variant-0"] option:nth-of-type(2)`, "value")
	treatment := b.attr(`#allocation-form select[name="variant-0"] option:nth-of-type(3)`, "value")
	b.set(`#allocation-form select[name="variant-0"]`, control)
	b.fill(`#allocation-form input[name="start-0"]`, "0", `#allocation-form input[name="end-0"]`, "5000")
	b.set(`#allocation-form select[name="variant-1"]`, treatment)
	b.fill(`#allocation-form input[name="start-1"]`, "5000", `#allocation-form input[name="end-1"]`, "9999")
	if st := b.submit("#save-allocations"); st != http.StatusBadRequest {
		t.Errorf("overlapping allocations: status %d, want 400", st)
	}
	b.expect("#allocation-error", "Allocation ranges must not overlap")
	b.set(`#allocation-form input[name="end-0"]`, "4999") // the form kept what was typed
	b.submit("#save-allocations")
	b.expect("#flash", "Saved the allocations.")
	b.expect("#allocations .legend", "control buckets 0-4999 (50%)\ntreatment buckets 5000-9999 (50%)")

	// 5. Start it: the status change publishes the environment.
	b.submit("#to-running")
	b.expect("#flash", "The experiment is now RUNNING. The environment was published.")
	b.expect("#header .badge", "RUNNING")
	if n, _ := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("#to-running"), chromedp.AtLeast(0))); len(n) != 0 {
		t.Error("a running experiment still offers Start")
	}

	// 6. Publish by hand, then compare the two versions in the history:
	// nothing changed, so no user changes variant.
	b.submit("#publish")
	b.expect("#flash", "Published version 2 of environment “walkthrough”.")
	b.do("compare", chromedp.Click(chromedp.CSS(`#versions a[href="?from=1&to=2#history"]`)))
	b.do("wait for the comparison", chromedp.WaitVisible(chromedp.ID("diff")))
	b.expect("#diff h3", "v1 → v2: which share of 10000 users change variant")
	b.expect("#diff tbody tr.this td:nth-of-type(2)", "unchanged")
	b.expect("#diff tbody tr.this td:nth-of-type(3)", "0.00%")
	screenshot(t, b, expURL+"?from=1&to=2#history")

	// 7. /decide, directly and through the gateway, assigns it.
	variants := waitAssigned(t, rig.Decide, "walkthrough", "checkout-button")
	counts := map[string]int{}
	for i := range 200 {
		user := fmt.Sprintf("user-%d", i)
		v := decideVariant(t, rig.Decide, user, "walkthrough", "checkout-button")
		if v == "" {
			t.Fatalf("%s is not assigned checkout-button", user)
		}
		if i < 20 {
			if again := decideVariant(t, rig.GatewayDecide, user, "walkthrough", "checkout-button"); again != v {
				t.Errorf("%s: %q directly, %q through the gateway", user, v, again)
			}
		}
		counts[v]++
	}
	if counts["control"]+counts["treatment"] != 200 || counts["control"] < 80 || counts["control"] > 120 {
		t.Errorf("200 users split %v; want about half each", counts)
	}
	t.Logf("200 users: %v; user-0 gets %s", counts, variants)

	// 8. The dashboard's decide preview shows the same assignment.
	want := decideVariant(t, rig.Decide, "user-7", "walkthrough", "checkout-button")
	b.open("/decide?" + url.Values{"env": {"walkthrough"}, "user_key": {"user-7"}}.Encode())
	b.expect("#assignments .assignment .variant", want)
	b.expect("#explanations .explained .chip", want)
}

// screenshot saves the experiment page as a PNG in $EXPERIMENT_ARTIFACTS
// (or the test's temporary directory), checks it is a real picture, and
// with -update copies it to testdata/experiment-page.png for the README.
func screenshot(t *testing.T, b *tab, pageURL string) {
	t.Helper()
	b.do("reload the experiment page", chromedp.Navigate(pageURL))
	shot, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if w := img.Bounds().Dx(); w != 1280 {
		t.Errorf("screenshot is %d wide, want 1280", w)
	}
	colours := map[[3]uint32]bool{}
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y += 5 {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x += 5 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
		}
	}
	if len(shot) < 20<<10 || len(colours) < 30 {
		t.Errorf("the screenshot looks blank: %d bytes, %d colours", len(shot), len(colours))
	}
	dir := os.Getenv("EXPERIMENT_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "experiment-page.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(shot))
	if *update {
		if err := os.WriteFile(filepath.Join("testdata", "experiment-page.png"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// decideVariant asks a /decide URL for the user's variant of the
// experiment; "" when the user has none.
func decideVariant(t *testing.T, decideURL, user, env, key string) string {
	t.Helper()
	resp, err := http.Get(decideURL + "?" + url.Values{"user_key": {user}, "env": {env}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d struct {
		Assignments []struct {
			ExperimentKey string `json:"experiment_key"`
			VariantKey    string `json:"variant_key"`
		} `json:"assignments"`
	}
	if resp.StatusCode != 200 {
		return ""
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatalf("decide: %v", err)
	}
	for _, a := range d.Assignments {
		if a.ExperimentKey == key {
			return a.VariantKey
		}
	}
	return ""
}

// waitAssigned waits until the decision service has the published
// experiment, as the seed's integration test does (it polls for up to 10
// s); it fails after 20 s.
func waitAssigned(t *testing.T, decideURL, env, key string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if v := decideVariant(t, decideURL, "user-0", env, key); v != "" {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 20 s, %s still does not assign %s in %s", decideURL, key, env)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

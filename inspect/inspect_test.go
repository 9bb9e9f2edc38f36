package inspect_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"image/png"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/inspect"
)

// update keeps the browser test's screenshot: go test ./inspect -run TestBrowser -update
// (the package before the flag: go test reads flags after an unknown one
// as the test binary's, for the package in the current directory).
var update = flag.Bool("update", false, "copy the browser test's screenshot to testdata/inspector.png")

// config exercises every part of the page: an audience and targeting with
// two rules, a user-id group, a group percentage under the top-level salt,
// a gap, an experiment for everyone, one not running, and an environment.
const config = `
version: 12
salt: top-salt
groups:
  staff: [alice, bob]
  phase 1: 20-30%
audiences:
  pro-users:
    - conditions:
        - {attribute: plan, operator: eq, value: pro}
experiments:
  checkout-button-color:
    id: exp-42
    salt: 6f1c0e1a
    audience: pro-users
    targeting:
      - conditions:
          - {attribute: country, operator: in, value: [US, CA]}
      - conditions:
          - {attribute: age, operator: gte, value: 30}
          - {attribute: app.version, operator: semverGte, value: "2.3"}
    variants:
      control:
        id: var-1
        allocation: 0-40%
        payload: {color: "#0066cc"}
      treatment:
        id: var-2
        allocation: [staff, 50-90%]
        payload: {color: "#00cc66"}
  new-search:
    variantOne: phase 1
    variantTwo: 20-100%
  dark-mode: true
  old-thing:
    status: paused
    variants: {a: 100%}
envs:
  staging:
    dark-mode: 25%
`

func parse(t *testing.T, data string, opts ...experiment.Option) *experiment.Ruleset {
	t.Helper()
	rs, err := experiment.Parse([]byte(data), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// get serves one request to h and returns the status and body.
func get(t *testing.T, h http.Handler, method, target string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	if ct := rec.Header().Get("Content-Type"); rec.Code != http.StatusMethodNotAllowed && ct != "text/html; charset=utf-8" {
		t.Errorf("%s %s: Content-Type %q", method, target, ct)
	}
	return rec.Code, rec.Body.String()
}

// query builds "/?user=U&attrs=A".
func query(user, attrs string) string {
	v := url.Values{"user": {user}}
	if attrs != "" {
		v.Set("attrs", attrs)
	}
	return "/?" + v.Encode()
}

// section returns the HTML of the experiment with the given key: from its
// <section> to the next </section>.
func section(t *testing.T, body, key string) string {
	t.Helper()
	i := strings.Index(body, `<span class="key">`+template.HTMLEscapeString(key)+`</span>`)
	if i < 0 {
		t.Fatalf("no section for experiment %q", key)
	}
	start := strings.LastIndex(body[:i], "<section")
	end := strings.Index(body[i:], "</section>")
	return body[start : i+end]
}

// segRE matches a bar segment: its colour class, its "everyone" hatching
// and its position.
var segRE = regexp.MustCompile(`class="seg (c\d|cx)( all)?" style="(left:[0-9.]+%;width:[0-9.]+%)"`)

// segments lists the segments of the bars in html, as "CLASS STYLE", with
// "all" for a segment held by an allocation for everyone.
func segments(html string) []string {
	var out []string
	for _, m := range segRE.FindAllStringSubmatch(html, -1) {
		s := m[1] + " " + m[3]
		if m[2] != "" {
			s = m[1] + " all " + m[3]
		}
		out = append(out, s)
	}
	return out
}

func equal(a, b []string) bool {
	return strings.Join(a, "\n") == strings.Join(b, "\n")
}

func TestPageYAML(t *testing.T) {
	rs := parse(t, config, experiment.WithEnv("staging"))
	code, body := get(t, inspect.Handler(inspect.ForRuleset(rs), &inspect.Options{Title: "Shop experiments"}), "GET", "/")
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	for _, want := range []string{
		"<title>Shop experiments</title>",
		"<dt>Environment</dt><dd>staging</dd>",
		"<dt>Config version</dt><dd>12</dd>",
		"4 (3 running)",
		`<code>&#34;top-salt&#34;</code>`,
		`<code>exp-42</code>`, `<code>&#34;6f1c0e1a&#34;</code>`,
		`audience &#34;pro-users&#34;`,
		`<code>plan eq &#34;pro&#34;</code>`,
		`<code>country in [&#34;US&#34;,&#34;CA&#34;]</code>`,
		`<code>age gte 30</code> <span class="and">AND</span> <code>app.version semverGte &#34;2.3&#34;</code>`,
		`<code class="payload">{&#34;color&#34;:&#34;#0066cc&#34;}</code>`,
		`group &#34;staff&#34; lists 2 user ids`,
		`group buckets 0-9999 under the top-level salt &#34;top-salt&#34;`,
		`<span class="badge off">not running</span>`,
		`<form method="get" class="ask">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(body, `id="answer"`) {
		t.Error("page without a user has an answer")
	}

	// The bars: one segment per range, at its buckets; a gap is no segment.
	for _, tc := range []struct {
		key  string
		want []string
		gap  string
	}{
		// control 0-40%, treatment 50-90%: 40-50% and 90-100% are gaps. The
		// staff group is a note, not a segment.
		{"checkout-button-color", []string{"c0 left:0%;width:40%", "c1 left:50%;width:40%"}, "20%"},
		// variantOne's group (phase 1, 20-30% under the top-level salt) is on
		// the second bar, after variantTwo's own 20-100%.
		{"new-search", []string{"c1 left:20%;width:80%", "c0 left:20%;width:10%"}, "20%"},
		// the staging override: 25% of buckets.
		{"dark-mode", []string{"c0 left:0%;width:25%"}, "75%"},
		// 100%: everyone, hatched.
		{"old-thing", []string{"c0 all left:0%;width:100%"}, ""},
	} {
		s := section(t, body, tc.key)
		if got := segments(s); !equal(got, tc.want) {
			t.Errorf("%s: segments\n%s\nwant\n%s", tc.key, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
		}
		hasGap := strings.Contains(s, "<strong>unassigned</strong>")
		if hasGap != (tc.gap != "") || tc.gap != "" && !strings.Contains(s, `<span class="share">`+tc.gap+` of buckets</span> <span class="none">no variant`) {
			t.Errorf("%s: want a gap of %q in the legend", tc.key, tc.gap)
		}
	}
	if s := section(t, body, "new-search"); strings.Count(s, `<figure class="bucketbar`) != 2 {
		t.Error("new-search: want two bars, the experiment's and the groups'")
	}
	if s := section(t, body, "checkout-button-color"); !strings.Contains(s, `<span class="share">40% of buckets</span>`) {
		t.Error("checkout-button-color: legend lacks the variants' shares")
	}
}

func TestPageSnapshot(t *testing.T) {
	data, err := os.ReadFile("../testdata/snapshots/quirks.json")
	if err != nil {
		t.Fatal(err)
	}
	rs := parse(t, string(data))
	code, body := get(t, inspect.Handler(inspect.ForRuleset(rs), nil), "GET", "/")
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	for _, want := range []string{
		"<dt>Environment</dt><dd>prod</dd>",
		"<dt>Config version</dt><dd>7</dd>",
		"<title>Experiments</title>",
		// A snapshot's audience rules are unnamed.
		`<span class="label">audience</span>`,
		`<code>country eq (no value)</code>`,
		// The root package does not keep the name of an operator the
		// platform lacks (it is false for everyone; Warnings names it).
		`<code>age matches &#34;.*&#34;</code>`,
		`An earlier experiment has the same key`,
		`<code class="payload">null</code>`,    // a null payload
		`<span class="none">no payload</span>`, // an absent one
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, name := range rs.Names() {
		if !strings.Contains(body, `<span class="key">`+template.HTMLEscapeString(name)+`</span>`) {
			t.Errorf("page lacks experiment %q", name)
		}
	}
	for _, tc := range []struct{ key, why string }{
		{"split", "c0 left:0%;width:50%\nc1 left:50%;width:50%"},
		{"holdout", "c0 left:0%;width:10%\nc1 left:20%;width:10%"},
		// first wins: treatment's 30-100% is drawn from 60%.
		{"first-wins", "c0 left:0%;width:60%\nc1 left:60%;width:40%"},
		// an allocation naming no variant; then 0-9999, everyone.
		{"unknown-variant", "cx left:0%;width:50%\nc1 all left:50%;width:50%"},
		// fractional bounds: [0.5, 4999.5] holds buckets 1-4999.
		{"fraction", "c0 left:0.01%;width:49.99%\nc1 all left:0%;width:0.01%\nc1 all left:50%;width:50%"},
		{"no-allocations", ""},
	} {
		s := section(t, body, tc.key)
		if got := strings.Join(segments(s), "\n"); got != tc.why {
			t.Errorf("%s: segments\n%s\nwant\n%s", tc.key, got, tc.why)
		}
	}
	if s := section(t, body, "first-wins"); !strings.Contains(s, "30% of treatment&#39;s range 30-100% is held by an earlier allocation") {
		t.Error("first-wins: the overlap is not explained")
	}
	if s := section(t, body, "holdout"); !strings.Contains(s, `<span class="share">80% of buckets</span>`) {
		t.Error("holdout: the gap is not in the legend")
	}
}

// quiet is the WatchOptions of the tests' Lives: no polling during the
// test, no log output.
func quiet() *experiment.WatchOptions {
	return &experiment.WatchOptions{Interval: time.Hour, Logger: slog.New(slog.DiscardHandler)}
}

func TestPageLiveLastError(t *testing.T) {
	var calls atomic.Int32
	src := experiment.SourceFunc(func(ctx context.Context) ([]byte, error) {
		if calls.Add(1) == 1 {
			return []byte(config), nil
		}
		return nil, errors.New(`config store unreachable: dial tcp 10.0.0.1:443: <b>timeout</b>`)
	})
	opts := quiet()
	opts.Parse = []experiment.Option{experiment.WithEnv("prod")}
	live, err := experiment.Watch(context.Background(), src, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if err := live.Reload(context.Background()); err == nil {
		t.Fatal("the second load did not fail")
	}
	st := live.Status()
	now := st.LastErrorAt.Add(90 * time.Second)
	code, body := get(t, inspect.Handler(live, &inspect.Options{Now: func() time.Time { return now }}), "GET", "/")
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	for _, want := range []string{
		"<dt>Environment</dt><dd>prod</dd>",
		"<dt>Config version</dt><dd>12</dd>",
		"<dt>Source</dt><dd><code>" + template.HTMLEscapeString(st.Source) + "</code></dd>",
		"<dt>Loaded</dt><dd>" + st.LoadedAt.UTC().Format("2006-01-02 15:04:05 UTC"),
		"<strong>Last reload failed</strong> at " + st.LastErrorAt.UTC().Format("2006-01-02 15:04:05 UTC") + " (1m30s ago)",
		"<pre>" + template.HTMLEscapeString(st.LastError.Error()) + "</pre>",
		"&lt;b&gt;timeout&lt;/b&gt;",
		`<span class="key">checkout-button-color</span>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if st.Source == "" || st.LastError == nil {
		t.Fatalf("status %+v", st)
	}
}

func TestPageLiveFallback(t *testing.T) {
	src := experiment.SourceFunc(func(ctx context.Context) ([]byte, error) {
		return nil, errors.New("bucket not found")
	})
	opts := quiet()
	opts.Fallback = parse(t, "version: 1\nexperiments: {kill-switch: true}\n")
	live, err := experiment.Watch(context.Background(), src, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	_, body := get(t, inspect.Handler(live, nil), "GET", "/")
	for _, want := range []string{
		"The fallback config is serving",
		`<dt>Loaded</dt><dd><span class="none">never</span>`,
		"bucket not found",
		`<span class="key">kill-switch</span>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

func TestPageNoConfig(t *testing.T) {
	for name, src := range map[string]inspect.Rules{
		"nil Ruleset": inspect.ForRuleset(nil),
		"zero Live":   &experiment.Live{},
	} {
		code, body := get(t, inspect.Handler(src, nil), "GET", query("u", `{"a":1}`))
		if code != http.StatusOK || !strings.Contains(body, "No config is loaded.") {
			t.Errorf("%s: status %d, body lacks the no-config notice", name, code)
		}
	}
}

// TestQuery checks the form's answers against Ruleset.Explain, for users
// and attributes that reach every reason.
func TestQuery(t *testing.T) {
	rs := parse(t, config)
	h := inspect.Handler(inspect.ForRuleset(rs), nil)
	attrSets := []string{
		"",
		`{"plan": "pro", "country": "US"}`,
		`{"plan": "pro", "country": "FR", "age": 31, "app": {"version": "2.4.1"}}`,
		`{"plan": "free"}`,
		`{"plan": "pro", "country": "FR", "age": 29}`,
	}
	users := []string{"alice", "bob", ""}
	for i := range 25 {
		users = append(users, "user-"+strconv.Itoa(i))
	}
	reasons := make(map[experiment.Reason]bool)
	for _, attrs := range attrSets {
		for _, user := range users {
			code, body := get(t, h, "GET", query(user, attrs))
			if code != http.StatusOK {
				t.Fatalf("user %q attrs %s: status %d", user, attrs, code)
			}
			c := experiment.ContextFor(user)
			if attrs != "" {
				var m map[string]any
				if err := json.Unmarshal([]byte(attrs), &m); err != nil {
					t.Fatal(err)
				}
				c = c.With(m)
			}
			for _, info := range rs.Experiments() {
				ex := rs.Explain(info.Key, c)
				reasons[ex.Reason] = true
				s := section(t, body, info.Key)
				want := `<span class="reason off">` + string(ex.Reason) + `</span> ` + template.HTMLEscapeString(ex.Detail)
				if ex.Reason.On() {
					want = `">` + template.HTMLEscapeString(ex.Variant) + `</span>` + "\n" + `<span class="reason on">` + string(ex.Reason) + `</span> ` + template.HTMLEscapeString(ex.Detail)
				}
				if !strings.Contains(s, want) {
					t.Errorf("user %q attrs %s, %s: section lacks %q", user, attrs, info.Key, want)
				}
				if ex.Rule >= 0 && !strings.Contains(s, "Matched targeting rule: <code>") {
					t.Errorf("user %q attrs %s, %s: rule %d matched but is not shown", user, attrs, info.Key, ex.Rule)
				}
				// The user's bucket is marked on the experiment's bar.
				b := experiment.Bucket(user, info.Salt)
				mark := fmt.Sprintf(`style="left:%s%%" title="the user's bucket: %d"`, strconv.FormatFloat(float64(b)/100, 'f', -1, 64), b)
				if !strings.Contains(s, mark) {
					t.Errorf("user %q, %s: no marker %s", user, info.Key, mark)
				}
			}
		}
	}
	for _, r := range []experiment.Reason{experiment.ReasonAudience, experiment.ReasonTargeting, experiment.ReasonDisabled,
		experiment.ReasonUserID, experiment.ReasonGroup, experiment.ReasonSplit, experiment.ReasonEveryone, experiment.ReasonNoMatch} {
		if !reasons[r] {
			t.Errorf("no case reached reason %s", r)
		}
	}
}

func TestQuerySnapshotDuplicate(t *testing.T) {
	data, err := os.ReadFile("../testdata/snapshots/quirks.json")
	if err != nil {
		t.Fatal(err)
	}
	rs := parse(t, string(data))
	_, body := get(t, inspect.Handler(inspect.ForRuleset(rs), nil), "GET", query("user-1", `{"country":"US"}`))
	if !strings.Contains(body, "duplicate key: evaluation by name uses the first experiment with this key") {
		t.Error("the second dup experiment is not marked in the answer")
	}
	if n := strings.Count(body, `<p class="result `); n != len(rs.Names())-1 {
		t.Errorf("%d results for %d experiments, one a duplicate", n, len(rs.Names()))
	}
}

func TestBadAttrs(t *testing.T) {
	h := inspect.Handler(inspect.ForRuleset(parse(t, config)), nil)
	for _, tc := range []struct{ attrs, want string }{
		{`{"country": "US"`, "inspect: attrs is not valid JSON: unexpected end of JSON input"},
		{`["US"]`, "inspect: attrs must be a JSON object"},
		{`null`, "inspect: attrs must be a JSON object"},
		{`"<script>"`, "inspect: attrs must be a JSON object"},
		{strings.Repeat(" ", inspect.MaxAttrsSize) + "{}", "inspect: attrs is longer than 64 KiB"},
	} {
		code, body := get(t, h, "GET", query("alice", tc.attrs))
		if code != http.StatusBadRequest {
			t.Errorf("attrs %.40q: status %d, want 400", tc.attrs, code)
		}
		if !strings.Contains(body, `<p class="alert" id="query-error">`+template.HTMLEscapeString(tc.want)) {
			t.Errorf("attrs %.40q: page lacks the error %q", tc.attrs, tc.want)
		}
		if strings.Contains(body, `id="answer"`) {
			t.Errorf("attrs %.40q: an answer is shown for attrs that failed", tc.attrs)
		}
		if !strings.Contains(body, `<span class="key">checkout-button-color</span>`) {
			t.Errorf("attrs %.40q: the config is not shown", tc.attrs)
		}
	}
	// Blank attrs are no attributes.
	if code, _ := get(t, h, "GET", query("alice", "  ")); code != http.StatusOK {
		t.Errorf("blank attrs: status %d", code)
	}
}

func TestMethods(t *testing.T) {
	h := inspect.Handler(inspect.ForRuleset(parse(t, config)), nil)
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(m, query("alice", ""), strings.NewReader("user=alice")))
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: status %d, Allow %q", m, rec.Code, rec.Header().Get("Allow"))
		}
	}
	// HEAD over a real server: the headers of GET, no body.
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Head(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("HEAD: %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	for _, k := range []string{"Content-Security-Policy", "Cache-Control", "X-Content-Type-Options"} {
		if resp.Header.Get(k) == "" {
			t.Errorf("HEAD: no %s header", k)
		}
	}
}

// TestMount serves the page mounted under a prefix with and without
// http.StripPrefix: the same page, with only relative links.
func TestMount(t *testing.T) {
	h := inspect.Handler(inspect.ForRuleset(parse(t, config)), nil)
	stripped := http.NewServeMux()
	stripped.Handle("/debug/experiments/", http.StripPrefix("/debug/experiments", h))
	direct := http.NewServeMux()
	direct.Handle("/debug/experiments/", h)
	var bodies []string
	for _, mux := range []http.Handler{stripped, direct} {
		code, body := get(t, mux, "GET", "/debug/experiments/"+query("alice", `{"plan":"pro"}`)[1:])
		if code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
		bodies = append(bodies, body)
	}
	if bodies[0] != bodies[1] {
		t.Error("the page differs between the two mounts")
	}
	if strings.Contains(bodies[0], "action=") {
		t.Error("the form has an action: it should submit to the page itself")
	}
	for _, m := range regexp.MustCompile(`(?:href|src|action)="([^"]*)"`).FindAllStringSubmatch(bodies[0], -1) {
		if !strings.HasPrefix(m[1], "#") && m[1] != "?" {
			t.Errorf("link %q is not relative to the page", m[1])
		}
	}
}

const evil1, evil2 = `<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`

// TestInjection puts markup in every config value the page shows, in the
// query, in the title and in a reload error.
func TestInjection(t *testing.T) {
	q := strconv.Quote
	cfg := `
version: 1
salt: ` + q(evil1) + `
groups:
  ` + q(evil1) + `: [` + q(evil2) + `, 10-20%]
audiences:
  ` + q(evil2) + `:
    - conditions:
        - {attribute: ` + q(evil1) + `, operator: neq, value: ` + q(evil2) + `}
experiments:
  ` + q(evil1) + `:
    id: ` + q(evil2) + `
    salt: ` + q(evil1) + `
    audience: ` + q(evil2) + `
    targeting:
      - conditions:
          - {attribute: ` + q(evil2) + `, operator: in, value: [` + q(evil1) + `, ` + q(evil2) + `]}
    variants:
      ` + q(evil2) + `:
        id: ` + q(evil1) + `
        allocation: 0-50%
        payload: {` + q(evil1) + `: ` + q(evil2) + `}
      ` + q(evil1) + `:
        allocation: [` + q(evil1) + `, 50-100%]
        payload: [` + q(evil2) + `]
  ` + q(evil2) + `: ` + q(evil1) + `
`
	var calls atomic.Int32
	src := experiment.SourceFunc(func(ctx context.Context) ([]byte, error) {
		if calls.Add(1) == 1 {
			return []byte(cfg), nil
		}
		return nil, errors.New(evil1 + evil2)
	})
	opts := quiet()
	opts.Parse = []experiment.Option{experiment.WithEnv(evil2)}
	live, err := experiment.Watch(context.Background(), src, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	_ = live.Reload(context.Background())
	h := inspect.Handler(live, &inspect.Options{Title: evil1})

	for _, target := range []string{
		"/",
		query(evil2, `{`+q(evil1)+`: `+q(evil2)+`, `+q(evil2)+`: `+q(evil1)+`}`),
		query(evil1, evil2),           // invalid attrs: the error message and the form echo them
		query(evil1, `{"a": 1`+evil1), // invalid JSON with markup in it
		"/" + url.PathEscape(evil1) + "?user=" + url.QueryEscape(evil2),
	} {
		_, body := get(t, h, "GET", target)
		lower := strings.ToLower(body)
		for _, bad := range []string{"<script", "<img", "onerror=alert"} {
			if i := strings.Index(lower, bad); i >= 0 && !(bad == "onerror=alert" && safeAttrText(body, i)) {
				t.Errorf("%s: body has %q unescaped: ...%s...", target, bad, body[max(i-80, 0):min(i+80, len(body))])
			}
		}
		if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s: the escaped values are not on the page", target)
		}
	}
	// The values are really rendered, escaped: the experiment, its variant
	// and its payload.
	_, body := get(t, h, "GET", "/")
	for _, want := range []string{
		`<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>`,
		`<span class="key">&lt;script&gt;alert(1)&lt;/script&gt;</span>`,
		`<strong>&#34;&gt;&lt;img src=x onerror=alert(1)&gt;</strong>`,
		`<code>&lt;script&gt;alert(1)&lt;/script&gt; neq &#34;\&#34;&gt;&lt;img src=x onerror=alert(1)&gt;&#34;</code>`,
		`<dt>Environment</dt><dd>&#34;&gt;&lt;img src=x onerror=alert(1)&gt;</dd>`,
		`<code class="payload">{&#34;&lt;script&gt;alert(1)&lt;/script&gt;&#34;:&#34;\&#34;&gt;&lt;img src=x onerror=alert(1)&gt;&#34;}</code>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

// safeAttrText reports whether the "onerror=alert" at i is text inside an
// escaped value, not an attribute: the '<' that would open its element is
// escaped, so the nearest '<' or '>' before it is a '>' ending a real tag,
// or it sits in an attribute value whose quote was escaped.
func safeAttrText(body string, i int) bool {
	lt := strings.LastIndexByte(body[:i], '<')
	gt := strings.LastIndexByte(body[:i], '>')
	if gt > lt {
		return true // in text between tags
	}
	// Inside a tag: only safe within a quoted attribute value.
	tag := body[lt:i]
	return strings.Count(tag, `"`)%2 == 1
}

// ---- the headless browser test ----

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

// chromium runs the browser headless with args and returns its stdout.
func chromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	home := t.TempDir()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + filepath.Join(home, "profile")}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+home)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second // children that keep the pipes open
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstderr:\n%s", bin, err, tail(stderr.String(), 2000))
	}
	return stdout.Bytes()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// TestBrowser renders the page, mounted under a prefix on a real loopback
// server, in headless Chromium: the DOM it builds has the experiments, the
// answer and the bars, and a screenshot of it is a real image.
func TestBrowser(t *testing.T) {
	bin := findChromium()
	if bin == "" {
		t.Skip("no headless browser: install Chromium (apt-get install -y chromium) or set $CHROMIUM to a Chromium or Chrome binary")
	}
	rs := parse(t, config, experiment.WithEnv("staging"))
	mux := http.NewServeMux()
	mux.Handle("/debug/experiments/", http.StripPrefix("/debug/experiments", inspect.Handler(inspect.ForRuleset(rs), nil)))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	user, attrs := "user-3", `{"plan": "pro", "country": "US"}`
	c := experiment.ContextFor(user).With(map[string]any{"plan": "pro", "country": "US"})
	target := srv.URL + "/debug/experiments/" + query(user, attrs)[1:]

	dom := string(chromium(t, bin, "--dump-dom", target))
	if !strings.Contains(dom, "<h1>Experiments</h1>") {
		t.Fatalf("the DOM is not the page:\n%s", tail(dom, 3000))
	}
	for _, name := range rs.Names() {
		s := section(t, dom, name)
		ex := rs.Explain(name, c)
		if ex.Reason.On() {
			if !regexp.MustCompile(`Gets <span class="chip c\d">` + regexp.QuoteMeta(ex.Variant) + `</span>`).MatchString(s) {
				t.Errorf("%s: the DOM does not answer %q", name, ex.Variant)
			}
		} else if !strings.Contains(s, `Off`) {
			t.Errorf("%s: the DOM does not answer off", name)
		}
		if !strings.Contains(s, `<span class="reason `) || !strings.Contains(s, ">"+string(ex.Reason)+"</span>") {
			t.Errorf("%s: the DOM lacks the reason %s", name, ex.Reason)
		}
		b := experiment.Bucket(user, ex.Salt)
		if !strings.Contains(s, fmt.Sprintf(`style="left:%s%%"`, strconv.FormatFloat(float64(b)/100, 'f', -1, 64))) {
			t.Errorf("%s: the DOM has no marker at bucket %d", name, b)
		}
	}
	if ex := rs.Explain("checkout-button-color", c); ex.Variant == "" {
		t.Fatalf("the test user should be in checkout-button-color: %+v", ex)
	}
	for key, want := range map[string]string{
		"checkout-button-color": "c0 left:0%;width:40%\nc1 left:50%;width:40%",
		"new-search":            "c1 left:20%;width:80%\nc0 left:20%;width:10%",
		"dark-mode":             "c0 left:0%;width:25%",
	} {
		if got := strings.Join(segments(section(t, dom, key)), "\n"); got != want {
			t.Errorf("%s: segments in the DOM\n%s\nwant\n%s", key, got, want)
		}
	}

	// A screenshot: the page laid out and painted.
	png1 := filepath.Join(t.TempDir(), "inspector.png")
	chromium(t, bin, "--screenshot="+png1, "--window-size=1280,2000", target)
	f, err := os.Open(png1)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	st, _ := f.Stat()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 2000 {
		t.Errorf("screenshot is %v, want 1280x2000", b)
	}
	colours := make(map[[3]uint32]bool)
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y += 7 {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x += 7 {
			r, g, b, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, b >> 8}] = true
		}
	}
	if st.Size() < 20<<10 || len(colours) < 50 {
		t.Errorf("the screenshot looks blank: %d bytes, %d colours", st.Size(), len(colours))
	}
	t.Logf("screenshot: %s (%d bytes, %d colours sampled)", png1, st.Size(), len(colours))
	if *update {
		if err := copyFile(png1, filepath.Join("testdata", "inspector.png")); err != nil {
			t.Fatal(err)
		}
	}
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o644)
}

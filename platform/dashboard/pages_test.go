package dashboard_test

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/inprocess/experiment/platform/dashboard"
)

func TestNewOptions(t *testing.T) {
	api := http.NotFoundHandler()
	tests := []struct {
		name string
		opts dashboard.Options
		want string // "" for no error
	}{
		{name: "handler", opts: dashboard.Options{API: api}},
		{name: "url", opts: dashboard.Options{APIURL: "http://127.0.0.1:3000/api"}},
		{name: "no API", opts: dashboard.Options{}, want: "dashboard: Options needs the API: set API (a handler) or APIURL"},
		{name: "relative URL", opts: dashboard.Options{APIURL: "/api"}, want: `dashboard: APIURL "/api" is not an absolute http or https URL`},
		{name: "other scheme", opts: dashboard.Options{APIURL: "ftp://h/api"}, want: `dashboard: APIURL "ftp://h/api" is not an absolute http or https URL`},
		{name: "base path without slash", opts: dashboard.Options{API: api, BasePath: "dash"}, want: `dashboard: BasePath "dash" must start with / and not end with /`},
		{name: "base path ending in slash", opts: dashboard.Options{API: api, BasePath: "/dash/"}, want: `dashboard: BasePath "/dash/" must start with / and not end with /`},
		{name: "short session key", opts: dashboard.Options{API: api, SessionKey: []byte("short")}, want: "dashboard: SessionKey has 5 bytes; it needs at least 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := dashboard.New(tt.opts)
			got := ""
			if err != nil {
				got = err.Error()
			} else if h == nil {
				t.Fatal("nil handler without an error")
			}
			if got != tt.want {
				t.Errorf("error %q, want %q", got, tt.want)
			}
		})
	}
}

// TestPages renders each page from the fake API's answers and checks what
// a person would look for on it.
func TestPages(t *testing.T) {
	tests := []struct {
		name       string
		routes     map[string]reply
		path       string
		wantStatus int
		want       []string // substrings of the body
		wantNot    []string
	}{
		{
			name: "overview", path: "/", wantStatus: 200,
			want: []string{`<strong id="count-environments">1</strong>`, `<strong id="count-experiments">1</strong>`, `href="/experiments/` + expID + `">Checkout button</a>`},
		},
		{
			name: "environments", path: "/environments", wantStatus: 200,
			want: []string{"<strong>production</strong>", envID, `<form method="post" action="/environments"`},
		},
		{
			name: "experiments filtered", path: "/experiments?environmentId=" + envID + "&status=RUNNING", wantStatus: 200,
			want: []string{`<option value="` + envID + `" selected>production</option>`, `<option value="RUNNING" selected>RUNNING</option>`, `<span class="badge s-running">RUNNING</span>`},
		},
		{
			name: "new experiment", path: "/experiments/new?environmentId=" + envID, wantStatus: 200,
			want: []string{`<option value="` + envID + `" selected>production</option>`, `<option value="` + audID + `">production / pro users</option>`},
		},
		{
			name: "running experiment", path: "/experiments/" + expID, wantStatus: 200,
			want: []string{
				`id="to-paused">Pause</button>`, `id="to-archived">Archive</button>`, `id="publish">Publish config</button>`,
				`<rect class="seg c0" x="0%" y="0" width="50%" height="34"><title>control: buckets 0-4999 (50%)</title></rect>`,
				`<rect class="seg c1" x="50%" y="0" width="50%" height="34"><title>treatment: buckets 5000-9999 (50%)</title></rect>`,
				`<code>country in [&#34;US&#34;,&#34;CA&#34;]</code>`,
				`<code class="payload">{&#34;color&#34;:&#34;blue&#34;}</code>`,
				`The publish history is not available`,
			},
			wantNot: []string{`id="to-running"`, `unallocated`},
		},
		{
			name: "draft experiment", path: "/experiments/" + expID, wantStatus: 200,
			routes:  map[string]reply{"GET /api/experiments/" + expID: {status: 200, body: experimentJSON("DRAFT")}},
			want:    []string{`id="to-running">Start</button>`, `id="to-archived">Archive</button>`},
			wantNot: []string{`id="to-paused"`, `id="publish"`},
		},
		{
			name: "paused experiment", path: "/experiments/" + expID, wantStatus: 200,
			routes:  map[string]reply{"GET /api/experiments/" + expID: {status: 200, body: experimentJSON("PAUSED")}},
			want:    []string{`id="to-running">Resume</button>`, `id="to-archived">Archive</button>`, `id="publish"`},
			wantNot: []string{`id="to-paused"`},
		},
		{
			name: "archived experiment: no transitions, no edits", path: "/experiments/" + expID, wantStatus: 200,
			routes:  map[string]reply{"GET /api/experiments/" + expID: {status: 200, body: experimentJSON("ARCHIVED")}},
			want:    []string{`<span class="badge s-archived">ARCHIVED</span>`},
			wantNot: []string{`id="to-`, `id="publish"`, `id="add-variant"`, `id="allocation-form"`, `id="targeting-form"`},
		},
		{
			name: "a gap and an allocation of a deleted variant", path: "/experiments/" + expID, wantStatus: 200,
			routes: map[string]reply{"GET /api/experiments/" + expID: {status: 200, body: strings.Replace(strings.Replace(experimentJSON("RUNNING"),
				`"variantId":"`+trtID+`","rangeStart":5000`, `"variantId":"gone","rangeStart":5000`, 1), `"rangeEnd":9999`, `"rangeEnd":7499`, 1)}},
			want: []string{`<rect class="seg cx" x="50%" y="0" width="25%" height="34"><title>a deleted variant: buckets 5000-7499 (25%)</title></rect>`,
				`<strong>unallocated</strong> <span class="dim">25% of buckets`, `An allocation names a variant that was deleted`},
		},
		{
			name: "unknown experiment", path: "/experiments/nope", wantStatus: 404,
			routes: map[string]reply{"GET /api/experiments/nope": {status: 404, body: `{"error":"Experiment not found"}`}},
			want:   []string{`<p class="alert" id="page-error" role="alert">Experiment not found</p>`},
		},
		{
			name: "audiences", path: "/audiences", wantStatus: 200,
			want: []string{`<h2>pro users</h2>`, `<code>plan eq &#34;pro&#34;</code>`, `action="/audiences/` + audID + `/delete"`},
		},
		{
			name: "decide form", path: "/decide", wantStatus: 200,
			want:    []string{`<option value="production">production</option>`, `name="user_key"`},
			wantNot: []string{`id="assignments"`},
		},
		{
			name: "API down", path: "/environments", wantStatus: 500,
			routes: map[string]reply{"GET /api/environments": {status: 500, body: `{"statusCode":500,"code":"P2025","error":"Internal Server Error","message":"No record was found for an update."}`}},
			want:   []string{`id="page-error" role="alert">No record was found for an update.</p>`},
		},
		{
			name: "not JSON", path: "/environments", wantStatus: 502,
			routes: map[string]reply{"GET /api/environments": {status: 200, body: `<html>`}},
			want:   []string{`dashboard: the API answered GET /environments with a body that is not the expected JSON`},
		},
		{
			name: "no such page", path: "/nope", wantStatus: 404,
			want: []string{`dashboard: no page at /nope`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t)
			for k, v := range tt.routes {
				api.routes[k] = v
			}
			u := serve(t, api, dashboard.Options{})
			r := u.get(tt.path)
			if r.status != tt.wantStatus {
				t.Errorf("status %d, want %d", r.status, tt.wantStatus)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.body, w) {
					t.Errorf("the page lacks %s\n%s", w, tail(r.body))
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(r.body, w) {
					t.Errorf("the page has %s", w)
				}
			}
		})
	}
}

// TestHeaders: every page has the strict policy and no caching; the
// stylesheet is the only thing the policy lets in, and it is served.
func TestHeaders(t *testing.T) {
	u := serve(t, newFakeAPI(t), dashboard.Options{})
	for _, path := range []string{"/", "/experiments/" + expID, "/nope"} {
		r := u.get(path)
		want := "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
		if got := r.header.Get("Content-Security-Policy"); got != want {
			t.Errorf("%s: CSP %q, want %q", path, got, want)
		}
		if got := r.header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control %q", path, got)
		}
		if regexp.MustCompile(`<script|style="|\son[a-z]+=`).MatchString(r.body) {
			t.Errorf("%s: the page has a script, an inline style or an event handler", path)
		}
	}
	css := u.get("/static/dashboard.css")
	if css.status != 200 || css.header.Get("Content-Type") != "text/css; charset=utf-8" || !strings.Contains(css.body, "svg.bar") {
		t.Errorf("stylesheet: %d %q", css.status, css.header.Get("Content-Type"))
	}
}

// TestEscaping: names and values from the API cannot add markup.
func TestEscaping(t *testing.T) {
	evil := `<script>alert(1)</script><img src=x onerror=alert(2)>"'`
	esc := func(s string) string { return strings.NewReplacer(`"`, `\"`).Replace(s) }
	exp := experimentJSON("RUNNING")
	exp = strings.Replace(exp, `"name":"Checkout button"`, `"name":"`+esc(evil)+`"`, 1)
	exp = strings.Replace(exp, `"key":"control"`, `"key":"`+esc(evil)+`"`, 1)
	exp = strings.Replace(exp, `{"color":"blue"}`, `{"x":"`+esc(evil)+`"}`, 1)
	api := newFakeAPI(t).on("GET /api/experiments/"+expID, 200, exp).
		on("GET /api/environments", 200, pageOf(strings.Replace(envJSON, `"name":"production"`, `"name":"`+esc(evil)+`"`, 1)))
	u := serve(t, api, dashboard.Options{})
	for _, path := range []string{"/experiments/" + expID, "/environments", "/decide"} {
		r := u.get(path)
		if r.status != 200 {
			t.Fatalf("%s: status %d\n%s", path, r.status, tail(r.body))
		}
		// The templates have neither tag: any would come from the API.
		if strings.Contains(r.body, "<script") || strings.Contains(r.body, "<img") {
			t.Errorf("%s: markup from the API reached the page", path)
		}
		if !strings.Contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s: the evil name is not shown escaped", path)
		}
	}
}

// TestGoldenExperimentPage keeps the whole experiment page, with a publish
// history and a comparison, in testdata for review.
func TestGoldenExperimentPage(t *testing.T) {
	u := serve(t, newFakeAPI(t), dashboard.Options{History: fixedHistory})
	r := u.get("/experiments/" + expID + "?from=1&to=2")
	if r.status != 200 {
		t.Fatalf("status %d\n%s", r.status, tail(r.body))
	}
	body := csrfField.ReplaceAllString(r.body, `name="csrf" value="CSRF"`)
	golden := filepath.Join("testdata", "experiment-page.html")
	if *update {
		if err := os.WriteFile(golden, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if diff := cmp.Diff(string(want), body); diff != "" {
		t.Errorf("experiment page (-want +got; go test -update rewrites it):\n%s", diff)
	}
}

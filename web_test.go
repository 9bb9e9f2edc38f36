package experiment

import (
	"context"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// userFromQuery reads ?user= and ?country= as the test's user.
func userFromQuery(r *http.Request) Context {
	c := ContextFor(r.URL.Query().Get("user"))
	if country := r.URL.Query().Get("country"); country != "" {
		c = c.With(map[string]any{"country": country})
	}
	return c
}

func serve(t *testing.T, h http.Handler, target string, cookies ...*http.Cookie) *http.Response {
	t.Helper()
	req := httptest.NewRequest("GET", target, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestMiddlewarePinsAcrossReload reloads the config in the middle of a
// request: the request keeps evaluating, in code and in its template,
// against the config it started with.
func TestMiddlewarePinsAcrossReload(t *testing.T) {
	var version atomic.Int64
	version.Store(1)
	live, err := Watch(t.Context(), SourceFunc(func(context.Context) ([]byte, error) {
		return []byte(versioned(int(version.Load()))), nil
	}), &WatchOptions{Interval: time.Hour, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	page := template.Must(template.New("p").Funcs(TemplateFuncs()).Parse(`a={{variantFor "a" .}} b={{feature "b" .}}`))
	h := Middleware(live, MiddlewareOptions{User: userFromQuery})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs, c := FromRequest(r)
		before := rs.VariantFor("a", c)
		version.Add(1)
		if err := live.Reload(r.Context()); err != nil {
			t.Error(err)
		}
		rs2, c2 := FromRequest(r)
		fmt.Fprintf(w, "pinned=%d live=%d before=%v after=%v ", rs2.Version(), live.Version(), before, rs2.VariantFor("a", c2))
		if err := page.Execute(w, c2); err != nil {
			t.Error(err)
		}
	}))
	got := body(t, serve(t, h, "/?user=u"))
	if want := "pinned=1 live=2 before=true after=true a=true b=default"; got != want {
		t.Errorf("first request: %q; want %q", got, want)
	}
	got = body(t, serve(t, h, "/?user=u"))
	if want := "pinned=2 live=3 before=false after=false a=false b="; got != want {
		t.Errorf("second request: %q; want %q", got, want)
	}
}

func TestFromRequestWithoutMiddleware(t *testing.T) {
	rs, c := FromRequest(httptest.NewRequest("GET", "/", nil))
	if rs != nil || c.UserID() != "" || rs.VariantFor("a", c) {
		t.Error("without the middleware FromRequest must give nil and the zero Context")
	}
	var b strings.Builder
	page := template.Must(template.New("p").Funcs(TemplateFuncs()).Parse(`{{variantFor "a" .}}`))
	if err := page.Execute(&b, c); err != nil || b.String() != "false" {
		t.Errorf("template without a pinned ruleset: %q, %v", b.String(), err)
	}
}

func TestMiddlewareNeedsUser(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Middleware without User did not panic")
		}
	}()
	Middleware(&Ruleset{}, MiddlewareOptions{})
}

// exposureLog collects exposures.
type exposureLog struct {
	mu  sync.Mutex
	got []string
}

func (l *exposureLog) record(e Exposure) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e.Time.IsZero() {
		panic("exposure without a time")
	}
	l.got = append(l.got, fmt.Sprintf("%s/%s %s v%d %s forced=%v", e.Experiment, e.Variant, e.UserID, e.Version, e.Env, e.Forced))
}

func (l *exposureLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	got := l.got
	l.got = nil
	return got
}

const webConfig = `
version: 4
groups: {qa: [tester]}
experiments:
  buttonColor: {red: 0-50%, green: 50-100%}
  inviteFriends: qa
  checkout:
    targeting: [{conditions: [{attribute: country, operator: eq, value: US}]}]
    variants:
      control: {allocation: 0-50%, payload: {color: blue}}
      treatment: {allocation: 50-100%, payload: {color: green}}
  paused: {status: paused, variants: {on: 100%}}
`

func TestExposures(t *testing.T) {
	log := &exposureLog{}
	rs := mustParse(t, webConfig, WithExposures(log.record), WithEnv("prod"))
	red, green := userIn(t, "buttonColor", 10), userIn(t, "buttonColor", 9000)
	evaluateAll := func(rs *Ruleset, c Context) {
		for range 3 {
			rs.VariantFor("buttonColor", c)
		}
		rs.Feature("buttonColor", c)
		rs.VariantFor("buttonColor/green", c) // another variant, still an exposure of the user's
		rs.Payload("checkout", c)
		rs.Select("inviteFriends", c, map[string]func(){"fallback": func() {}})
		rs.Protect("paused", c, map[string]func(){"fallback": func() {}})
		rs.Assignments(c)
		rs.Explain("buttonColor", c) // never an exposure
	}

	t.Run("without middleware every evaluation reports", func(t *testing.T) {
		evaluateAll(rs, ContextFor(red).With(map[string]any{"country": "US"}))
		got := log.take()
		// 5 of buttonColor, 1 of checkout (Payload), 2 from Assignments;
		// inviteFriends and paused are off for this user: no exposure.
		if len(got) != 8 {
			t.Errorf("%d exposures; want 8:\n%s", len(got), strings.Join(got, "\n"))
		}
	})

	t.Run("middleware reports each experiment once per request", func(t *testing.T) {
		h := Middleware(rs, MiddlewareOptions{User: userFromQuery})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rs, c := FromRequest(r)
			var wg sync.WaitGroup
			for range 4 { // concurrent evaluations within one request
				wg.Add(1)
				go func() { defer wg.Done(); evaluateAll(rs, c) }()
			}
			wg.Wait()
		}))
		for _, tc := range []struct {
			target string
			want   []string
		}{
			{"/?user=" + red + "&country=US", []string{"buttonColor/red " + red + " v4 prod forced=false", "checkout/control " + red + " v4 prod forced=false"}},
			{"/?user=" + red + "&country=US", []string{"buttonColor/red " + red + " v4 prod forced=false", "checkout/control " + red + " v4 prod forced=false"}},
			{"/?user=" + green, []string{"buttonColor/green " + green + " v4 prod forced=false"}},
			{"/?user=tester", []string{"buttonColor/red tester v4 prod forced=false", "inviteFriends/default tester v4 prod forced=false"}},
		} {
			serve(t, h, tc.target)
			got := log.take()
			if diff := cmp.Diff(tc.want, sortedCopy(got)); diff != "" {
				t.Errorf("%s: exposures (-want +got):\n%s", tc.target, diff)
			}
		}
	})

	t.Run("no hook, no exposures", func(t *testing.T) {
		plain := mustParse(t, webConfig)
		evaluateAll(plain, ContextFor(red))
		if got := log.take(); len(got) != 0 {
			t.Errorf("exposures from a ruleset without the hook: %v", got)
		}
	})
}

// TestExposureContext checks that an exposure carries the request's
// context.Context under Middleware, and a non-nil one elsewhere.
func TestExposureContext(t *testing.T) {
	type key struct{}
	var mu sync.Mutex
	var got []context.Context
	rs := mustParse(t, webConfig, WithExposures(func(e Exposure) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, e.Context)
	}))
	red := userIn(t, "buttonColor", 10)

	rs.VariantFor("buttonColor", ContextFor(red))
	if len(got) != 1 || got[0] != context.Background() {
		t.Fatalf("outside Middleware: contexts %v; want [context.Background()]", got)
	}

	got = nil
	h := Middleware(rs, MiddlewareOptions{User: userFromQuery})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs, c := FromRequest(r)
		rs.VariantFor("buttonColor", c)
	}))
	tag := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), key{}, "request-1")))
		})
	}
	serve(t, tag(h), "/?user="+red)
	if len(got) != 1 {
		t.Fatalf("%d exposures; want 1", len(got))
	}
	if v, _ := got[0].Value(key{}).(string); v != "request-1" {
		t.Errorf("the exposure's context holds %q; want the request's value %q", v, "request-1")
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestLiveOverride(t *testing.T) {
	live, err := Watch(t.Context(), SourceFunc(func(context.Context) ([]byte, error) { return []byte(versioned(1)), nil }), &WatchOptions{Interval: time.Hour, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	a, b := mustParse(t, versioned(7)), mustParse(t, versioned(8))
	restoreA := live.Override(a)
	restoreB := live.Override(b)
	if live.Version() != 8 {
		t.Errorf("version %d; want 8", live.Version())
	}
	restoreB()
	if live.Version() != 7 {
		t.Errorf("version %d; want 7", live.Version())
	}
	restoreA()
	if live.Version() != 1 {
		t.Errorf("version %d; want 1", live.Version())
	}
}

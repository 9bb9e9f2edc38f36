package dashboard_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/inprocess/experiment/platform/dashboard"
)

const token = "s3cret-token-for-tests"

// clock is a settable Now.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestLogin(t *testing.T) {
	api := newFakeAPI(t)
	clk := &clock{t: t0}
	u := serve(t, api, dashboard.Options{Token: token, Now: clk.now})

	// Not logged in: pages send to the login form, with the way back.
	r := u.get("/experiments?status=RUNNING")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login?next=%2Fexperiments%3Fstatus%3DRUNNING" {
		t.Fatalf("not logged in: %d to %q", r.status, r.header.Get("Location"))
	}
	if n := len(api.all()); n != 0 {
		t.Errorf("the API was called %d times before login", n)
	}
	login := u.get("/login?next=%2Fexperiments%3Fstatus%3DRUNNING")
	if login.status != 200 || !strings.Contains(login.body, `<input type="password" name="token"`) {
		t.Fatalf("login page: %d\n%s", login.status, tail(login.body))
	}

	// A wrong token.
	bad := u.post("/login", url.Values{"token": {"nope"}, "next": {"/experiments?status=RUNNING"}})
	if bad.status != http.StatusUnauthorized || !strings.Contains(bad.body, "dashboard: that is not the platform&#39;s token") {
		t.Errorf("wrong token: %d\n%s", bad.status, tail(bad.body))
	}

	// The right one: a session cookie that is not the token.
	ok := u.post("/login", url.Values{"token": {token}, "next": {"/experiments?status=RUNNING"}})
	if ok.status != http.StatusSeeOther || ok.header.Get("Location") != "/experiments?status=RUNNING" {
		t.Fatalf("login: %d to %q", ok.status, ok.header.Get("Location"))
	}
	var session *http.Cookie
	for _, c := range (&http.Response{Header: ok.header}).Cookies() {
		if c.Name == "experiment_dashboard_session" {
			session = c
		}
	}
	if session == nil {
		t.Fatal("no session cookie after login")
	}
	if !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Path != "/" || strings.Contains(session.Value, token) {
		t.Errorf("session cookie %+v", session)
	}
	page := u.follow(ok)
	if page.status != 200 || !strings.Contains(page.body, `>Log out</button>`) {
		t.Fatalf("after login: %d\n%s", page.status, tail(page.body))
	}
	for _, g := range api.all() {
		if g.Auth != "Bearer "+token {
			t.Errorf("%s %s sent Authorization %q", g.Method, g.Path, g.Auth)
		}
	}

	// A tampered cookie is no session.
	other := newUser(t, u.srv)
	forged := *session
	forged.Value = session.Value[:len(session.Value)-2] + "AA"
	srvURL, _ := url.Parse(u.srv.URL)
	other.http.Jar.SetCookies(srvURL, []*http.Cookie{&forged})
	if r := other.get("/"); r.status != http.StatusSeeOther {
		t.Errorf("a forged cookie got %d", r.status)
	}

	// The session ends after SessionTTL.
	clk.t = t0.Add(dashboard.SessionTTL)
	if r := u.get("/"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login") {
		t.Errorf("expired session: %d to %q", r.status, r.header.Get("Location"))
	}

	// Log out ends it too.
	clk.t = t0
	u.get("/login")
	if r := u.post("/login", url.Values{"token": {token}}); r.status != http.StatusSeeOther {
		t.Fatalf("login again: %d", r.status)
	}
	u.get("/environments")
	if r := u.post("/logout", nil); r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
		t.Errorf("logout: %d to %q", r.status, r.header.Get("Location"))
	}
	if r := u.get("/"); r.status != http.StatusSeeOther {
		t.Errorf("after logout: %d", r.status)
	}
}

func TestSafeNext(t *testing.T) {
	tests := []struct{ next, want string }{
		{"/experiments", "/experiments"},
		{"/dash/experiments?x=1", "/dash/experiments?x=1"},
		{"//evil.example/x", "/"},
		{"https://evil.example/", "/"},
		{"/\\evil.example", "/"},
		{"", "/"},
		{"experiments", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.next, func(t *testing.T) {
			u := serve(t, newFakeAPI(t), dashboard.Options{Token: token})
			u.get("/login")
			r := u.post("/login", url.Values{"token": {token}, "next": {tt.next}})
			if got := r.header.Get("Location"); got != tt.want {
				t.Errorf("next %q redirected to %q, want %q", tt.next, got, tt.want)
			}
		})
	}
}

// TestCSRF: a POST without the session's token changes nothing.
func TestCSRF(t *testing.T) {
	api := newFakeAPI(t).on("POST /api/environments", 201, envJSON)
	u := serve(t, api, dashboard.Options{})
	u.get("/environments")
	own := u.csrf
	other := newUser(t, u.srv)
	other.get("/environments")
	tests := []struct {
		name string
		csrf string
	}{
		{"missing", ""},
		{"wrong", "AAAA"},
		{"another session's", other.csrf},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := u.post("/environments", url.Values{"name": {"x"}, "csrf": {tt.csrf}})
			if r.status != http.StatusForbidden || !strings.Contains(r.body, "CSRF token is missing or out of date") {
				t.Errorf("status %d\n%s", r.status, tail(r.body))
			}
		})
	}
	if n := len(api.mutations()); n != 0 {
		t.Fatalf("%d API calls from forged forms", n)
	}
	if r := u.post("/environments", url.Values{"name": {"x"}, "csrf": {own}}); r.status != http.StatusSeeOther {
		t.Errorf("with the right token: %d", r.status)
	}
}

// TestLoopbackOnly: without a token only loopback clients are answered.
func TestLoopbackOnly(t *testing.T) {
	h, err := dashboard.New(dashboard.Options{API: newFakeAPI(t)})
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]int{"127.0.0.1:5000": 200, "[::1]:5000": 200, "10.1.2.3:5000": 403, "192.0.2.7:1": 403} {
		req := httptest.NewRequest(http.MethodGet, "/environments", nil)
		req.RemoteAddr = addr
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != want {
			t.Errorf("%s: %d, want %d", addr, w.Code, want)
		}
	}
	// With a token, any address may log in.
	h, _ = dashboard.New(dashboard.Options{API: newFakeAPI(t), Token: token})
	req := httptest.NewRequest(http.MethodGet, "/login", nil)
	req.RemoteAddr = "10.1.2.3:5000"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != 200 {
		t.Errorf("login page from afar with a token: %d", w.Code)
	}
}

// TestBasePath: mounted under a prefix, links, redirects and cookies use it.
func TestBasePath(t *testing.T) {
	api := newFakeAPI(t).on("POST /api/environments", 201, envJSON)
	h, err := dashboard.New(dashboard.Options{API: api, BasePath: "/dash"})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/dash/", http.StripPrefix("/dash", h))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	u := newUser(t, srv)
	r := u.get("/dash/environments")
	for _, want := range []string{`href="/dash/static/dashboard.css"`, `action="/dash/environments"`, `href="/dash/experiments?environmentId=` + envID + `"`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if c := r.header.Get("Set-Cookie"); !strings.Contains(c, "Path=/dash/") {
		t.Errorf("cookie %q", c)
	}
	if p := u.post("/dash/environments", url.Values{"name": {"x"}}); p.header.Get("Location") != "/dash/environments" {
		t.Errorf("redirect %d to %q", p.status, p.header.Get("Location"))
	}
	if css := u.get("/dash/static/dashboard.css"); css.status != 200 {
		t.Errorf("stylesheet: %d", css.status)
	}
}

// TestAPIURL: the API over HTTP gets the token, and the in-process API
// sees the dashboard user's address.
func TestAPIURL(t *testing.T) {
	api := newFakeAPI(t)
	apiSrv := httptest.NewServer(http.StripPrefix("/base", api))
	defer apiSrv.Close()
	u := serve(t, nil, dashboard.Options{APIURL: apiSrv.URL + "/base/api/", Token: token})
	u.get("/login")
	u.follow(u.post("/login", url.Values{"token": {token}, "next": {"/environments"}}))
	got := api.all()
	if len(got) != 1 || got[0].Path != "/api/environments" || got[0].Query != "page=1&pageSize=20" || got[0].Auth != "Bearer "+token {
		t.Errorf("API requests %+v", got)
	}

	inproc := newFakeAPI(t)
	u = serve(t, inproc, dashboard.Options{})
	u.get("/environments")
	for _, g := range inproc.all() {
		if !strings.HasPrefix(g.Remote, "127.0.0.1:") || g.Remote == "127.0.0.1:0" || g.Auth != "" {
			t.Errorf("in-process request %+v: want the user's loopback address and no token", g)
		}
	}

	down := serve(t, nil, dashboard.Options{APIURL: "http://127.0.0.1:9/api"})
	r := down.get("/environments")
	if r.status != http.StatusBadGateway || !strings.Contains(r.body, "dashboard: the API is unreachable: dial tcp 127.0.0.1:9") {
		t.Errorf("API down: %d\n%s", r.status, tail(r.body))
	}
}

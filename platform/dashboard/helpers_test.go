package dashboard_test

import (
	"flag"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/inprocess/experiment/platform/dashboard"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// user is a person with a browser: a cookie jar, redirects not followed,
// so each test sees every 303.
type user struct {
	t    *testing.T
	srv  *httptest.Server
	http *http.Client
	csrf string // the token of the last page seen
}

type response struct {
	status int
	header http.Header
	body   string
}

// serve starts the dashboard with opts (the fake API unless opts sets
// one) on a loopback server and returns a user of it.
func serve(t *testing.T, api *fakeAPI, opts dashboard.Options) *user {
	t.Helper()
	if opts.API == nil && opts.APIURL == "" {
		opts.API = api
	}
	h, err := dashboard.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return newUser(t, srv)
}

func newUser(t *testing.T, srv *httptest.Server) *user {
	jar, _ := cookiejar.New(nil)
	return &user{t: t, srv: srv, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (u *user) do(req *http.Request) response {
	u.t.Helper()
	resp, err := u.http.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		u.t.Fatal(err)
	}
	if m := csrfField.FindStringSubmatch(string(body)); m != nil {
		u.csrf = m[1]
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func (u *user) get(path string) response {
	u.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u.srv.URL+path, nil)
	return u.do(req)
}

// post submits a form with the CSRF token of the last page seen, unless
// the form sets csrf itself.
func (u *user) post(path string, form url.Values) response {
	u.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if !form.Has("csrf") {
		form.Set("csrf", u.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, u.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return u.do(req)
}

// follow GETs the Location of a redirect.
func (u *user) follow(r response) response {
	u.t.Helper()
	if r.status != http.StatusSeeOther {
		u.t.Fatalf("status %d, want 303; body:\n%s", r.status, tail(r.body))
	}
	loc := r.header.Get("Location")
	return u.get(strings.TrimPrefix(loc, u.srv.URL))
}

func tail(s string) string {
	if len(s) > 3000 {
		return "..." + s[len(s)-3000:]
	}
	return s
}

// element returns the outer HTML of the element with the id, or "".
func element(body, id string) string {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	start := strings.LastIndexByte(body[:i], '<')
	tag := body[start+1:]
	tag = tag[:strings.IndexAny(tag, " >")]
	// Find the matching close tag, counting nested elements of the same name.
	depth, pos := 0, start
	for {
		o := strings.Index(body[pos+1:], "<"+tag)
		c := strings.Index(body[pos+1:], "</"+tag+">")
		if c < 0 {
			return body[start:]
		}
		if o >= 0 && o < c {
			depth++
			pos += 1 + o
			continue
		}
		pos += 1 + c
		if depth == 0 {
			return body[start : pos+len(tag)+3]
		}
		depth--
	}
}

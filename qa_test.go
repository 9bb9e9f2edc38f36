package experiment

import (
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var qaKey = []byte("0123456789abcdef0123456789abcdef")

// qaServer is Middleware with a QA over webConfig, answering with the
// buttonColor, paused and checkout features and buttonColor's reason.
func qaServer(t *testing.T, qa *QA, log *exposureLog) http.Handler {
	t.Helper()
	var opts []Option
	if log != nil {
		opts = append(opts, WithExposures(log.record))
	}
	rs := mustParse(t, webConfig, opts...)
	return Middleware(rs, MiddlewareOptions{User: userFromQuery, QA: qa})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs, c := FromRequest(r)
		ex := rs.Explain("buttonColor", c)
		fmt.Fprintf(w, "%s %s %s %s", rs.Feature("buttonColor", c), rs.Feature("paused", c), rs.Feature("checkout", c), ex.Reason)
	}))
}

func TestQA(t *testing.T) {
	log := &exposureLog{}
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	qa, err := NewQA(qaKey)
	if err != nil {
		t.Fatal(err)
	}
	qa.Now = func() time.Time { return now }
	h := qaServer(t, qa, log)
	red := userIn(t, "buttonColor", 10) // red unless forced
	good := qa.Token(map[string]string{"buttonColor": "green", "paused": "on", "checkout": "nope"}, now.Add(time.Hour))
	expired := qa.Token(map[string]string{"buttonColor": "green"}, now.Add(-time.Second))
	forged := (&QA{Key: []byte("another key, just as long as it is")}).Token(map[string]string{"buttonColor": "green"}, now.Add(time.Hour))
	payload, sig, _ := strings.Cut(good, ".")
	tampered := payload[:len(payload)-2] + "xx." + sig
	otherPayload, _, _ := strings.Cut(qa.Token(map[string]string{"buttonColor": "red"}, now.Add(time.Hour)), ".")
	swapped := otherPayload + "." + sig

	tests := []struct {
		name     string
		query    string
		cookie   string
		want     string // the body, after the redirect if there is one
		redirect bool   // a valid token in the query: set as the cookie, then a redirect
	}{
		{name: "no token", want: "red   split"},
		{name: "valid token in the query", query: good, want: "green on  forced", redirect: true},
		{name: "valid token in the cookie", cookie: good, want: "green on  forced"},
		{name: "expired token", query: expired, want: "red   split"},
		{name: "token signed with another key", query: forged, want: "red   split"},
		{name: "tampered payload", query: tampered, want: "red   split"},
		{name: "signature of another token", cookie: swapped, want: "red   split"},
		{name: "garbage", cookie: "not-a-token", want: "red   split"},
		{name: "empty signature", cookie: payload + ".", want: "red   split"},
		{name: "forged cookie beside a valid one in the query", query: good, cookie: forged, want: "green on  forced", redirect: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := "/?user=" + red
			if tt.query != "" {
				target += "&experiment_qa=" + tt.query
			}
			var cookies []*http.Cookie
			if tt.cookie != "" {
				cookies = append(cookies, &http.Cookie{Name: "experiment_qa", Value: tt.cookie})
			}
			resp := serve(t, h, target, cookies...)
			set := resp.Cookies()
			if !tt.redirect {
				if got := body(t, resp); got != tt.want {
					t.Errorf("body %q; want %q", got, tt.want)
				}
				if resp.StatusCode != http.StatusOK || len(set) != 0 {
					t.Errorf("status %d, Set-Cookie %v; want 200 and no cookie", resp.StatusCode, set)
				}
				return
			}
			if resp.StatusCode != http.StatusSeeOther || len(set) != 1 {
				t.Fatalf("status %d, Set-Cookie %v; want 303 and one cookie", resp.StatusCode, set)
			}
			c := set[0]
			if c.Name != "experiment_qa" || c.Value != tt.query || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || !c.Expires.Equal(now.Add(time.Hour).Truncate(time.Second)) {
				t.Errorf("cookie %+v", c)
			}
			if loc := resp.Header.Get("Location"); loc != "./?user="+red {
				t.Errorf("Location %q; want %q", loc, "./?user="+red)
			}
			if got := body(t, serve(t, h, "/?user="+red, c)); got != tt.want {
				t.Errorf("after the redirect: body %q; want %q", got, tt.want)
			}
		})
	}
	// Exposures of forced variants say so.
	log.take()
	serve(t, h, "/?user="+red, &http.Cookie{Name: "experiment_qa", Value: good})
	if diff := cmp.Diff([]string{"buttonColor/green " + red + " v4  forced=true", "paused/on " + red + " v4  forced=true"}, sortedCopy(log.take())); diff != "" {
		t.Errorf("exposures (-want +got):\n%s", diff)
	}
	if (&QA{}).Overrides(good) != nil {
		t.Error("a QA without a key accepted a token")
	}
}

// TestFinding14QACookieSecureBehindProxy checks the cookie's attributes:
// Secure over TLS, or when a trusted proxy says the client used https.
// Before the fix only r.TLS counted, so behind a TLS-terminating proxy the
// cookie was never Secure.
func TestFinding14QACookieSecureBehindProxy(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	qa, err := NewQA(qaKey)
	if err != nil {
		t.Fatal(err)
	}
	qa.Now = func() time.Time { return now }
	qa.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	h := qaServer(t, qa, nil)
	tok := qa.Token(map[string]string{"buttonColor": "green"}, now.Add(time.Hour))

	tests := []struct {
		name    string
		remote  string
		tls     bool
		headers []string // name, value pairs
		secure  bool
	}{
		{name: "plain http", remote: "192.0.2.1:1234", secure: false},
		{name: "TLS", remote: "192.0.2.1:1234", tls: true, secure: true},
		{name: "trusted proxy, X-Forwarded-Proto https", remote: "10.0.0.5:1234", headers: []string{"X-Forwarded-Proto", "https"}, secure: true},
		{name: "trusted proxy, X-Forwarded-Proto HTTPS", remote: "10.0.0.5:1234", headers: []string{"X-Forwarded-Proto", "HTTPS"}, secure: true},
		{name: "trusted proxy, X-Forwarded-Proto http", remote: "10.0.0.5:1234", headers: []string{"X-Forwarded-Proto", "http"}, secure: false},
		{name: "trusted proxy, no header", remote: "10.0.0.5:1234", secure: false},
		{name: "trusted proxy, a chain naming https", remote: "10.0.0.5:1234", headers: []string{"X-Forwarded-Proto", "http, https"}, secure: true},
		{name: "trusted proxy, Forwarded proto=https", remote: "10.0.0.5:1234", headers: []string{"Forwarded", `for=192.0.2.1;Proto="https"`}, secure: true},
		{name: "trusted IPv6 proxy", remote: "[fd00::1]:1234", headers: []string{"X-Forwarded-Proto", "https"}, secure: true},
		{name: "trusted IPv4-mapped proxy", remote: "[::ffff:10.0.0.5]:1234", headers: []string{"X-Forwarded-Proto", "https"}, secure: true},
		{name: "untrusted peer claiming https", remote: "192.0.2.1:1234", headers: []string{"X-Forwarded-Proto", "https"}, secure: false},
		{name: "unreadable remote address", remote: "nonsense", headers: []string{"X-Forwarded-Proto", "https"}, secure: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/?user=u&experiment_qa="+tok, nil)
			req.RemoteAddr = tt.remote
			if tt.tls {
				req.TLS = &tls.ConnectionState{}
			}
			for i := 0; i+1 < len(tt.headers); i += 2 {
				req.Header.Add(tt.headers[i], tt.headers[i+1])
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			set := rec.Result().Cookies()
			if len(set) != 1 {
				t.Fatalf("Set-Cookie %v; want one", set)
			}
			c := set[0]
			type attrs struct {
				Secure, HttpOnly bool
				SameSite         http.SameSite
			}
			if diff := cmp.Diff(attrs{tt.secure, true, http.SameSiteLaxMode}, attrs{c.Secure, c.HttpOnly, c.SameSite}); diff != "" {
				t.Errorf("cookie attributes (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("without TrustedProxies the header is ignored", func(t *testing.T) {
		plain, _ := NewQA(qaKey)
		plain.Now = qa.Now
		req := httptest.NewRequest("GET", "/?user=u&experiment_qa="+tok, nil)
		req.RemoteAddr = "10.0.0.5:1234"
		req.Header.Set("X-Forwarded-Proto", "https")
		rec := httptest.NewRecorder()
		qaServer(t, plain, nil).ServeHTTP(rec, req)
		if set := rec.Result().Cookies(); len(set) != 1 || set[0].Secure {
			t.Errorf("Set-Cookie %v; want one, not Secure", set)
		}
	})
}

// TestFinding14QATokenStrippedFromURL checks that a valid token in the
// query is answered with a redirect to the same URL without it, marked
// no-referrer and no-store, for GET and HEAD; other methods go on to the
// handler, forced. Before the fix the token stayed in the URL: in history,
// access logs and the Referer of every link followed.
func TestFinding14QATokenStrippedFromURL(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	qa, err := NewQA(qaKey)
	if err != nil {
		t.Fatal(err)
	}
	qa.Now = func() time.Time { return now }
	h := qaServer(t, qa, nil)
	tok := qa.Token(map[string]string{"buttonColor": "green"}, now.Add(time.Hour))
	red := userIn(t, "buttonColor", 10)

	tests := []struct {
		name         string
		method       string
		target       string
		wantCode     int
		wantLocation string
		wantBody     string
	}{
		{name: "token alone", method: "GET", target: "/?experiment_qa=" + tok, wantCode: 303, wantLocation: "./"},
		{name: "other parameters kept in order, as sent", method: "GET", target: "/shop/cart?a=1&experiment_qa=" + tok + "&b=%20x&c", wantCode: 303, wantLocation: "./cart?a=1&b=%20x&c"},
		{name: "every copy removed", method: "GET", target: "/p?experiment_qa=" + tok + "&x=1&experiment_qa=junk", wantCode: 303, wantLocation: "./p?x=1"},
		{name: "escaped parameter name", method: "GET", target: "/p?experiment%5Fqa=" + tok + "&x=1", wantCode: 303, wantLocation: "./p?x=1"},
		{name: "trailing slash", method: "GET", target: "/docs/?experiment_qa=" + tok, wantCode: 303, wantLocation: "./"},
		{name: "never another host", method: "GET", target: "//evil.example/x?experiment_qa=" + tok, wantCode: 303, wantLocation: "./x"},
		{name: "escaped path kept", method: "GET", target: "/a/b%2Fc?experiment_qa=" + tok, wantCode: 303, wantLocation: "./b%2Fc"},
		{name: "a colon in the last segment stays a path", method: "GET", target: "/a/javascript:x?experiment_qa=" + tok, wantCode: 303, wantLocation: "./javascript:x"},
		{name: "HEAD", method: "HEAD", target: "/?experiment_qa=" + tok, wantCode: 303, wantLocation: "./"},
		{name: "POST goes on, forced", method: "POST", target: "/?user=" + red + "&experiment_qa=" + tok, wantCode: 200, wantBody: "green   forced"},
		{name: "an invalid token is left alone", method: "GET", target: "/?user=" + red + "&experiment_qa=junk", wantCode: 200, wantBody: "red   split"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.target, nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			resp := rec.Result()
			type answer struct {
				Code                                   int
				Location, ReferrerPolicy, CacheControl string
				Body                                   string
				Cookie                                 bool
			}
			want := answer{Code: tt.wantCode, Location: tt.wantLocation, Body: tt.wantBody, Cookie: tt.name != "an invalid token is left alone"}
			if want.Cookie {
				want.ReferrerPolicy = "no-referrer"
			}
			if tt.wantCode == 303 {
				want.CacheControl = "no-store"
			}
			got := answer{Code: resp.StatusCode, Location: resp.Header.Get("Location"), ReferrerPolicy: resp.Header.Get("Referrer-Policy"),
				CacheControl: resp.Header.Get("Cache-Control"), Body: body(t, resp), Cookie: len(resp.Cookies()) == 1}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}

	// Over a real connection, a client following the redirect ends on the
	// URL without the token, forced by the cookie.
	srv := httptest.NewServer(h)
	defer srv.Close()
	jar := &cookieJar{}
	client := &http.Client{Jar: jar}
	resp, err := client.Get(srv.URL + "/shop/cart?user=" + red + "&experiment_qa=" + tok)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := resp.Request.URL.String(), srv.URL+"/shop/cart?user="+red; got != want {
		t.Errorf("ended on %s; want %s", got, want)
	}
	if got := body(t, resp); got != "green   forced" {
		t.Errorf("body %q; want forced green", got)
	}
}

// cookieJar is the smallest http.CookieJar: every cookie for every URL.
type cookieJar struct{ cookies []*http.Cookie }

func (j *cookieJar) SetCookies(_ *url.URL, cs []*http.Cookie) { j.cookies = append(j.cookies, cs...) }
func (j *cookieJar) Cookies(*url.URL) []*http.Cookie          { return j.cookies }

// TestFinding14QAShortKeyRefused checks that a key shorter than 32 bytes
// is refused: NewQA returns an error, Middleware panics at construction
// with that error, and such a QA neither signs nor accepts tokens. Before
// the fix a 1-byte key was accepted.
func TestFinding14QAShortKeyRefused(t *testing.T) {
	short := qaKey[:31]
	if _, err := NewQA(short); err == nil || err.Error() != "experiment: QA key is 31 bytes; it must be at least 32 random bytes" {
		t.Errorf("NewQA(31 bytes) = %v; want the too-short error", err)
	}
	if _, err := NewQA(nil); err == nil {
		t.Error("NewQA(nil) succeeded")
	}
	qa, err := NewQA(qaKey)
	if err != nil {
		t.Fatalf("NewQA(32 bytes): %v", err)
	}
	key := append([]byte(nil), qaKey...)
	qa2, _ := NewQA(key)
	key[0] ^= 0xff
	if qa2.Overrides(qa.Token(map[string]string{"a": "b"}, time.Now().Add(time.Hour))) == nil {
		t.Error("NewQA did not copy its key: changing the caller's slice changed the QA")
	}

	literal := &QA{Key: short}
	if tok := literal.Token(map[string]string{"buttonColor": "green"}, time.Now().Add(time.Hour)); tok != "" {
		t.Errorf("Token with a 31-byte key = %q; want \"\"", tok)
	}
	// A token as a short key would sign it, were Token to sign it.
	payload := base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "exp=%d&f%%3AbuttonColor=green", time.Now().Add(time.Hour).Unix()))
	weak := payload + "." + base64.RawURLEncoding.EncodeToString(literal.sign(payload))
	if (&QA{Key: qaKey}).Overrides(weak) != nil {
		t.Fatal("the hand-made token is accepted by another key")
	}
	if literal.Overrides(weak) != nil || literal.Overrides("") != nil {
		t.Error("a QA with a 31-byte key accepted a token")
	}
	func() {
		defer func() {
			if got := fmt.Sprint(recover()); got != "experiment: QA key is 31 bytes; it must be at least 32 random bytes" {
				t.Errorf("Middleware with a short key: panic %q; want the too-short error", got)
			}
		}()
		Middleware(mustParse(t, webConfig), MiddlewareOptions{User: userFromQuery, QA: literal})
	}()
}

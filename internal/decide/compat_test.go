package decide

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inprocess/experiment"
)

// served is a Server answering on a loopback listener through Serve.
type served struct {
	s    *Server
	addr string
}

// serveLoopback starts a Server for cfg, serves it on 127.0.0.1 until the
// test ends, and waits for the environments in wait.
func serveLoopback(t *testing.T, cfg Config, wait ...string) *served {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.Start(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(hangGuard):
			t.Errorf("Serve did not return within %v of its context's end", hangGuard)
		}
	})
	for _, env := range wait {
		waitConfig(t, s, env)
	}
	return &served{s: s, addr: ln.Addr().String()}
}

// wireResponse is a response as read off the connection.
type wireResponse struct {
	Code   int
	Header http.Header
	Body   string
	Close  bool // the server closes the connection after it
}

// roundTripRaw writes the raw request to a new connection to addr and
// reads one response, which must have a Content-Length (and so no
// chunked framing), but for a 304.
func roundTripRaw(t *testing.T, addr, raw string) wireResponse {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(hangGuard))
	go func() { _, _ = io.WriteString(c, raw) }()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the response to %q: %v", raw, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.TransferEncoding) > 0 || (resp.Header.Get("Content-Length") == "" && resp.StatusCode != http.StatusNotModified) {
		t.Errorf("%q: a response without a Content-Length (Transfer-Encoding %v)", raw, resp.TransferEncoding)
	}
	return wireResponse{Code: resp.StatusCode, Header: resp.Header, Body: string(body), Close: resp.Close}
}

func get(target string) string {
	return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
}

// TestPlatformCompatibility checks every row of the comparison with the
// platform's decision service (issue 19), over loopback through Serve:
// where the platform is right, the bytes it answers; where experimentd is
// deliberately different ("keep" rows, listed in the README), its own
// answer.
func TestPlatformCompatibility(t *testing.T) {
	srv := serveLoopback(t, Config{Environments: []Environment{{Name: "prod", Source: "testdata/compat.json"}}}, "prod")
	rs, err := experiment.Load("testdata/compat.json")
	if err != nil {
		t.Fatal(err)
	}
	// decideBody is the platform's body for a user: the library's
	// assignments, written as JSON.stringify writes them.
	decideBody := func(userKey string, attrs map[string]any) string {
		as := rs.Assignments(experiment.ContextFor(userKey).With(attrs))
		b := fmt.Appendf(nil, `{"user_key":%s,"environment":"prod","config_version":7,"assignments":[`, appendJSString(nil, userKey))
		for i, a := range as {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendAssignment(b, a)
		}
		return string(b) + "]}"
	}
	errBody := func(msg string) string { return `{"error":` + string(appendJSString(nil, msg)) + `}` }
	// A user assigned variant a of split, whose payload has U+2028.
	userA := ""
	for i := 0; userA == ""; i++ {
		if u := fmt.Sprint("u", i); rs.Feature("split", experiment.ContextFor(u)) == "a" {
			userA = u
		}
	}
	tests := []struct {
		name     string
		raw      string // the request
		wantCode int
		wantBody string
	}{
		// Missing or empty user_key / env: zod's messages, in the platform's order.
		{name: "missing user_key", raw: get("/decide?env=prod"), wantCode: 400, wantBody: errBody(msgUndefined)},
		{name: "empty user_key", raw: get("/decide?user_key=&env=prod"), wantCode: 400, wantBody: errBody(msgEmpty)},
		{name: "user_key without =", raw: get("/decide?user_key&env=prod"), wantCode: 400, wantBody: errBody(msgEmpty)},
		{name: "missing env", raw: get("/decide?user_key=u"), wantCode: 400, wantBody: errBody(msgUndefined)},
		{name: "empty env", raw: get("/decide?user_key=u&env="), wantCode: 400, wantBody: errBody(msgEmpty)},
		{name: "user_key is checked before env", raw: get("/decide?env=&user_key="), wantCode: 400, wantBody: errBody(msgEmpty)},
		// A parameter given twice.
		{name: "user_key twice", raw: get("/decide?user_key=a&user_key=b&env=prod"), wantCode: 400, wantBody: errBody(msgArray)},
		{name: "env twice", raw: get("/decide?user_key=a&env=prod&env=prod"), wantCode: 400, wantBody: errBody(msgArray)},
		{name: "context twice", raw: get("/decide?user_key=a&env=prod&context=%7B%7D&context=%7B%7D"), wantCode: 400, wantBody: errBody(msgArray)},
		{name: "a key spelled with an escape is the same key", raw: get("/decide?user%5Fkey=a&user_key=b&env=prod"), wantCode: 400, wantBody: errBody(msgArray)},
		{name: "other parameters twice are ignored", raw: get("/decide?user_key=a&env=prod&x=1&x=2"), wantCode: 200, wantBody: decideBody("a", nil)},
		// Query values decoded as the platform's parser decodes them.
		{name: "a bad escape is kept", raw: get("/decide?user_key=%zz&env=prod"), wantCode: 200, wantBody: decideBody("%zz", nil)},
		{name: "an escape that is not UTF-8 is kept", raw: get("/decide?user_key=%FF&env=prod"), wantCode: 200, wantBody: decideBody("%FF", nil)},
		{name: "good escapes decode beside bad ones", raw: get("/decide?user_key=a%20b%zz%C3%A9%E2&env=prod"), wantCode: 200, wantBody: decideBody("a b%zzé%E2", nil)},
		{name: "an encoded surrogate is kept", raw: get("/decide?user_key=%ED%A0%80&env=prod"), wantCode: 200, wantBody: decideBody("%ED%A0%80", nil)},
		{name: "plus is a space, %2B a plus", raw: get("/decide?user_key=a+b%2Bc&env=prod"), wantCode: 200, wantBody: decideBody("a b+c", nil)},
		{name: "a raw byte is Latin-1", raw: get("/decide?user_key=caf\xe9&env=prod"), wantCode: 200, wantBody: decideBody("café", nil)},
		// Contexts.
		{name: "an empty context is none", raw: get("/decide?user_key=u&env=prod&context="), wantCode: 200, wantBody: decideBody("u", nil)},
		{name: "an array context: its length and elements", raw: get("/decide?user_key=u&env=prod&context=%5B1%5D"), wantCode: 200,
			wantBody: decideBody("u", map[string]any{"0": 1.0, "length": 1.0})},
		{name: "an empty array context", raw: get("/decide?user_key=u&env=prod&context=%5B%5D"), wantCode: 200, wantBody: decideBody("u", map[string]any{"length": 0.0})},
		{name: "a null context (keep: the platform answers 500)", raw: get("/decide?user_key=u&env=prod&context=null"), wantCode: 400, wantBody: errBody("context must be a JSON object")},
		{name: "a string context (keep)", raw: get("/decide?user_key=u&env=prod&context=%22US%22"), wantCode: 400, wantBody: errBody("context must be a JSON object")},
		{name: "a number context (keep)", raw: get("/decide?user_key=u&env=prod&context=5"), wantCode: 400, wantBody: errBody("context must be a JSON object")},
		{name: "a true context (keep)", raw: get("/decide?user_key=u&env=prod&context=true"), wantCode: 400, wantBody: errBody("context must be a JSON object")},
		{name: "a number beyond float64 (keep: the platform reads Infinity)", raw: get("/decide?user_key=u&env=prod&context=%7B%22logins%22%3A1e400%7D"), wantCode: 400, wantBody: errBody("Invalid context JSON")},
		{name: "context not JSON", raw: get("/decide?user_key=u&env=prod&context=%7Bcountry%3AUS%7D"), wantCode: 400, wantBody: errBody("Invalid context JSON")},
		{name: "the config is checked before the context", raw: get("/decide?user_key=u&env=dev&context=%7B"), wantCode: 503, wantBody: errBody(`No config available for environment "dev"`)},
		// Environment names are not paths (keep: the platform serves prod's config).
		{name: "env=x/../prod (keep)", raw: get("/decide?user_key=u&env=x%2F..%2Fprod"), wantCode: 503, wantBody: errBody(`No config available for environment "x/../prod"`)},
		{name: "env=prod/ (keep)", raw: get("/decide?user_key=u&env=prod%2F"), wantCode: 503, wantBody: errBody(`No config available for environment "prod/"`)},
		{name: "a quote in env is escaped once", raw: get("/decide?user_key=u&env=a%22b"), wantCode: 503, wantBody: errBody(`No config available for environment "a"b"`)},
		// Routes and methods.
		{name: "an unknown route", raw: get("/nope"), wantCode: 404, wantBody: `{"message":"Route GET:/nope not found","error":"Not Found","statusCode":404}`},
		{name: "a wrong method, the query in the message", raw: "POST /decide?user_key=u1&env=gw HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", wantCode: 404,
			wantBody: `{"message":"Route POST:/decide?user_key=u1&env=gw not found","error":"Not Found","statusCode":404}`},
		{name: "a trailing slash", raw: get("/decide/?user_key=u&env=prod"), wantCode: 404, wantBody: `{"message":"Route GET:/decide/?user_key=u&env=prod not found","error":"Not Found","statusCode":404}`},
		{name: "OPTIONS", raw: "OPTIONS /decide HTTP/1.1\r\nHost: x\r\n\r\n", wantCode: 404, wantBody: `{"message":"Route OPTIONS:/decide not found","error":"Not Found","statusCode":404}`},
		// A URL over the header limit: the platform's 431.
		{name: "a URL over the header limit", raw: get("/decide?user_key=" + strings.Repeat("u", DefaultMaxHeaderBytes)), wantCode: 431,
			wantBody: `{"error":"Request Header Fields Too Large","message":"Exceeded maximum allowed HTTP header size","statusCode":431}`},
		// JSON as JavaScript writes it: U+2028/U+2029 and <, >, & raw,
		// numbers as JavaScript prints them, index keys first.
		{name: "U+2028 in a payload is written raw", raw: get("/decide?user_key=" + userA + "&env=prod&context=%5B1%5D"), wantCode: 200,
			wantBody: `{"user_key":"` + userA + `","environment":"prod","config_version":7,"assignments":[` +
				`{"experiment_key":"split","experiment_id":"e-split","variant_key":"a","variant_id":"v-a","payload":{"text":"line` + "\u2028" + `sep` + "\u2029" + `para <b>&amp;</b> é","n":1,"big":1e+21,"small":1.5e-7}},` +
				`{"experiment_key":"no-audience-rules","experiment_id":"e-noaud","variant_key":"on","variant_id":"v1"},` +
				`{"experiment_key":"array-length","experiment_id":"e-arr","variant_key":"on","variant_id":"v1","payload":{"2":3,"10":2,"z":1,"a":4}},` +
				`{"experiment_key":"first-element","experiment_id":"e-first","variant_key":"on","variant_id":"v1"}]}`},
		// A snapshot without audienceRules serves as no rules (keep: the platform answers 500).
		{name: "a snapshot experiment without audienceRules (keep)", raw: get("/decide?user_key=u&env=prod"), wantCode: 200, wantBody: decideBody("u", nil)},
		// /health lists the configured environments (keep), even after a
		// request for an unknown one.
		{name: "health", raw: get("/health"), wantCode: 200, wantBody: `{"status":"ok","config_versions":{"prod":7},"ready":{"prod":true}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := roundTripRaw(t, srv.addr, tt.raw)
			if diff := cmp.Diff([]any{tt.wantCode, tt.wantBody}, []any{got.Code, got.Body}); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
			// Response framing: a Content-Length on every response (checked
			// by roundTripRaw), and on one that stays open the platform's
			// keep-alive headers; JSON content, no trailing newline.
			wantHeader := map[string]string{"Content-Type": "application/json; charset=utf-8", "Connection": "keep-alive", "Keep-Alive": "timeout=72"}
			if got.Code == 431 {
				wantHeader = map[string]string{"Content-Type": "application/json", "Connection": "", "Keep-Alive": ""}
				if !got.Close {
					t.Error("the connection stays open after a 431")
				}
			}
			gotHeader := map[string]string{}
			for k := range wantHeader {
				gotHeader[k] = got.Header.Get(k)
			}
			if diff := cmp.Diff(wantHeader, gotHeader); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			if strings.HasSuffix(got.Body, "\n") {
				t.Error("the body ends with a newline")
			}
		})
	}
}

// TestLargeResponseHasContentLength checks a body over net/http's 2 KB
// chunking threshold, through Handler under net/http as well as Serve:
// both send a Content-Length, as the platform does, never chunks.
func TestLargeResponseHasContentLength(t *testing.T) {
	cfg := Config{Environments: []Environment{{Name: "prod", Source: "testdata/bench25.json"}}}
	raw := get("/decide?user_key=user-0&env=prod&context=%7B%22country%22%3A%22US%22%2C%22plan%22%3A%22pro%22%2C%22age%22%3A30%7D")
	srv := serveLoopback(t, cfg, "prod")
	viaServe := roundTripRaw(t, srv.addr, raw)
	hs := &http.Server{Handler: srv.s.Handler()}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	viaNetHTTP := roundTripRaw(t, ln.Addr().String(), raw)
	if len(viaServe.Body) < 2048 || viaServe.Body != viaNetHTTP.Body || viaServe.Code != 200 || viaNetHTTP.Code != 200 {
		t.Errorf("Serve answered %d with %d bytes, net/http %d with %d bytes; want 200 and the same body over 2 KB",
			viaServe.Code, len(viaServe.Body), viaNetHTTP.Code, len(viaNetHTTP.Body))
	}
	if got := viaNetHTTP.Header.Get("Keep-Alive"); got != "timeout=72" {
		t.Errorf("Keep-Alive under net/http: %q", got)
	}
}

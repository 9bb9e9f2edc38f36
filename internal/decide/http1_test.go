package decide

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseHead(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    head
		wantErr *headError
	}{
		{name: "a GET", text: "GET /decide?a=1 HTTP/1.1\r\nHost: x\r\nUser-Agent: t",
			want: head{method: "GET", target: "/decide?a=1", proto: "HTTP/1.1", minor: 1, path: "/decide", query: "a=1", host: "x", contentLength: -1, nheaders: 2}},
		{name: "LF line ends", text: "GET / HTTP/1.1\nHost: x",
			want: head{method: "GET", target: "/", proto: "HTTP/1.1", minor: 1, path: "/", host: "x", contentLength: -1, nheaders: 1}},
		{name: "an escaped path", text: "GET /de%63ide HTTP/1.1\r\nHost: x",
			want: head{method: "GET", target: "/de%63ide", proto: "HTTP/1.1", minor: 1, path: "/decide", rawPath: "/de%63ide", host: "x", contentLength: -1, nheaders: 1}},
		{name: "an absolute target", text: "GET http://x/health?q HTTP/1.1\r\nHost: x",
			want: head{method: "GET", target: "http://x/health?q", proto: "HTTP/1.1", minor: 1, path: "/health", query: "q", host: "x", contentLength: -1, nheaders: 1}},
		{name: "HTTP/1.0 closes unless asked", text: "GET / HTTP/1.0",
			want: head{method: "GET", target: "/", proto: "HTTP/1.0", path: "/", contentLength: -1, close: true}},
		{name: "HTTP/1.0 keep-alive", text: "GET / HTTP/1.0\r\nConnection: Keep-Alive",
			want: head{method: "GET", target: "/", proto: "HTTP/1.0", path: "/", contentLength: -1, nheaders: 1}},
		{name: "Connection: close", text: "GET / HTTP/1.1\r\nHost: x\r\nConnection: foo, close",
			want: head{method: "GET", target: "/", proto: "HTTP/1.1", minor: 1, path: "/", host: "x", contentLength: -1, close: true, nheaders: 2}},
		{name: "a body by length, repeated alike", text: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\ncontent-length: 5",
			want: head{method: "POST", target: "/", proto: "HTTP/1.1", minor: 1, path: "/", host: "x", contentLength: 5, nheaders: 3}},
		{name: "chunked with 100-continue", text: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\nExpect: 100-continue",
			want: head{method: "POST", target: "/", proto: "HTTP/1.1", minor: 1, path: "/", host: "x", contentLength: -1, chunked: true, expectContinue: true, nheaders: 3}},
		{name: "no Host in HTTP/1.1", text: "GET / HTTP/1.1", wantErr: errBadRequest},
		{name: "two Hosts", text: "GET / HTTP/1.1\r\nHost: a\r\nHost: b", wantErr: errBadRequest},
		{name: "lengths that disagree", text: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6", wantErr: errBadRequest},
		{name: "a signed length", text: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5", wantErr: errBadRequest},
		{name: "a length and chunked", text: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked", wantErr: errBadRequest},
		{name: "a coding other than chunked", text: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked", wantErr: errBadRequest},
		{name: "chunked twice", text: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked", wantErr: errBadRequest},
		{name: "a space before the colon", text: "GET / HTTP/1.1\r\nHost : x", wantErr: errBadRequest},
		{name: "a folded line", text: "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2", wantErr: errBadRequest},
		{name: "a header without a colon", text: "GET / HTTP/1.1\r\nHost: x\r\nNo-Colon", wantErr: errBadRequest},
		{name: "a lone CR in a value", text: "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb", wantErr: errBadRequest},
		{name: "a control character in the target", text: "GET /a\x01 HTTP/1.1\r\nHost: x", wantErr: errBadRequest},
		{name: "a bad escape in the path", text: "GET /a%zz HTTP/1.1\r\nHost: x", wantErr: errBadRequest},
		{name: "HTTP/2.0", text: "GET / HTTP/2.0\r\nHost: x", wantErr: errVersion},
		{name: "not HTTP", text: "GET / FTP/1.0\r\nHost: x", wantErr: errBadRequest},
		{name: "two spaces", text: "GET  / HTTP/1.1\r\nHost: x", wantErr: errBadRequest},
		{name: "a method that is not a token", text: "G(T / HTTP/1.1\r\nHost: x", wantErr: errBadRequest},
		{name: "an unknown expectation", text: "POST / HTTP/1.1\r\nHost: x\r\nExpect: magic", wantErr: errExpect},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got head
			err := parseHead(tt.text, http.Header{}, &got, make([]string, 4))
			if tt.wantErr != nil {
				var he *headError
				if !errors.As(err, &he) || he != tt.wantErr {
					t.Fatalf("parseHead = %v; want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseHead: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(head{})); diff != "" {
				t.Errorf("head (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzParseHead feeds arbitrary heads: parseHead never panics, and a head
// it accepts has a token method, a path, a known version and, for
// HTTP/1.1, one Host.
func FuzzParseHead(f *testing.F) {
	for _, s := range []string{"GET / HTTP/1.1\r\nHost: x", "POST /o HTTP/1.0\r\nContent-Length: 3", "GET http://h/p?q HTTP/1.1\nHost: h\nTransfer-Encoding: chunked"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var hd head
		h := http.Header{}
		if err := parseHead(s, h, &hd, make([]string, 4)); err != nil {
			return
		}
		if !validToken(hd.method) || hd.path == "" || (hd.proto != "HTTP/1.1" && hd.proto != "HTTP/1.0") {
			t.Fatalf("accepted %q as %+v", s, hd)
		}
		if hd.minor == 1 && len(h["Host"]) != 1 {
			t.Fatalf("accepted %q with Host %q", s, h["Host"])
		}
		if hd.chunked && hd.contentLength >= 0 {
			t.Fatalf("accepted %q with a length and chunked", s)
		}
	})
}

// testConn is a client connection for the protocol and limit tests.
type testConn struct {
	net.Conn
	br *bufio.Reader
}

func dialTest(t *testing.T, addr string) *testConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(hangGuard))
	return &testConn{c, bufio.NewReader(c)}
}

func (c *testConn) send(t *testing.T, raw string) {
	t.Helper()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
}

// read reads one response to a request with the given method.
func (c *testConn) read(t *testing.T, method string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.ReadResponse(c.br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("reading a response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// closed reports whether the server closes c, waiting up to the hang
// guard.
func (c *testConn) closed() bool {
	_, err := c.br.ReadByte()
	return errors.Is(err, io.EOF) || strings.Contains(fmt.Sprint(err), "reset")
}

// TestServeProtocol drives Serve's connection loop with requests a
// client may send: pipelined ones, HEAD, HTTP/1.0, bodies by length and
// chunked (drained when the route has no use for them), 100-continue, and
// what it must refuse.
func TestServeProtocol(t *testing.T) {
	srv := serveLoopback(t, Config{Environments: []Environment{{Name: "prod", Source: "testdata/compat.json"}}}, "prod")
	health := `{"status":"ok","config_versions":{"prod":7},"ready":{"prod":true}}`
	notFound := func(m, target string) string {
		return `{"message":"Route ` + m + `:` + target + ` not found","error":"Not Found","statusCode":404}`
	}

	t.Run("pipelined requests are answered in order", func(t *testing.T) {
		c := dialTest(t, srv.addr)
		c.send(t, get("/health")+get("/nope")+"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"+get("/health"))
		var got []string
		for _, m := range []string{"GET", "GET", "POST", "GET"} {
			code, body, _ := c.read(t, m)
			got = append(got, fmt.Sprint(code, " ", body))
		}
		want := []string{"200 " + health, "404 " + notFound("GET", "/nope"), "404 " + notFound("POST", "/x"), "200 " + health}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("responses (-want +got):\n%s", diff)
		}
	})
	t.Run("HEAD has the headers of GET and no body", func(t *testing.T) {
		c := dialTest(t, srv.addr)
		c.send(t, "HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n"+get("/health"))
		code, body, h := c.read(t, "HEAD")
		if code != 200 || body != "" || h.Get("Content-Length") != fmt.Sprint(len(health)) {
			t.Errorf("HEAD: %d %q Content-Length %q", code, body, h.Get("Content-Length"))
		}
		if _, body, _ := c.read(t, "GET"); body != health {
			t.Errorf("the GET after HEAD: %q", body)
		}
	})
	t.Run("a chunked body is read and drained", func(t *testing.T) {
		c := dialTest(t, srv.addr)
		c.send(t, "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nTrailer: t\r\n\r\n"+get("/health"))
		c.read(t, "POST")
		if _, body, _ := c.read(t, "GET"); body != health {
			t.Errorf("the request after a chunked body: %q", body)
		}
	})
	t.Run("100-continue", func(t *testing.T) {
		c := dialTest(t, srv.addr)
		c.send(t, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
		line, err := c.br.ReadString('\n')
		if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
			t.Fatalf("first line %q (%v); want 100 Continue", line, err)
		}
		_, _ = c.br.ReadString('\n')
		c.send(t, "{}")
		if code, _, _ := c.read(t, "POST"); code != 404 {
			t.Errorf("status %d after 100-continue; want 404", code)
		}
	})
	t.Run("HTTP/1.0 is answered and closed", func(t *testing.T) {
		c := dialTest(t, srv.addr)
		c.send(t, "GET /health HTTP/1.0\r\n\r\n")
		if code, body, h := c.read(t, "GET"); code != 200 || body != health || h.Get("Keep-Alive") != "" {
			t.Errorf("HTTP/1.0: %d %q Keep-Alive %q", code, body, h.Get("Keep-Alive"))
		}
		if !c.closed() {
			t.Error("the connection stays open after an HTTP/1.0 request")
		}
	})
	t.Run("Connection: close", func(t *testing.T) {
		c := dialTest(t, srv.addr)
		c.send(t, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if code, _, _ := c.read(t, "GET"); code != 200 {
			t.Errorf("status %d", code)
		}
		if !c.closed() {
			t.Error("the connection stays open after Connection: close")
		}
	})
	refusals := []struct {
		name     string
		raw      string
		wantCode int
		wantBody string
	}{
		{"a malformed header", "GET / HTTP/1.1\r\nHost: x\r\nNo-Colon\r\n\r\n", 400, `{"error":"Bad Request","message":"Client Error","statusCode":400}`},
		{"no Host", "GET / HTTP/1.1\r\n\r\n", 400, `{"error":"Bad Request","message":"Client Error","statusCode":400}`},
		{"a smuggling attempt", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, `{"error":"Bad Request","message":"Client Error","statusCode":400}`},
		{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, `{"error":"HTTP Version Not Supported","message":"HTTP Version Not Supported","statusCode":505}`},
		{"a body over 1 MiB", "POST /ofrep/v1/evaluate/flags HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n", 413,
			`{"statusCode":413,"code":"FST_ERR_CTP_BODY_TOO_LARGE","error":"Payload Too Large","message":"Request body is too large"}`},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			c := dialTest(t, srv.addr)
			c.send(t, tt.raw)
			code, body, h := c.read(t, "GET")
			if diff := cmp.Diff([]any{tt.wantCode, tt.wantBody, "application/json"}, []any{code, body, h.Get("Content-Type")}); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
			if !c.closed() {
				t.Error("the connection stays open after a refusal")
			}
		})
	}
}

// TestServeTimeouts checks that a connection which sends nothing, or half
// a request, is closed after RequestTimeout, and an idle keep-alive one
// after IdleTimeout.
func TestServeTimeouts(t *testing.T) {
	srv := serveLoopback(t, Config{Environments: []Environment{{Name: "prod", Source: "testdata/compat.json"}}, RequestTimeout: 50 * time.Millisecond, IdleTimeout: 50 * time.Millisecond}, "prod")
	for _, tt := range []struct{ name, sent string }{{"nothing", ""}, {"half a request", "GET /health HTTP/1.1\r\nHost:"}, {"a request, then idle", get("/health")}} {
		t.Run(tt.name, func(t *testing.T) {
			c := dialTest(t, srv.addr)
			c.send(t, tt.sent)
			if tt.sent == get("/health") {
				c.read(t, "GET")
			}
			if !c.closed() {
				t.Error("the connection was not closed")
			}
		})
	}
}

// TestServeShutdown ends Serve's context with one idle keep-alive
// connection open: Serve closes it and returns at once, well within the
// shutdown timeout.
func TestServeShutdown(t *testing.T) {
	s, err := New(Config{Environments: []Environment{{Name: "prod", Source: "testdata/compat.json"}}, Logger: quiet, ShutdownTimeout: hangGuard})
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
	waitConfig(t, s, "prod")
	c := dialTest(t, ln.Addr().String())
	c.send(t, get("/health"))
	c.read(t, "GET")
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(hangGuard):
		t.Fatal("Serve did not return with an idle connection open")
	}
	if !c.closed() {
		t.Error("the idle connection is still open")
	}
}

// TestServePanic checks that a handler's panic closes its connection and
// is logged, and the server goes on serving.
func TestServePanic(t *testing.T) {
	var logs logBuffer
	s, err := New(Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	hs := &httpServer{s: s, live: map[*conn1]struct{}{}, handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		s.Handler().ServeHTTP(w, r)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = hs.serve(ln) }()
	defer func() { _ = hs.close(context.Background(), ln) }()
	c := dialTest(t, ln.Addr().String())
	c.send(t, get("/panic"))
	if !c.closed() {
		t.Error("the connection of a request that panicked is still open")
	}
	d := dialTest(t, ln.Addr().String())
	d.send(t, get("/nope"))
	if code, _, _ := d.read(t, "GET"); code != 404 {
		t.Errorf("after a panic: %d; want the server still answering", code)
	}
	found := false
	for _, r := range logs.records(t) {
		found = found || (r["panic"] == "boom" && strings.Contains(fmt.Sprint(r["stack"]), "TestServePanic"))
	}
	if !found {
		t.Error("the panic was not logged with its stack")
	}
}

// TestHasControl checks the eight-at-a-time scan against the byte test,
// for every byte at every position of a word and in the tail.
func TestHasControl(t *testing.T) {
	for c := 0; c < 256; c++ {
		want := c < 0x20 || c == 0x7f
		for _, n := range []int{1, 7, 8, 9, 16, 23} {
			for pos := 0; pos < n; pos++ {
				b := []byte(strings.Repeat("a", n))
				b[pos] = byte(c)
				if pos > 0 {
					b[pos-1] = 0x80 // a high byte beside it must not hide or fake one
				}
				if got := hasControl(string(b)); got != want {
					t.Fatalf("hasControl(%q) = %v; want %v", b, got, want)
				}
			}
		}
	}
}

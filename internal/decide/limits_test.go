package decide

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inprocess/experiment/internal/rawhttp"
)

// TestFinding11MaxInflight holds requests in a handler behind the
// in-flight bound: past -max-inflight the next request gets 503 with a
// JSON error at once, /health still answers, and a slot freed is used
// again. Before the fix there was no bound.
func TestFinding11MaxInflight(t *testing.T) {
	s := newTestServer(t, Config{MaxInflight: 2})
	arrived := make(chan struct{})
	release := make(chan struct{})
	srv := httptest.NewServer(s.wrap(func(w http.ResponseWriter, r *http.Request) int {
		switch r.URL.Path {
		case "/slow":
			arrived <- struct{}{}
			<-release
		case "/health":
			return s.serveHealth(w, r)
		}
		return 200
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")

	done := make(chan struct{}, 2)
	for range 2 {
		go func() {
			defer func() { done <- struct{}{} }()
			resp, err := http.Get(srv.URL + "/slow")
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		}()
		<-arrived
	}
	get := "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	if diff := cmp.Diff(rawhttp.JSONError(503, "Too many requests in flight; retry shortly"), rawhttp.RoundTrip(t, addr, fmt.Sprintf(get, "/fast"))); diff != "" {
		t.Errorf("a third request (-want +got):\n%s", diff)
	}
	if got := rawhttp.RoundTrip(t, addr, fmt.Sprintf(get, "/health")); got.Code != 200 {
		t.Errorf("/health while full: %+v; want 200", got)
	}
	release <- struct{}{} // one of the two ends
	<-done
	resp, err := http.Get(srv.URL + "/fast")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("after a slot freed: status %d; want 200", resp.StatusCode)
	}
	close(release)
	<-done
}

// limitedServer serves h on a loopback connLimiter of max connections,
// as run does, returning the limiter and the address.
func limitedServer(t *testing.T, max int, idleTimeout time.Duration, h http.Handler) (*connLimiter, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := newConnLimiter(ln, max)
	srv := &http.Server{Handler: h, ConnState: l.ConnState, IdleTimeout: idleTimeout, ReadHeaderTimeout: hangGuard}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return l, ln.Addr().String()
}

// get sends GET path on c and reads the response, one request at a time.
func (c *testConn) get(t *testing.T, path string) rawhttp.Response {
	t.Helper()
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path); err != nil {
		t.Fatal(err)
	}
	return rawhttp.Read(t, c.br)
}

func waitIdle(t *testing.T, l *connLimiter, n int) {
	t.Helper()
	for deadline := time.Now().Add(hangGuard); ; time.Sleep(time.Millisecond) {
		idle := l.idleConns()
		if idle == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d connections idle; want %d", idle, n)
		}
	}
}

// TestFinding11MaxConns opens connections past -max-conns: the longest
// idle keep-alive connection is closed to make room, and when none is idle
// the new connection gets 503 with a JSON error. Before the fix 3,000 idle
// connections were all kept, for two minutes each.
func TestFinding11MaxConns(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = io.WriteString(w, `{"error":"ok"}`)
	})

	t.Run("the longest idle connection makes room", func(t *testing.T) {
		l, addr := limitedServer(t, 2, time.Hour, ok)
		a, b := dialTest(t, addr), dialTest(t, addr)
		a.get(t, "/")
		waitIdle(t, l, 1)
		b.get(t, "/")
		waitIdle(t, l, 2)
		c := dialTest(t, addr)
		if got := c.get(t, "/"); got.Code != 200 {
			t.Errorf("a third connection: %+v; want 200", got)
		}
		if !a.closed() {
			t.Error("the connection idle the longest is still open")
		}
		if n, ev := l.openConns(), l.evicted.Load(); n != 2 || ev != 1 {
			t.Errorf("%d open, %d evicted; want 2 and 1", n, ev)
		}
		if got := b.get(t, "/"); got.Code != 200 {
			t.Errorf("the other idle connection: %+v; want it still served", got)
		}
	})

	t.Run("no idle connection: 503", func(t *testing.T) {
		l, addr := limitedServer(t, 2, time.Hour, ok)
		// Two connections in the middle of their request headers: busy.
		for range 2 {
			k := dialTest(t, addr)
			if _, err := io.WriteString(k, "GET / HTTP/1.1\r\nHost: x\r\n"); err != nil {
				t.Fatal(err)
			}
		}
		for deadline := time.Now().Add(hangGuard); l.openConns() < 2; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the two connections were never accepted")
			}
		}
		got := rawhttp.RoundTrip(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if diff := cmp.Diff(rawhttp.JSONError(503, "Too many open connections; retry shortly"), got); diff != "" {
			t.Errorf("a third connection (-want +got):\n%s", diff)
		}
		if n := l.rejected.Load(); n != 1 {
			t.Errorf("%d rejected; want 1", n)
		}
	})

	t.Run("idle timeout", func(t *testing.T) {
		_, addr := limitedServer(t, 2, 20*time.Millisecond, ok)
		a := dialTest(t, addr)
		a.get(t, "/")
		if !a.closed() {
			t.Error("an idle connection was not closed after -idle-timeout")
		}
	})
}

func TestHeadSize(t *testing.T) {
	raw := "GET /decide?user_key=u&env=prod HTTP/1.1\r\nHost: example.com\r\nX-A: 1\r\nX-B: 22\r\n\r\n"
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if got := headSize(r); got != len(raw) {
		t.Errorf("headSize = %d; want %d", got, len(raw))
	}
}

package decide

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inprocess/experiment"
)

// discardWriter is a ResponseWriter that keeps nothing but the status and
// the body's length, reused across requests, so that a benchmark counts
// the handler's own work and allocations.
type discardWriter struct {
	h    http.Header
	code int
	n    int
}

func (w *discardWriter) Header() http.Header { return w.h }

func (w *discardWriter) WriteHeader(code int) { w.code = code }

func (w *discardWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	return len(p), nil
}

func (w *discardWriter) reset() {
	clear(w.h)
	w.code, w.n = 0, 0
}

// benchRequests are /decide requests for testdata/bench25.json (a
// published snapshot of 25 experiments with targeting, written by
// go run ./cmd/experimentd/loadtest -write-snapshot): users user-0 ...
// with a few contexts in turn, as the load test sends them.
func benchRequests(n int) []*http.Request {
	contexts := []string{`{"country":"US","plan":"pro","age":30}`, `{"country":"FR","age":40}`, `{"country":"CA","plan":"free","age":20}`, ``}
	out := make([]*http.Request, n)
	for i := range out {
		q := "user_key=user-" + fmt.Sprint(i) + "&env=prod"
		if c := contexts[i%len(contexts)]; c != "" {
			q += "&context=" + url.QueryEscape(c)
		}
		out[i] = httptest.NewRequest("GET", "/decide?"+q, nil)
	}
	return out
}

func benchServer(tb testing.TB) http.Handler {
	tb.Helper()
	return startServer(tb, Config{Environments: []Environment{{Name: "prod", Source: "testdata/bench25.json"}}, Logger: quiet}, "prod").Handler()
}

// BenchmarkDecideHandler is one /decide request through the server's
// handler, in process: query parsing, context decoding, 25 experiments'
// evaluation and the response's encoding, with the bounds and counters.
func BenchmarkDecideHandler(b *testing.B) {
	h := benchServer(b)
	reqs := benchRequests(1024)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		w.reset()
		h.ServeHTTP(w, reqs[i%len(reqs)])
		if w.code != http.StatusOK {
			b.Fatalf("status %d", w.code)
		}
	}
}

// TestDecideHandlerAllocs keeps the handler's allocations per request
// low: they are the context's own values (the decoded string and the
// three boxed attributes; its map is reused), nothing per assignment,
// header or counter.
func TestDecideHandlerAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	h := benchServer(t)
	w := &discardWriter{h: http.Header{}}
	tests := []struct {
		name string
		req  *http.Request
		max  float64
	}{
		{"no context", httptest.NewRequest("GET", "/decide?user_key=user-1&env=prod", nil), 0},
		{"a context of three attributes", benchRequests(1)[0], 4},
		{"an unknown environment", httptest.NewRequest("GET", "/decide?user_key=user-1&env=nope", nil), 2},
		{"a missing user_key", httptest.NewRequest("GET", "/decide?env=prod", nil), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.ServeHTTP(w, tt.req) // warm the pools and the encoding
			got := testing.AllocsPerRun(200, func() {
				w.reset()
				h.ServeHTTP(w, tt.req)
			})
			if got > tt.max {
				t.Errorf("%v allocations per request; want at most %v", got, tt.max)
			}
		})
	}
}

// fakeConn is a connection whose client sends req n times, pipelined a
// buffer at a time, and reads nothing back: it drives Serve's connection
// loop without a kernel.
type fakeConn struct {
	req  []byte
	n    int
	sent int // of the current request
	out  int // bytes written
}

func (c *fakeConn) Read(p []byte) (int, error) {
	if c.n == 0 {
		return 0, io.EOF
	}
	total := 0
	for c.n > 0 && len(p) > 0 {
		k := copy(p, c.req[c.sent:])
		p, total, c.sent = p[k:], total+k, c.sent+k
		if c.sent == len(c.req) {
			c.sent, c.n = 0, c.n-1
		}
	}
	return total, nil
}

func (c *fakeConn) Write(p []byte) (int, error) { c.out += len(p); return len(p), nil }
func (c *fakeConn) Close() error                { return nil }
func (c *fakeConn) LocalAddr() net.Addr         { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 3002} }
func (c *fakeConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
}
func (c *fakeConn) SetDeadline(time.Time) error      { return nil }
func (c *fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (c *fakeConn) SetWriteDeadline(time.Time) error { return nil }

// serveFake answers n copies of req on one fake connection through Serve's
// connection loop and returns the bytes written.
func serveFake(s *Server, req []byte, n int) int {
	hs := &httpServer{s: s, handler: s.Handler(), live: map[*conn1]struct{}{}}
	fc := &fakeConn{req: req, n: n}
	hs.newConn(fc).serve()
	return fc.out
}

const benchRawRequest = "GET /decide?user_key=user-7&env=prod&context=%7B%22country%22%3A%22US%22%2C%22plan%22%3A%22pro%22%2C%22age%22%3A30%7D HTTP/1.1\r\nHost: 127.0.0.1:3002\r\nUser-Agent: loadtest\r\nAccept: */*\r\n\r\n"

// BenchmarkServeConn is one /decide request through Serve's connection
// loop (parsing the request head, the handler, writing the response into
// the connection's buffer), without the kernel's part.
func BenchmarkServeConn(b *testing.B) {
	s := startServer(b, Config{Environments: []Environment{{Name: "prod", Source: "testdata/bench25.json"}}, Logger: quiet}, "prod")
	b.ReportAllocs()
	b.ResetTimer()
	serveFake(s, []byte(benchRawRequest), b.N)
}

// TestServeConnAllocs keeps the connection loop's allocations per request
// low: the head's string and the handler's own.
func TestServeConnAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	s := startServer(t, Config{Environments: []Environment{{Name: "prod", Source: "testdata/bench25.json"}}, Logger: quiet}, "prod")
	const n = 1000
	serveFake(s, []byte(benchRawRequest), 10) // warm the pools and the encoding
	got := testing.AllocsPerRun(5, func() { serveFake(s, []byte(benchRawRequest), n) }) / n
	if got > 6 {
		t.Errorf("%.2f allocations per request; want at most 6", got)
	}
	t.Logf("%.2f allocations per request", got)
}

// TestDecideContextsInTurn answers requests whose contexts differ in
// turn through one server, which reuses each context's map (scratch),
// and checks every answer against the library's own assignments for a
// context decoded afresh: no attribute of one request reaches the next.
func TestDecideContextsInTurn(t *testing.T) {
	h := benchServer(t)
	rs, err := experiment.Load("testdata/bench25.json")
	if err != nil {
		t.Fatal(err)
	}
	contexts := []string{
		`{"country":"US","plan":"pro","age":30}`,
		`{"country":"FR"}`,
		`{"plan":"team","age":19}`,
		``,
		`{"country":"CA","plan":"pro","age":`, // refused: the next must not see its half
		`{"age":25}`,
		`[1,2]`,
		`{"country":"GB","plan":"pro","age":18,"a":1,"b":2,"c":3,"d":4,"e":5,"f":6}`,
		`{"country":"US"}`,
	}
	for round := range 3 {
		for i, ctx := range contexts {
			user := fmt.Sprintf("user-%d-%d", round, i)
			q := "user_key=" + user + "&env=prod"
			if ctx != "" {
				q += "&context=" + url.QueryEscape(ctx)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "/decide?"+q, nil))
			var attrs map[string]any
			if ctx != "" {
				var v any
				if json.Unmarshal([]byte(ctx), &v) != nil {
					if w.Code != http.StatusBadRequest {
						t.Errorf("%s: status %d for a broken context; want 400", ctx, w.Code)
					}
					continue
				}
				switch v := v.(type) {
				case map[string]any:
					attrs = v
				case []any:
					attrs = map[string]any{"length": float64(len(v))}
					for j, x := range v {
						attrs[fmt.Sprint(j)] = x
					}
				}
			}
			var got struct {
				Assignments []experiment.Assignment `json:"assignments"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != http.StatusOK {
				t.Fatalf("%s: status %d, %v: %s", ctx, w.Code, err, w.Body)
			}
			want := rs.Assignments(experiment.ContextFor(user).With(attrs))
			if diff := cmp.Diff(keysOf(want), keysOf(got.Assignments)); diff != "" {
				t.Errorf("round %d, context %s (-library +server):\n%s", round, ctx, diff)
			}
		}
	}
}

// keysOf is each assignment as experiment/variant.
func keysOf(as []experiment.Assignment) []string {
	out := []string{}
	for _, a := range as {
		out = append(out, a.ExperimentKey+"/"+a.VariantKey)
	}
	return out
}

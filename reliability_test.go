package experiment

// One regression test per finding of the reliability review (issue 12),
// named after it. Each failed before the fix it guards.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// hangGuard fails the test if done is not closed in a long time. It is a
// guard against a hang, not a measure of speed: the bound is far above
// any real duration.
func hangGuard(t *testing.T, what string, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not return: it hangs", what)
	}
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Finding 1: YAML aliases of structure bypassed the expansion budget.
func TestFinding1AliasesOfStructureAreBudgeted(t *testing.T) {
	rx := strings.Repeat("(a|b)", 800) // 4,000 bytes, within maxRegexpSize
	regexps := func(exps int) string {
		cfg := "audiences:\n  au: &R [{conditions: [&C {attribute: x, operator: matches, value: '" + rx + "'}" +
			strings.Repeat(",*C", 99) + "]}]\nexperiments:\n"
		for i := range exps {
			cfg += fmt.Sprintf("  e%d: {audience: au, targeting: *R, variants: {v: 100%%}}\n", i)
		}
		return cfg
	}
	payload := func(variants int) string {
		p := strings.Repeat("x", 100_000)
		cfg := "experiments:\n  a:\n    variants:\n      v0: {allocation: 0%, payload: &P '" + p + "'}\n"
		for i := 1; i < variants; i++ {
			cfg += fmt.Sprintf("      v%d: {allocation: 0%%, payload: *P}\n", i)
		}
		return cfg
	}
	envs := func(n int) string {
		var b strings.Builder
		b.WriteString("experiments: &X\n")
		for i := range 1000 {
			fmt.Fprintf(&b, "  e%d: true\n", i)
		}
		b.WriteString("envs:\n")
		for i := range n {
			fmt.Fprintf(&b, "  env%d: *X\n", i)
		}
		return b.String()
	}
	groups := func(n int) string {
		var b strings.Builder
		b.WriteString("groups:\n  g0: &L [")
		for i := range 50_000 {
			fmt.Fprintf(&b, "u%d,", i)
		}
		b.WriteString("u]\n")
		for i := 1; i < n; i++ {
			fmt.Fprintf(&b, "  g%d: *L\n", i)
		}
		b.WriteString("experiments:\n  a: g0\n")
		return b.String()
	}
	tests := []struct {
		name  string
		input string
	}{
		{"a regexp condition aliased 100 times in 10 experiments", regexps(10)},
		{"a regexp condition aliased 100 times in 1,000 experiments", regexps(1000)},
		{"a 100 KB payload aliased in 1,000 variants", payload(1000)},
		{"1,000 experiments aliased in 10,000 envs", envs(10_000)},
		{"a group of 50,000 users aliased 200 times", groups(200)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			n := allocated(func() { _, err = Parse([]byte(tt.input)) })
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "YAML aliases expand") {
				t.Fatalf("Parse = %v; want ErrTooLarge for the aliases", err)
			}
			if bound := hostileAllocBound(len(tt.input)); n > bound {
				t.Errorf("allocated %d bytes for %d bytes of input; the bound is %d", n, len(tt.input), bound)
			}
		})
	}
	// Aliases within the budget still work, and a pattern used many times
	// is compiled once.
	rs, err := Parse([]byte("audiences:\n  au: &R [{conditions: [{attribute: x, operator: matches, value: '^a'}]}]\n" +
		"experiments:\n  e1: {audience: au, variants: {v: 100%}}\n  e2: {audience: au, targeting: *R, variants: {v: 100%}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	c := ContextFor("u").With(map[string]any{"x": "abc"})
	if !rs.VariantFor("e1", c) || !rs.VariantFor("e2", c) {
		t.Error("aliased rules do not match")
	}
	if a, b := rs.exps[0].audience[0][0].re, rs.exps[1].targeting[0][0].re; a != b {
		t.Error("the same pattern was compiled twice")
	}
}

// Finding 2: HTTPSource followed redirects to any host with its headers.
func TestFinding2NoCredentialsAcrossHosts(t *testing.T) {
	var leaked atomic.Value // the X-Api-Key the other host saw
	leaked.Store("")
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("X-Api-Key") + r.Header.Get("X-Amz-Security-Token"))
		fmt.Fprint(w, versioned(2))
	}))
	defer other.Close()
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/c.yaml", http.StatusFound)
		case "/c.yaml":
			fmt.Fprint(w, versioned(1))
		default:
			http.Redirect(w, r, other.URL+"/evil.yaml", http.StatusFound)
		}
	}))
	defer origin.Close()
	header := http.Header{"X-Api-Key": {"SECRET-B"}, "X-Amz-Security-Token": {"SECRET-C"}}
	tests := []struct {
		name        string
		path        string
		cross       bool
		wantErr     string
		wantVersion int64
	}{
		{name: "same host is followed", path: "/same", wantVersion: 1},
		{name: "another host is refused", path: "/away", wantErr: "refusing a redirect to another host"},
		{name: "another host, allowed, gets no headers", path: "/away", cross: true, wantVersion: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leaked.Store("")
			src := HTTPSource(origin.URL+tt.path, &HTTPOptions{Header: header, CrossHostRedirects: tt.cross})
			data, err := src.Fetch(t.Context())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Fetch = %v; want an error containing %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			} else if rs, err := Parse(data); err != nil || rs.Version() != tt.wantVersion {
				t.Errorf("fetched version %d (%v); want %d", rs.Version(), err, tt.wantVersion)
			}
			if got := leaked.Load().(string); got != "" {
				t.Errorf("the other host received credentials %q", got)
			}
		})
	}
}

// Finding 3: a FIFO at a config path hung Load, Watch, Status and Close.
func TestFinding3FileSourceRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "c.yaml")
	if err := mkfifo(fifo); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	tests := []struct {
		name, path, want string
	}{
		{"a named pipe", fifo, "is a named pipe (FIFO); a config must be a regular file"},
		{"a directory", dir, "is a directory; a config must be a regular file"},
		{"a device", os.DevNull, "is a device; a config must be a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			var err error
			go func() {
				defer close(done)
				ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
				defer cancel()
				_, err = Watch(ctx, FileSource(tt.path), &WatchOptions{Logger: discard})
			}()
			hangGuard(t, "Watch", done)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Watch = %v; want an error containing %q", err, tt.want)
			}
		})
	}
}

// Finding 3 and 9: a fetch in flight held the lock Status and Close need,
// and Watch ignored its context while Fetch did.
func TestFinding9StatusNeverWaitsForAFetch(t *testing.T) {
	release := make(chan struct{})
	var calls atomic.Int32
	src := SourceFunc(func(ctx context.Context) ([]byte, error) {
		if calls.Add(1) == 1 {
			return []byte(versioned(1)), nil
		}
		<-release // a Fetch that ignores ctx
		return []byte(versioned(2)), nil
	})
	live, err := Watch(t.Context(), src, &WatchOptions{Interval: time.Hour, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	reloadDone := make(chan error, 1)
	go func() { reloadDone <- live.Reload(context.Background()) }()
	for calls.Load() < 2 {
		runtime.Gosched()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if st := live.Status(); st.Version != 1 {
			t.Errorf("Status().Version = %d during the fetch; want 1", st.Version)
		}
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := live.Reload(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("a second Reload with a done context = %v; want context.Canceled", err)
		}
		live.Close()
	}()
	hangGuard(t, "Status, Reload with a done context, and Close during a hung fetch", done)
	close(release)
	if err := <-reloadDone; err != nil {
		t.Fatal(err)
	}
	if live.Version() != 2 {
		t.Errorf("after the fetch ended, version %d; want 2", live.Version())
	}

	// Watch honours its deadline even if the first Fetch ignores it.
	stuck := make(chan struct{})
	defer close(stuck)
	hung := SourceFunc(func(context.Context) ([]byte, error) { <-stuck; return nil, errors.New("never") })
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		fb, _ := Parse([]byte(versioned(7)))
		l, err := Watch(ctx, hung, &WatchOptions{Fallback: fb, Logger: discard})
		if err != nil || l.Version() != 7 {
			t.Errorf("Watch = %v, version %d; want the fallback, 7", err, l.Version())
		}
		l.Close()
	}()
	hangGuard(t, "Watch with a deadline on a hung source", watched)
}

// Finding 4: URL credentials appeared in Status, errors and logs.
func TestFinding4URLsAreRedacted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	defer srv.Close()
	u := strings.Replace(srv.URL, "http://", "http://user:PASSWORD@", 1) +
		"/c.yaml?X-Amz-Credential=AKIASECRET&X-Amz-Signature=SIGSECRET"
	var logs bytes.Buffer
	fb, _ := Parse([]byte(versioned(1)))
	live, err := Watch(t.Context(), HTTPSource(u, nil), &WatchOptions{Fallback: fb, Interval: time.Hour,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	st := live.Status()
	for what, text := range map[string]string{"Status().Source": st.Source, "Status().LastError": fmt.Sprint(st.LastError), "the log": logs.String()} {
		for _, secret := range []string{"PASSWORD", "SIGSECRET", "AKIASECRET"} {
			if strings.Contains(text, secret) {
				t.Errorf("%s contains %s: %s", what, secret, text)
			}
		}
	}
	if !strings.Contains(st.Source, "X-Amz-Signature=REDACTED") || !strings.Contains(st.Source, "user:xxxxx@") {
		t.Errorf("Status().Source = %q; want the URL with its secrets redacted", st.Source)
	}
}

// Finding 5: overlapping ranges built an error per pair.
func TestFinding5ErrorsAreCapped(t *testing.T) {
	n := 3000
	cfg := "experiments:\n  e:\n    a: [" + strings.Repeat("0-100%,", n-1) + "0-100%]\n    b: [" + strings.Repeat("0-100%,", n-1) + "0-100%]\n"
	errs, _ := Check([]byte(cfg))
	if len(errs) != maxErrors+1 {
		t.Fatalf("Check reported %d errors; want %d and a count of the rest", len(errs), maxErrors+1)
	}
	last := errs[len(errs)-1]
	if !errors.Is(last, ErrOverlap) || !strings.Contains(last.Msg, "more errors, not shown") {
		t.Errorf("last entry %v; want a count of the errors not shown", last)
	}
	if _, err := Parse([]byte(cfg)); !errors.Is(err, ErrOverlap) {
		t.Errorf("Parse = %v; want ErrOverlap", err)
	}
}

// Finding 6a: a first fetch answering "not modified" gave a Live with no
// config and no error.
func TestFinding6aFirstNotModifiedIsAFailure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotModified)
	}))
	defer srv.Close()
	if l, err := Watch(t.Context(), HTTPSource(srv.URL, nil), &WatchOptions{Logger: discard}); err == nil {
		l.Close()
		t.Fatalf("Watch = nil error with version %d and ruleset %v; want an error", l.Version(), l.Ruleset())
	}
	fb, _ := Parse([]byte(versioned(5)))
	l, err := Watch(t.Context(), HTTPSource(srv.URL, nil), &WatchOptions{Fallback: fb, Interval: time.Hour, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if st := l.Status(); l.Version() != 5 || !st.Fallback || st.LastError == nil {
		t.Errorf("version %d, status %+v; want the fallback (5) serving and the failure reported", l.Version(), st)
	}
}

// Finding 6b: a snapshot version Parse rejects froze SnapshotSource.
func TestFinding6bRejectedSnapshotVersionDoesNotFreeze(t *testing.T) {
	var version atomic.Value
	version.Store("1")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := version.Load().(string)
		switch r.URL.Path {
		case "/configs/prod/version.json":
			fmt.Fprintf(w, `{"version": %s}`, v)
		case "/configs/prod/snapshots/latest.json":
			fmt.Fprintf(w, `{"version": %s, "environment": "prod", "experiments": []}`, v)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	live, err := Watch(t.Context(), SnapshotSource(srv.URL+"/configs/prod/", nil), &WatchOptions{Interval: time.Hour, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	var got []string
	for _, v := range []string{"1e300", "2", "1000000"} {
		version.Store(v)
		err := live.Reload(t.Context())
		got = append(got, fmt.Sprintf("%s: version %d, error %v", v, live.Version(), err != nil))
	}
	want := []string{"1e300: version 1, error true", "2: version 2, error false", "1000000: version 1000000, error false"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("versions served (-want +got):\n%s", diff)
	}
}

// Finding 7: user ids written as YAML integers were rewritten.
func TestFinding7UserIDsAsWritten(t *testing.T) {
	tests := []struct {
		id      string // as written, unquoted
		in, out string // a user in the group, one not in it
	}{
		{"00123", "00123", "83"},
		{"007", "007", "7"},
		{"0x10", "0x10", "16"},
		{"1_000", "1_000", "1000"},
		{"0o17", "0o17", "15"},
		{"+5", "+5", "5"},
		{"0b11", "0b11", "3"},
		{"22", "22", "022"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			rs, err := Parse([]byte("groups:\n  g: [" + tt.id + "]\nexperiments:\n  a: g\n"))
			if err != nil {
				t.Fatal(err)
			}
			if !rs.VariantFor("a", ContextFor(tt.in)) || rs.VariantFor("a", ContextFor(tt.out)) {
				t.Errorf("%q in: %v, %q in: %v; want true, false", tt.in, rs.VariantFor("a", ContextFor(tt.in)), tt.out, rs.VariantFor("a", ContextFor(tt.out)))
			}
		})
	}
}

// Finding 8: a body cut short without a length was installed.
func TestFinding8CloseDelimitedBodies(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var body atomic.Value
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				r := bufio.NewReader(conn)
				for { // read the request head
					line, err := r.ReadString('\n')
					if err != nil || line == "\r\n" {
						break
					}
				}
				fmt.Fprint(conn, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"+body.Load().(string))
			}()
		}
	}()
	tests := []struct {
		name, body, wantErr string
	}{
		{"YAML cut at a line", "version: 4\nexperiments:\n  e0: true\n", "has no Content-Length and is not chunked"},
		{"YAML with its document end", "version: 4\nexperiments:\n  e0: true\n...\n", ""},
		{"JSON, whole", `{"version": 4, "experiments": {"e0": true}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body.Store(tt.body)
			_, err := HTTPSource("http://"+ln.Addr().String()+"/c", nil).Fetch(t.Context())
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Fetch = %v; want %q", err, tt.wantErr)
			}
		})
	}
}

// Finding 10: payload numbers beyond float64 were accepted.
func TestFinding10PayloadNumbersAreFinite(t *testing.T) {
	tests := []struct {
		name, input string
		wantErr     bool
	}{
		{"YAML 1e400", "experiments: {a: {variants: {v: {allocation: 100%, payload: {n: 1e400}}}}}", true},
		{"JSON 1e400", `{"experiments": {"a": {"variants": {"v": {"allocation": "100%", "payload": {"n": 1e400}}}}}}`, true},
		{"snapshot -1e999", `{"version": 1, "experiments": [{"id": "a", "key": "a", "variants": [{"id": "v", "key": "v", "payload": {"n": -1e999}}], "allocations": []}]}`, true},
		{"quoted 1e400 is a string", "experiments: {a: {variants: {v: {allocation: 100%, payload: {n: '1e400'}}}}}", false},
		{"1e300 is a number", `{"experiments": {"a": {"variants": {"v": {"allocation": "100%", "payload": {"n": 1e300}}}}}}`, false},
		{"a 30-digit integer is kept", `{"experiments": {"a": {"variants": {"v": {"allocation": "100%", "payload": {"n": 123456789012345678901234567890}}}}}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.input))
			if tt.wantErr != (err != nil) || (err != nil && !errors.Is(err, ErrInvalidValue)) {
				t.Errorf("Parse = %v; want an error: %v", err, tt.wantErr)
			}
		})
	}
}

// Finding 13: LastError stayed set after the source recovered with a 304.
func TestFinding13LastErrorClearedOnRecovery(t *testing.T) {
	srv := newConfigServer(t, versioned(1))
	live, err := Watch(t.Context(), HTTPSource(srv.URL, nil), &WatchOptions{Interval: time.Hour, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	srv.setMode("500")
	if err := live.Reload(t.Context()); err == nil {
		t.Fatal("a 500 was not an error")
	}
	if live.Status().LastError == nil {
		t.Fatal("the 500 was not recorded")
	}
	srv.setMode("")
	if err := live.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := live.Status(); st.LastError != nil || !st.LastErrorAt.IsZero() {
		t.Errorf("after a 304 on the good config, LastError = %v; want nil", st.LastError)
	}
}

// Names that cannot name an experiment or a variant.
func TestNamesRejected(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{"empty experiment", "experiments:\n  '': true\n", "an experiment name must not be empty"},
		{"~ experiment", "experiments:\n  ~: true\n", "an experiment name must not be null"},
		{"null experiment", "experiments:\n  null: true\n", "an experiment name must not be null"},
		{"NUL in an experiment", "experiments:\n  \"a\\0b\": true\n", "must not contain a NUL"},
		{"~ variant", "experiments:\n  a: {~: 50%}\n", "a variant name must not be null"},
		{"NUL in a variant", "experiments:\n  a: {\"v\\0\": 50%}\n", "must not contain a NUL"},
		{"empty snapshot key", `{"version": 1, "experiments": [{"id": "a", "key": "", "variants": [], "allocations": []}]}`, "an experiment key must be non-empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.input))
			if !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse = %v; want ErrInvalidValue with %q", err, tt.want)
			}
		})
	}
	if _, err := Parse([]byte("experiments:\n  'null': true\n  '~': true\n")); err != nil {
		t.Errorf("quoted null and ~ are names: %v", err)
	}
}

var discard = slog.New(slog.DiscardHandler)

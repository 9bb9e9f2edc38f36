package experiment

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// versioned returns a config of the given version whose experiments a and b
// are both on for odd versions and both off for even ones.
func versioned(v int) string {
	return fmt.Sprintf("version: %d\nexperiments:\n  a: %v\n  b: %v\n", v, v%2 == 1, v%2 == 1)
}

var quiet = slog.New(slog.DiscardHandler)

// configServer is an httptest server whose config, ETag and failure mode
// a test changes as it goes.
type configServer struct {
	*httptest.Server
	mu          sync.Mutex
	body        string
	etag        string
	mode        string // "", "500", "slow", "truncated"
	requests    atomic.Int32
	notModified atomic.Int32
}

func newConfigServer(t *testing.T, body string) *configServer {
	s := &configServer{}
	s.set(body)
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *configServer) set(body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body = body
	s.etag = fmt.Sprintf(`"%x"`, Bucket(body, "etag"))
}

func (s *configServer) setMode(mode string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mode = mode
}

func (s *configServer) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	s.mu.Lock()
	body, etag, mode := s.body, s.etag, s.mode
	s.mu.Unlock()
	switch mode {
	case "500":
		http.Error(w, "storage is down", http.StatusInternalServerError)
		return
	case "slow":
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
		return
	case "truncated":
		w.Header().Set("Content-Length", fmt.Sprint(len(body)+100))
		_, _ = io.WriteString(w, body)
		return
	}
	if r.Header.Get("If-None-Match") == etag {
		s.notModified.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	_, _ = io.WriteString(w, body)
}

// recorder collects what a Live reports through its hooks.
type recorder struct {
	mu      sync.Mutex
	updates []string // "old->new" versions
	errs    []error
	updated chan int64
}

func newRecorder() *recorder { return &recorder{updated: make(chan int64, 100)} }

func (rc *recorder) options(o WatchOptions) *WatchOptions {
	o.Logger = quiet
	o.OnUpdate = func(old, new *Ruleset) {
		rc.mu.Lock()
		rc.updates = append(rc.updates, fmt.Sprintf("%d->%d", old.Version(), new.Version()))
		rc.mu.Unlock()
		rc.updated <- new.Version()
	}
	o.OnError = func(err error) {
		rc.mu.Lock()
		rc.errs = append(rc.errs, err)
		rc.mu.Unlock()
	}
	return &o
}

func (rc *recorder) errors() []error {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]error(nil), rc.errs...)
}

func TestWatchHTTPPolls(t *testing.T) {
	srv := newConfigServer(t, versioned(1))
	rc := newRecorder()
	const interval = 50 * time.Millisecond
	live, err := Watch(t.Context(), HTTPSource(srv.URL, nil), rc.options(WatchOptions{Interval: interval, Jitter: -1}))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if v := <-rc.updated; v != 1 {
		t.Fatalf("first version = %d; want 1", v)
	}
	// Unchanged: polls cost a 304 and no update.
	for srv.notModified.Load() < 3 {
		time.Sleep(interval / 5)
	}
	srv.set(versioned(2))
	changed := time.Now()
	select {
	case v := <-rc.updated:
		// One interval, plus slack for a loaded machine.
		if v != 2 || time.Since(changed) > interval+time.Second {
			t.Errorf("update to %d after %v; want 2 within about one interval (%v)", v, time.Since(changed), interval)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the new version never arrived")
	}
	if live.Version() != 2 || live.VariantFor("a", ContextFor("u")) {
		t.Errorf("Version() = %d, a = %v; want 2, false", live.Version(), live.VariantFor("a", ContextFor("u")))
	}
	live.Close()
	if diff := cmp.Diff([]string{"0->1", "1->2"}, rc.updates); diff != "" {
		t.Errorf("updates (-want +got):\n%s", diff)
	}
}

// TestReloadHTTPFailures drives an HTTP source through every failure: each
// keeps the last good config and is reported; recovery takes the next one.
func TestReloadHTTPFailures(t *testing.T) {
	srv := newConfigServer(t, versioned(1))
	rc := newRecorder()
	src := HTTPSource(srv.URL, &HTTPOptions{Timeout: 200 * time.Millisecond, MaxBytes: 200})
	live, err := Watch(t.Context(), src, rc.options(WatchOptions{Interval: time.Hour}))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	ctx := t.Context()
	tests := []struct {
		name    string
		mode    string
		body    string
		wantErr string // substring; "" for success
		wantIs  error
		want    int64 // the version serving afterwards
	}{
		{name: "unchanged is a 304", body: versioned(1), want: 1},
		{name: "500 keeps the last good", mode: "500", body: versioned(2), wantErr: "unexpected status 500", want: 1},
		{name: "timeout keeps the last good", mode: "slow", body: versioned(2), wantErr: "context deadline exceeded", want: 1},
		{name: "truncated body keeps the last good", mode: "truncated", body: versioned(2), wantErr: "unexpected EOF", want: 1},
		{name: "oversize body keeps the last good", body: versioned(2) + "# " + strings.Repeat("x", 300) + "\n", wantIs: ErrTooLarge, want: 1},
		{name: "invalid config keeps the last good", body: versioned(2) + "  c: 5\n", wantIs: ErrInvalidValue, want: 1},
		// The 304 says the failed bytes stand: the failure is reported
		// again (so polling backs off), and nothing is parsed.
		{name: "the same invalid config is not parsed again", body: versioned(2) + "  c: 5\n", wantIs: ErrInvalidValue, want: 1},
		{name: "recovery takes the next good one", body: versioned(3), want: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.setMode(tt.mode)
			srv.set(tt.body)
			before304 := srv.notModified.Load()
			err := live.Reload(ctx)
			switch {
			case tt.wantErr == "" && tt.wantIs == nil && err != nil:
				t.Errorf("Reload: %v; want success", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Reload: %v; want an error containing %q", err, tt.wantErr)
			case tt.wantIs != nil && !errors.Is(err, tt.wantIs):
				t.Errorf("Reload: %v; want an error wrapping %v", err, tt.wantIs)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "experiment: ") {
				t.Errorf("error %q lacks the experiment: prefix", err)
			}
			if got := live.Version(); got != tt.want {
				t.Errorf("serving version %d; want %d", got, tt.want)
			}
			if st := live.Status(); err != nil && st.LastError != err {
				t.Errorf("Status().LastError = %v; Reload returned %v", st.LastError, err)
			}
			if tt.name == "unchanged is a 304" && srv.notModified.Load() != before304+1 {
				t.Errorf("no 304 for an unchanged config")
			}
		})
	}
	if got := len(rc.errors()); got != 5 {
		t.Errorf("OnError called %d times; want 5 (one per failure)", got)
	}
	var ce *ConfigError
	if errs := rc.errors(); len(errs) < 5 || !errors.As(errs[4], &ce) || ce.File != srv.URL {
		t.Errorf("the invalid config's error should be a *ConfigError naming the URL; got %v", errs)
	}
	if st := live.Status(); st.LastError != nil || st.Version != 3 {
		t.Errorf("Status after recovery = %+v; want version 3 and no error", st)
	}
	if diff := cmp.Diff([]string{"0->1", "1->3"}, rc.updates); diff != "" {
		t.Errorf("updates (-want +got):\n%s", diff)
	}
}

func TestWatchFirstLoadFails(t *testing.T) {
	srv := newConfigServer(t, "experiments: [broken")
	_, err := Watch(t.Context(), HTTPSource(srv.URL, nil), &WatchOptions{Logger: quiet})
	if !errors.Is(err, ErrSyntax) {
		t.Fatalf("Watch = %v; want ErrSyntax", err)
	}
}

func TestWatchFallback(t *testing.T) {
	srv := newConfigServer(t, "")
	srv.setMode("500")
	fallback := mustParse(t, "version: 99\nexperiments: {a: true}")
	rc := newRecorder()
	live, err := Watch(t.Context(), HTTPSource(srv.URL, nil), rc.options(WatchOptions{Interval: time.Hour, Fallback: fallback}))
	if err != nil {
		t.Fatalf("Watch with a fallback: %v", err)
	}
	defer live.Close()
	st := live.Status()
	if live.Ruleset() != fallback || !st.Fallback || st.Version != 99 || st.LastError == nil {
		t.Errorf("serving %v, status %+v; want the fallback and the error", live.Version(), st)
	}
	if len(rc.errors()) != 1 {
		t.Errorf("OnError calls = %d; want 1", len(rc.errors()))
	}
	srv.setMode("")
	srv.set(versioned(4))
	if err := live.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := live.Status(); live.Version() != 4 || st.Fallback || st.LastError != nil || st.LoadedAt.IsZero() {
		t.Errorf("after recovery: version %d, status %+v", live.Version(), st)
	}
	if diff := cmp.Diff([]string{"99->4"}, rc.updates); diff != "" {
		t.Errorf("updates (-want +got):\n%s", diff)
	}
}

func TestFileSource(t *testing.T) {
	write := func(t *testing.T, path, data string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		setup  func(t *testing.T, dir string) string       // returns the path to watch
		change func(t *testing.T, dir, path string, v int) // installs version v
	}{
		{
			name: "in-place write",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "c.yaml")
				write(t, p, versioned(1))
				return p
			},
			change: func(t *testing.T, dir, path string, v int) { write(t, path, versioned(v)) },
		},
		{
			name: "rename over",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "c.yaml")
				write(t, p, versioned(1))
				return p
			},
			change: func(t *testing.T, dir, path string, v int) {
				tmp := filepath.Join(dir, fmt.Sprintf(".c.yaml.%d", v))
				write(t, tmp, versioned(v))
				if err := os.Rename(tmp, path); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			// A Kubernetes ConfigMap volume: c.yaml -> ..data/c.yaml,
			// ..data -> ..v1; an update writes ..vN and swaps ..data
			// with a rename.
			name: "configmap symlink swap",
			setup: func(t *testing.T, dir string) string {
				mustDo(t, os.Mkdir(filepath.Join(dir, "..v1"), 0o755))
				write(t, filepath.Join(dir, "..v1", "c.yaml"), versioned(1))
				mustDo(t, os.Symlink("..v1", filepath.Join(dir, "..data")))
				mustDo(t, os.Symlink(filepath.Join("..data", "c.yaml"), filepath.Join(dir, "c.yaml")))
				return filepath.Join(dir, "c.yaml")
			},
			change: func(t *testing.T, dir, path string, v int) {
				ver := fmt.Sprintf("..v%d", v)
				mustDo(t, os.Mkdir(filepath.Join(dir, ver), 0o755))
				write(t, filepath.Join(dir, ver, "c.yaml"), versioned(v))
				mustDo(t, os.Symlink(ver, filepath.Join(dir, "..data_tmp")))
				mustDo(t, os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tt.setup(t, dir)
			rc := newRecorder()
			live, err := Watch(t.Context(), FileSource(path), rc.options(WatchOptions{Interval: time.Hour}))
			if err != nil {
				t.Fatal(err)
			}
			defer live.Close()
			for v := 2; v <= 4; v++ {
				// Same size, same second: only the contents tell.
				tt.change(t, dir, path, v)
				if err := live.Reload(t.Context()); err != nil {
					t.Fatal(err)
				}
				if live.Version() != int64(v) {
					t.Fatalf("after change to %d: serving %d", v, live.Version())
				}
			}
			// Unchanged: no update.
			if err := live.Reload(t.Context()); err != nil {
				t.Fatal(err)
			}
			// A broken write keeps version 4; fixing it takes version 5.
			tt.change(t, dir, path, 5)
			write(t, path, "experiments: {a: [unknown group]}")
			if err := live.Reload(t.Context()); !errors.Is(err, ErrUnknownGroup) || live.Version() != 4 {
				t.Errorf("broken file: err %v, serving %d; want ErrUnknownGroup, 4", err, live.Version())
			}
			write(t, path, versioned(5))
			if err := live.Reload(t.Context()); err != nil || live.Version() != 5 {
				t.Errorf("fixed file: err %v, serving %d; want 5", err, live.Version())
			}
			if diff := cmp.Diff([]string{"0->1", "1->2", "2->3", "3->4", "4->5"}, rc.updates); diff != "" {
				t.Errorf("updates (-want +got):\n%s", diff)
			}
		})
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestFileSourceMissing(t *testing.T) {
	_, err := Watch(t.Context(), FileSource(filepath.Join(t.TempDir(), "none.yaml")), &WatchOptions{Logger: quiet})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Watch of a missing file = %v; want os.ErrNotExist", err)
	}
}

// TestLiveRace evaluates from many goroutines while hundreds of reloads
// happen. Experiments a and b are on together or off together in every
// version, so a reader that pins one Ruleset must never see them differ.
func TestLiveRace(t *testing.T) {
	var version atomic.Int64
	version.Store(1)
	src := SourceFunc(func(context.Context) ([]byte, error) {
		return []byte(versioned(int(version.Load()))), nil
	})
	live, err := Watch(t.Context(), src, &WatchOptions{Interval: time.Hour, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	const reloads = 300
	stop := make(chan struct{})
	var readers sync.WaitGroup
	var evaluations, mismatches atomic.Int64
	for g := range 8 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			c := ContextFor(fmt.Sprint("user-", g))
			dst := make([]Assignment, 0, 2)
			for {
				select {
				case <-stop:
					return
				default:
				}
				r := live.Ruleset()
				a, b := r.VariantFor("a", c), r.VariantFor("b", c)
				odd := r.Version()%2 == 1
				if a != b || a != odd || len(r.AppendAssignments(dst[:0], c)) != map[bool]int{true: 2, false: 0}[odd] {
					mismatches.Add(1)
				}
				_ = live.Feature("a", c) // unpinned reads must be safe too
				evaluations.Add(1)
			}
		}()
	}
	for v := 2; v <= reloads+1; v++ {
		version.Store(int64(v))
		if err := live.Reload(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	readers.Wait()
	if mismatches.Load() != 0 {
		t.Errorf("%d of %d evaluations saw an inconsistent config", mismatches.Load(), evaluations.Load())
	}
	if live.Version() != reloads+1 {
		t.Errorf("final version %d; want %d", live.Version(), reloads+1)
	}
}

func TestLiveStops(t *testing.T) {
	src := SourceFunc(func(context.Context) ([]byte, error) { return []byte(versioned(1)), nil })
	t.Run("Close", func(t *testing.T) {
		live, err := Watch(t.Context(), src, &WatchOptions{Interval: time.Millisecond, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		live.Close()
		live.Close() // idempotent
		select {
		case <-live.Done():
		default:
			t.Fatal("polling still running after Close")
		}
		if live.Version() != 1 {
			t.Errorf("after Close: serving %d; want the last config, 1", live.Version())
		}
	})
	t.Run("context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		live, err := Watch(ctx, src, &WatchOptions{Interval: time.Millisecond, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		select {
		case <-live.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("polling still running after the context was cancelled")
		}
	})
}

func TestLiveDelay(t *testing.T) {
	l := &Live{opts: WatchOptions{Interval: time.Second, MaxBackoff: 5 * time.Second, Jitter: -1}}
	var got []time.Duration
	for failures := range 5 {
		got = append(got, l.delay(failures))
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("delays (-want +got):\n%s", diff)
	}
	l.opts.Jitter = 0.1
	for range 100 {
		if d := l.delay(0); d < 900*time.Millisecond || d > 1100*time.Millisecond {
			t.Fatalf("delay with 10%% jitter = %v; want within 0.9s..1.1s", d)
		}
	}
}

func TestLiveLogs(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	fail := true
	src := SourceFunc(func(context.Context) ([]byte, error) {
		if fail {
			return nil, errors.New("bucket unreachable")
		}
		return []byte(versioned(2)), nil
	})
	live, err := Watch(t.Context(), src, &WatchOptions{Interval: time.Hour, Logger: logger, Fallback: &Ruleset{}})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	fail = false
	if err := live.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`level=WARN msg="experiment: config load failed; there is no config to serve yet"`,
		`error="experiment: fetching experiment.SourceFunc: bucket unreachable"`,
		`level=WARN msg="experiment: serving the fallback config"`,
		`level=INFO msg="experiment: config updated" source=experiment.SourceFunc old_version=0 new_version=2 experiments=2`,
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, buf.String())
		}
	}
}

func TestLiveAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	src := SourceFunc(func(context.Context) ([]byte, error) { return []byte(genConfig(100)), nil })
	live, err := Watch(t.Context(), src, &WatchOptions{Interval: time.Hour, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	c := ContextFor("user-12345678")
	fns := map[string]func(){"red": func() {}, "fallback": func() {}}
	for name, fn := range map[string]func(){
		"VariantFor": func() { sink.b = live.VariantFor("flag-0042", c) },
		"Feature":    func() { sink.s = live.Feature("flag-0043", c) },
		"Payload":    func() { sink.p = live.Payload("flag-0043", c) },
		"Select":     func() { sink.f = live.Select("flag-0043", c, fns) },
		"Ruleset":    func() { sink.r = live.Ruleset() },
	} {
		if got := testing.AllocsPerRun(200, fn); got != 0 {
			t.Errorf("Live.%s: %v allocations; want 0", name, got)
		}
	}
}

func TestNilLive(t *testing.T) {
	var l *Live
	if l.VariantFor("a", ContextFor("u")) || l.Ruleset() != nil || l.Close() != nil || l.Status() != (Status{}) {
		t.Error("a nil *Live must be empty and closable")
	}
	var zero Live
	if zero.VariantFor("a", ContextFor("u")) || zero.Version() != 0 {
		t.Error("the zero Live must be empty")
	}
}

// storage is a fake object store laid out as the platform publishes:
// configs/{env}/version.json and configs/{env}/snapshots/latest.json.
type storage struct {
	mu      sync.Mutex
	objects map[string]string
	gets    map[string]int
}

func (s *storage) put(path, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objects[path] = body
}

func (s *storage) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets[path]
}

func (s *storage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gets[r.URL.Path]++
	body, ok := s.objects[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	_, _ = io.WriteString(w, body)
}

// publish writes a snapshot of the given version the way the platform does.
func (s *storage) publish(env string, version int, latest string) {
	snap := fmt.Sprintf(`{"version": %d, "environment": %q, "publishedAt": "2026-02-20T12:00:00.000Z", "experiments": [
		{"id": "e1", "key": "banner", "salt": "s", "audienceRules": [], "targetingRules": [],
		 "variants": [{"id": "v1", "key": "v%d", "payload": {"n": %d}}],
		 "allocations": [{"variantId": "v1", "rangeStart": 0, "rangeEnd": 9999}]}]}`, version, env, version, version)
	s.put("/configs/"+env+"/snapshots/"+fmt.Sprint(version)+".json", snap)
	s.put("/configs/"+env+"/"+latest, snap)
	s.put("/configs/"+env+"/version.json", fmt.Sprintf(`{"version": %d}`, version))
}

func TestSnapshotSource(t *testing.T) {
	for _, latest := range []string{"snapshots/latest.json", "latest.json"} {
		t.Run(latest, func(t *testing.T) {
			store := &storage{objects: map[string]string{}, gets: map[string]int{}}
			srv := httptest.NewServer(store)
			defer srv.Close()
			store.publish("prod", 1, latest)
			live, err := Watch(t.Context(), SnapshotSource(srv.URL+"/configs/prod/", nil), &WatchOptions{Interval: time.Hour, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			defer live.Close()
			latestPath := "/configs/prod/" + latest
			c := ContextFor("u")
			if live.Version() != 1 || live.Env() != "prod" || live.Feature("banner", c) != "v1" {
				t.Fatalf("first load: version %d, env %q, banner %q", live.Version(), live.Env(), live.Feature("banner", c))
			}
			// The version did not grow: version.json only.
			for range 3 {
				mustDo(t, live.Reload(t.Context()))
			}
			if n := store.count(latestPath); n != 1 {
				t.Errorf("%s fetched %d times while the version stayed 1; want 1", latest, n)
			}
			if n := store.count("/configs/prod/version.json"); n != 4 {
				t.Errorf("version.json fetched %d times; want 4", n)
			}
			// version.json is ahead of a stale latest: nothing installed,
			// and the next poll fetches it again.
			store.put("/configs/prod/version.json", `{"version": 2}`)
			mustDo(t, live.Reload(t.Context()))
			if live.Version() != 1 || store.count(latestPath) != 2 {
				t.Errorf("stale latest: version %d, fetched %d times; want 1, 2", live.Version(), store.count(latestPath))
			}
			store.publish("prod", 2, latest)
			mustDo(t, live.Reload(t.Context()))
			if live.Version() != 2 || live.Feature("banner", c) != "v2" || string(live.Payload("banner", c)) != `{"n":2}` {
				t.Errorf("after publishing 2: version %d, banner %q", live.Version(), live.Feature("banner", c))
			}
			// A broken version.json keeps version 2.
			store.put("/configs/prod/version.json", `{"v": 3}`)
			if err := live.Reload(t.Context()); err == nil || live.Version() != 2 {
				t.Errorf("broken version.json: err %v, version %d; want an error and 2", err, live.Version())
			}
		})
	}
}

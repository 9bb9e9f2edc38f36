package decide

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inprocess/experiment"
)

// publish writes version N of environment env into a storage-layout
// folder as the platform publishes it: the snapshot, then version.json.
func publish(t *testing.T, layout, env string, version int) {
	t.Helper()
	snap := fmt.Sprintf(`{"version":%d,"environment":%q,"publishedAt":"2026-02-20T12:00:00.000Z","experiments":[
		{"id":"e1","key":"banner","salt":"s","audienceRules":[],"targetingRules":[],
		 "variants":[{"id":"v1","key":"v%d","payload":null}],"allocations":[{"variantId":"v1","rangeStart":0,"rangeEnd":9999}]}]}`, version, env, version)
	dir := filepath.Join(layout, "configs", env)
	writeFile(t, filepath.Join(dir, "snapshots", fmt.Sprintf("%d.json", version)), snap)
	writeFile(t, filepath.Join(dir, "snapshots", "latest.json"), snap)
	writeFile(t, filepath.Join(dir, "version.json"), fmt.Sprintf(`{"version":%d}`, version))
}

// decideOnce answers one /decide request through h.
func decideOnce(h http.Handler, env string) (int, string) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/decide?user_key=u&env="+env, nil))
	return w.Code, w.Body.String()
}

// eventually retries f until it returns "" or the hang guard passes, and
// fails with f's last complaint.
func eventually(t *testing.T, f func() string) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(hangGuard); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if last = f(); last == "" {
			return
		}
	}
	t.Fatal(last)
}

// TestLayoutDiscovery serves a storage-layout folder, as the platform
// publishes to it, with environments created while the server runs: the
// first request for a published one waits for it and is answered 200; one
// published after its first request is served soon after; a new version
// is picked up by polling.
func TestLayoutDiscovery(t *testing.T) {
	for _, form := range []string{"folder", "file URL", "Discover"} {
		t.Run(form, func(t *testing.T) {
			layout := t.TempDir()
			cfg := Config{Layout: layout, Interval: 20 * time.Millisecond, Logger: quiet}
			switch form {
			case "file URL":
				cfg.Layout = "file://" + filepath.ToSlash(layout)
			case "Discover":
				cfg.Layout = ""
				cfg.Discover = func(env string) (experiment.Source, error) {
					return experiment.SnapshotDirSource(filepath.Join(layout, "configs", env)), nil
				}
			}
			s := startServer(t, cfg)
			h := s.Handler()

			publish(t, layout, "staging", 3)
			if code, body := decideOnce(h, "staging"); code != 200 || !strings.Contains(body, `"config_version":3`) {
				t.Errorf("first request for a published environment: %d %s; want 200 with version 3", code, body)
			}
			if code, body := decideOnce(h, "qa"); code != 503 {
				t.Errorf("an environment not published yet: %d %s; want 503", code, body)
			}
			publish(t, layout, "qa", 1)
			eventually(t, func() string {
				if code, body := decideOnce(h, "qa"); code != 200 {
					return fmt.Sprintf("qa, once published: %d %s", code, body)
				}
				return ""
			})
			publish(t, layout, "staging", 4)
			eventually(t, func() string {
				if _, body := decideOnce(h, "staging"); !strings.Contains(body, `"config_version":4`) {
					return "staging never served version 4: " + body
				}
				return ""
			})
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "/health", nil))
			if want := `{"status":"ok","config_versions":{"qa":1,"staging":4},"ready":{"qa":true,"staging":true}}`; w.Code != 200 || w.Body.String() != want {
				t.Errorf("/health: %d %s; want 200 %s", w.Code, w.Body, want)
			}
		})
	}
}

// TestDiscoverErrors checks Config.Discover's failures: an error is a
// failed load (503, and tried again on a later request), and Discover
// with Layout is refused.
func TestDiscoverErrors(t *testing.T) {
	layout := t.TempDir()
	var fail sync.Mutex // held: Discover fails
	fail.Lock()
	s := startServer(t, Config{Interval: 20 * time.Millisecond, Logger: quiet, Discover: func(env string) (experiment.Source, error) {
		if !fail.TryLock() {
			return nil, fmt.Errorf("no bucket for %q: %w", env, fs.ErrNotExist)
		}
		fail.Unlock()
		return experiment.SnapshotDirSource(filepath.Join(layout, "configs", env)), nil
	}})
	publish(t, layout, "prod", 2)
	if code, body := decideOnce(s.Handler(), "prod"); code != 503 {
		t.Errorf("while Discover fails: %d %s; want 503", code, body)
	}
	fail.Unlock()
	eventually(t, func() string {
		if code, body := decideOnce(s.Handler(), "prod"); code != 200 {
			return fmt.Sprintf("once Discover works: %d %s; want 200", code, body)
		}
		return ""
	})
	_, err := New(Config{Layout: layout, Discover: func(string) (experiment.Source, error) { return nil, nil }})
	if err == nil || !strings.Contains(err.Error(), "Config.Layout and Config.Discover are both set") {
		t.Errorf("New with Layout and Discover: %v; want an error naming both", err)
	}
}

// TestLayoutDiscoveryOverHTTP discovers an environment in a layout served
// over HTTP, as the platform's decision service reads CONFIG_BASE_URL.
func TestLayoutDiscoveryOverHTTP(t *testing.T) {
	layout := t.TempDir()
	store := httptest.NewServer(http.StripPrefix("/experiment-configs", http.FileServer(http.Dir(layout))))
	defer store.Close()
	s := startServer(t, Config{Layout: store.URL + "/experiment-configs", Interval: 20 * time.Millisecond, Logger: quiet})
	publish(t, layout, "prod", 9)
	publish(t, layout, "with space", 2)
	for _, env := range []string{"prod", "with%20space"} {
		if code, body := decideOnce(s.Handler(), env); code != 200 {
			t.Errorf("%s: %d %s; want 200", env, code, body)
		}
	}
}

// TestLayoutNames checks that names that are not a folder of the layout
// are never looked up, and answer 503 (the platform resolves x/../prod to
// prod).
func TestLayoutNames(t *testing.T) {
	layout := t.TempDir()
	publish(t, layout, "prod", 1)
	writeFile(t, filepath.Join(layout, "version.json"), `{"version":1}`) // what "configs/.." would reach
	s := startServer(t, Config{Layout: layout, Logger: quiet})
	for _, env := range []string{"x%2F..%2Fprod", "prod%2F", "..", ".", "a%5Cb", "a%00b", strings.Repeat("x", maxLayoutName+1)} {
		if code, body := decideOnce(s.Handler(), env); code != 503 {
			t.Errorf("env=%s: %d %s; want 503", env, code, body)
		}
	}
	if n := len(s.envs.all()); n != 0 {
		t.Errorf("%d environments discovered; want none", n)
	}
}

// TestLayoutBound checks Config.MaxEnvironments: past it a discovered
// environment without a config makes room (the least recently requested),
// and when every one has a config a new name is answered 503.
func TestLayoutBound(t *testing.T) {
	layout := t.TempDir()
	s := startServer(t, Config{Layout: layout, MaxEnvironments: 2, Logger: quiet})
	h := s.Handler()
	names := func() []string {
		var out []string
		for _, e := range s.envs.all() {
			out = append(out, e.name)
		}
		slices.Sort(out)
		return out
	}
	decideOnce(h, "junk-1")
	decideOnce(h, "junk-2")
	decideOnce(h, "junk-1") // junk-2 is now the least recently requested
	decideOnce(h, "junk-3")
	if diff := cmp.Diff([]string{"junk-1", "junk-3"}, names()); diff != "" {
		t.Errorf("after a third name (-want +got):\n%s", diff)
	}
	publish(t, layout, "a", 1)
	publish(t, layout, "b", 1)
	for _, env := range []string{"a", "b"} {
		if code, body := decideOnce(h, env); code != 200 {
			t.Fatalf("%s: %d %s", env, code, body)
		}
	}
	if code, _ := decideOnce(h, "c"); code != 503 {
		t.Errorf("a third name with two served: %d; want 503", code)
	}
	if diff := cmp.Diff([]string{"a", "b"}, names()); diff != "" {
		t.Errorf("environments (-want +got):\n%s", diff)
	}
}

// logBuffer collects JSON log records.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) records(t *testing.T) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

// TestLogsSayWhatServes checks the log records of an environment whose
// first load fails: it says there is no config to serve yet, never that a
// fallback serves or that a last good config is kept; once a config loads
// and a reload then fails, it says the last good config is kept. A
// discovered environment that is not published logs that at debug only.
func TestLogsSayWhatServes(t *testing.T) {
	dir := t.TempDir()
	prod := filepath.Join(dir, "prod.yaml")
	var logs logBuffer
	s := startServer(t, Config{
		Environments: []Environment{{Name: "prod", Source: prod}},
		Layout:       filepath.Join(dir, "layout"),
		Interval:     10 * time.Millisecond,
		Logger:       slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	decideOnce(s.Handler(), "unpublished")
	messages := func(env string) map[string]bool {
		got := map[string]bool{}
		for _, r := range logs.records(t) {
			if r["environment"] == env {
				got[r["msg"].(string)] = true
			}
		}
		return got
	}
	eventually(t, func() string {
		if !messages("prod")["experiment: config load failed; there is no config to serve yet"] {
			return "no record that prod has no config to serve"
		}
		return ""
	})
	writeFile(t, prod, fmt.Sprintf(prodYAML, 1))
	waitConfig(t, s, "prod")
	before := messages("prod")
	for _, msg := range []string{"experiment: serving the fallback config", "experiment: config reload failed; keeping the last good config"} {
		if before[msg] {
			t.Errorf("logged %q before any config loaded", msg)
		}
	}
	writeFile(t, prod, "experiments: [")
	eventually(t, func() string {
		if !messages("prod")["experiment: config reload failed; keeping the last good config"] {
			return "no record that the last good config is kept after a failed reload"
		}
		return ""
	})
	for msg := range messages("unpublished") {
		if strings.Contains(msg, "failed") {
			t.Errorf("an unpublished discovered environment logged %q above debug", msg)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "layout")); err == nil {
		t.Error("the layout folder was created")
	}
}

// TestHealthReadiness checks /health as a readiness probe: 503 while a
// configured environment has no config, 200 once all have one.
func TestHealthReadiness(t *testing.T) {
	dir := t.TempDir()
	staging := filepath.Join(dir, "staging.yaml")
	s := newTestServer(t, Config{Environments: []Environment{{Name: "staging", Source: staging}}, Interval: 10 * time.Millisecond})
	health := func() (int, string) {
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/health", nil))
		return w.Code, w.Body.String()
	}
	code, body := health()
	if want := `{"status":"unavailable","config_versions":{"prod":1},"ready":{"prod":true,"staging":false}}`; code != 503 || body != want {
		t.Errorf("with staging unloaded: %d %s; want 503 %s", code, body, want)
	}
	writeFile(t, staging, fmt.Sprintf(prodYAML, 2))
	waitConfig(t, s, "staging")
	code, body = health()
	if want := `{"status":"ok","config_versions":{"prod":1,"staging":2},"ready":{"prod":true,"staging":true}}`; code != 200 || body != want {
		t.Errorf("with both loaded: %d %s; want 200 %s", code, body, want)
	}
}

// TestEnvironmentSourceFolder serves configured environments from a
// storage-layout folder, given as a path and as a file:// URL.
func TestEnvironmentSourceFolder(t *testing.T) {
	layout := t.TempDir()
	publish(t, layout, "prod", 5)
	folder := filepath.Join(layout, "configs", "prod")
	s := startServer(t, Config{Logger: quiet, Environments: []Environment{
		{Name: "prod", Source: folder},
		{Name: "byurl", Source: "file://" + filepath.ToSlash(folder)},
	}}, "prod", "byurl")
	for _, env := range []string{"prod", "byurl"} {
		if code, body := decideOnce(s.Handler(), env); code != 200 || !strings.Contains(body, `"config_version":5`) {
			t.Errorf("%s: %d %s; want version 5", env, code, body)
		}
	}
	if _, err := New(Config{Environments: []Environment{{Name: "x", Source: "file://host/x"}}}); err == nil {
		t.Error("a file URL naming a host was accepted")
	}
}

// Package experimenttest helps test code that uses package experiment, in
// the way net/http/httptest helps test HTTP code: rulesets that force
// given variants for given users, a Live that serves one for the length of
// a test, and a fake object store that serves configs over HTTP.
//
// Every helper takes a testing.TB, fails the test on error and cleans up
// after itself with TB.Cleanup. A test of a handler that branches on an
// experiment:
//
//	func TestCheckoutGreen(t *testing.T) {
//		experimenttest.Serve(t, app.Experiments, experimenttest.Force(t, experimenttest.Assign{
//			"alice": {"buttonColor": "green"},
//		}))
//		rec := httptest.NewRecorder()
//		app.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/?user=alice", nil))
//		if !strings.Contains(rec.Body.String(), `class="button go"`) { ... }
//	}
package experimenttest

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/internal/wire"
)

// Parse parses config (YAML or JSON, or a published snapshot) as
// experiment.Parse does, and fails the test if it does not load.
func Parse(tb testing.TB, config string, opts ...experiment.Option) *experiment.Ruleset {
	tb.Helper()
	rs, err := experiment.Parse([]byte(config), opts...)
	if err != nil {
		tb.Fatalf("experimenttest: %v", err)
	}
	return rs
}

// Assign maps a user id to the variant each experiment must give them:
// Assign{"alice": {"buttonColor": "red"}}.
type Assign map[string]map[string]string

// Force returns a ruleset in which each user of assign gets exactly the
// variants assign lists, and every other user is off in every experiment.
// Its experiments are the ones assign names, in name order, each with the
// variants assign names for it; variants have no payload (JSON null).
// opts are passed to experiment.Parse (for example WithExposures). A user
// id ending in '%' fails the test: a config reads a string ending in '%' as a percentage, never as a user id.
func Force(tb testing.TB, assign Assign, opts ...experiment.Option) *experiment.Ruleset {
	tb.Helper()
	type variant struct {
		Allocation string `json:"allocation"`
	}
	type exp struct {
		Variants map[string]variant `json:"variants"`
	}
	cfg := struct {
		Groups      map[string][]string `json:"groups"`
		Experiments map[string]exp      `json:"experiments"`
	}{map[string][]string{}, map[string]exp{}}
	for user, exps := range assign {
		if t := strings.TrimSpace(user); strings.HasSuffix(t, "%") {
			tb.Fatalf("experimenttest: user id %q ends in %%: a config reads it as a percentage and cannot list it", user)
		}
		for e, v := range exps {
			group := e + "/" + v // a group name, never read as a percentage
			cfg.Groups[group] = append(cfg.Groups[group], user)
			if _, ok := cfg.Experiments[e]; !ok {
				cfg.Experiments[e] = exp{Variants: map[string]variant{}}
			}
			cfg.Experiments[e].Variants[v] = variant{Allocation: group}
		}
	}
	for _, users := range cfg.Groups {
		sort.Strings(users)
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		tb.Fatalf("experimenttest: %v", err)
	}
	return Parse(tb, string(data), opts...)
}

// Serve makes live serve rs until the test ends, whatever its source
// reloads meanwhile; then live serves its newest config again. It is
// Live.Override with automatic cleanup.
func Serve(tb testing.TB, live *experiment.Live, rs *experiment.Ruleset) {
	tb.Helper()
	tb.Cleanup(live.Override(rs))
}

// Store is a fake HTTP object store for configs, such as S3 or a CDN
// would be: it serves what Put stored, with ETags and 304 Not Modified,
// and counts requests. Its zero value is not usable; use NewStore. A Store
// is safe for concurrent use.
type Store struct {
	// URL is the store's base URL, without a trailing slash.
	URL string

	mu       sync.Mutex
	objects  map[string][]byte
	failures map[string]int
	requests map[string]int
}

// NewStore starts a Store on a loopback port; it stops when the test ends.
func NewStore(tb testing.TB) *Store {
	s := &Store{objects: map[string][]byte{}, failures: map[string]int{}, requests: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Put stores body at path (such as "/configs/prod.yaml"); it is then
// served at URL+path, with a new ETag.
func (s *Store) Put(path string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objects[path] = append([]byte(nil), body...)
}

// Delete removes the object at path: it is then a 404.
func (s *Store) Delete(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.objects, path)
}

// Fail makes requests for path answer with the status code (for example
// 500 or 503), until Fail(path, 0).
func (s *Store) Fail(path string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == 0 {
		delete(s.failures, path)
		return
	}
	s.failures[path] = code
}

// Publish stores a published snapshot the way the platform seed does:
// configs/ENV/snapshots/VERSION.json, configs/ENV/snapshots/latest.json,
// and configs/ENV/version.json, for experiment.SnapshotSource at
// URL+"/configs/ENV/". It fails the test if snapshot has no numeric
// version.
func (s *Store) Publish(tb testing.TB, env string, snapshot []byte) {
	tb.Helper()
	version, err := wire.ParseVersion(snapshot)
	if err != nil {
		tb.Fatalf("experimenttest: a snapshot needs an integer version: %v", err)
	}
	s.Put("/"+wire.SnapshotKey(env, int64(version)), snapshot)
	s.Put("/"+wire.LatestKey(env), snapshot)
	s.Put("/"+wire.VersionKey(env), wire.VersionIndex{Version: int64(version)}.Encode())
}

// Requests returns how many requests path has had.
func (s *Store) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

func (s *Store) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests[r.URL.Path]++
	body, ok := s.objects[r.URL.Path]
	code := s.failures[r.URL.Path]
	s.mu.Unlock()
	switch {
	case code != 0:
		http.Error(w, http.StatusText(code), code)
		return
	case !ok:
		http.NotFound(w, r)
		return
	}
	etag := fmt.Sprintf(`"%x"`, sha256.Sum256(body))
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(body)
}

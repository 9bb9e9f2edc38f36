package dashboard_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/internal/wire"
	"github.com/inprocess/experiment/platform/dashboard"
	"github.com/inprocess/experiment/platform/internal/control"
	"github.com/inprocess/experiment/platform/internal/publish"
	"github.com/inprocess/experiment/platform/internal/store"
	"github.com/inprocess/experiment/platform/internal/storetest"
)

// platformRig is the real platform running in this process on loopback
// ports: the dashboard, and /decide directly and through the gateway.
type platformRig struct {
	Dashboard     string // the dashboard's base URL
	Decide        string // the decision service's /decide
	GatewayDecide string // the gateway's /api/decide
	Token         string // the bearer token, "" for none
}

const rigToken = "walkthrough-token"

// startPlatform starts the real control plane (on SQLite, publishing to a
// directory under t.TempDir()), a decision service reading that
// directory's published layout through the library's SnapshotSource, a
// gateway routing /api/... to them, and the dashboard beside it, each on
// 127.0.0.1; all stop when the test ends. The control plane requires a
// bearer token for changes, so the dashboard logs in and forwards it.
func startPlatform(t *testing.T) platformRig {
	t.Helper()
	st := storetest.Open(t, "sqlite", store.Options{})
	dir, err := publish.NewDir(filepath.Join(t.TempDir(), "configs-bucket"))
	if err != nil {
		t.Fatal(err)
	}
	pub := &publish.Publisher{Store: st, Bucket: dir}
	cp, err := control.New(control.Options{Store: st, Publish: pub.Publish, Token: rigToken})
	if err != nil {
		t.Fatal(err)
	}
	decide := newDecider(t, dir)
	decision := httptest.NewServer(decide)
	t.Cleanup(decision.Close)

	api := http.NewServeMux()
	for _, p := range []string{"/api/environments", "/api/experiments", "/api/audiences"} {
		api.Handle(p, http.StripPrefix("/api", cp))
		api.Handle(p+"/", http.StripPrefix("/api", cp))
	}
	api.Handle("/api/decide", http.StripPrefix("/api", decide))
	dash, err := dashboard.New(dashboard.Options{
		API:   api,
		Token: rigToken,
		Snapshot: func(ctx context.Context, env string) ([]byte, error) {
			return dir.Get(ctx, wire.LatestKey(env))
		},
		History: func(ctx context.Context, envID string, limit int) ([]dashboard.Version, error) {
			vs, err := st.ConfigVersions(ctx, envID, limit)
			out := make([]dashboard.Version, 0, len(vs))
			for _, v := range vs {
				out = append(out, dashboard.Version{Version: v.Version, PublishedAt: v.PublishedAt, Snapshot: v.Snapshot})
			}
			return out, err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	gw := http.NewServeMux()
	gw.Handle("/api/", api)
	gw.Handle("/", dash)
	gateway := httptest.NewServer(gw)
	t.Cleanup(gateway.Close)
	return platformRig{Dashboard: gateway.URL, Decide: decision.URL + "/decide", GatewayDecide: gateway.URL + "/api/decide", Token: rigToken}
}

// decider answers GET /decide?user_key&env from the published layout: one
// experiment.Watch per environment, polling every 100 ms, started by the
// first request that names it (an environment not published yet answers
// 503 and is tried again on the next request).
type decider struct {
	t    *testing.T
	dir  *publish.Dir
	mu   sync.Mutex
	live map[string]*experiment.Live
}

func newDecider(t *testing.T, dir *publish.Dir) *decider {
	d := &decider{t: t, dir: dir, live: map[string]*experiment.Live{}}
	t.Cleanup(func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		for _, l := range d.live {
			l.Close()
		}
	})
	return d
}

func (d *decider) rules(ctx context.Context, env string) (*experiment.Live, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if l := d.live[env]; l != nil {
		return l, nil
	}
	src, err := d.dir.Source(env, 2*time.Second)
	if err != nil {
		return nil, err
	}
	l, err := experiment.Watch(context.Background(), src, &experiment.WatchOptions{Interval: 100 * time.Millisecond, Jitter: -1})
	if err != nil {
		return nil, err
	}
	d.live[env] = l
	return l, nil
}

func (d *decider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	q := r.URL.Query()
	user, env := q.Get("user_key"), q.Get("env")
	if r.URL.Path != "/decide" || user == "" || env == "" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"user_key and env are required"}`)
		return
	}
	l, err := d.rules(r.Context(), env)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			d.t.Logf("decide: %v", err)
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, `{"error":"No config available for environment %q"}`, env)
		return
	}
	rs := l.Ruleset()
	_ = json.NewEncoder(w).Encode(map[string]any{
		"user_key": user, "environment": env, "config_version": rs.Version(),
		"assignments": rs.Assignments(experiment.ContextFor(user)),
	})
}

package dashboard_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/internal/decide"
	"github.com/inprocess/experiment/internal/wire"
	"github.com/inprocess/experiment/platform/dashboard"
	"github.com/inprocess/experiment/platform/internal/control"
	"github.com/inprocess/experiment/platform/internal/gateway"
	"github.com/inprocess/experiment/platform/internal/publish"
	"github.com/inprocess/experiment/platform/internal/store"
	"github.com/inprocess/experiment/platform/internal/storetest"
)

// platformRig is the real platform running in this process on loopback
// ports: the dashboard, and /decide directly and through the gateway.
type platformRig struct {
	Dashboard     string // the dashboard's base URL (the gateway)
	Decide        string // the decision service's /decide
	GatewayDecide string // the gateway's /api/decide
	Token         string // the bearer token, "" for none
}

const rigToken = "walkthrough-token"

// startPlatform starts the platform as experiment-platform wires it: the
// control plane on SQLite, publishing to a directory under t.TempDir();
// the decision service reading that directory's published layout; the
// gateway with the dashboard over the gateway's /api. The decision
// service and the gateway listen on 127.0.0.1; everything stops when the
// test ends. The control plane requires a bearer token for changes, so
// the dashboard logs in and forwards it.
func startPlatform(t *testing.T) platformRig {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	st := storetest.Open(t, "sqlite", store.Options{})
	dir, err := publish.NewDir(filepath.Join(t.TempDir(), "configs-bucket"))
	if err != nil {
		t.Fatal(err)
	}
	pub := &publish.Publisher{Store: st, Bucket: dir}
	cp, err := control.New(control.Options{Store: st, Publish: pub.Publish, Token: rigToken, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := decide.New(decide.Config{
		Discover: func(env string) (experiment.Source, error) { return dir.Source(env, 5*time.Second) },
		Interval: 100 * time.Millisecond,
		Logger:   log,
	})
	if err != nil {
		t.Fatal(err)
	}
	dec.Start(context.Background())
	t.Cleanup(func() { _ = dec.Close(context.Background()) })

	var dash http.Handler
	gw, err := gateway.New(gateway.Options{
		Control:   cp,
		Decision:  dec.Handler(),
		Dashboard: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { dash.ServeHTTP(w, r) }),
	})
	if err != nil {
		t.Fatal(err)
	}
	dash, err = dashboard.New(dashboard.Options{
		API:   gw,
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
	decisionSrv := httptest.NewServer(dec.Handler())
	t.Cleanup(decisionSrv.Close)
	gatewaySrv := httptest.NewServer(gw)
	t.Cleanup(gatewaySrv.Close)
	return platformRig{Dashboard: gatewaySrv.URL, Decide: decisionSrv.URL + "/decide", GatewayDecide: gatewaySrv.URL + "/api/decide", Token: rigToken}
}

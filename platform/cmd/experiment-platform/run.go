package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/inprocess/experiment/internal/wire"
	"github.com/inprocess/experiment/platform/dashboard"
	"github.com/inprocess/experiment/platform/internal/control"
	"github.com/inprocess/experiment/platform/internal/gateway"
	"github.com/inprocess/experiment/platform/internal/publish"
	"github.com/inprocess/experiment/platform/internal/store"
)

// run is the command: it serves until ctx is done.
func run(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) error {
	o, err := parseFlags(args, stderr, getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: o.logLevel}))

	st, err := store.Open(ctx, o.db, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	bucket, err := openBucket(o)
	if err != nil {
		return err
	}
	log.Info("experiment-platform: data", "engine", st.Engine(), "db", redactDSN(o.db), "store", bucket.String())

	pub := &publish.Publisher{Store: st, Bucket: bucket}
	cp, err := control.New(control.Options{Store: st, Publish: pub.Publish, Token: o.token, Logger: log})
	if err != nil {
		return err
	}
	dec, err := newDecision(bucket, o.poll, log)
	if err != nil {
		return err
	}
	dec.Start(ctx)
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = dec.Close(sctx)
	}()

	var dash http.Handler // set below: the dashboard calls the gateway's /api
	gw, err := gateway.New(gateway.Options{
		Control:   cp,
		Decision:  dec.Handler(),
		Dashboard: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { dash.ServeHTTP(w, r) }),
		RateLimit: gateway.RateLimitFromEnv(getenv),
	})
	if err != nil {
		return err
	}
	if dash, err = newDashboard(gw, o.token, st, bucket); err != nil {
		return err
	}

	servers := []struct {
		name, addr string
		h          http.Handler
	}{
		{"control", o.controlAddr, cp},
		{"decision", o.decisionAddr, dec.Handler()},
		{"gateway", o.gatewayAddr, gw},
	}
	var (
		wg   sync.WaitGroup
		errs = make(chan error, len(servers))
		srvs []*http.Server
	)
	for _, s := range servers {
		if s.addr == "" {
			continue
		}
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			for _, srv := range srvs {
				srv.Close()
			}
			return fmt.Errorf("%s: %w", s.name, err)
		}
		srv := &http.Server{
			Handler:           s.h,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		}
		srvs = append(srvs, srv)
		log.Info("experiment-platform: listening", "service", s.name, "addr", ln.Addr().String(), "url", "http://"+ln.Addr().String())
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				errs <- fmt.Errorf("%s: %w", s.name, err)
			}
		}()
	}
	if len(srvs) == 0 {
		return errors.New("every listener is off (-control-addr, -decision-addr and -gateway-addr are empty)")
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errs:
	}
	log.Info("experiment-platform: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, srv := range srvs {
		_ = srv.Shutdown(sctx)
	}
	wg.Wait()
	return runErr
}

// openBucket opens -store: s3://BUCKET/PREFIX or a directory.
func openBucket(o *options) (publish.Bucket, error) {
	if !strings.HasPrefix(o.store, "s3://") {
		return publish.NewDir(o.store)
	}
	bucket, prefix, err := publish.ParseS3URL(o.store)
	if err != nil {
		return nil, err
	}
	endpoint, insecure, err := parseEndpoint(o.s3Endpoint)
	if err != nil {
		return nil, err
	}
	return publish.NewS3(publish.S3Options{Bucket: bucket, Prefix: prefix, Endpoint: endpoint, Insecure: insecure, Region: o.s3Region})
}

// parseEndpoint reads -s3-endpoint: http(s)://host[:port], or a bare
// host[:port] (HTTPS).
func parseEndpoint(raw string) (host string, insecure bool, err error) {
	if !strings.Contains(raw, "://") {
		return raw, false, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return "", false, fmt.Errorf("-s3-endpoint %q: want http(s)://host[:port]", raw)
	}
	return u.Host, u.Scheme == "http", nil
}

// newDashboard mounts the dashboard over the gateway's /api, with the
// publish history from the store and the latest snapshots from the
// bucket.
func newDashboard(api http.Handler, token string, st *store.Store, bucket publish.Bucket) (http.Handler, error) {
	return dashboard.New(dashboard.Options{
		API:   api,
		Token: token,
		Snapshot: func(ctx context.Context, env string) ([]byte, error) {
			return bucket.Get(ctx, wire.LatestKey(env))
		},
		History: func(ctx context.Context, environmentID string, limit int) ([]dashboard.Version, error) {
			vs, err := st.ConfigVersions(ctx, environmentID, limit)
			if err != nil {
				return nil, err
			}
			out := make([]dashboard.Version, len(vs))
			for i, v := range vs {
				out[i] = dashboard.Version{Version: v.Version, PublishedAt: v.PublishedAt, Snapshot: v.Snapshot}
			}
			return out, nil
		},
	})
}

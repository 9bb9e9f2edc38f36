// Command experimentd is a decision service compatible with the platform
// seed's decision plane: it serves GET /decide from configs held in memory,
// one per environment, reloaded live from files, URLs or the platform's
// storage layout.
//
// Usage:
//
//	experimentd -addr 127.0.0.1:3002 -config prod=path/to/prod.yaml \
//	    -config staging=https://storage.example.com/experiment-configs/configs/staging/
//
// Endpoints:
//
//	GET /decide?user_key=U&env=E[&context=JSON object]
//	    200 {"user_key", "environment", "config_version", "assignments": [...]}
//	    400 {"error": ...}  user_key or env missing or empty, context not a JSON object
//	    503 {"error": "No config available for environment \"E\""}
//	    429 {"error": ...}  over the per-client rate limit (-rate)
//	GET /health   {"status": "ok", "config_versions": {"prod": 3, ...}}
//	GET /metrics  counters in the Prometheus text format
//
// A -config value is a file (YAML or JSON config, or a published snapshot),
// an http(s) URL of one such file (ending in .json, .yaml or .yml), or an
// http(s) URL of an environment's folder in the platform's storage layout
// (version.json and snapshots/latest.json). An environment whose first load
// fails answers 503 until a good config arrives. SIGINT and SIGTERM shut
// the server down gracefully.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/inprocess/experiment"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr, nil); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "experimentd:", err)
		}
		os.Exit(2)
	}
}

// configFlag collects repeated -config env=source flags, in order.
type configFlag []envSource

type envSource struct{ env, source string }

func (f *configFlag) String() string { return "" }

func (f *configFlag) Set(v string) error {
	env, src, ok := strings.Cut(v, "=")
	if !ok || env == "" || src == "" {
		return fmt.Errorf("want ENV=SOURCE, got %q", v)
	}
	for _, e := range *f {
		if e.env == env {
			return fmt.Errorf("environment %q given twice", env)
		}
	}
	*f = append(*f, envSource{env, src})
	return nil
}

// options are experimentd's settings, from its flags.
type options struct {
	addr            string
	configs         configFlag
	interval        time.Duration
	fetchTimeout    time.Duration
	requestTimeout  time.Duration
	shutdownTimeout time.Duration
	rate            float64
	burst           int
	logLevel        slog.Level
	logFormat       string
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("experimentd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:3002", "listen on `host:port`")
	fs.Var(&o.configs, "config", "serve environment ENV from SOURCE (`ENV=SOURCE`, repeatable): a file, a URL of a file, or a URL of a storage-layout folder")
	fs.DurationVar(&o.interval, "interval", 5*time.Second, "poll each config source every `duration` (±10% jitter)")
	fs.DurationVar(&o.fetchTimeout, "fetch-timeout", 10*time.Second, "timeout of each fetch from a URL")
	fs.DurationVar(&o.requestTimeout, "request-timeout", 5*time.Second, "timeout to read a request and write its response")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 10*time.Second, "on SIGTERM, wait this long for requests in flight")
	fs.Float64Var(&o.rate, "rate", 0, "per-client limit in requests per second (0: no limit); clients are told apart by IP")
	fs.IntVar(&o.burst, "burst", 50, "per-client burst above -rate")
	fs.TextVar(&o.logLevel, "log-level", slog.LevelInfo, "log `level`: debug, info, warn or error")
	fs.StringVar(&o.logFormat, "log-format", "json", "log format: json or text")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `experimentd serves the platform's decide API from configs held in memory.

Usage:
  experimentd [flags] -config ENV=SOURCE [-config ENV=SOURCE ...]

Examples:
  experimentd -config prod=configs/prod.yaml
  experimentd -addr :3002 -config prod=prod.yaml -config staging=https://storage.example.com/experiment-configs/configs/staging/
  curl -sG localhost:3002/decide --data-urlencode user_key=user-123 --data-urlencode env=prod \
       --data-urlencode 'context={"country":"US"}'

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if len(o.configs) == 0 {
		return nil, errors.New("no -config given; see -h")
	}
	if o.logFormat != "json" && o.logFormat != "text" {
		return nil, fmt.Errorf("-log-format %q: want json or text", o.logFormat)
	}
	return o, nil
}

// sourceFor turns a -config SOURCE into an experiment.Source.
func sourceFor(src string, timeout time.Duration) experiment.Source {
	if !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
		return experiment.FileSource(src)
	}
	opts := &experiment.HTTPOptions{Timeout: timeout}
	path := src
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	for _, ext := range []string{".json", ".yaml", ".yml"} {
		if strings.HasSuffix(path, ext) {
			return experiment.HTTPSource(src, opts)
		}
	}
	return experiment.SnapshotSource(src, opts)
}

// run is experimentd: it serves until ctx is done. ready, if not nil,
// receives the address it listens on.
func run(ctx context.Context, args []string, stderr io.Writer, ready chan<- string) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	var handler slog.Handler = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: o.logLevel})
	if o.logFormat == "text" {
		handler = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: o.logLevel})
	}
	log := slog.New(handler)

	s := newServer(o, log)
	for _, c := range o.configs {
		if err := s.watch(ctx, c.env, sourceFor(c.source, o.fetchTimeout)); err != nil {
			return err
		}
	}
	defer s.close()

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: o.requestTimeout,
		ReadTimeout:       o.requestTimeout,
		WriteTimeout:      o.requestTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(handler, slog.LevelWarn),
	}
	log.Info("experimentd: listening", "addr", ln.Addr().String(), "environments", len(o.configs))
	if ready != nil {
		ready <- ln.Addr().String()
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("experimentd: shutting down", "timeout", o.shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), o.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

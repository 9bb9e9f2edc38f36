// Command experimentd is a decision service compatible with the platform's
// decision service (the williamgrosset/experiments platform's
// decision-service): it serves GET /decide from configs held in memory,
// one per environment, reloaded live from files, URLs or the platform's
// storage layout, and the OpenFeature Remote Evaluation Protocol (OFREP)
// for OpenFeature clients. The server is the package
// github.com/inprocess/experiment/internal/decide; this command reads
// flags and signals around it.
//
// Usage:
//
//	experimentd -addr 127.0.0.1:3002 -config prod=path/to/prod.yaml \
//	    -config staging=https://storage.example.com/experiment-configs/configs/staging/
//	experimentd -layout /srv/experiment-configs   # every environment the platform publishes there
//
// Endpoints:
//
//	GET /decide?user_key=U&env=E[&context=JSON object]
//	    200 {"user_key", "environment", "config_version", "assignments": [...]}
//	    400 {"error": ...}  the platform's messages: user_key or env missing,
//	                        empty or repeated; context not JSON or not an object
//	    503 {"error": "No config available for environment \"E\""}
//	    429 {"error": ...}  over the per-client rate limit (-rate)
//	GET /health   200 {"status": "ok", "config_versions": {"prod": 3, ...}, "ready": {"prod": true}},
//	              503 with "status": "unavailable" while a -config environment has no config
//	GET /metrics  counters in the Prometheus text format
//	POST /ofrep/v1/evaluate/flags[/{key}]  OFREP bulk and single-flag evaluation
//	anything else 404 {"message": "Route GET:/nope not found", "error": "Not Found", "statusCode": 404}
//
// A -config value is a file (YAML or JSON config, or a published snapshot),
// a folder in the platform's storage layout (version.json and
// snapshots/latest.json), a file:// URL of either, an http(s) URL of a
// config file (ending in .json, .yaml or .yml), or an http(s) URL of a
// storage-layout folder. -layout names the folder or base URL the
// platform publishes to: environments not given with -config are found
// there on their first request. experimentd listens at once: each
// environment loads in the background and answers 503 until a good config
// arrives, whatever its source does (fails, hangs, never opens).
//
// Every resource a client can claim is bounded, with a JSON error over
// the bound: open connections (-max-conns; the longest idle keep-alive
// connection is closed to make room, else 503), requests being answered
// (-max-inflight, 503), request line and headers (-max-header-bytes, 431),
// the context parameter (-max-context-bytes, 414), idle keep-alive time
// (-idle-timeout), environments discovered (-max-environments), and, with
// -rate, requests per client (429; IPv4 clients by address, IPv6 clients
// by /64, and behind -trusted-proxy by the proxy's forwarding header).
//
// SIGINT and SIGTERM shut the server down gracefully: requests in flight
// are answered and sources stopped, within -shutdown-timeout whatever the
// sources do; a second signal ends it at once.
//
// Exit status: 0 after a shutdown on a signal, and for -h; 1 when it
// cannot listen or serving fails; 2 for wrong flags.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/inprocess/experiment/internal/decide"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second signal ends the process at once
	}()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "experimentd:", err)
	}
	os.Exit(exitCode(err))
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitCode maps run's error to the exit status: 0 for none and for -h, 2
// for a usageError, 1 for anything else (listening or serving failed).
func exitCode(err error) int {
	var u usageError
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &u):
		return 2
	}
	return 1
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

// prefixFlag collects repeated -trusted-proxy flags: CIDR prefixes, or
// single addresses.
type prefixFlag []netip.Prefix

func (f *prefixFlag) String() string { return "" }

func (f *prefixFlag) Set(v string) error {
	p, err := netip.ParsePrefix(v)
	if err != nil {
		a, aerr := netip.ParseAddr(v)
		if aerr != nil {
			return fmt.Errorf("want a CIDR prefix such as 10.0.0.0/8 or an address, got %q", v)
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	*f = append(*f, p.Masked())
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
	idleTimeout     time.Duration
	maxConns        int
	maxInflight     int
	maxHeaderBytes  int
	maxContextBytes int
	rate            float64
	burst           int
	rateClients     int
	trustedProxies  prefixFlag
	proxyHeader     string
	logLevel        slog.Level
	logFormat       string
	layout          string
	maxEnvironments int
	cpuProfile      string
	ofrepAll        bool
}

// parseFlags reads the command line. -h prints the usage to stdout and
// returns flag.ErrHelp; a mistake is printed with the usage to stderr and
// returned as a usageError.
func parseFlags(args []string, stdout, stderr io.Writer) (*options, error) {
	o, usage, err := parseArgs(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		_, _ = stdout.Write(usage)
		return nil, err
	case err != nil:
		_, _ = stderr.Write(usage)
		return nil, usageError{err}
	}
	return o, nil
}

func parseArgs(args []string) (*options, []byte, error) {
	o := &options{}
	var usage bytes.Buffer
	fs := flag.NewFlagSet("experimentd", flag.ContinueOnError)
	fs.SetOutput(&usage)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:3002", "listen on `host:port`")
	fs.Var(&o.configs, "config", "serve environment ENV from SOURCE (`ENV=SOURCE`, repeatable): a file, a storage-layout folder, a file:// URL of either, a URL of a file, or a URL of a storage-layout folder")
	fs.StringVar(&o.layout, "layout", "", "discover the environments requests name in the platform's storage layout at `DIR or URL` (the folder or base URL holding configs/ENV/), besides the -config ones")
	fs.IntVar(&o.maxEnvironments, "max-environments", decide.DefaultMaxEnvironments, "discover at most `n` environments in -layout; past it one without a config makes room, or the new one answers 503")
	fs.DurationVar(&o.interval, "interval", 5*time.Second, "poll each config source every `duration` (±10% jitter)")
	fs.DurationVar(&o.fetchTimeout, "fetch-timeout", 10*time.Second, "timeout of each fetch from a URL")
	fs.DurationVar(&o.requestTimeout, "request-timeout", 5*time.Second, "timeout to read a request and write its response")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 10*time.Second, "on SIGTERM, wait at most this long for requests in flight and sources to stop, then exit; a second signal exits at once")
	fs.DurationVar(&o.idleTimeout, "idle-timeout", decide.DefaultIdleTimeout, "close a keep-alive connection idle for this long (responses say it in their Keep-Alive header, as the platform's do)")
	fs.IntVar(&o.maxConns, "max-conns", decide.DefaultMaxConns, "keep at most `n` connections open; over it the longest idle one is closed, or the new one answered 503")
	fs.IntVar(&o.maxInflight, "max-inflight", decide.DefaultMaxInflight, "answer at most `n` requests at once; over it 503 (/health is exempt)")
	fs.IntVar(&o.maxHeaderBytes, "max-header-bytes", decide.DefaultMaxHeaderBytes, "refuse a request whose request line and headers are over `bytes`, with 431")
	fs.IntVar(&o.maxContextBytes, "max-context-bytes", decide.DefaultMaxContextBytes, "refuse a /decide context parameter over `bytes` (decoded), with 414")
	fs.Float64Var(&o.rate, "rate", 0, "per-client limit in requests per second on /decide (0: no limit); a client is an IPv4 address or an IPv6 /64")
	fs.IntVar(&o.burst, "burst", 50, "per-client burst above -rate")
	fs.IntVar(&o.rateClients, "rate-clients", decide.DefaultRateClients, "remember at most `n` clients for -rate (about 300 bytes each); past it the least recently seen is forgotten")
	fs.Var(&o.trustedProxies, "trusted-proxy", "trust the reverse proxy at `CIDR` (repeatable) to name the client in -proxy-header, for -rate; without it the header is ignored")
	fs.StringVar(&o.proxyHeader, "proxy-header", "X-Forwarded-For", "the header trusted proxies name the client in: X-Forwarded-For or Forwarded (its for= parameter); the rightmost hop that is not a trusted proxy is the client")
	fs.BoolVar(&o.ofrepAll, "ofrep-all", false, "serve every experiment over OFREP, not only those marked client: true (published snapshots have no such mark); leave it off when OFREP answers browsers")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile (runtime/pprof) of the whole run to `file`, for go tool pprof")
	fs.TextVar(&o.logLevel, "log-level", slog.LevelInfo, "log `level`: debug, info, warn or error")
	fs.StringVar(&o.logFormat, "log-format", "json", "log format: json or text")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `experimentd serves the platform's decide API from configs held in memory.

Usage:
  experimentd [flags] -config ENV=SOURCE [-config ENV=SOURCE ...]
  experimentd [flags] -layout DIR-OR-URL [-config ENV=SOURCE ...]

Examples:
  experimentd -config prod=configs/prod.yaml
  experimentd -addr :3002 -config prod=prod.yaml -config staging=https://storage.example.com/experiment-configs/configs/staging/
  experimentd -addr :3002 -layout http://localhost:9000/experiment-configs   # the platform's CONFIG_BASE_URL
  experimentd -addr :3002 -rate 20 -trusted-proxy 10.0.0.0/8 -config prod=prod.yaml   # behind a load balancer in 10/8
  curl -sG localhost:3002/decide --data-urlencode user_key=user-123 --data-urlencode env=prod \
       --data-urlencode 'context={"country":"US"}'

It listens at once; each environment answers 503 until its first good
config loads. Past a limit a client gets a JSON error: 503 over -max-conns
(after closing the longest idle connection, if any) or -max-inflight, 431
over -max-header-bytes, 414 over -max-context-bytes, 429 over -rate.

OFREP (POST /ofrep/v1/evaluate/flags and .../flags/{key}) serves the
experiments marked "client: true" (every one with -ofrep-all); the
environment is the only one configured, else the request names it in the
Experiment-Environment header or the env query parameter.

Exit status: 0 after a shutdown on a signal (and for -h), 1 when it cannot
listen or serving fails, 2 for wrong flags.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, usage.Bytes(), err
	}
	usage.Reset() // printed only with -h or a flag the flag package refuses
	err := o.check(fs)
	return o, nil, err
}

// check validates the options after parsing.
func (o *options) check(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if len(o.configs) == 0 && o.layout == "" {
		return errors.New("no -config or -layout given; see -h")
	}
	if o.logFormat != "json" && o.logFormat != "text" {
		return fmt.Errorf("-log-format %q: want json or text", o.logFormat)
	}
	switch http.CanonicalHeaderKey(o.proxyHeader) {
	case "X-Forwarded-For", "Forwarded":
		o.proxyHeader = http.CanonicalHeaderKey(o.proxyHeader)
	default:
		return fmt.Errorf("-proxy-header %q: want X-Forwarded-For or Forwarded", o.proxyHeader)
	}
	for _, f := range []struct {
		name string
		n    int
	}{{"-max-conns", o.maxConns}, {"-max-inflight", o.maxInflight}, {"-max-header-bytes", o.maxHeaderBytes}, {"-max-context-bytes", o.maxContextBytes}, {"-rate-clients", o.rateClients}, {"-max-environments", o.maxEnvironments}} {
		if f.n <= 0 {
			return fmt.Errorf("%s %d: want a positive number", f.name, f.n)
		}
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"-interval", o.interval}, {"-fetch-timeout", o.fetchTimeout}, {"-request-timeout", o.requestTimeout}, {"-shutdown-timeout", o.shutdownTimeout}, {"-idle-timeout", o.idleTimeout}} {
		if f.d <= 0 {
			return fmt.Errorf("%s %v: want a positive duration", f.name, f.d)
		}
	}
	return nil
}

// run is experimentd: it serves until ctx is done, then shuts down within
// -shutdown-timeout. ready, if not nil, receives the address it listens
// on. -h's usage goes to stdout; logs go to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) error {
	o, err := parseFlags(args, stdout, stderr)
	if err != nil {
		return err
	}
	var handler slog.Handler = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: o.logLevel})
	if o.logFormat == "text" {
		handler = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: o.logLevel})
	}
	log := slog.New(handler)
	s, err := decide.New(o.config(log))
	if err != nil {
		return usageError{err}
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	if o.cpuProfile != "" {
		stop, err := startCPUProfile(o.cpuProfile)
		if err != nil {
			ln.Close()
			return err
		}
		defer stop()
	}
	watching, stopWatching := context.WithCancel(context.Background())
	defer stopWatching()
	s.Start(watching)
	log.Info("experimentd: listening", "addr", ln.Addr().String(), "environments", len(o.configs))
	if ready != nil {
		ready <- ln.Addr().String()
	}
	return s.Serve(ctx, ln)
}

// startCPUProfile profiles the process into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// config is the decide server's configuration from the flags.
func (o *options) config(log *slog.Logger) decide.Config {
	envs := make([]decide.Environment, len(o.configs))
	for i, c := range o.configs {
		envs[i] = decide.Environment{Name: c.env, Source: c.source}
	}
	return decide.Config{
		Environments:        envs,
		Layout:              o.layout,
		OFREPAllExperiments: o.ofrepAll,
		MaxEnvironments:     o.maxEnvironments,
		Interval:            o.interval,
		FetchTimeout:        o.fetchTimeout,
		MaxInflight:         o.maxInflight,
		MaxHeaderBytes:      o.maxHeaderBytes,
		MaxContextBytes:     o.maxContextBytes,
		MaxConns:            o.maxConns,
		Rate:                o.rate,
		Burst:               o.burst,
		RateClients:         o.rateClients,
		TrustedProxies:      o.trustedProxies,
		ProxyHeader:         o.proxyHeader,
		RequestTimeout:      o.requestTimeout,
		IdleTimeout:         o.idleTimeout,
		ShutdownTimeout:     o.shutdownTimeout,
		Logger:              log,
	}
}

package decide

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/inprocess/experiment"
)

// Defaults of Config's bounds. A decide request is a short GET whose
// context holds a few attributes, so 32 KiB of context and 64 KiB of
// request line and headers leave ample room (common proxies allow 8 to
// 16 KiB a line). The worst a client can do with them is hold every
// connection with an unfinished 64 KiB request line for the request
// timeout, about 130 KiB of memory each (measured: see QUALITY.md), so the
// default MaxConns keeps that under about 270 MB; a request being answered
// adds tens of KiB at most, and each rate-limited client about 300 bytes.
const (
	DefaultMaxHeaderBytes  = 64 << 10
	DefaultMaxContextBytes = 32 << 10
	DefaultMaxInflight     = 512
	DefaultMaxConns        = 2048
	DefaultRateClients     = 100_000
	DefaultBurst           = 50
	DefaultInterval        = 5 * time.Second
	DefaultFetchTimeout    = 10 * time.Second
	DefaultRequestTimeout  = 5 * time.Second
	DefaultIdleTimeout     = 72 * time.Second // the platform's (Fastify's keep-alive timeout)
	DefaultShutdownTimeout = 10 * time.Second
	DefaultMaxEnvironments = 100
)

// Environment is one environment a Server serves from a fixed source.
type Environment struct {
	// Name is the environment's name, the env parameter of /decide.
	Name string
	// Source is where its config comes from: a file (a YAML or JSON
	// config, or a published snapshot), an http(s) URL of one such file
	// (ending in .json, .yaml or .yml), or an http(s) URL of an
	// environment's folder in the platform's storage layout (version.json
	// and snapshots/latest.json).
	Source string
}

// Config configures a Server. The zero value of each field means its
// default (the Default constants); New rejects negative values.
type Config struct {
	// Environments are served from their sources, polled every Interval.
	// Names must be unique and non-empty.
	Environments []Environment

	// Layout is the platform's storage layout to discover environments
	// in: a folder, a file:// URL of one, or the http(s) base URL the
	// platform's decision service reads as CONFIG_BASE_URL (such as
	// http://localhost:9000/experiment-configs). An environment that a
	// request names and Environments does not is served from
	// Layout/configs/{env}/ (version.json and snapshots/latest.json, read
	// by experiment.SnapshotDirSource or SnapshotSource), loaded on its
	// first request, which waits up to 2 seconds for it, and polled from
	// then on. A name with '/', '\', a control character, "." or ".."
	// is never looked up (503). Empty: no discovery.
	Layout string
	// Discover, in place of Layout, makes the source of an environment a
	// request names and Environments does not: for a layout that Layout
	// cannot name, such as an S3 bucket read with package s3's
	// Snapshots. It is called on the environment's first request and
	// again for each retry while it has no config; an error counts as a
	// failed load (the environment answers 503 and is retried), and is
	// logged at debug when it wraps fs.ErrNotExist (nothing published
	// yet). The same names are refused as for Layout. Setting both Layout
	// and Discover is an error.
	Discover func(env string) (experiment.Source, error)
	// MaxEnvironments bounds the environments discovered in Layout or by
	// Discover. When
	// it is reached, a new one replaces the least recently requested
	// discovered environment that has no config; if every one has a
	// config, the new one is answered 503.
	MaxEnvironments int

	// Interval is the time between polls of each source (±10% jitter).
	Interval time.Duration
	// FetchTimeout bounds each fetch from a URL.
	FetchTimeout time.Duration

	// MaxInflight bounds the requests being answered at once; past it a
	// request is answered 503 (/health is exempt).
	MaxInflight int
	// MaxHeaderBytes bounds a request's line and headers: past it, 431.
	MaxHeaderBytes int
	// MaxContextBytes bounds /decide's context parameter, decoded: past
	// it, 414.
	MaxContextBytes int
	// MaxConns bounds the open connections of a listener served by Serve
	// (see Listener).
	MaxConns int

	// OFREPAllExperiments serves every experiment as an OFREP flag, not
	// only those marked client: true (published snapshots have no such
	// mark). Leave it off when OFREP answers browsers, so that server-only
	// experiments stay on the server.
	OFREPAllExperiments bool

	// Rate is the per-client limit in requests per second on /decide and
	// the OFREP endpoints, 0 for none. A client is an IPv4 address or an IPv6 /64 (see
	// TrustedProxies). Over it a request is answered 429.
	Rate float64
	// Burst is the per-client burst above Rate.
	Burst int
	// RateClients bounds the clients remembered for Rate (about 300
	// bytes each); past it the least recently seen is forgotten.
	RateClients int
	// TrustedProxies are the reverse proxies trusted to name the client
	// in ProxyHeader, for Rate. Without them the header is ignored.
	TrustedProxies []netip.Prefix
	// ProxyHeader is the header trusted proxies name the client in:
	// "X-Forwarded-For" (the default) or "Forwarded" (its for= parameter).
	ProxyHeader string

	// RequestTimeout bounds reading a request and writing its response,
	// for Serve.
	RequestTimeout time.Duration
	// IdleTimeout closes a keep-alive connection idle for this long, for
	// Serve; every response names it in its Keep-Alive header, rounded
	// down to seconds.
	IdleTimeout time.Duration
	// ShutdownTimeout bounds Serve's graceful shutdown.
	ShutdownTimeout time.Duration

	// Logger receives the server's and the sources' records. Default:
	// slog.Default().
	Logger *slog.Logger
}

// withDefaults returns c with its defaults filled in, or an error naming
// the first field that is wrong.
func (c Config) withDefaults() (Config, error) {
	ints := []struct {
		name string
		p    *int
		def  int
	}{
		{"MaxInflight", &c.MaxInflight, DefaultMaxInflight},
		{"MaxHeaderBytes", &c.MaxHeaderBytes, DefaultMaxHeaderBytes},
		{"MaxContextBytes", &c.MaxContextBytes, DefaultMaxContextBytes},
		{"MaxConns", &c.MaxConns, DefaultMaxConns},
		{"Burst", &c.Burst, DefaultBurst},
		{"RateClients", &c.RateClients, DefaultRateClients},
		{"MaxEnvironments", &c.MaxEnvironments, DefaultMaxEnvironments},
	}
	for _, f := range ints {
		switch {
		case *f.p < 0:
			return c, fmt.Errorf("decide: Config.%s %d: want a positive number", f.name, *f.p)
		case *f.p == 0:
			*f.p = f.def
		}
	}
	durations := []struct {
		name string
		p    *time.Duration
		def  time.Duration
	}{
		{"Interval", &c.Interval, DefaultInterval},
		{"FetchTimeout", &c.FetchTimeout, DefaultFetchTimeout},
		{"RequestTimeout", &c.RequestTimeout, DefaultRequestTimeout},
		{"IdleTimeout", &c.IdleTimeout, DefaultIdleTimeout},
		{"ShutdownTimeout", &c.ShutdownTimeout, DefaultShutdownTimeout},
	}
	for _, f := range durations {
		switch {
		case *f.p < 0:
			return c, fmt.Errorf("decide: Config.%s %v: want a positive duration", f.name, *f.p)
		case *f.p == 0:
			*f.p = f.def
		}
	}
	if c.Rate < 0 {
		return c, fmt.Errorf("decide: Config.Rate %v: want 0 (no limit) or a positive rate", c.Rate)
	}
	switch h := http.CanonicalHeaderKey(c.ProxyHeader); h {
	case "":
		c.ProxyHeader = "X-Forwarded-For"
	case "X-Forwarded-For", "Forwarded":
		c.ProxyHeader = h
	default:
		return c, fmt.Errorf("decide: Config.ProxyHeader %q: want X-Forwarded-For or Forwarded", c.ProxyHeader)
	}
	seen := map[string]bool{}
	for _, e := range c.Environments {
		switch {
		case e.Name == "":
			return c, errors.New("decide: an Environment has no Name")
		case e.Source == "":
			return c, fmt.Errorf("decide: environment %q has no Source", e.Name)
		case seen[e.Name]:
			return c, fmt.Errorf("decide: environment %q given twice", e.Name)
		}
		seen[e.Name] = true
	}
	if c.Layout != "" && c.Discover != nil {
		return c, errors.New("decide: Config.Layout and Config.Discover are both set; want one")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

package decide

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/inprocess/experiment"
)

// Server is experimentd's decision service: it serves GET /decide,
// /health, /metrics and the OFREP endpoints from one live config per
// environment. Build one with New, call Start to begin loading the
// environments, serve Handler (or call Serve), and call Close at the end.
// A Server is safe for concurrent use; Start and Close are each called
// once, Close after Start.
type Server struct {
	cfg       Config
	log       *slog.Logger
	envs      registry
	layout    func(env string) experiment.Source // nil without Config.Layout or Discover
	limiter   *clientLimiter
	proxies   proxies
	conns     atomic.Pointer[connLimiter] // Serve's, for /metrics
	metrics   metrics
	inflight  atomic.Int64 // requests being answered, at most cfg.MaxInflight
	keepAlive []string     // the Keep-Alive header's value
	stop      context.CancelFunc
	ctx       atomic.Pointer[context.Context] // Start's, for discovered environments
}

// New returns a Server for cfg, or an error naming what is wrong in cfg.
// It loads nothing yet: Start does.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, log: cfg.Logger,
		proxies:   proxies{trusted: cfg.TrustedProxies, header: cfg.ProxyHeader},
		keepAlive: []string{fmt.Sprintf("timeout=%d", int(cfg.IdleTimeout/time.Second))},
		envs:      registry{fixed: map[string]*environment{}},
	}
	if cfg.Rate > 0 {
		s.limiter = newClientLimiter(rate.Limit(cfg.Rate), cfg.Burst, cfg.RateClients)
	}
	for _, e := range cfg.Environments {
		newSource, err := sourceFor(e.Source, cfg.FetchTimeout)
		if err != nil {
			return nil, fmt.Errorf("decide: environment %q: %w", e.Name, err)
		}
		s.envs.fixed[e.Name] = newEnvironment(e.Name, false, newSource)
		s.envs.order = append(s.envs.order, e.Name)
	}
	if s.layout, err = layoutFor(cfg.Layout, cfg.FetchTimeout); err != nil {
		return nil, err
	}
	if cfg.Discover != nil {
		s.layout = discoverer(cfg.Discover)
	}
	return s, nil
}

// routeFunc answers one request and returns the status it answered with.
type routeFunc func(w http.ResponseWriter, r *http.Request) int

// Handler returns the server's HTTP handler: GET (and HEAD) /decide,
// /health and /metrics, POST /ofrep/v1/evaluate/flags[/{key}], and the
// platform's JSON 404 for anything else, behind the per-request bounds
// (Config.MaxHeaderBytes, MaxInflight) and the rate limit. Every response
// is JSON (but /metrics) with a Content-Length; the Keep-Alive header it
// sends names Config.IdleTimeout, so set that to the idle timeout of the
// http.Server that serves the handler.
func (s *Server) Handler() http.Handler { return s.wrap(s.route) }

// route dispatches a request by path and method, as the platform's
// router does: the path is matched exactly (no redirects, no trailing
// slash), and a GET route answers HEAD too.
func (s *Server) route(w http.ResponseWriter, r *http.Request) int {
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch p := r.URL.Path; {
	case p == "/decide" && get:
		return s.serveDecide(w, r)
	case p == "/health" && get:
		return s.serveHealth(w, r)
	case p == "/metrics" && get:
		return s.serveMetrics(w, r)
	case p == ofrepBulkPath && r.Method == http.MethodPost:
		return s.serveOFREPBulk(w, r)
	case len(p) > len(ofrepFlagPrefix) && p[:len(ofrepFlagPrefix)] == ofrepFlagPrefix && r.Method == http.MethodPost:
		return s.serveOFREPFlag(w, r, p[len(ofrepFlagPrefix):])
	}
	return s.notFound(w, r)
}

// routeIndex is the route a request counts under in /metrics.
func routeIndex(path string) int {
	switch {
	case path == "/decide":
		return routeDecide
	case path == "/health":
		return routeHealth
	case path == "/metrics":
		return routeMetrics
	case len(path) >= len(ofrepBulkPath) && path[:len(ofrepBulkPath)] == ofrepBulkPath:
		return routeOFREP
	}
	return routeOther
}

// wrap applies, around next, the per-request bounds, the rate limit on
// /decide, the request counters and the debug log:
//   - 431 when the request line and headers are over
//     Config.MaxHeaderBytes (net/http cuts requests a little larger
//     itself; see connLimiter);
//   - 503 when Config.MaxInflight requests are being answered already,
//     except for /health, so a probe still answers on a busy server;
//   - 429 over Config.Rate, on /decide and OFREP.
//
// The context parameter's own bound (414) is checked by /decide.
func (s *Server) wrap(next routeFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var start time.Time
		debug := s.log.Enabled(r.Context(), slog.LevelDebug)
		if debug {
			start = time.Now()
		}
		code := s.bounded(w, r, next)
		s.metrics.request(routeIndex(r.URL.Path), code)
		if debug {
			s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "code", code, "duration", time.Since(start), "client", s.proxies.clientAddr(r))
		}
	})
}

func (s *Server) bounded(w http.ResponseWriter, r *http.Request, next routeFunc) int {
	if n := headSize(r); n > s.cfg.MaxHeaderBytes {
		w.Header()["Connection"] = hdrClose
		return s.send(w, r, http.StatusRequestHeaderFieldsTooLarge, hdrJSONPlain, headerTooLargeBody)
	}
	if r.URL.Path != "/health" {
		// A counter, not a channel's slots: one atomic add each way
		// rather than two channel operations, each taking a lock. A
		// refused request holds its count until it returns, so right at
		// the bound a request may be refused that a channel would have
		// let in; more than MaxInflight are never answered at once.
		defer s.inflight.Add(-1)
		if s.inflight.Add(1) > int64(s.cfg.MaxInflight) {
			w.Header()["Retry-After"] = hdrOne
			return s.sendError(w, r, http.StatusServiceUnavailable, "Too many requests in flight; retry shortly")
		}
	}
	if route := routeIndex(r.URL.Path); s.limiter != nil && (route == routeDecide || route == routeOFREP) && !s.limiter.allow(clientKey(s.proxies.clientAddr(r)), time.Now()) {
		return s.sendError(w, r, http.StatusTooManyRequests, "Rate limit exceeded")
	}
	return next(w, r)
}

// headSize is the size of r's request line and headers as sent (HTTP/1),
// give or take the spelling of header names.
func headSize(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2
	if r.Host != "" {
		n += len("Host: ") + len(r.Host) + 2
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + 2 + len(v) + 2
		}
	}
	return n + 2
}

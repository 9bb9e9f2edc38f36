// Package gateway is the platform's API gateway: /api/experiments,
// /api/environments, /api/audiences, /api/events and /api/decide passed to the control
// plane and the decision service with the /api prefix removed, a per-IP
// rate limit on decide, an aggregated /health, and the dashboard on every
// other path.
package gateway

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/inprocess/experiment/platform/internal/fastify"
)

// Options configures New. Control and Decision are required.
type Options struct {
	// Control and Decision are the upstream services, called in the same
	// process.
	Control  http.Handler
	Decision http.Handler
	// Dashboard serves every path that is neither /health nor under /api.
	// Nil: those paths get the gateway's route 404.
	Dashboard http.Handler
	// RateLimit limits /api/decide per client IP; see RateLimitFromEnv.
	RateLimit RateLimit
	// Now is the clock of the rate limit's windows. Default: time.Now.
	Now func() time.Time
}

// prefixes are the routed paths and the services they go to.
var prefixes = []struct {
	prefix   string
	decision bool
}{
	{"/api/experiments", false},
	{"/api/environments", false},
	{"/api/audiences", false},
	{"/api/events", false},
	{"/api/decide", true},
}

type gateway struct {
	opts    Options
	limiter *limiter
}

// New returns the gateway's handler. It is safe for concurrent use.
func New(opts Options) (http.Handler, error) {
	if opts.Control == nil || opts.Decision == nil {
		return nil, errors.New("gateway: Options.Control and Options.Decision are required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	g := &gateway{opts: opts}
	if opts.RateLimit.Enabled {
		g.limiter = newLimiter(opts.RateLimit)
	}
	return g, nil
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	if path == "/health" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		g.health(w, r)
		return
	}
	for _, p := range prefixes {
		rest, ok := strings.CutPrefix(path, p.prefix)
		if !ok || (rest != "" && rest[0] != '/') {
			continue
		}
		up := g.opts.Control
		if p.decision {
			if g.limiter != nil && !g.limiter.admit(w, clientIP(r), g.opts.Now()) {
				return
			}
			up = g.opts.Decision
		}
		up.ServeHTTP(w, strip(r))
		return
	}
	if g.opts.Dashboard != nil && !strings.HasPrefix(path, "/api/") && path != "/api" {
		g.opts.Dashboard.ServeHTTP(w, r)
		return
	}
	fastify.WriteNotFound(w, r)
}

// strip returns r for the upstream: /api removed from the path and the
// raw request URI, query kept.
func strip(r *http.Request) *http.Request {
	out := r.Clone(r.Context())
	out.URL.Path = strings.TrimPrefix(r.URL.Path, "/api")
	out.URL.RawPath = strings.TrimPrefix(r.URL.RawPath, "/api")
	out.RequestURI = strings.TrimPrefix(r.RequestURI, "/api")
	if out.RequestURI == r.RequestURI || out.RequestURI == "" {
		out.RequestURI = out.URL.RequestURI()
	}
	return out
}

// health asks both services for /health: 200 when both answer 2xx, else
// 503 "degraded" with each one's state.
func (g *gateway) health(w http.ResponseWriter, r *http.Request) {
	state := func(h http.Handler) string {
		rec := httptest.NewRecorder()
		req := httptest.NewRequestWithContext(r.Context(), http.MethodGet, "/health", nil)
		h.ServeHTTP(rec, req)
		if rec.Code >= 200 && rec.Code < 300 {
			return "ok"
		}
		return "unhealthy"
	}
	exp, dec := state(g.opts.Control), state(g.opts.Decision)
	status, code := "ok", http.StatusOK
	if exp != "ok" || dec != "ok" {
		status, code = "degraded", http.StatusServiceUnavailable
	}
	fastify.WriteJSON(w, code, []byte(`{"status":"`+status+`","services":{"experiment_service":"`+exp+`","decision_service":"`+dec+`"}}`))
}

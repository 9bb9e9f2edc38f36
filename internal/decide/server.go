package decide

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/inprocess/experiment"
)

// Server is experimentd's decision service: it serves GET /decide,
// /health and /metrics from one live config per environment. Build one
// with New, call Start to begin loading the environments, serve Handler
// (or call Serve), and Close it at the end. A Server is safe for
// concurrent use.
type Server struct {
	cfg     Config
	log     *slog.Logger
	envs    map[string]*environment // fixed once serving
	order   []string                // environments in flag order
	limiter *clientLimiter
	proxies proxies
	conns   *connLimiter // nil when not serving from a listener
	metrics metrics
	stop    context.CancelFunc // Start's
}

// New returns a Server for cfg, or an error naming what is wrong in cfg.
// It loads nothing yet: Start does.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, envs: map[string]*environment{}, proxies: proxies{trusted: cfg.TrustedProxies, header: cfg.ProxyHeader}}
	if cfg.Rate > 0 {
		s.limiter = newClientLimiter(rate.Limit(cfg.Rate), cfg.Burst, cfg.RateClients)
	}
	for _, e := range cfg.Environments {
		s.envs[e.Name] = &environment{name: e.Name, spec: e.Source, loaded: make(chan struct{})}
		s.order = append(s.order, e.Name)
	}
	return s, nil
}

// config returns the environment's current config, or nil when it has
// none (unknown environment, or no good config loaded yet).
func (s *Server) config(env string) *experiment.Ruleset {
	e, ok := s.envs[env]
	if !ok {
		return nil
	}
	return e.config()
}

// Handler returns the server's HTTP handler: GET /decide, /health and
// /metrics, behind the per-request bounds and the rate limit.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /decide", s.decide)
	mux.HandleFunc("GET /health", s.health)
	mux.HandleFunc("GET /metrics", s.serveMetrics)
	return s.observe(s.bound(mux))
}

// observe counts every response, applies the rate limit and logs at debug.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		client := s.proxies.clientAddr(r)
		if s.limiter != nil && r.URL.Path == "/decide" && !s.limiter.allow(clientKey(client), start) {
			writeJSON(rec, http.StatusTooManyRequests, errorBody{"Rate limit exceeded"})
		} else {
			next.ServeHTTP(rec, r)
		}
		s.metrics.request(r.URL.Path, rec.code)
		s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "code", rec.code, "duration", time.Since(start), "client", client)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

type errorBody struct {
	Error string `json:"error"`
}

// decideResponse is the platform's decide response.
type decideResponse struct {
	UserKey       string                  `json:"user_key"`
	Environment   string                  `json:"environment"`
	ConfigVersion int64                   `json:"config_version"`
	Assignments   []experiment.Assignment `json:"assignments"`
}

// decide answers GET /decide as the platform's decision service does,
// checking in its order: user_key and env, then the config, then context.
// A context over Config.MaxContextBytes is refused first, with 414.
func (s *Server) decide(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	userKey, env := q.Get("user_key"), q.Get("env")
	switch {
	case len(q.Get("context")) > s.cfg.MaxContextBytes:
		writeJSON(w, http.StatusRequestURITooLong, errorBody{fmt.Sprintf("context is over the %d-byte limit", s.cfg.MaxContextBytes)})
		return
	case userKey == "":
		writeJSON(w, http.StatusBadRequest, errorBody{"user_key is required and must not be empty"})
		return
	case env == "":
		writeJSON(w, http.StatusBadRequest, errorBody{"env is required and must not be empty"})
		return
	}
	rs := s.config(env)
	if rs == nil {
		writeJSON(w, http.StatusServiceUnavailable, errorBody{fmt.Sprintf("No config available for environment %q", env)})
		return
	}
	var attrs map[string]any
	if q.Has("context") {
		var v any
		if err := json.Unmarshal([]byte(q.Get("context")), &v); err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody{"Invalid context JSON"})
			return
		}
		m, ok := v.(map[string]any)
		if !ok {
			writeJSON(w, http.StatusBadRequest, errorBody{"context must be a JSON object"})
			return
		}
		attrs = m
	}
	assignments := rs.Assignments(experiment.ContextFor(userKey).With(attrs))
	s.metrics.assigned(env, assignments)
	writeJSON(w, http.StatusOK, decideResponse{
		UserKey:       userKey,
		Environment:   env,
		ConfigVersion: rs.Version(),
		Assignments:   assignments,
	})
}

// health reports each configured environment's serving version, or null
// while it has none, and answers 503 with status "unavailable" until every
// environment has a config, as a readiness probe expects.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	versions := make(map[string]*int64, len(s.order))
	status, code := "ok", http.StatusOK
	for _, env := range s.order {
		if rs := s.config(env); rs != nil {
			v := rs.Version()
			versions[env] = &v
		} else {
			versions[env] = nil
			status, code = "unavailable", http.StatusServiceUnavailable
		}
	}
	writeJSON(w, code, struct {
		Status         string            `json:"status"`
		ConfigVersions map[string]*int64 `json:"config_versions"`
	}{status, versions})
}

// writeJSON writes v as the body, without HTML escaping, as JSON.stringify
// does.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// metrics are the counters served at /metrics.
type metrics struct {
	requests    sync.Map // "path\x00code" -> *atomic.Int64
	assignments sync.Map // "env\x00experiment\x00variant" -> *atomic.Int64
}

func (m *metrics) request(path string, code int) {
	switch path {
	case "/decide", "/health", "/metrics":
	default:
		path = "other"
	}
	counter(&m.requests, path+"\x00"+fmt.Sprint(code)).Add(1)
}

func (m *metrics) assigned(env string, as []experiment.Assignment) {
	for _, a := range as {
		counter(&m.assignments, env+"\x00"+a.ExperimentKey+"\x00"+a.VariantKey).Add(1)
	}
}

func counter(m *sync.Map, key string) *atomic.Int64 {
	if c, ok := m.Load(key); ok {
		return c.(*atomic.Int64)
	}
	c, _ := m.LoadOrStore(key, &atomic.Int64{})
	return c.(*atomic.Int64)
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	family := func(name, typ, help string, labels []string, m *sync.Map) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
		var lines []string
		m.Range(func(k, v any) bool {
			vals := strings.Split(k.(string), "\x00")
			pairs := make([]string, len(labels))
			for i, l := range labels {
				pairs[i] = l + "=" + quoteLabel(vals[i])
			}
			lines = append(lines, fmt.Sprintf("%s{%s} %d\n", name, strings.Join(pairs, ","), v.(*atomic.Int64).Load()))
			return true
		})
		sort.Strings(lines)
		b.WriteString(strings.Join(lines, ""))
	}
	family("experimentd_requests_total", "counter", "HTTP requests by path and status code.", []string{"path", "code"}, &s.metrics.requests)
	family("experimentd_assignments_total", "counter", "Variants assigned by /decide.", []string{"environment", "experiment", "variant"}, &s.metrics.assignments)
	b.WriteString("# HELP experimentd_config_version The version of the config serving each environment (absent until one loads).\n# TYPE experimentd_config_version gauge\n")
	envs := slices.Clone(s.order)
	sort.Strings(envs)
	for _, env := range envs {
		if rs := s.config(env); rs != nil {
			fmt.Fprintf(&b, "experimentd_config_version{environment=%s} %d\n", quoteLabel(env), rs.Version())
		}
	}
	b.WriteString("# HELP experimentd_config_reload_failures_total Failed config fetches and parses by environment.\n# TYPE experimentd_config_reload_failures_total counter\n")
	for _, env := range envs {
		fmt.Fprintf(&b, "experimentd_config_reload_failures_total{environment=%s} %d\n", quoteLabel(env), s.envs[env].failures.Load())
	}
	if s.conns != nil {
		fmt.Fprintf(&b, "# HELP experimentd_open_connections Connections open, counted against -max-conns.\n# TYPE experimentd_open_connections gauge\nexperimentd_open_connections %d\n", s.conns.openConns())
		fmt.Fprintf(&b, "# HELP experimentd_connections_rejected_total Connections answered 503 or closed for being over -max-conns.\n# TYPE experimentd_connections_rejected_total counter\nexperimentd_connections_rejected_total %d\n", s.conns.rejected.Load())
		fmt.Fprintf(&b, "# HELP experimentd_idle_connections_closed_total Idle keep-alive connections closed to make room under -max-conns.\n# TYPE experimentd_idle_connections_closed_total counter\nexperimentd_idle_connections_closed_total %d\n", s.conns.evicted.Load())
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = w.Write([]byte(b.String()))
}

// quoteLabel quotes a Prometheus label value.
func quoteLabel(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v) + `"`
}

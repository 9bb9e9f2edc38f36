// Package decision is the platform's decision service: GET /decide and
// GET /health, answered from the snapshots the control plane publishes,
// read back through the storage layout with the library's own reader
// (experiment.Watch over a Source per environment), never from the
// control plane's memory.
//
// TO BE REPLACED BY EXPERIMENTD'S SERVER: cmd/experimentd serves the same
// API but is a main package today; once its server is importable, this
// package should become a thin adapter over it. Until then it runs the
// library's documented pieces: experiment.Watch, a Fallback while an
// environment has no snapshot, and Ruleset.Assignments.
package decision

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/internal/wire"
	"github.com/inprocess/experiment/platform/internal/fastify"
	"github.com/inprocess/experiment/platform/internal/jsvalue"
)

// Options configures New. Source is required.
type Options struct {
	// Source returns the Source of an environment's folder in the storage
	// layout (see publish.Bucket.Source). It is called once per
	// environment, the first time a request names it.
	Source func(env string) (experiment.Source, error)

	// Interval is how often each environment's version.json is polled.
	// Default: 1 second (the platform's decision service polls every 5).
	Interval time.Duration

	// MaxEnvironments caps how many environments are watched; a request
	// naming another is answered 503, as for an environment never
	// published. Default: 1024.
	MaxEnvironments int

	// Logger receives the watchers' logs. Default: slog.Default().
	Logger *slog.Logger
}

// Service is the decision service's handler. It is safe for concurrent
// use; Close stops its watchers.
type Service struct {
	opts   Options
	ctx    context.Context
	cancel context.CancelFunc

	mu    sync.Mutex
	envs  map[string]*env
	order []string // environments in the order first requested
}

type env struct {
	once    sync.Once                       // starts the watch, outside the service's lock
	live    atomic.Pointer[experiment.Live] // nil until started, or when it cannot be watched
	loading atomic.Bool                     // a request is reloading it
	last    atomic.Int64                    // unix nanos of the last on-request reload
}

// noConfig serves while an environment has no snapshot.
var noConfig = &experiment.Ruleset{}

// New returns the service. It fails when opts.Source is nil.
func New(opts Options) (*Service, error) {
	if opts.Source == nil {
		return nil, errors.New("decision: Options.Source is required")
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.MaxEnvironments <= 0 {
		opts.MaxEnvironments = 1024
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Service{opts: opts, ctx: ctx, cancel: cancel, envs: map[string]*env{}}, nil
}

// Close stops watching every environment.
func (s *Service) Close() {
	s.cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.envs {
		e.once.Do(func() {}) // no watch starts after Close
		if l := e.live.Load(); l != nil {
			l.Close()
		}
	}
}

// lookup returns the environment's live config, starting its watch on
// first use (its first load runs outside the service's lock, so a slow
// store delays only that environment); nil when it cannot be watched or
// the cap is reached.
func (s *Service) lookup(name string) *env {
	s.mu.Lock()
	e, ok := s.envs[name]
	if !ok {
		if len(s.envs) >= s.opts.MaxEnvironments {
			s.mu.Unlock()
			return nil
		}
		e = &env{}
		s.envs[name] = e
		s.order = append(s.order, name)
	}
	s.mu.Unlock()
	e.once.Do(func() {
		src, err := s.opts.Source(name)
		if err != nil {
			s.opts.Logger.Warn("decision: environment cannot be watched", "environment", name, "error", err)
			return
		}
		live, err := experiment.Watch(s.ctx, src, &experiment.WatchOptions{
			Interval: s.opts.Interval,
			Fallback: noConfig,
			Parse:    []experiment.Option{experiment.WithEnv(name)},
			Logger:   s.opts.Logger.With("environment", name),
		})
		if err == nil {
			e.live.Store(live)
		}
	})
	return e
}

// config returns the environment's serving snapshot, or nil. While it
// has none, each request reloads it (at most one at a time, and once per
// 50 ms), as the platform's service fetches latest.json on every request
// for an environment it has no config for.
func (s *Service) config(ctx context.Context, name string) *experiment.Ruleset {
	e := s.lookup(name)
	if e == nil || e.live.Load() == nil {
		return nil
	}
	live := e.live.Load()
	if rs := live.Ruleset(); rs != noConfig {
		return rs
	}
	now := time.Now().UnixNano()
	if now-e.last.Load() > int64(50*time.Millisecond) && e.loading.CompareAndSwap(false, true) {
		e.last.Store(now)
		_ = live.Reload(ctx)
		e.loading.Store(false)
	}
	if rs := live.Ruleset(); rs != noConfig {
		return rs
	}
	return nil
}

// ServeHTTP answers GET /decide and GET /health (and HEAD for both);
// anything else is Fastify's route 404.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		fastify.WriteNotFound(w, r)
		return
	}
	switch r.URL.EscapedPath() {
	case "/decide":
		s.decide(w, r)
	case "/health":
		s.health(w)
	default:
		fastify.WriteNotFound(w, r)
	}
}

// queryString checks a required string query field in zod's words.
func queryString(q map[string]jsvalue.Value, key string, required bool) (string, bool, string) {
	v, ok := q[key]
	switch {
	case !ok && required:
		return "", false, "Invalid input: expected string, received undefined"
	case !ok:
		return "", false, ""
	case v.Kind != jsvalue.String:
		return "", true, "Invalid input: expected string, received " + v.TypeName()
	case required && v.Str == "":
		return "", true, "Too small: expected string to have >=1 characters"
	}
	return v.Str, true, ""
}

// decide answers GET /decide?user_key&env&context, checking as the
// platform does: user_key, env and context are strings (the first two
// not empty), then the environment has a config (503), then context is a
// JSON object (400).
func (s *Service) decide(w http.ResponseWriter, r *http.Request) {
	q := fastify.ParseQuery(r.URL.RawQuery)
	userKey, _, msg := queryString(q, "user_key", true)
	envName, _, msg2 := queryString(q, "env", true)
	ctxText, hasCtx, msg3 := queryString(q, "context", false)
	for _, m := range []string{msg, msg2, msg3} {
		if m != "" {
			fastify.WriteError(w, http.StatusBadRequest, m)
			return
		}
	}
	rs := s.config(r.Context(), envName)
	if rs == nil {
		fastify.WriteError(w, http.StatusServiceUnavailable, `No config available for environment "`+envName+`"`)
		return
	}
	c := experiment.ContextFor(userKey)
	if hasCtx && ctxText != "" {
		v, err := jsvalue.Parse([]byte(ctxText))
		if err != nil {
			fastify.WriteError(w, http.StatusBadRequest, "Invalid context JSON")
			return
		}
		if v.Kind != jsvalue.Object {
			fastify.WriteError(w, http.StatusBadRequest, "context must be a JSON object")
			return
		}
		c = c.With(attributes(v))
	}
	as := rs.Assignments(c)
	d := wire.Decision{UserKey: userKey, Environment: envName, ConfigVersion: rs.Version(), Assignments: make([]wire.Assignment, len(as))}
	for i, a := range as {
		d.Assignments[i] = wire.Assignment{ExperimentKey: a.ExperimentKey, ExperimentID: a.ExperimentID, VariantKey: a.VariantKey, VariantID: a.VariantID, Payload: a.Payload}
	}
	fastify.WriteJSON(w, http.StatusOK, encodeDecision(&d))
}

// attributes turns a context object into the library's attribute map.
func attributes(v jsvalue.Value) map[string]any {
	out := make(map[string]any, len(v.Obj))
	for _, m := range v.Obj {
		out[m.Key] = goValue(m.Val)
	}
	return out
}

func goValue(v jsvalue.Value) any {
	switch v.Kind {
	case jsvalue.Bool:
		return v.Bool
	case jsvalue.Number:
		return v.Num
	case jsvalue.String:
		return v.Str
	case jsvalue.Array:
		out := make([]any, len(v.Arr))
		for i, item := range v.Arr {
			out[i] = goValue(item)
		}
		return out
	case jsvalue.Object:
		return attributes(v)
	}
	return nil
}

// encodeDecision writes the decide response as JSON.stringify does.
func encodeDecision(d *wire.Decision) []byte {
	b := append([]byte(`{"user_key":`), wire.AppendString(nil, d.UserKey)...)
	b = append(b, `,"environment":`...)
	b = wire.AppendString(b, d.Environment)
	b = append(b, `,"config_version":`...)
	b = wire.AppendNumber(b, float64(d.ConfigVersion))
	b = append(b, `,"assignments":[`...)
	for i, a := range d.Assignments {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"experiment_key":`...)
		b = wire.AppendString(b, a.ExperimentKey)
		b = append(b, `,"experiment_id":`...)
		b = wire.AppendString(b, a.ExperimentID)
		b = append(b, `,"variant_key":`...)
		b = wire.AppendString(b, a.VariantKey)
		b = append(b, `,"variant_id":`...)
		b = wire.AppendString(b, a.VariantID)
		b = append(b, `,"payload":`...)
		if p, err := wire.AppendValue(b, a.Payload); err == nil {
			b = p
		} else {
			b = append(b, "null"...)
		}
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// health answers {"status":"ok","config_versions":{env: version|null}}
// for every environment requested so far, in that order.
func (s *Service) health(w http.ResponseWriter) {
	s.mu.Lock()
	names := append([]string(nil), s.order...)
	envs := make([]*env, len(names))
	for i, n := range names {
		envs[i] = s.envs[n]
	}
	s.mu.Unlock()
	var b strings.Builder
	b.WriteString(`{"status":"ok","config_versions":{`)
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(wire.AppendString(nil, n))
		b.WriteByte(':')
		if l := envs[i].live.Load(); l != nil && l.Ruleset() != noConfig {
			b.Write(wire.AppendNumber(nil, float64(l.Ruleset().Version())))
		} else {
			b.WriteString("null")
		}
	}
	b.WriteString("}}")
	fastify.WriteJSON(w, http.StatusOK, []byte(b.String()))
}

package decide

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inprocess/experiment"
)

// environment is one environment: a configured one (Config.Environments)
// or one discovered in Config.Layout. It has no config until its first
// good load, and /decide answers 503 for it until then. Loading runs in
// the background, so no source, however it misbehaves (a FIFO that never
// opens, a server that never answers), can keep the server from
// listening or from closing.
type environment struct {
	name       string
	discovered bool
	newSource  func() experiment.Source // a fresh source for each first-load attempt

	live      atomic.Pointer[experiment.Live] // nil until a first load succeeds
	enc       atomic.Pointer[encoded]         // the current config's encoding, built on first use
	encMu     sync.Mutex                      // serialises building enc
	attempted chan struct{}                   // closed when the first load attempt has ended
	stopped   chan struct{}                   // closed when the loader has returned
	kick      chan struct{}                   // asks a waiting loader to try again now
	lastKick  atomic.Int64                    // unix nanoseconds of the last kick
	lastUsed  atomic.Int64                    // unix nanoseconds of the last request naming it
	failures  atomic.Int64                    // failed fetches and parses
	cancel    context.CancelFunc              // stops this environment's loader
	counters  assignmentCounters
}

func newEnvironment(name string, discovered bool, newSource func() experiment.Source) *environment {
	return &environment{
		name: name, discovered: discovered, newSource: newSource,
		attempted: make(chan struct{}), stopped: make(chan struct{}), kick: make(chan struct{}, 1),
	}
}

// config returns e's current config, or nil when it has none yet.
func (e *environment) config() *experiment.Ruleset {
	if live := e.live.Load(); live != nil {
		return live.Ruleset()
	}
	return nil
}

// retryAfterKick is the least time between two load attempts that
// requests trigger for an environment without a config.
const retryAfterKick = time.Second

// wake asks e's loader, if it is waiting to retry a failed first load, to
// retry now, at most once per retryAfterKick.
func (e *environment) wake(now time.Time) {
	last := e.lastKick.Load()
	if now.UnixNano()-last < int64(retryAfterKick) || !e.lastKick.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// load runs e's loader until ctx is done: it tries a first load (Watch
// without a fallback, so nothing is served and nothing is logged as
// served until a good config arrives) and, while that fails, tries again
// after Interval, doubling up to 8 × Interval, or sooner when a request
// wakes it. Once a load succeeds, the Live polls on its own.
func (s *Server) load(ctx context.Context, e *environment) {
	defer close(e.stopped)
	log := s.log.With("environment", e.name)
	if e.discovered {
		log = slog.New(unpublishedHandler{log.Handler()})
	}
	opts := &experiment.WatchOptions{
		Interval: s.cfg.Interval,
		Parse:    []experiment.Option{experiment.WithEnv(e.name)},
		Logger:   log,
		OnError:  func(error) { e.failures.Add(1) },
	}
	first := true
	for failures := 0; ; failures++ {
		live, err := experiment.Watch(ctx, e.newSource(), opts)
		if err == nil {
			e.live.Store(live)
		}
		if first {
			close(e.attempted)
			first = false
		}
		if err == nil || ctx.Err() != nil {
			return
		}
		wait := s.cfg.Interval << min(failures, 3)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-e.kick:
			t.Stop()
		}
	}
}

// close stops e's loading and polling, waiting until ctx is done at most.
// It reports why it gave up: "loading" when a load attempt had not
// returned, "closing" when the Live's Close had not; "" when e stopped in
// time.
func (e *environment) close(ctx context.Context) string {
	if e.cancel != nil {
		e.cancel()
	}
	select {
	case <-e.stopped:
	case <-ctx.Done():
		return "loading"
	}
	live := e.live.Load()
	if live == nil {
		return ""
	}
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		_ = live.Close()
	}()
	select {
	case <-closed:
		return ""
	case <-ctx.Done():
		return "closing"
	}
}

// registry holds the environments: the configured ones, fixed at New, and
// those discovered in the layout, copied on write so that a lookup takes
// no lock.
type registry struct {
	fixed map[string]*environment
	order []string // configured environments in Config order

	mu         sync.Mutex
	discovered atomic.Pointer[map[string]*environment] // replaced whole under mu
}

// lookup returns the environment named name, or nil.
func (r *registry) lookup(name string) *environment {
	if e, ok := r.fixed[name]; ok {
		return e
	}
	if d := r.discovered.Load(); d != nil {
		return (*d)[name]
	}
	return nil
}

// all returns every environment: the configured ones in order, then the
// discovered ones in no particular order.
func (r *registry) all() []*environment {
	out := make([]*environment, 0, len(r.order))
	for _, n := range r.order {
		out = append(out, r.fixed[n])
	}
	if d := r.discovered.Load(); d != nil {
		for _, e := range *d {
			out = append(out, e)
		}
	}
	return out
}

// Start begins loading every configured environment from its source in
// the background and polling it, until ctx is done or Close is called,
// and turns on discovery in Config.Layout. It returns at once: an
// environment answers 503 until its first good config loads, whatever
// its source does (fails, hangs, never opens). Start must be called once,
// before or after the handler starts serving.
func (s *Server) Start(ctx context.Context) {
	ctx, s.stop = context.WithCancel(ctx)
	s.ctx.Store(&ctx)
	for _, name := range s.envs.order {
		s.startEnv(ctx, s.envs.fixed[name])
	}
}

func (s *Server) startEnv(ctx context.Context, e *environment) {
	ectx, cancel := context.WithCancel(ctx)
	e.cancel = cancel
	go s.load(ectx, e)
}

// discover returns the environment name of the layout, creating it and
// starting its loader if it is new, or nil when there is no layout, the
// name cannot be a folder of it, the server is not started or closed, or
// MaxEnvironments are discovered and all have a config. To make room for
// a new one, the least recently used discovered environment without a
// config is forgotten.
func (s *Server) discover(name string) *environment {
	if s.layout == nil || !layoutName(name) {
		return nil
	}
	ctxp := s.ctx.Load()
	if ctxp == nil || (*ctxp).Err() != nil {
		return nil
	}
	r := &s.envs
	r.mu.Lock()
	defer r.mu.Unlock()
	old := map[string]*environment{}
	if d := r.discovered.Load(); d != nil {
		old = *d
	}
	if e, ok := old[name]; ok {
		return e
	}
	next := make(map[string]*environment, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	if len(next) >= s.cfg.MaxEnvironments {
		var victim *environment
		for _, e := range next {
			if e.config() == nil && (victim == nil || e.lastUsed.Load() < victim.lastUsed.Load()) {
				victim = e
			}
		}
		if victim == nil {
			return nil
		}
		delete(next, victim.name)
		victim.cancel()
		s.log.Info("experimentd: forgot a discovered environment without a config to make room", "environment", victim.name, "max_environments", s.cfg.MaxEnvironments)
	}
	e := newEnvironment(name, true, func() experiment.Source { return s.layout(name) })
	e.lastUsed.Store(time.Now().UnixNano())
	next[name] = e
	s.startEnv(*ctxp, e)
	r.discovered.Store(&next)
	s.log.Info("experimentd: discovered an environment in the layout", "environment", name)
	return e
}

// Close stops every environment's loading and polling, waiting until ctx
// is done at most: a source that does not stop in time is logged and left
// behind (it ends with the process). The environments keep serving their
// last config; no environment is discovered after Close. Close returns
// ctx's error if it gave up waiting, else nil.
func (s *Server) Close(ctx context.Context) error {
	if s.stop != nil {
		s.stop()
	}
	var wg sync.WaitGroup
	for _, e := range s.envs.all() {
		if e.cancel == nil {
			continue // never started
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if stuck := e.close(ctx); stuck != "" {
				s.log.Warn("experimentd: the environment's source did not stop within the shutdown timeout; exiting without it",
					"environment", e.name, "state", stuck)
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// unpublishedHandler is the log handler of a discovered environment: a
// failed load because the environment has nothing published (no
// version.json: a missing file or a 404) is logged at debug rather than
// warn, as any request naming an environment that the platform has not
// published yet causes one. Other records pass as they are.
type unpublishedHandler struct{ slog.Handler }

func (h unpublishedHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == slog.LevelWarn && recordErrorIs(r, notPublished) {
		if !h.Enabled(ctx, slog.LevelDebug) {
			return nil
		}
		r = r.Clone()
		r.Level = slog.LevelDebug
	}
	return h.Handler.Handle(ctx, r)
}

func (h unpublishedHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return unpublishedHandler{h.Handler.WithAttrs(as)}
}

func (h unpublishedHandler) WithGroup(name string) slog.Handler {
	return unpublishedHandler{h.Handler.WithGroup(name)}
}

// recordErrorIs reports whether r has an "error" attribute for which f is
// true.
func recordErrorIs(r slog.Record, f func(error) bool) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		if err, ok := a.Value.Any().(error); ok && a.Key == "error" && f(err) {
			found = true
			return false
		}
		return true
	})
	return found
}

// notPublished reports whether err says that there is nothing at the
// source: a missing file, or a 404.
func notPublished(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || strings.Contains(err.Error(), "unexpected status 404")
}

package decide

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/inprocess/experiment"
)

// environment is one -config: its Live, once Watch has returned. Until
// then, and while its source has given no good config, /decide answers 503
// for it. Its first load runs in the background, so no source, however it
// misbehaves (a FIFO that never opens, a server that never answers), can
// keep experimentd from listening or from exiting.
type environment struct {
	name     string
	spec     string                          // Environment.Source
	live     atomic.Pointer[experiment.Live] // nil until Watch returns
	loaded   chan struct{}                   // closed when Watch has returned
	failures atomic.Int64                    // failed fetches and parses
}

// noConfig is the fallback that serves while an environment has no good
// config yet: /decide answers 503 for it.
var noConfig = &experiment.Ruleset{}

// watch starts loading e from src in the background, polling until ctx is
// done.
func (s *Server) watch(ctx context.Context, e *environment, src experiment.Source) {
	log := s.log.With("environment", e.name)
	go func() {
		defer close(e.loaded)
		live, err := experiment.Watch(ctx, src, &experiment.WatchOptions{
			Interval: s.cfg.Interval,
			Fallback: noConfig,
			Parse:    []experiment.Option{experiment.WithEnv(e.name)},
			Logger:   log,
			OnError:  func(error) { e.failures.Add(1) },
		})
		if err != nil { // with a Fallback, only if ctx ended first
			log.Warn("experimentd: the environment's source was not watched", "error", err)
			return
		}
		e.live.Store(live)
		if live.Ruleset() == noConfig {
			// The library logged "serving the fallback config": here that
			// fallback is no config at all.
			log.Warn("experimentd: no config for the environment yet; /decide answers 503 for it and /health is unavailable until one loads")
		}
	}()
}

// config returns e's current config, or nil when it has none yet.
func (e *environment) config() *experiment.Ruleset {
	live := e.live.Load()
	if live == nil {
		return nil
	}
	if rs := live.Ruleset(); rs != noConfig {
		return rs
	}
	return nil
}

// close stops e's polling, waiting until ctx is done at most. It reports
// why it gave up: "loading" when the first load had not returned,
// "closing" when the Live's Close had not; "" when e stopped in time.
func (e *environment) close(ctx context.Context) string {
	select {
	case <-e.loaded:
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

// Start begins loading every environment from its source in the
// background and polling it, until ctx is done or Close is called. It
// returns at once: an environment answers 503 until its first good config
// loads, whatever its source does (fails, hangs, never opens). Start must
// be called once.
func (s *Server) Start(ctx context.Context) {
	ctx, s.stop = context.WithCancel(ctx)
	for _, name := range s.order {
		e := s.envs[name]
		s.watch(ctx, e, sourceFor(e.spec, s.cfg.FetchTimeout))
	}
}

// Close stops every environment's polling, waiting until ctx is done at
// most: a source that does not stop in time is logged and left behind (it
// ends with the process). The environments keep serving their last
// config. Close returns ctx's error if it gave up waiting, else nil.
func (s *Server) Close(ctx context.Context) error {
	if s.stop != nil {
		s.stop()
	}
	var wg sync.WaitGroup
	for _, env := range s.order {
		e := s.envs[env]
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

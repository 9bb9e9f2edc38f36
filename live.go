package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// WatchOptions configures Watch. The zero value means all defaults.
type WatchOptions struct {
	// Interval is the time between polls. Default: 30 seconds.
	Interval time.Duration

	// Jitter spreads polls by a random fraction of the interval, up to
	// ±Jitter, so that a fleet does not poll in step. Default: 0.1;
	// a negative value means none.
	Jitter float64

	// MaxBackoff caps the wait after failed reloads, which doubles from
	// Interval with each failure in a row. Default: 8 × Interval.
	MaxBackoff time.Duration

	// Fallback serves when the first load fails, so a service can start
	// while its config store is down; polling goes on and the first good
	// config replaces it. Default: nil, and Watch fails when the first
	// load does. With Exposures, the Live serves (and OnUpdate is given) a
	// copy of it with that hook.
	Fallback *Ruleset

	// OnUpdate is called after each new config is installed, with the
	// previous one (the Fallback or nil at first) and the new one.
	OnUpdate func(old, new *Ruleset)

	// OnError is called with each failed fetch or parse. The last good
	// config keeps serving.
	OnError func(err error)

	// Logger receives a record of every update (Info) and failure (Warn).
	// Default: slog.Default().
	Logger *slog.Logger

	// Parse holds the options for parsing each config, such as WithEnv.
	// WithName is set to the source's name.
	Parse []Option

	// Exposures is called with each exposure (see the WithExposures
	// option) of whatever config the Live serves: each one it loads, the
	// Fallback, and a config given to Override. It replaces the hook of
	// a WithExposures in Parse and the Fallback's or Override's own
	// (Ruleset.WithExposures). Default: nil, and each config keeps its
	// own hook, if any.
	Exposures func(Exposure)
}

// Live is a config that is reloaded while the service runs: it always
// evaluates against the newest good *Ruleset from its Source. A service
// holds one for its lifetime; Watch creates it.
//
// Its evaluation methods are those of Ruleset and allocate nothing, like
// them; each call reads the current Ruleset with one atomic load and takes
// no lock. Two calls may see two configs if a reload happens between them:
// use Ruleset to pin one config for a whole request.
//
// A new config is parsed and validated in full before it replaces the old
// one, so a Live never serves a half-applied or broken config. Live is safe
// for concurrent use. The zero Live, like a nil *Live, has no config: every
// evaluation is off.
type Live struct {
	cur      atomic.Pointer[Ruleset] // what evaluation reads: loaded, or overridden
	loaded   *Ruleset                // the newest config installed by Watch or Reload; mu
	override *Ruleset                // Override's, nil for none; mu
	good     bool                    // the last bytes the source returned were installed; mu
	src      Source
	name     string
	opts     WatchOptions
	log      *slog.Logger
	// fetching holds a token while a reload is in flight, so that reloads
	// run one at a time and Fetch is never called concurrently. It is
	// taken with a select on the caller's context, so a hung Fetch never
	// blocks a caller past its deadline.
	fetching chan struct{}
	mu       sync.Mutex // guards the fields marked mu; never held during a fetch
	status   Status
	stop     context.CancelFunc
	done     chan struct{}
	once     sync.Once
}

// Status describes a Live's reloads, for health checks and dashboards.
type Status struct {
	Source      string    // the source's name
	Version     int64     // the serving config's Version
	Env         string    // the serving config's Env
	LoadedAt    time.Time // when the serving config was installed; zero for a Fallback
	Fallback    bool      // whether the Fallback is serving
	LastError   error     // the last failed reload; cleared when a config is installed, or the installed one is confirmed unchanged
	LastErrorAt time.Time // when it failed
}

// Watch loads the config from src, then polls src in a goroutine and
// installs each new good config, until ctx is done or Close is called.
//
// If the first load fails, Watch returns the error, unless
// opts.Fallback is set: then the fallback serves, the error goes to
// OnError and the log, and polling goes on. A first fetch that reports
// ErrNotModified is a failure too: there is no config to serve. Watch
// returns when ctx is done even if the source's Fetch ignores ctx (such a
// Fetch goes on in the background, and the next reload waits for it).
// opts may be nil.
func Watch(ctx context.Context, src Source, opts *WatchOptions) (*Live, error) {
	l := &Live{src: src, name: sourceName(src), done: make(chan struct{}), fetching: make(chan struct{}, 1)}
	if opts != nil {
		l.opts = *opts
	}
	if l.opts.Interval <= 0 {
		l.opts.Interval = 30 * time.Second
	}
	if l.opts.Jitter == 0 {
		l.opts.Jitter = 0.1
	}
	if l.opts.MaxBackoff <= 0 {
		l.opts.MaxBackoff = 8 * l.opts.Interval
	}
	l.log = l.opts.Logger
	if l.log == nil {
		l.log = slog.Default()
	}
	l.status.Source = l.name
	l.opts.Fallback = l.exposing(l.opts.Fallback)
	if err := l.Reload(ctx); err != nil {
		if l.opts.Fallback == nil {
			return nil, err
		}
		l.mu.Lock()
		if l.loaded == nil { // a Fetch abandoned at the deadline may have installed one since
			l.loaded = l.opts.Fallback
			l.serve()
			l.status.Version, l.status.Env, l.status.Fallback = l.opts.Fallback.Version(), l.opts.Fallback.Env(), true
		}
		l.mu.Unlock()
		l.log.Warn("experiment: serving the fallback config", "source", l.name, "version", l.opts.Fallback.Version())
	}
	ctx, l.stop = context.WithCancel(ctx)
	go l.poll(ctx)
	return l, nil
}

// Close stops polling and waits for the polling goroutine to end, which
// does not wait for a Fetch in flight (a Fetch that ignores its context
// ends on its own, and its result is still installed if it is good). The
// Live keeps serving its last config. Close is idempotent and returns nil.
func (l *Live) Close() error {
	if l == nil || l.stop == nil {
		return nil
	}
	l.once.Do(func() {
		l.stop()
		<-l.done
	})
	return nil
}

// Done returns a channel that is closed when polling has stopped, because
// Watch's context was done or Close was called.
func (l *Live) Done() <-chan struct{} { return l.done }

func (l *Live) poll(ctx context.Context) {
	defer close(l.done)
	failures := 0
	for {
		t := time.NewTimer(l.delay(failures))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if err := l.Reload(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
		} else {
			failures = 0
		}
	}
}

// delay is the wait before the next poll: the interval, doubled for each
// failure in a row up to MaxBackoff, spread by the jitter.
func (l *Live) delay(failures int) time.Duration {
	d := l.opts.Interval
	for i := 0; i < failures && d < l.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, max(l.opts.MaxBackoff, l.opts.Interval))
	if j := l.opts.Jitter; j > 0 {
		d = time.Duration(float64(d) * (1 + j*(2*rand.Float64()-1)))
	}
	return max(d, time.Millisecond)
}

// Reload fetches the config now and installs it if it changed and is
// valid. It returns nil when the source reports no change to the config
// serving; when the source reports no change to bytes that failed, it
// returns that failure again. On failure the last good config keeps
// serving, and the error (a *ConfigError for a bad config) is also given to
// OnError and the log.
//
// Reloads are serialised: Reload waits for one in flight, but never past
// ctx. When ctx is done first, Reload returns ctx's error and a Fetch
// already started goes on in the background; its result is installed if it
// is good. OnUpdate and OnError run in the reload, so they must not call
// Reload; they may call Status.
func (l *Live) Reload(ctx context.Context) error {
	select {
	case l.fetching <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("experiment: fetching %s: a fetch is still in flight: %w", l.name, ctx.Err())
	}
	result := make(chan error, 1)
	go func() {
		defer func() { <-l.fetching }()
		result <- l.reload(ctx)
	}()
	select {
	case err := <-result:
		return err
	case <-ctx.Done():
		return fmt.Errorf("experiment: fetching %s: %w", l.name, ctx.Err())
	}
}

// reload is Reload's work; the fetching token is held.
func (l *Live) reload(ctx context.Context) error {
	data, err := l.src.Fetch(ctx)
	if errors.Is(err, ErrNotModified) {
		return l.unchanged()
	}
	if err != nil {
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return err // Close, or the caller gave up: not the source's failure
		}
		return l.fail(fmt.Errorf("experiment: fetching %s: %w", l.name, err))
	}
	r, err := Parse(data, l.parseOptions()...)
	if err != nil {
		l.mu.Lock()
		l.good = false
		l.mu.Unlock()
		return l.fail(err)
	}
	l.mu.Lock()
	old := l.loaded
	l.loaded, l.good = r, true
	l.serve()
	l.status = Status{Source: l.name, Version: r.Version(), Env: r.Env(), LoadedAt: time.Now()}
	l.mu.Unlock()
	l.log.Info("experiment: config updated", "source", l.name, "old_version", old.Version(), "new_version", r.Version(), "experiments", len(r.exps))
	if l.opts.OnUpdate != nil {
		l.opts.OnUpdate(old, r)
	}
	return nil
}

// unchanged handles a source's ErrNotModified: the config serving is
// confirmed, unless the source never gave one or its last bytes failed.
func (l *Live) unchanged() error {
	l.mu.Lock()
	good, last := l.good, l.status.LastError
	if good {
		l.status.LastError, l.status.LastErrorAt = nil, time.Time{}
	}
	l.mu.Unlock()
	switch {
	case good:
		return nil
	case last != nil:
		return last // the bytes that failed are still the source's
	}
	return l.fail(fmt.Errorf("experiment: fetching %s: the source reported no change before it gave any config", l.name))
}

// fail records and reports a failed reload.
func (l *Live) fail(err error) error {
	l.mu.Lock()
	l.status.LastError, l.status.LastErrorAt = err, time.Now()
	l.mu.Unlock()
	l.report(err)
	return err
}

// report logs a failure and gives it to OnError; l.mu is not held.
func (l *Live) report(err error) {
	l.mu.Lock()
	version, serving, fallback := l.loaded.Version(), l.loaded != nil, l.status.Fallback
	l.mu.Unlock()
	switch {
	case fallback:
		l.log.Warn("experiment: config load failed; the fallback config keeps serving", "source", l.name, "error", err)
	case serving:
		l.log.Warn("experiment: config reload failed; keeping the last good config", "source", l.name, "version", version, "error", err)
	default:
		l.log.Warn("experiment: config load failed; there is no config to serve yet", "source", l.name, "error", err)
	}
	if l.opts.OnError != nil {
		l.opts.OnError(err)
	}
}

// Status reports the serving config and the last failure.
func (l *Live) Status() Status {
	if l == nil {
		return Status{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.status
}

// Ruleset returns the config serving now. Evaluate a whole request
// against the one Ruleset so that it sees one config from start to end.
// It is nil only for a zero or nil Live.
func (l *Live) Ruleset() *Ruleset {
	if l == nil {
		return nil
	}
	return l.cur.Load()
}

// parseOptions are the options each loaded config is parsed with: the
// source's name, WatchOptions.Parse, then WatchOptions.Exposures.
func (l *Live) parseOptions() []Option {
	opts := append([]Option{WithName(l.name)}, l.opts.Parse...)
	if l.opts.Exposures != nil {
		opts = append(opts, WithExposures(l.opts.Exposures))
	}
	return opts
}

// exposing gives rs WatchOptions.Exposures, when it is set.
func (l *Live) exposing(rs *Ruleset) *Ruleset {
	if l.opts.Exposures == nil {
		return rs
	}
	return rs.WithExposures(l.opts.Exposures)
}

// Override makes the Live serve rs, whatever reloads install meanwhile,
// until restore is called; then it serves its newest config again.
// With WatchOptions.Exposures, the Live serves a copy of rs with that
// hook (Ruleset.WithExposures), so Ruleset returns the copy.
// Overrides nest: restore reinstates the override that was in place. It is
// meant for tests (see the experimenttest package) and emergencies; Status
// still describes the loaded config.
func (l *Live) Override(rs *Ruleset) (restore func()) {
	rs = l.exposing(rs)
	l.mu.Lock()
	prev := l.override
	l.override = rs
	l.serve()
	l.mu.Unlock()
	return func() {
		l.mu.Lock()
		l.override = prev
		l.serve()
		l.mu.Unlock()
	}
}

// serve publishes what evaluation reads: the override if there is one,
// else the loaded config. l.mu is held.
func (l *Live) serve() {
	if l.override != nil {
		l.cur.Store(l.override)
	} else {
		l.cur.Store(l.loaded)
	}
}

// VariantFor is Ruleset.VariantFor on the current config.
func (l *Live) VariantFor(name string, c Context) bool { return l.Ruleset().VariantFor(name, c) }

// Feature is Ruleset.Feature on the current config.
func (l *Live) Feature(name string, c Context) string { return l.Ruleset().Feature(name, c) }

// Payload is Ruleset.Payload on the current config.
func (l *Live) Payload(name string, c Context) json.RawMessage {
	return l.Ruleset().Payload(name, c)
}

// Select is Ruleset.Select on the current config.
func (l *Live) Select(name string, c Context, fns map[string]func()) func() {
	return l.Ruleset().Select(name, c, fns)
}

// Protect is Ruleset.Protect on the current config.
func (l *Live) Protect(name string, c Context, fns map[string]func()) bool {
	return l.Ruleset().Protect(name, c, fns)
}

// Assignments is Ruleset.Assignments on the current config.
func (l *Live) Assignments(c Context) []Assignment { return l.Ruleset().Assignments(c) }

// AppendAssignments is Ruleset.AppendAssignments on the current config.
func (l *Live) AppendAssignments(dst []Assignment, c Context) []Assignment {
	return l.Ruleset().AppendAssignments(dst, c)
}

// FuncMap returns the template functions with each call on the config
// current at that call, whatever ruleset a Context argument was pinned to.
//
// Deprecated: use FuncMap(l), which evaluates against the current config
// too, unless Middleware pinned the Context to one (so that a page never
// mixes two).
func (l *Live) FuncMap() template.FuncMap {
	return funcMap(func(Context) *Ruleset { return l.Ruleset() })
}

// Env is Ruleset.Env of the current config.
func (l *Live) Env() string { return l.Ruleset().Env() }

// Version is Ruleset.Version of the current config.
func (l *Live) Version() int64 { return l.Ruleset().Version() }

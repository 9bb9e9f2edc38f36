package experimentprovider

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/inprocess/experiment"
	"github.com/open-feature/go-sdk/openfeature"
)

// eventBuffer is the capacity of the event channel: enough that a reload
// rarely waits for the SDK to take an event.
const eventBuffer = 16

// Watch returns a Provider that owns a *experiment.Live over src. Nothing
// is fetched until the provider is set with the OpenFeature API: its Init
// calls experiment.Watch(src, opts), so the first load happens in
// openfeature.SetProviderAndWait (or in the background with SetProvider),
// and its Shutdown closes the Live.
//
// opts may be nil. Its OnUpdate and OnError hooks are called as
// experiment.Watch calls them, then the provider emits its events:
//
//   - Init succeeds when the first load does, or when opts.Fallback serves
//     instead: the SDK then emits PROVIDER_READY.
//   - When the first load fails and there is no Fallback, Init fails (the SDK
//     emits PROVIDER_ERROR and SetProviderAndWait returns the error) and
//     evaluations return the default value with PARSE_ERROR (a config that
//     failed to parse or validate) or GENERAL (a fetch that failed). Unlike
//     experiment.Watch, polling goes on: the first good config makes the
//     provider emit PROVIDER_READY. OnUpdate then sees a nil old config.
//   - Each new config emits PROVIDER_CONFIGURATION_CHANGED, unless its bytes
//     are those of the serving config (a Source may return the same bytes
//     again).
//   - A failed reload while a config serves emits PROVIDER_STALE: the last
//     good config keeps serving. Failures in a row emit it once. The next
//     new config emits PROVIDER_READY and PROVIDER_CONFIGURATION_CHANGED;
//     after a failed fetch, a fetch that reports experiment.ErrNotModified
//     also emits PROVIDER_READY (the serving config is current again).
//
// Polling runs from Init to Shutdown, whatever the context given to Init,
// which bounds only the first load. After Shutdown the provider can be set
// again; its next Init creates a new Live.
func Watch(src experiment.Source, opts *experiment.WatchOptions) *Provider {
	none, err := experiment.Parse([]byte("{}"))
	if err != nil {
		panic("experimentprovider: the empty config does not parse: " + err.Error())
	}
	p := &Provider{ch: make(chan openfeature.Event, eventBuffer), none: none, watch: src}
	if opts != nil {
		p.opts = *opts
	}
	return p
}

// status is the state the provider's events have reported, as the SDK
// tracks it; the zero value is before Init.
type status int

const (
	notReady status = iota // before Init, after Shutdown: no events
	ready                  // a config serves, and the last reload worked
	stale                  // a config serves, and the last reload failed
	failing                // no config serves
)

// eventState is what the provider last reported through events, and what
// its hooks need to choose the next event. It is guarded by its mutex. The
// Live calls the hooks with its own lock held, so ev.mu is taken inside
// the Live's lock and never held while calling a method of the Live that
// locks (Reload, Status, Close).
type eventState struct {
	mu        sync.Mutex
	run       int               // counts Inits: hooks of an earlier Live do nothing
	state     status            // notReady before Init and after Shutdown
	fetchFail bool              // the last failed reload was a failed fetch, not a bad config
	fetched   [sha256.Size]byte // the sum of the last bytes fetched
	serving   [sha256.Size]byte // the sum of the serving config's bytes
}

// EventChannel returns the channel the provider's events are sent on. Only
// Watch providers send events; the SDK emits PROVIDER_READY and
// PROVIDER_ERROR for Init itself.
func (p *Provider) EventChannel() <-chan openfeature.Event { return p.ch }

// Init is InitWithContext with context.Background().
func (p *Provider) Init(evalCtx openfeature.EvaluationContext) error {
	return p.InitWithContext(context.Background(), evalCtx)
}

// InitWithContext prepares the provider for evaluations; the OpenFeature
// API calls it when the provider is set. For New and NewLive it only checks
// that there is a config. For Watch it loads the first config, bounded by
// ctx, and starts polling (see Watch). It returns an error when no config
// is available. Init on a provider already initialized (one set for two
// domains) only reports whether a config is available: the SDK shuts a
// provider down once, when it is no longer set anywhere.
func (p *Provider) InitWithContext(ctx context.Context, _ openfeature.EvaluationContext) error {
	if p.watch == nil {
		return p.loadErr()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.running {
		return p.loadErr()
	}
	p.running = true
	quit := make(chan int)
	p.quit.Store(&quit)

	p.ev.mu.Lock()
	p.ev.run++
	run := p.ev.run
	p.ev.mu.Unlock()

	opts := p.opts
	if opts.Fallback == nil {
		opts.Fallback = p.none // keep polling when the first load fails
	}
	opts.OnUpdate = func(old, new *experiment.Ruleset) { p.onUpdate(run, old, new) }
	opts.OnError = func(err error) { p.onError(run, err) }
	src := &source{src: p.watch, p: p, run: run}
	src.initCtx.Store(&ctx)
	l, err := experiment.Watch(context.Background(), src, &opts)
	src.initCtx.Store(nil)
	if err != nil { // only a Watch without a Fallback fails, and there is one
		return err
	}
	p.live.Store(l)

	p.ev.mu.Lock()
	if l.Ruleset() == p.none {
		p.ev.state = failing
	} else {
		p.ev.state = ready
	}
	p.ev.mu.Unlock()
	return p.loadErr()
}

// ErrNoConfig is Init's error, and the cause of every evaluation's GENERAL
// error, for a provider that has no config and no load error to report:
// New(nil), NewLive with a zero Live, or Watch before Init.
var ErrNoConfig = errors.New("experimentprovider: no config")

// loadErr returns nil when a config is serving; otherwise the error that
// stopped the first load (a *experiment.ConfigError for a bad config), or
// ErrNoConfig.
func (p *Provider) loadErr() error {
	if p.rs != nil {
		return nil
	}
	l := p.live.Load()
	if rs := l.Ruleset(); rs != nil && rs != p.none {
		return nil
	}
	if err := l.Status().LastError; err != nil {
		return err
	}
	return ErrNoConfig
}

// Shutdown is ShutdownWithContext with context.Background().
func (p *Provider) Shutdown() { _ = p.ShutdownWithContext(context.Background()) }

// ShutdownWithContext stops the events and closes the Live that Watch's
// Init created, which keeps serving its last config. It does nothing for
// New and NewLive, whose config the caller owns, and nothing after the
// first call. The OpenFeature API calls it when the provider is no longer
// set for any domain, or the API is shut down. It returns nil,
// or ctx's error if ctx is done before polling has stopped.
func (p *Provider) ShutdownWithContext(ctx context.Context) error {
	if p.watch == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.running {
		return nil
	}
	p.running = false
	p.ev.mu.Lock()
	p.ev.state = notReady
	p.ev.mu.Unlock()
	if q := p.quit.Load(); q != nil {
		close(*q)
	}
	l := p.live.Load()
	if l == nil {
		return nil
	}
	closed := make(chan struct{})
	go func() {
		_ = l.Close() // the Live ends a fetch in flight at once
		close(closed)
	}()
	select {
	case <-closed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// emit sends an event unless the provider is shut down; ev.mu is held.
// The SDK takes events from the channel while the provider is set, and
// Shutdown closes quit before waiting for the Live, so a reload never
// waits here for long.
func (p *Provider) emit(t openfeature.EventType, msg string, code openfeature.ErrorCode, meta map[string]any) {
	e := openfeature.Event{ProviderName: Name, EventType: t, ProviderEventDetails: openfeature.ProviderEventDetails{
		Message: msg, ErrorCode: code, EventMetadata: meta,
	}}
	var quit chan int
	if q := p.quit.Load(); q != nil {
		quit = *q
	}
	select {
	case p.ch <- e:
	case <-quit:
	}
}

// onUpdate chains the caller's OnUpdate with the provider's events. The
// Live of Init number run calls it inside Reload, with its lock held.
func (p *Provider) onUpdate(run int, old, new *experiment.Ruleset) {
	if old == p.none {
		old = nil
	}
	if p.opts.OnUpdate != nil {
		p.opts.OnUpdate(old, new)
	}
	p.ev.mu.Lock()
	defer p.ev.mu.Unlock()
	if run != p.ev.run {
		return
	}
	same := p.ev.fetched == p.ev.serving && old != nil
	p.ev.serving = p.ev.fetched
	prev := p.ev.state
	if prev == notReady { // the first load, in Init; or after Shutdown
		return
	}
	p.ev.state = ready
	meta := map[string]any{MetadataVersion: versionOf(new), MetadataEnvironment: new.Env()}
	if prev != ready {
		p.emit(openfeature.ProviderReady, fmt.Sprintf("config version %d loaded", new.Version()), "", meta)
	}
	if old != nil && !same {
		p.emit(openfeature.ProviderConfigChange, fmt.Sprintf("config version %d replaced version %d", new.Version(), old.Version()), "", meta)
	}
}

// onError chains the caller's OnError with the provider's events.
func (p *Provider) onError(run int, err error) {
	if p.opts.OnError != nil {
		p.opts.OnError(err)
	}
	p.ev.mu.Lock()
	defer p.ev.mu.Unlock()
	prev := p.ev.state
	if run != p.ev.run || prev == notReady {
		return
	}
	if l := p.live.Load(); l.Ruleset() == p.none {
		if prev != failing {
			p.ev.state = failing
			code := openfeature.GeneralCode
			var ce *experiment.ConfigError
			if errors.As(err, &ce) {
				code = openfeature.ParseErrorCode
			}
			p.emit(openfeature.ProviderError, err.Error(), code, nil)
		}
		return
	}
	if prev != stale {
		p.ev.state = stale
		p.emit(openfeature.ProviderStale, "serving the last good config: "+err.Error(), "", nil)
	}
}

// fetchDone records the outcome of a fetch for the events: a failed fetch
// (onError follows), new bytes (onUpdate or onError follows), or no change.
func (p *Provider) fetchDone(run int, data []byte, err error) {
	p.ev.mu.Lock()
	defer p.ev.mu.Unlock()
	if run != p.ev.run {
		return
	}
	switch {
	case errors.Is(err, experiment.ErrNotModified):
		// The serving config is current again, unless the last failure
		// was a bad config, which is still the source's newest.
		if p.ev.state == stale && p.ev.fetchFail {
			p.ev.state = ready
			p.emit(openfeature.ProviderReady, "the config source is reachable again; the serving config is current", "", nil)
		}
	case err != nil:
		p.ev.fetchFail = true
	default:
		p.ev.fetchFail = false
		p.ev.fetched = sha256.Sum256(data)
	}
}

// source wraps the caller's Source for the Live of one Init: it bounds the
// first fetch by Init's context and tells the provider how each fetch went.
type source struct {
	src     experiment.Source
	p       *Provider
	run     int                             // the Init
	initCtx atomic.Pointer[context.Context] // Init's context while Init runs
}

// Fetch fetches from the caller's Source.
func (s *source) Fetch(ctx context.Context) ([]byte, error) {
	if ictx := s.initCtx.Load(); ictx != nil {
		var cancel context.CancelCauseFunc
		ctx, cancel = context.WithCancelCause(ctx)
		stop := context.AfterFunc(*ictx, func() { cancel(context.Cause(*ictx)) })
		defer stop()
		defer cancel(nil)
	}
	data, err := s.src.Fetch(ctx)
	s.p.fetchDone(s.run, data, err)
	return data, err
}

// String names the caller's Source as the Live would.
func (s *source) String() string {
	if st, ok := s.src.(fmt.Stringer); ok {
		return st.String()
	}
	return fmt.Sprintf("%T", s.src)
}

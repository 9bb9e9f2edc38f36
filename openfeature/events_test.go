package experimentprovider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/inprocess/experiment"
	"github.com/open-feature/go-sdk/openfeature"
)

// versioned is a config of the given version with one flag, f, on for
// everyone.
func versioned(n int) string { return fmt.Sprintf("version: %d\nexperiments:\n  f: true\n", n) }

// badConfig fails to parse.
const badConfig = "experiments: [unclosed"

var errStoreDown = errors.New("store down")

const (
	evReady   = openfeature.ProviderReady
	evChanged = openfeature.ProviderConfigChange
	evStale   = openfeature.ProviderStale
	evError   = openfeature.ProviderError
)

// check evaluates f through client: want is the config version that
// answers, or -1 with wantCode the error code when no config serves.
func check(t *testing.T, client *openfeature.Client, want int64, wantCode openfeature.ErrorCode) {
	t.Helper()
	d, _ := client.BooleanValueDetails(context.Background(), "f", false, openfeature.NewEvaluationContext("u", nil))
	got := struct {
		Value   bool
		Version any
		Code    openfeature.ErrorCode
	}{d.Value, d.FlagMetadata[MetadataVersion], d.ErrorCode}
	wantGot := got
	wantGot.Value, wantGot.Version, wantGot.Code = true, strconv.FormatInt(want, 10), ""
	if want < 0 {
		wantGot.Value, wantGot.Version, wantGot.Code = false, nil, wantCode
	}
	if diff := cmp.Diff(wantGot, got); diff != "" {
		t.Errorf("evaluating f (-want +got):\n%s", diff)
	}
}

func TestInit(t *testing.T) {
	good := func(t *testing.T) *experiment.Ruleset { return mustParse(t, versioned(1)) }
	watch := func(data string, err error, fallback *experiment.Ruleset) *Provider {
		src := &fakeSource{}
		src.set(data, err)
		opts := quiet()
		opts.Fallback = fallback
		return Watch(src, opts)
	}
	tests := []struct {
		name      string
		provider  func(t *testing.T) *Provider
		wantErr   error // errors.Is; or errConfig for a *experiment.ConfigError
		wantEvent openfeature.EventType
		wantState openfeature.State
		version   int64 // of the config that answers, -1 for none
		wantCode  openfeature.ErrorCode
	}{
		{"New", func(t *testing.T) *Provider { return New(good(t)) },
			nil, evReady, openfeature.ReadyState, 1, ""},
		{"New without a config", func(t *testing.T) *Provider { return New(nil) },
			ErrNoConfig, evError, openfeature.ErrorState, -1, openfeature.GeneralCode},
		{"NewLive", func(t *testing.T) *Provider {
			src := &fakeSource{}
			src.set(versioned(1), nil)
			l, err := experiment.Watch(context.Background(), src, quiet())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
			return NewLive(l)
		}, nil, evReady, openfeature.ReadyState, 1, ""},
		{"NewLive with a zero Live", func(t *testing.T) *Provider { return NewLive(&experiment.Live{}) },
			ErrNoConfig, evError, openfeature.ErrorState, -1, openfeature.GeneralCode},
		{"Watch", func(t *testing.T) *Provider { return watch(versioned(1), nil, nil) },
			nil, evReady, openfeature.ReadyState, 1, ""},
		{"Watch, first config does not parse", func(t *testing.T) *Provider { return watch(badConfig, nil, nil) },
			errConfig, evError, openfeature.ErrorState, -1, openfeature.ParseErrorCode},
		{"Watch, first fetch fails", func(t *testing.T) *Provider { return watch("", errStoreDown, nil) },
			errStoreDown, evError, openfeature.ErrorState, -1, openfeature.GeneralCode},
		{"Watch, first fetch fails, Fallback serves", func(t *testing.T) *Provider { return watch("", errStoreDown, good(t)) },
			nil, evReady, openfeature.ReadyState, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, rec, err := setProvider(t, tt.provider(t))
			var ce *experiment.ConfigError
			switch {
			case tt.wantErr == errConfig && !errors.As(err, &ce):
				t.Errorf("SetNamedProviderAndWait: %v, want a *experiment.ConfigError", err)
			case tt.wantErr != errConfig && !errors.Is(err, tt.wantErr):
				t.Errorf("SetNamedProviderAndWait: %v, want %v", err, tt.wantErr)
			}
			got, evs := rec.take(t, 1)
			if diff := cmp.Diff([]openfeature.EventType{tt.wantEvent}, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if name := evs[0].Details.ProviderName; name != Name {
				t.Errorf("event from provider %q, want %q", name, Name)
			}
			if s := client.State(); s != tt.wantState {
				t.Errorf("State() = %v, want %v", s, tt.wantState)
			}
			check(t, client, tt.version, tt.wantCode)
		})
	}
}

// errConfig stands for any *experiment.ConfigError in TestInit.
var errConfig = errors.New("a *experiment.ConfigError")

// fetch is a Source's answer.
type fetch struct {
	data string
	err  error
}

func TestEvents(t *testing.T) {
	type step struct {
		name      string
		fetch     fetch
		reloadErr bool
		want      []openfeature.EventType // sorted: CHANGED < ERROR < READY < STALE
		state     openfeature.State
		version   int64 // of the config that answers, -1 for none
		code      openfeature.ErrorCode
	}
	tests := []struct {
		name     string
		init     fetch
		fallback string // a config for WatchOptions.Fallback
		initErr  bool
		initWant openfeature.EventType
		initVer  int64
		steps    []step
	}{{
		name: "reloads", init: fetch{data: versioned(1)}, initWant: evReady, initVer: 1,
		steps: []step{
			{"new config", fetch{data: versioned(2)}, false, []openfeature.EventType{evChanged}, openfeature.ReadyState, 2, ""},
			{"same bytes again", fetch{data: versioned(2)}, false, nil, openfeature.ReadyState, 2, ""},
			{"fetch fails", fetch{err: errStoreDown}, true, []openfeature.EventType{evStale}, openfeature.StaleState, 2, ""},
			{"fetch fails again", fetch{err: errStoreDown}, true, nil, openfeature.StaleState, 2, ""},
			{"not modified after a evError fetch", fetch{err: experiment.ErrNotModified}, false, []openfeature.EventType{evReady}, openfeature.ReadyState, 2, ""},
			{"bad config", fetch{data: badConfig}, true, []openfeature.EventType{evStale}, openfeature.StaleState, 2, ""},
			// The bad bytes still stand: the failure is returned again, with no new event.
			{"not modified after a bad config", fetch{err: experiment.ErrNotModified}, true, nil, openfeature.StaleState, 2, ""},
			{"serving config again", fetch{data: versioned(2)}, false, []openfeature.EventType{evReady}, openfeature.ReadyState, 2, ""},
			{"another new config", fetch{data: versioned(3)}, false, []openfeature.EventType{evChanged}, openfeature.ReadyState, 3, ""},
			{"bad config again", fetch{data: badConfig}, true, []openfeature.EventType{evStale}, openfeature.StaleState, 3, ""},
			{"new config after a bad one", fetch{data: versioned(4)}, false, []openfeature.EventType{evChanged, evReady}, openfeature.ReadyState, 4, ""},
		},
	}, {
		name: "first load fails", init: fetch{data: badConfig}, initErr: true, initWant: evError, initVer: -1,
		steps: []step{
			{"bad config again", fetch{data: badConfig}, true, nil, openfeature.ErrorState, -1, openfeature.ParseErrorCode},
			{"fetch fails", fetch{err: errStoreDown}, true, nil, openfeature.ErrorState, -1, openfeature.GeneralCode},
			{"first good config", fetch{data: versioned(1)}, false, []openfeature.EventType{evReady}, openfeature.ReadyState, 1, ""},
			{"new config", fetch{data: versioned(2)}, false, []openfeature.EventType{evChanged}, openfeature.ReadyState, 2, ""},
		},
	}, {
		name: "fallback serves", init: fetch{err: errStoreDown}, fallback: versioned(0), initWant: evReady, initVer: 0,
		steps: []step{
			{"fetch fails", fetch{err: errStoreDown}, true, []openfeature.EventType{evStale}, openfeature.StaleState, 0, ""},
			{"first config", fetch{data: versioned(1)}, false, []openfeature.EventType{evChanged, evReady}, openfeature.ReadyState, 1, ""},
			{"bad config", fetch{data: badConfig}, true, []openfeature.EventType{evStale}, openfeature.StaleState, 1, ""},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &fakeSource{}
			src.set(tt.init.data, tt.init.err)
			opts := quiet()
			if tt.fallback != "" {
				opts.Fallback = mustParse(t, tt.fallback)
			}
			p := Watch(src, opts)
			client, rec, err := setProvider(t, p)
			if (err != nil) != tt.initErr {
				t.Fatalf("SetNamedProviderAndWait: %v, want error %v", err, tt.initErr)
			}
			got, _ := rec.take(t, 1)
			if diff := cmp.Diff([]openfeature.EventType{tt.initWant}, got); diff != "" {
				t.Fatalf("events of Init (-want +got):\n%s", diff)
			}
			check(t, client, tt.initVer, openfeature.ParseErrorCode)
			for _, s := range tt.steps {
				src.set(s.fetch.data, s.fetch.err)
				if err := p.Live().Reload(context.Background()); (err != nil) != s.reloadErr {
					t.Fatalf("%s: Reload: %v, want error %v", s.name, err, s.reloadErr)
				}
				got, evs := rec.take(t, len(s.want))
				if diff := cmp.Diff(s.want, got); diff != "" {
					t.Fatalf("%s: events (-want +got):\n%s", s.name, diff)
				}
				for _, e := range evs {
					if e.Type == evChanged && e.Details.EventMetadata[MetadataVersion] != strconv.FormatInt(s.version, 10) {
						t.Errorf("%s: %s event metadata %v, want version %d", s.name, e.Type, e.Details.EventMetadata, s.version)
					}
				}
				if st := client.State(); st != s.state {
					t.Errorf("%s: State() = %v, want %v", s.name, st, s.state)
				}
				check(t, client, s.version, s.code)
			}
		})
	}
}

// TestPolling drives reloads by polling alone, with a short interval.
func TestPolling(t *testing.T) {
	src := &fakeSource{}
	src.set(versioned(1), nil)
	opts := quiet()
	opts.Interval, opts.MaxBackoff = time.Millisecond, 5*time.Millisecond
	client, rec, err := setProvider(t, Watch(src, opts))
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name  string
		fetch fetch
		want  []openfeature.EventType
	}{
		{"init", fetch{data: versioned(1)}, []openfeature.EventType{evReady}},
		{"fetches fail", fetch{err: errStoreDown}, []openfeature.EventType{evStale}},
		{"new config", fetch{data: versioned(2)}, []openfeature.EventType{evChanged, evReady}},
		{"bad config", fetch{data: badConfig}, []openfeature.EventType{evStale}},
		{"newer config", fetch{data: versioned(3)}, []openfeature.EventType{evChanged, evReady}},
	}
	for _, s := range steps {
		src.set(s.fetch.data, s.fetch.err)
		got, _ := rec.take(t, len(s.want))
		if diff := cmp.Diff(s.want, got); diff != "" {
			t.Fatalf("%s: events (-want +got):\n%s", s.name, diff)
		}
	}
	check(t, client, 3, "")
}

// TestWatchHooks checks that the caller's OnUpdate and OnError hooks are
// chained with the provider's events.
func TestWatchHooks(t *testing.T) {
	tests := []struct {
		name    string
		fetches []fetch // the first is Init's
		want    []string
	}{
		{"reloads", []fetch{{data: versioned(1)}, {data: versioned(2)}, {err: errStoreDown}, {data: versioned(3)}},
			[]string{"update <nil> -> 1", "update 1 -> 2", "error", "update 2 -> 3"}},
		{"first load fails", []fetch{{data: badConfig}, {data: versioned(1)}, {data: versioned(2)}},
			[]string{"error", "update <nil> -> 1", "update 1 -> 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				mu  sync.Mutex
				got []string
			)
			opts := quiet()
			opts.OnUpdate = func(old, new *experiment.Ruleset) {
				mu.Lock()
				defer mu.Unlock()
				o := "<nil>"
				if old != nil {
					o = fmt.Sprint(old.Version())
				}
				got = append(got, fmt.Sprintf("update %s -> %d", o, new.Version()))
			}
			opts.OnError = func(error) {
				mu.Lock()
				defer mu.Unlock()
				got = append(got, "error")
			}
			src := &fakeSource{}
			src.set(tt.fetches[0].data, tt.fetches[0].err)
			p := Watch(src, opts)
			_, _, _ = setProvider(t, p)
			for _, f := range tt.fetches[1:] {
				src.set(f.data, f.err)
				_ = p.Live().Reload(context.Background())
			}
			mu.Lock()
			defer mu.Unlock()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("hook calls (-want +got):\n%s", diff)
			}
		})
	}
}

// done reports whether l has stopped polling within the timeout.
func done(l *experiment.Live) bool {
	select {
	case <-l.Done():
		return true
	case <-time.After(timeout):
		return false
	}
}

func TestShutdown(t *testing.T) {
	t.Run("Watch closes its Live", func(t *testing.T) {
		src := &fakeSource{}
		src.set(versioned(1), nil)
		p := Watch(src, quiet())
		if _, _, err := setProvider(t, p); err != nil {
			t.Fatal(err)
		}
		l := p.Live()
		openfeature.Shutdown()
		if !done(l) {
			t.Error("the Live still polls after Shutdown")
		}
	})
	t.Run("Watch closes its Live when replaced", func(t *testing.T) {
		src := &fakeSource{}
		src.set(versioned(1), nil)
		p := Watch(src, quiet())
		if _, _, err := setProvider(t, p); err != nil {
			t.Fatal(err)
		}
		l := p.Live()
		if err := openfeature.SetNamedProviderAndWait(t.Name(), New(mustParse(t, versioned(2)))); err != nil {
			t.Fatal(err)
		}
		if !done(l) {
			t.Error("the Live still polls after the provider was replaced")
		}
	})
	t.Run("Watch set again after Shutdown", func(t *testing.T) {
		src := &fakeSource{}
		src.set(versioned(1), nil)
		p := Watch(src, quiet())
		if _, _, err := setProvider(t, p); err != nil {
			t.Fatal(err)
		}
		first := p.Live()
		openfeature.Shutdown()
		src.set(versioned(2), nil)
		client, rec, err := setProvider(t, p)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := rec.take(t, 1); !slices.Equal(got, []openfeature.EventType{evReady}) {
			t.Errorf("events %v, want [%s]", got, evReady)
		}
		if p.Live() == first {
			t.Error("Init after Shutdown did not create a new Live")
		}
		check(t, client, 2, "")
		// The first Live's reloads no longer make events; a stray one would
		// arrive before the next Live's.
		src.set(versioned(9), nil)
		if err := first.Reload(context.Background()); err != nil {
			t.Fatal(err)
		}
		src.set(versioned(3), nil)
		if err := p.Live().Reload(context.Background()); err != nil {
			t.Fatal(err)
		}
		got, evs := rec.take(t, 1)
		if !slices.Equal(got, []openfeature.EventType{evChanged}) || evs[0].Details.EventMetadata[MetadataVersion] != "3" {
			t.Errorf("events %v, want [%s] for version 3", evs, evChanged)
		}
	})
	t.Run("NewLive leaves the Live to its owner", func(t *testing.T) {
		src := &fakeSource{}
		src.set(versioned(1), nil)
		l, err := experiment.Watch(context.Background(), src, quiet())
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		if _, _, err := setProvider(t, NewLive(l)); err != nil {
			t.Fatal(err)
		}
		openfeature.Shutdown()
		select {
		case <-l.Done():
			t.Error("Shutdown closed a Live the provider does not own")
		default:
		}
	})
}

// TestInitContext checks that Init's context bounds the first fetch only.
func TestInitContext(t *testing.T) {
	var (
		mu    sync.Mutex
		calls int
	)
	fetched := make(chan error, 1)
	src := experiment.SourceFunc(func(ctx context.Context) ([]byte, error) {
		mu.Lock()
		calls++
		first := calls == 1
		mu.Unlock()
		if first { // wait for Init's context to end
			<-ctx.Done()
			fetched <- context.Cause(ctx)
			return nil, ctx.Err()
		}
		return []byte(versioned(1)), nil
	})
	p := Watch(src, quiet())
	ctx, cancel := context.WithTimeoutCause(context.Background(), 10*time.Millisecond, errStoreDown)
	defer cancel()
	client, rec, err := setProviderWithContext(t, ctx, p)
	if err == nil {
		t.Fatal("SetNamedProviderWithContextAndWait succeeded; the first fetch cannot")
	}
	select {
	case cause := <-fetched:
		if !errors.Is(cause, errStoreDown) {
			t.Errorf("the first fetch ended with %v, want the cause of Init's context, %v", cause, errStoreDown)
		}
	case <-time.After(timeout):
		t.Fatal("the first fetch did not end with Init's context")
	}
	if got, _ := rec.take(t, 1); !slices.Equal(got, []openfeature.EventType{evError}) {
		t.Fatalf("events %v, want [%s]", got, evError)
	}
	check(t, client, -1, openfeature.GeneralCode)
	// Polling is not bound by Init's context: the next reload recovers.
	if err := p.Live().Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, _ := rec.take(t, 1); !slices.Equal(got, []openfeature.EventType{evReady}) {
		t.Errorf("events %v, want [%s]", got, evReady)
	}
	check(t, client, 1, "")
}

// TestConcurrentEvaluations evaluates from several goroutines while the
// config reloads and the provider emits events, for the race detector: each
// evaluation must see one whole config.
func TestConcurrentEvaluations(t *testing.T) {
	src := &fakeSource{}
	src.set(versioned(1), nil)
	p := Watch(src, quiet())
	client, rec, err := setProvider(t, p)
	if err != nil {
		t.Fatal(err)
	}
	rec.take(t, 1)
	const reloads = 20
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			ec := openfeature.NewEvaluationContext("u", map[string]any{"country": "US"})
			for {
				select {
				case <-stop:
					return
				default:
				}
				d, err := client.BooleanValueDetails(context.Background(), "f", false, ec)
				if err != nil || !d.Value {
					t.Errorf("f = %v, %v during reloads", d.Value, err)
					return
				}
			}
		})
	}
	for i := 2; i < 2+reloads; i++ {
		src.set(versioned(i), nil)
		if err := p.Live().Reload(context.Background()); err != nil {
			t.Fatal(err)
		}
		rec.take(t, 1)
	}
	close(stop)
	wg.Wait()
	check(t, client, 1+reloads, "")
}

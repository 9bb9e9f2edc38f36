package experimentprovider

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/inprocess/experiment"
	"github.com/open-feature/go-sdk/openfeature"
)

// timeout bounds every wait for an event; waits end as soon as the event
// arrives.
const timeout = 10 * time.Second

// eventTypes are the provider events the tests listen for.
var eventTypes = []openfeature.EventType{
	openfeature.ProviderReady, openfeature.ProviderConfigChange,
	openfeature.ProviderStale, openfeature.ProviderError,
}

// event is one event a client handler received.
type event struct {
	Type    openfeature.EventType
	Details openfeature.EventDetails
}

// recorder collects the events the handlers of one client receive.
type recorder struct {
	ch chan event
}

// take waits for n events and returns their types in the order received
// (sorted, as the SDK runs each handler in its own goroutine, so events
// emitted together may arrive in either order), with their details.
func (r *recorder) take(t *testing.T, n int) ([]openfeature.EventType, []event) {
	t.Helper()
	var evs []event
	var types []openfeature.EventType
	deadline := time.After(timeout)
	for len(evs) < n {
		select {
		case e := <-r.ch:
			evs = append(evs, e)
			types = append(types, e.Type)
		case <-deadline:
			t.Fatalf("after %v: got events %v, want %d", timeout, types, n)
		}
	}
	slices.Sort(types)
	return types, evs
}

// setProvider binds p to a domain named after the test and returns a
// client of that domain, with handlers recording its events from before p
// is set, and the error of SetNamedProviderAndWait. The SDK keeps global
// state: the test's cleanup shuts the API down, which resets it and shuts p
// down. Tests using it must not run in parallel.
func setProvider(t *testing.T, p openfeature.FeatureProvider) (*openfeature.Client, *recorder, error) {
	t.Helper()
	return setProviderWithContext(t, context.Background(), p)
}

func setProviderWithContext(t *testing.T, ctx context.Context, p openfeature.FeatureProvider) (*openfeature.Client, *recorder, error) {
	t.Helper()
	t.Cleanup(openfeature.Shutdown)
	client := openfeature.NewClient(t.Name())
	rec := &recorder{ch: make(chan event, 100)}
	for _, et := range eventTypes {
		cb := func(d openfeature.EventDetails) {
			select {
			case rec.ch <- event{Type: et, Details: d}:
			default: // never block the SDK, even after the test
			}
		}
		client.AddHandler(et, &cb)
	}
	err := openfeature.SetNamedProviderWithContextAndWait(ctx, t.Name(), p)
	return client, rec, err
}

// mustParse parses a config, with the given options.
func mustParse(t *testing.T, config string, opts ...experiment.Option) *experiment.Ruleset {
	t.Helper()
	rs, err := experiment.Parse([]byte(config), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// fakeSource is a Source whose answer the test sets.
type fakeSource struct {
	mu      sync.Mutex
	data    []byte
	err     error
	fetches int
}

func (s *fakeSource) set(data string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data, s.err = []byte(data), err
	if err != nil {
		s.data = nil
	}
}

func (s *fakeSource) Fetch(ctx context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fetches++
	return s.data, s.err
}

func (s *fakeSource) String() string { return "fake.yaml" }

// quiet is WatchOptions that log nothing and poll only when told.
func quiet() *experiment.WatchOptions {
	return &experiment.WatchOptions{Interval: time.Hour, Jitter: -1, Logger: slog.New(slog.DiscardHandler)}
}

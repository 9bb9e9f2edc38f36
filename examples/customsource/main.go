// Command customsource shows how to plug any config store into Watch: a
// Source is one method, Fetch, returning the config's bytes, or
// experiment.ErrNotModified when nothing changed.
//
// Here the store is a small versioned key-value store standing in for
// whatever a service already has (etcd, Consul, a database row, a secrets
// manager). The program installs a config, publishes a new version, and
// shows the new version serving.
//
//	go run ./examples/customsource
package main

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/inprocess/experiment"
)

// kv is a versioned key-value store.
type kv struct {
	mu       sync.Mutex
	values   map[string][]byte
	revision map[string]int64
}

func (s *kv) put(key string, value []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values[key] = value
	s.revision[key]++
}

func (s *kv) get(ctx context.Context, key string) ([]byte, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.values[key]
	if !ok {
		return nil, 0, fmt.Errorf("key %q not found", key)
	}
	return v, s.revision[key], nil
}

// kvSource is the Source: it remembers the revision it last returned, so
// an unchanged config costs no parse.
type kvSource struct {
	store *kv
	key   string
	seen  int64
}

func (s *kvSource) Fetch(ctx context.Context) ([]byte, error) {
	data, rev, err := s.store.get(ctx, s.key)
	if err != nil {
		return nil, err
	}
	if rev == s.seen {
		return nil, experiment.ErrNotModified
	}
	s.seen = rev
	return data, nil
}

// String names the source in errors and logs.
func (s *kvSource) String() string { return "kv://" + s.key }

func main() {
	store := &kv{values: map[string][]byte{}, revision: map[string]int64{}}
	store.put("experiments", []byte("version: 1\nexperiments:\n  darkMode: 10%\n"))

	updated := make(chan int64, 1)
	live, err := experiment.Watch(context.Background(), &kvSource{store: store, key: "experiments"}, &experiment.WatchOptions{
		Interval: 50 * time.Millisecond,
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		OnUpdate: func(old, new *experiment.Ruleset) { updated <- new.Version() },
	})
	if err != nil {
		log.Fatal(err)
	}
	defer live.Close()
	<-updated
	report(live)

	// Publish version 2: dark mode for everyone. The next poll installs it.
	store.put("experiments", []byte("version: 2\nexperiments:\n  darkMode: true\n"))
	select {
	case <-updated:
	case <-time.After(5 * time.Second):
		log.Fatal("version 2 did not arrive")
	}
	report(live)
}

func report(live *experiment.Live) {
	on := 0
	for i := range 1000 {
		if live.VariantFor("darkMode", experiment.ContextFor(fmt.Sprint("user-", i))) {
			on++
		}
	}
	fmt.Printf("config version %d: darkMode on for %d of 1000 users\n", live.Version(), on)
}

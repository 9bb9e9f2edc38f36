package experiment_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/inprocess/experiment"
)

// A service watches its config file for its lifetime. Here the file is
// rewritten and reloaded at once with Reload, where a service would wait
// for the next poll.
func ExampleWatch() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "experiments.yaml")
	_ = os.WriteFile(path, []byte("version: 1\nexperiments: {newCheckout: false}\n"), 0o644)

	ctx := context.Background()
	live, err := experiment.Watch(ctx, experiment.FileSource(path), &experiment.WatchOptions{
		Interval: 10 * time.Second,
		OnUpdate: func(old, new *experiment.Ruleset) {
			fmt.Printf("config %d -> %d\n", old.Version(), new.Version())
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer live.Close()

	user := experiment.ContextFor("user-1")
	fmt.Println("newCheckout:", live.VariantFor("newCheckout", user))

	// Write the new version next to the file and rename it over, so that
	// a poll never reads it half-written.
	_ = os.WriteFile(path+".tmp", []byte("version: 2\nexperiments: {newCheckout: true}\n"), 0o644)
	_ = os.Rename(path+".tmp", path)
	if err := live.Reload(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("newCheckout:", live.VariantFor("newCheckout", user))

	// One request, one config: pin the Ruleset.
	rs := live.Ruleset()
	fmt.Println(rs.Version(), rs.Feature("newCheckout", user))
	// Output:
	// config 0 -> 1
	// newCheckout: false
	// config 1 -> 2
	// newCheckout: true
	// 2 default
}

// HTTPSource polls a URL, such as an object in S3, MinIO, GCS or behind a
// CDN; an unchanged object costs a 304.
func ExampleHTTPSource() {
	store := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v3"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v3"`)
		fmt.Fprint(w, `{"version": 3, "experiments": {"banner": "50%"}}`)
	}))
	defer store.Close()

	src := experiment.HTTPSource(store.URL+"/configs/prod/experiments.json", &experiment.HTTPOptions{
		Timeout: 5 * time.Second,
		Header:  http.Header{"Authorization": {"Bearer token"}},
	})
	live, err := experiment.Watch(context.Background(), src, &experiment.WatchOptions{
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer live.Close()
	fmt.Println("version", live.Version())
	fmt.Println(live.Reload(context.Background()), live.Status().LastError) // a 304
	// Output:
	// version 3
	// <nil> <nil>
}

// configTable stands for any store a service already has: a database row,
// a key-value store, a secrets manager.
type configTable struct {
	mu      sync.Mutex
	data    string
	version int
}

func (t *configTable) read() (string, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.data, t.version
}

// Any store can be a Source in a few lines: SourceFunc adapts a function,
// which returns ErrNotModified when nothing changed.
func ExampleSourceFunc() {
	table := &configTable{data: "experiments: {darkMode: true}", version: 1}
	seen := 0
	src := experiment.SourceFunc(func(ctx context.Context) ([]byte, error) {
		data, version := table.read()
		if version == seen {
			return nil, experiment.ErrNotModified
		}
		seen = version
		return []byte(data), nil
	})
	live, err := experiment.Watch(context.Background(), src, &experiment.WatchOptions{
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer live.Close()
	fmt.Println(live.Feature("darkMode", experiment.ContextFor("u")))
	// Output: default
}

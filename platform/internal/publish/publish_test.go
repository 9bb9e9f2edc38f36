package publish_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/internal/wire"
	"github.com/inprocess/experiment/platform/internal/publish"
	"github.com/inprocess/experiment/platform/internal/store"
	"github.com/inprocess/experiment/platform/internal/storetest"
)

// runningEnv makes an environment with one running experiment that gives
// every user variant "on".
func runningEnv(t *testing.T, st *store.Store, name string) store.Environment {
	t.Helper()
	ctx := context.Background()
	env, err := st.CreateEnvironment(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	e, err := st.CreateExperiment(ctx, store.NewExperiment{Key: "checkout", Name: "Checkout", EnvironmentID: env.ID})
	if err != nil {
		t.Fatal(err)
	}
	v, err := st.CreateVariant(ctx, e.ID, store.NewVariant{Key: "on", Name: "On", Payload: json.RawMessage(`{"color":"green"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetAllocations(ctx, e.ID, []store.NewAllocation{{VariantID: v.ID, RangeStart: 0, RangeEnd: 9999}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetStatus(ctx, e.ID, store.Running); err != nil {
		t.Fatal(err)
	}
	return env
}

// recordingBucket records the order of the keys written.
type recordingBucket struct {
	publish.Bucket
	mu   sync.Mutex
	keys []string
}

func (b *recordingBucket) Put(ctx context.Context, key string, body []byte) error {
	if err := b.Bucket.Put(ctx, key, body); err != nil {
		return err
	}
	b.mu.Lock()
	b.keys = append(b.keys, key)
	b.mu.Unlock()
	return nil
}

func newDir(t *testing.T) *publish.Dir {
	t.Helper()
	d, err := publish.NewDir(filepath.Join(t.TempDir(), "configs-bucket"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestConcurrentPublishes publishes one environment ten times at once:
// the versions are distinct and consecutive, each has its audit row and
// its numbered snapshot, and version.json ends at the last.
func TestConcurrentPublishes(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t, engine, store.Options{})
			dir := newDir(t)
			p := &publish.Publisher{Store: st, Bucket: dir}
			env := runningEnv(t, st, "prod")
			if _, err := p.Publish(ctx, env.ID); err != nil { // N = 1
				t.Fatal(err)
			}
			const n = 10 // concurrent publishes
			versions := make([]int64, n)
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					body, err := p.Publish(ctx, env.ID)
					if err != nil {
						errs <- err
						return
					}
					v, err := wire.ParseVersion(body)
					if err != nil {
						errs <- err
						return
					}
					versions[i] = int64(v)
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			slices.Sort(versions)
			want := []int64{2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
			if diff := cmp.Diff(want, versions); diff != "" {
				t.Errorf("versions of 10 concurrent publishes after version 1 (-want +got):\n%s", diff)
			}
			rows, err := st.ConfigVersions(ctx, env.ID, 100)
			if err != nil {
				t.Fatal(err)
			}
			var recorded []int64
			for _, r := range rows {
				recorded = append(recorded, r.Version)
				data, err := dir.Get(ctx, wire.SnapshotKey("prod", r.Version))
				if err != nil {
					t.Errorf("version %d has an audit row but no snapshot: %v", r.Version, err)
					continue
				}
				if v, _ := wire.ParseVersion(data); int64(v) != r.Version {
					t.Errorf("snapshots/%d.json holds version %v", r.Version, v)
				}
			}
			if diff := cmp.Diff([]int64{11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, recorded); diff != "" {
				t.Errorf("audit rows, newest first (-want +got):\n%s", diff)
			}
			idx, err := dir.Get(ctx, wire.VersionKey("prod"))
			if err != nil || string(idx) != `{"version":11}` {
				t.Errorf("version.json = %s, %v; want {\"version\":11}", idx, err)
			}
		})
	}
}

// TestPublishOrder checks the numbered snapshot is written before
// latest.json and version.json, and that the published bytes are the
// audit row's.
func TestPublishOrder(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) { testPublishOrder(t, engine) })
	}
}

func testPublishOrder(t *testing.T, engine string) {
	ctx := context.Background()
	st := storetest.Open(t, engine, store.Options{})
	rec := &recordingBucket{Bucket: newDir(t)}
	p := &publish.Publisher{Store: st, Bucket: rec}
	env := runningEnv(t, st, "eu west")
	body, err := p.Publish(ctx, env.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"configs/eu west/snapshots/1.json", "configs/eu west/snapshots/latest.json", "configs/eu west/version.json"}
	if diff := cmp.Diff(want, rec.keys); diff != "" {
		t.Errorf("keys in write order (-want +got):\n%s", diff)
	}
	rows, err := st.ConfigVersions(ctx, env.ID, 1)
	if err != nil || len(rows) != 1 {
		t.Fatalf("ConfigVersions = %v, %v", rows, err)
	}
	if engine == "sqlite" {
		if diff := cmp.Diff(string(body), string(rows[0].Snapshot)); diff != "" {
			t.Errorf("the audit row's snapshot differs from the published bytes (-published +row):\n%s", diff)
		}
	}
	var published, recorded any
	if err := json.Unmarshal(body, &published); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(rows[0].Snapshot, &recorded); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(published, recorded); diff != "" {
		t.Errorf("the audit row's snapshot is not the published value (-published +row):\n%s", diff)
	}
}

// failingBucket fails the write of keys containing fail.
type failingBucket struct {
	publish.Bucket
	fail string
}

func (b *failingBucket) Put(ctx context.Context, key string, body []byte) error {
	if strings.Contains(key, b.fail) {
		return errors.New("publish: injected failure for " + key)
	}
	return b.Bucket.Put(ctx, key, body)
}

func TestFailedPublishRecordsNothing(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, "sqlite", store.Options{})
	dir := newDir(t)
	env := runningEnv(t, st, "prod")
	bad := &publish.Publisher{Store: st, Bucket: &failingBucket{Bucket: dir, fail: "version.json"}}
	if _, err := bad.Publish(ctx, env.ID); err == nil || !strings.Contains(err.Error(), "injected failure for configs/prod/version.json") {
		t.Fatalf("Publish = %v, want the bucket's error", err)
	}
	if rows, _ := st.ConfigVersions(ctx, env.ID, 10); len(rows) != 0 {
		t.Errorf("a failed publish left %d audit rows", len(rows))
	}
	if _, err := dir.Get(ctx, wire.VersionKey("prod")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("version.json after a failed publish: %v, want it absent", err)
	}
	good := &publish.Publisher{Store: st, Bucket: dir}
	body, err := good.Publish(ctx, env.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := wire.ParseVersion(body); v != 1 {
		t.Errorf("the publish after a failed one is version %v, want 1 (failures use up no number)", v)
	}
}

func TestDirRejectsUnsafeKeys(t *testing.T) {
	d := newDir(t)
	for _, key := range []string{"configs/../x.json", "configs//x.json", "/abs.json", "configs/./x.json", "a\x00b"} {
		if err := d.Put(context.Background(), key, []byte("{}")); err == nil {
			t.Errorf("Put(%q) succeeded, want an error", key)
		}
	}
	if _, err := d.Source("..", time.Second); err == nil {
		t.Error(`Source("..") succeeded, want an error`)
	}
}

// TestWatchSeesEachVersion runs the library's Watch on the published
// directory, through the same Source the decision service uses, and
// checks it installs every new version.
func TestWatchSeesEachVersion(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, "sqlite", store.Options{})
	dir := newDir(t)
	p := &publish.Publisher{Store: st, Bucket: dir}
	env := runningEnv(t, st, "prod")
	watchVersions(t, dir, "prod", func() {
		if _, err := p.Publish(ctx, env.ID); err != nil {
			t.Fatal(err)
		}
	})
}

// watchVersions publishes three times with publish, and checks a Watch on
// bucket's layout sees versions 1, 2 and 3 in turn, each assigning the
// experiment.
func watchVersions(t *testing.T, bucket publish.Bucket, env string, publish func()) {
	t.Helper()
	publish()
	src, err := bucket.Source(env, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	updates := make(chan int64, 10)
	live, err := experiment.Watch(context.Background(), src, &experiment.WatchOptions{
		Interval: 20 * time.Millisecond,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		OnUpdate: func(_, rs *experiment.Ruleset) { updates <- rs.Version() },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if live.Version() != 1 {
		t.Fatalf("first load: version %d, want 1", live.Version())
	}
	<-updates
	for want := int64(2); want <= 3; want++ {
		publish()
		select {
		case got := <-updates:
			if got != want {
				t.Fatalf("Watch installed version %d, want %d", got, want)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("Watch did not see version %d within 20s (a hang guard)", want)
		}
		as := live.Assignments(experiment.ContextFor(fmt.Sprintf("user-%d", want)))
		if len(as) != 1 || as[0].VariantKey != "on" {
			t.Errorf("version %d assigns %+v, want variant on", want, as)
		}
	}
}

//go:build soak

package experiment

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The soak test runs only with the soak build tag, for as long as
// -soak.duration says (see QUALITY.md):
//
//	go test -tags soak -race -run Soak -soak.duration 10m -timeout 0 .
var soakDuration = flag.Duration("soak.duration", 10*time.Minute, "how long TestSoak evaluates and reloads")

// TestSoak evaluates continuously on 8 goroutines while a Live reloads
// without pause (Watch polling every millisecond, and a goroutine calling
// Reload back to back) from a source that rotates between four configs
// (two YAML configs, a generated one and a published snapshot), with a
// broken config, a failed fetch and "not modified" mixed in. It checks
// that:
//
//   - every evaluation sees one whole config: the assignments of each
//     user are exactly those the ruleset's version gives when parsed
//     alone, never a mix, never a broken config;
//   - memory stays flat: HeapInuse after a forced GC is sampled every
//     duration/10, and the last sample must be at most 1.5 times the first
//     steady-state one (the sample at duration/10, after warm-up). What is
//     live is a fixed set: the serving ruleset, one being parsed, one
//     pinned by each evaluating goroutine, and the test's expectations, a
//     few MB in all. Evaluation and reloading pause while a sample is
//     taken, so the samples vary only by what Watch's poll has in flight
//     and by heap fragmentation. A leak of one ruleset per reload (3 to
//     60 KB each, about 25 KB on average over the rotation), at the 20
//     reloads a second the soak makes under -race on 2 CPUs, adds some
//     30 MB a minute, past 1.5x of the 13 MB steady state within 15
//     seconds; a leak of 16 bytes per evaluation (about 100,000 a second)
//     adds some 90 MB a minute. Trial runs stayed within 5% of the first
//     steady-state sample, so the margin of 0.5x leaves room for noise
//     without hiding a real leak.
//   - no goroutine leaks: after Close and the evaluators' end,
//     runtime.NumGoroutine returns to what it was before Watch.
func TestSoak(t *testing.T) {
	d := *soakDuration
	if deadline, ok := t.Deadline(); ok && time.Until(deadline) < d+time.Minute {
		t.Fatalf("-soak.duration %v does not fit in the test's -timeout (%v left): add -timeout 0", d, time.Until(deadline).Round(time.Second))
	}
	configs := soakConfigs(t)
	expected, contexts := soakExpected(t, configs)
	broken := []byte("experiments:\n  a: {x: 0-60%, y: 50-100%}\n") // overlapping ranges

	var fetches, updates, failures, evals atomic.Int64
	src := SourceFunc(func(ctx context.Context) ([]byte, error) {
		k := fetches.Add(1)
		switch {
		case k == 1:
			return configs[0], nil
		case k%10 == 0:
			return broken, nil
		case k%13 == 0:
			return nil, errors.New("soak: the store is down")
		case k%7 == 0:
			return nil, ErrNotModified
		}
		return configs[k%int64(len(configs))], nil
	})

	runtime.GC()
	baseline := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	live, err := Watch(ctx, src, &WatchOptions{
		Interval: time.Millisecond,
		Jitter:   -1,
		Logger:   slog.New(slog.DiscardHandler),
		OnUpdate: func(_, _ *Ruleset) { updates.Add(1) },
		OnError:  func(error) { failures.Add(1) },
	})
	if err != nil {
		t.Fatal(err)
	}

	var wrong atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	// The evaluators and the reloader hold pause for reading while they
	// work; a memory sample holds it for writing, so that the GC it forces
	// sees a quiet heap (only Watch's own poll may be mid-parse), and the
	// samples differ by what is kept, not by what is in flight.
	var pause sync.RWMutex
	// A reloader fetching back to back, besides Watch's own polls every
	// millisecond: reloads are serialised, so this keeps one going at all
	// times.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			pause.RLock()
			_ = live.Reload(ctx) // failures are counted by OnError
			pause.RUnlock()
		}
	}()
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []Assignment
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				pause.RLock()
				u := i % len(contexts)
				c := contexts[u]
				rs := live.Ruleset() // one config for the whole "request"
				want, ok := expected[rs.Version()]
				if !ok {
					if wrong.Add(1) <= 5 {
						t.Errorf("serving a ruleset of version %d, which no good config has", rs.Version())
					}
					pause.RUnlock()
					continue
				}
				buf = rs.AppendAssignments(buf[:0], c)
				if !soakSameAssignments(buf, want[u]) && wrong.Add(1) <= 5 {
					t.Errorf("version %d, user %q: assignments %+v; parsed alone it gives %+v", rs.Version(), c.UserID(), buf, want[u])
				}
				for _, a := range want[u] {
					if !rs.VariantFor(a.ExperimentKey, c) && wrong.Add(1) <= 5 {
						t.Errorf("version %d, user %q: VariantFor(%q) is false, but Assignments lists it", rs.Version(), c.UserID(), a.ExperimentKey)
					}
				}
				// The Live's own methods, which may see a newer config
				// between calls: only that they do not fail.
				_ = live.Feature("checkout-button-color", c)
				_ = live.Payload("split", c)
				if i%1000 == 0 {
					_ = rs.Explain("featureThree", c)
				}
				evals.Add(1)
				pause.RUnlock()
			}
		}()
	}

	type sample struct {
		at                          time.Duration
		heapInuse, heapAlloc        uint64
		goroutines                  int
		evals, updates, failures, n int64
	}
	var samples []sample
	take := func(at time.Duration) sample {
		pause.Lock()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		pause.Unlock()
		s := sample{at: at, heapInuse: m.HeapInuse, heapAlloc: m.HeapAlloc, goroutines: runtime.NumGoroutine(),
			evals: evals.Load(), updates: updates.Load(), failures: failures.Load(), n: fetches.Load()}
		samples = append(samples, s)
		t.Logf("%7v  HeapInuse %6.2f MB  HeapAlloc %6.2f MB  goroutines %3d  evaluations %10d  reloads %7d  failed %6d  fetches %7d",
			at.Round(time.Second), float64(s.heapInuse)/(1<<20), float64(s.heapAlloc)/(1<<20), s.goroutines, s.evals, s.updates, s.failures, s.n)
		return s
	}
	start := time.Now()
	take(0)
	every := d / 10
	for i := 1; i <= 10; i++ {
		time.Sleep(time.Until(start.Add(time.Duration(i) * every)))
		take(time.Since(start))
	}
	close(stop)
	wg.Wait()
	if err := live.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}

	steady, last := samples[1], samples[len(samples)-1]
	peak := steady.heapInuse
	for _, s := range samples[1:] {
		peak = max(peak, s.heapInuse)
	}
	ratio := float64(last.heapInuse) / float64(steady.heapInuse)
	t.Logf("HeapInuse: first steady-state %.2f MB, last %.2f MB (%.2fx), peak %.2f MB; limit 1.5x",
		float64(steady.heapInuse)/(1<<20), float64(last.heapInuse)/(1<<20), ratio, float64(peak)/(1<<20))
	if ratio > 1.5 {
		t.Errorf("HeapInuse grew from %d to %d bytes (%.2fx > 1.5x): memory is not flat", steady.heapInuse, last.heapInuse, ratio)
	}
	secs := time.Since(start).Seconds()
	t.Logf("%d evaluations (%.0f/s), %d reloads installed (%.0f/s), %d failed reloads, %d fetches, %d wrong results",
		last.evals, float64(last.evals)/secs, last.updates, float64(last.updates)/secs, last.failures, last.n, wrong.Load())
	if last.updates < 10 {
		t.Errorf("only %d reloads were installed: the soak did not reload", last.updates)
	}

	// Goroutines: back to the baseline once polling and evaluation stopped.
	var now int
	for wait := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		runtime.GC()
		if now = runtime.NumGoroutine(); now <= baseline || time.Since(wait) > 5*time.Second {
			break
		}
	}
	t.Logf("goroutines: %d before Watch, %d after Close", baseline, now)
	if now > baseline {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after Close; %d before Watch:\n%s", now, baseline, buf[:runtime.Stack(buf, true)])
	}
}

// soakConfigs returns the configs the source rotates through, each with
// its own version so that an evaluation can tell which it sees.
func soakConfigs(t *testing.T) [][]byte {
	t.Helper()
	read := func(path string) []byte {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	return [][]byte{
		read("testdata/assign/longform.yaml"),                         // version 3
		append([]byte("version: 1\n"), read("testdata/seed.yaml")...), // version 1
		[]byte("version: 2\n" + genConfig(200)),                       // version 2
		read("testdata/snapshots/quirks.json"),                        // version 7
	}
}

// soakExpected parses each config alone and records every user's
// assignments, by config version; and returns the users' contexts.
func soakExpected(t *testing.T, configs [][]byte) (map[int64][][]Assignment, []Context) {
	t.Helper()
	attrs := []map[string]any{
		nil,
		{"country": "US", "plan": "pro", "app": map[string]any{"version": "2.3.1"}},
		{"country": "FR", "plan": "free", "age": 30},
		{"country": "CA", "tags": []any{"beta", "x"}, "user": map[string]any{"plan": "pro"}},
	}
	contexts := make([]Context, 500)
	for i := range contexts {
		contexts[i] = ContextFor(fmt.Sprint("user-", i)).With(attrs[i%len(attrs)])
	}
	expected := map[int64][][]Assignment{}
	for _, data := range configs {
		r, err := Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := expected[r.Version()]; dup {
			t.Fatalf("two soak configs have version %d", r.Version())
		}
		want := make([][]Assignment, len(contexts))
		for i, c := range contexts {
			want[i] = r.Assignments(c)
		}
		expected[r.Version()] = want
	}
	return expected, contexts
}

// soakSameAssignments compares two assignment lists without reflection,
// which would slow the evaluators down under the race detector.
func soakSameAssignments(a, b []Assignment) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.ExperimentKey != y.ExperimentKey || x.ExperimentID != y.ExperimentID || x.VariantKey != y.VariantKey ||
			x.VariantID != y.VariantID || !bytes.Equal(x.Payload, y.Payload) || (x.Payload == nil) != (y.Payload == nil) {
			return false
		}
	}
	return true
}

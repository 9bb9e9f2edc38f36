package analyze

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inprocess/experiment/analysis/internal/gen"
)

// BenchmarkAnalyze runs the whole command (aggregate, engine, text) over
// the files in $ANALYZE_BENCH_EXPOSURES and $ANALYZE_BENCH_EVENTS, or over
// files it generates with $ANALYZE_BENCH_USERS users (default 476,000:
// about a million lines of each kind). It reports the lines read per
// second, the peak of the live heap (sampled every 10 ms) and the heap
// per user. scripts/bench.sh runs it on 10 million lines of each.
func BenchmarkAnalyze(b *testing.B) {
	ex, ev := os.Getenv("ANALYZE_BENCH_EXPOSURES"), os.Getenv("ANALYZE_BENCH_EVENTS")
	users := 476_000
	if ex == "" || ev == "" {
		dir := b.TempDir()
		ex, ev = filepath.Join(dir, "exposures.jsonl"), filepath.Join(dir, "events.jsonl")
		if err := generate(ex, ev, gen.Options{Users: users, Lifts: []float64{0, 0.05}, Pageviews: 1.9, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	lines := countLines(b, ex) + countLines(b, ev)
	args := []string{"-exposures", ex, "-events", ev, "-experiment", "checkout",
		"-metric", "purchase:mean", "-metric", "purchase", "-metric", "pageview:mean"}

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // sample the heap while the command runs
		defer wg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()
	b.ResetTimer()
	for b.Loop() {
		if code := Run(args, io.Discard, os.Stderr); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
	b.StopTimer()
	close(stop)
	wg.Wait()
	peakBytes := float64(peak.Load() - min(peak.Load(), base.HeapInuse))
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(peakBytes/(1<<20), "peak-heap-MiB")
	if n := float64(users); os.Getenv("ANALYZE_BENCH_EXPOSURES") == "" {
		b.ReportMetric(peakBytes/n, "peak-heap-B/user")
	}
}

func generate(ex, ev string, o gen.Options) error {
	a, err := os.Create(ex)
	if err != nil {
		return err
	}
	defer a.Close()
	e, err := os.Create(ev)
	if err != nil {
		return err
	}
	defer e.Close()
	if _, err := gen.Write(a, e, o); err != nil {
		return err
	}
	if err := a.Close(); err != nil {
		return err
	}
	return e.Close()
}

func countLines(b *testing.B, path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, c := range data {
		if c == '\n' {
			n++
		}
	}
	return n
}

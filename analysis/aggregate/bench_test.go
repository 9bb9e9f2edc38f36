package aggregate

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/inprocess/experiment/analysis/internal/gen"
	"github.com/inprocess/experiment/analysis/stats"
)

// BenchmarkAggregate streams about a million lines of each kind from
// memory and reports the lines per second and the live heap per user once
// both files are read: the state Aggregate keeps (measured after a
// collection, less the heap before).
func BenchmarkAggregate(b *testing.B) {
	const users = 476_000
	var ex, ev bytes.Buffer
	c, err := gen.Write(&ex, &ev, gen.Options{Users: users, Pageviews: 1.9, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	o := Options{Experiment: "checkout", Metrics: []Metric{{"purchase", stats.Mean}, {"purchase", stats.Proportion}, {"pageview", stats.Mean}}}
	var state, n float64
	defer func() { afterRead = nil }()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		afterRead = func(u int) {
			b.StopTimer()
			defer b.StartTimer()
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			state, n = float64(m.HeapInuse)-float64(before.HeapInuse), float64(u)
		}
		b.StartTimer()
		if _, err := Aggregate(bytes.NewReader(ex.Bytes()), bytes.NewReader(ev.Bytes()), o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(c.Exposures+c.Events)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(state/n, "state-B/user")
}

// BenchmarkQueryPostgres loads about a million lines of each kind into the
// PostgreSQL server in EXPERIMENT_PG_DSN (in a schema of its own, dropped
// at the end) and times QuerySQL on them: three metrics, one query each.
// It reports the load's time too. It skips without EXPERIMENT_PG_DSN.
func BenchmarkQueryPostgres(b *testing.B) {
	dsn := os.Getenv("EXPERIMENT_PG_DSN")
	if dsn == "" {
		b.Skip("EXPERIMENT_PG_DSN is not set: no PostgreSQL to benchmark")
	}
	ctx := context.Background()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	schema := "aggregate_bench_" + time.Now().UTC().Format("20060102150405")
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema+"; SET search_path TO "+schema); err != nil {
		b.Fatal(err)
	}
	defer db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
	users := 476_000 // about a million lines of each kind
	if s := os.Getenv("EXPERIMENT_BENCH_PG_USERS"); s != "" {
		if users, err = strconv.Atoi(s); err != nil || users <= 0 {
			b.Fatalf("EXPERIMENT_BENCH_PG_USERS=%q: want a positive number of users", s)
		}
	}
	// The records go through files, so that 10 million lines of each kind
	// (EXPERIMENT_BENCH_PG_USERS=4760000) need no memory for themselves.
	ex, err := os.Create(filepath.Join(b.TempDir(), "exposures.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer ex.Close()
	ev, err := os.Create(filepath.Join(b.TempDir(), "events.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer ev.Close()
	if _, err := gen.Write(ex, ev, gen.Options{Users: users, Pageviews: 1.9, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	for _, f := range []*os.File{ex, ev} {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			b.Fatal(err)
		}
	}
	start := time.Now()
	ne, nv, err := Load(ctx, db, io.MultiReader(bufio.NewReaderSize(ex, 1<<20), bufio.NewReaderSize(ev, 1<<20)))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	load := time.Since(start)
	o := Options{Experiment: "checkout", Metrics: []Metric{{"purchase", stats.Mean}, {"purchase", stats.Proportion}, {"pageview", stats.Mean}}}
	b.ResetTimer()
	for b.Loop() {
		if _, err := QuerySQL(ctx, db, o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(ne), "exposure-rows")
	b.ReportMetric(float64(nv), "event-rows")
	b.ReportMetric(load.Seconds(), "load-s")
}

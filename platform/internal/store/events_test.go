package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inprocess/experiment/analysis/aggregate"
	"github.com/inprocess/experiment/analysis/stats"
	"github.com/inprocess/experiment/internal/wire"
	"github.com/inprocess/experiment/platform/internal/store"
	"github.com/inprocess/experiment/platform/internal/storetest"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func exposure(user, variant string, at time.Duration) wire.Exposure {
	return wire.Exposure{UserKey: user, ExperimentKey: "checkout", VariantKey: variant, ConfigVersion: 3, Timestamp: t0.Add(at)}
}

func event(user string, value float64, at time.Duration) wire.Event {
	return wire.Event{UserKey: user, Event: "purchase", Value: value, HasValue: value != 0, Timestamp: t0.Add(at)}
}

// TestStoreEvents stores batches on each engine: a new batch id stores
// its records, a repeated one stores nothing and reports the first
// batch's counts, and the stored records aggregate to the numbers worked
// by hand (the first exposure counts, events before it do not, a user in
// two variants is excluded, an event without a value counts 1).
func TestStoreEvents(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t, engine, store.Options{})
			first := wire.Batch{BatchID: "b1",
				Exposures: []wire.Exposure{exposure("u1", "control", 0), exposure("u2", "treatment", 0), exposure("u3", "control", 0), exposure("u3", "treatment", time.Hour)},
				Events:    []wire.Event{event("u1", 5, time.Minute), event("u1", 2.5, 2*time.Minute), event("u2", 0, -time.Minute), event("u2", 0, time.Minute)},
			}
			tests := []struct {
				name  string
				batch wire.Batch
				want  store.StoredBatch
			}{
				{"new batch", first, store.StoredBatch{BatchID: "b1", Exposures: 4, Events: 4}},
				{"the same batch again", first, store.StoredBatch{BatchID: "b1", Exposures: 4, Events: 4, Duplicate: true}},
				{"another batch under the same id", wire.Batch{BatchID: "b1", Events: []wire.Event{event("u9", 1, 0)}},
					store.StoredBatch{BatchID: "b1", Exposures: 4, Events: 4, Duplicate: true}},
				{"a second batch", wire.Batch{BatchID: "b2", Exposures: []wire.Exposure{exposure("u1", "control", time.Hour)}},
					store.StoredBatch{BatchID: "b2", Exposures: 1}},
			}
			for _, tt := range tests {
				got, err := s.StoreEvents(ctx, tt.batch)
				if err != nil {
					t.Fatalf("%s: %v", tt.name, err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("%s (-want +got):\n%s", tt.name, diff)
				}
			}
			if _, err := s.StoreEvents(ctx, wire.Batch{}); err == nil || !strings.HasPrefix(err.Error(), "store: ") {
				t.Errorf("a batch without an id: %v", err)
			}

			res, err := s.Aggregate(ctx, aggregate.Options{Experiment: "checkout",
				Metrics: []aggregate.Metric{{Event: "purchase", Kind: stats.Mean}, {Event: "purchase", Kind: stats.Proportion}}})
			if err != nil {
				t.Fatal(err)
			}
			day := t0.Truncate(24 * time.Hour)
			want := &aggregate.Result{
				Experiment: "checkout", Variants: []string{"control", "treatment"}, Users: []int64{1, 1}, Multiple: 1,
				Metrics: []aggregate.MetricSums{
					{Metric: aggregate.Metric{Event: "purchase", Kind: stats.Mean},
						Total: []stats.Sums{{N: 1, Sum: 7.5, SumSquares: 56.25}, {N: 1, Sum: 1, SumSquares: 1}},
						Days:  []aggregate.Day{{Date: day, Sums: []stats.Sums{{N: 1, Sum: 7.5, SumSquares: 56.25}, {N: 1, Sum: 1, SumSquares: 1}}}}},
					{Metric: aggregate.Metric{Event: "purchase", Kind: stats.Proportion},
						Total: []stats.Sums{{N: 1, Sum: 1, SumSquares: 1}, {N: 1, Sum: 1, SumSquares: 1}},
						Days:  []aggregate.Day{{Date: day, Sums: []stats.Sums{{N: 1, Sum: 1, SumSquares: 1}, {N: 1, Sum: 1, SumSquares: 1}}}}},
				},
			}
			if diff := cmp.Diff(want, res); diff != "" {
				t.Errorf("aggregated (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStoreEventsConcurrent sends one batch id from 8 goroutines at once:
// it is stored once, and exactly one call is not a duplicate.
func TestStoreEventsConcurrent(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t, engine, store.Options{})
			b := wire.Batch{BatchID: "same", Exposures: []wire.Exposure{exposure("u1", "control", 0), exposure("u2", "treatment", 0)}}
			var wg sync.WaitGroup
			results := make([]store.StoredBatch, 8)
			errs := make([]error, 8)
			for i := range results {
				wg.Go(func() { results[i], errs[i] = s.StoreEvents(ctx, b) })
			}
			wg.Wait()
			fresh := 0
			for i := range results {
				if errs[i] != nil {
					t.Fatal(errs[i])
				}
				if !results[i].Duplicate {
					fresh++
				}
			}
			if fresh != 1 {
				t.Errorf("%d calls stored the batch, want 1", fresh)
			}
			res, err := s.Aggregate(ctx, aggregate.Options{Experiment: "checkout", Metrics: []aggregate.Metric{{Event: "purchase"}}})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]int64{1, 1}, res.Users); diff != "" {
				t.Errorf("users per variant (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEventsMigrationAddsTables: on a database the platform made, the
// events migration adds its tables and changes nothing of the platform's.
func TestEventsMigrationAddsTables(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			db := rawDB(t, engine, dsn)
			for _, q := range store.MigrationSQL(engine)[:2] {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			before := schemaDump(t, engine, db)
			s, err := store.Open(context.Background(), dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			after := schemaDump(t, engine, db)
			var kept, added []string
			for _, entry := range entries(after) {
				if ours(entry) {
					added = append(added, entry)
				} else {
					kept = append(kept, entry)
				}
			}
			before = strings.Join(entries(before), "\n")
			if diff := cmp.Diff(before, strings.Join(kept, "\n")); diff != "" {
				t.Errorf("the platform's schema changed (-before +after):\n%s", diff)
			}
			if len(added) < 6 {
				t.Errorf("the migration added only %q", added)
			}
		})
	}
}

// entries splits a schema dump into its entries: a line, with the lines
// that continue it (SQLite's CREATE statements span lines).
func entries(dump string) []string {
	var out []string
	for _, line := range strings.Split(dump, "\n") {
		if len(out) > 0 && (strings.HasPrefix(line, "\t") || strings.HasPrefix(line, ")")) {
			out[len(out)-1] += "\n" + line
			continue
		}
		out = append(out, line)
	}
	return out
}

// ours reports whether a schema dump line is about a table this store
// adds to the platform's schema.
func ours(line string) bool {
	for _, name := range []string{"_experiment_migrations", "event_batches", "exposures", "events"} {
		if strings.HasPrefix(line, name+".") || strings.HasPrefix(line, name+" ") || strings.HasPrefix(line, name+":") ||
			strings.Contains(line, " ON "+name+" ") || strings.HasPrefix(line, name+"_") {
			return true
		}
	}
	return false
}

package aggregate

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/inprocess/experiment/analysis/internal/gen"
	"github.com/inprocess/experiment/analysis/stats"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// generated is a small experiment: 3,000 users in three variants over a
// week, with multiple exposures, events before exposure and noise.
func generated(t testing.TB) (exposures, events []byte) {
	var ex, ev bytes.Buffer
	if _, err := gen.Write(&ex, &ev, gen.Options{Users: 3000, Variants: []string{"a", "b", "c"},
		Lifts: []float64{0, 0.2, -0.1}, Days: 7, Multiple: 0.02, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	return ex.Bytes(), ev.Bytes()
}

var sqlCases = []Options{
	{Experiment: "checkout", Metrics: []Metric{{"purchase", stats.Mean}, {"purchase", stats.Proportion}, {"pageview", stats.Proportion}}},
	{Experiment: "checkout", Metrics: []Metric{{"purchase", stats.Mean}}, Window: 24 * time.Hour, PreWindow: 14 * 24 * time.Hour},
	{Experiment: "checkout", Metrics: []Metric{{"purchase", stats.Proportion}}, Window: 36 * time.Hour, PreWindow: 24 * time.Hour},
	{Experiment: "nothing-here", Metrics: []Metric{{"purchase", stats.Mean}}},
}

// checkSQL loads the generated records into db and checks that QuerySQL
// gives what Aggregate gives.
func checkSQL(t *testing.T, db *sql.DB) {
	ctx := context.Background()
	ex, ev := generated(t)
	ne, nv, err := Load(ctx, db, bytes.NewReader(append(append([]byte{}, ex...), ev...)))
	if err != nil {
		t.Fatal(err)
	}
	if ne != int64(bytes.Count(ex, []byte("\n"))) || nv != int64(bytes.Count(ev, []byte("\n"))) {
		t.Fatalf("loaded %d exposures and %d events, want every line", ne, nv)
	}
	for _, o := range sqlCases {
		t.Run(fmt.Sprintf("%s %v window %v pre %v", o.Experiment, o.Metrics, o.Window, o.PreWindow), func(t *testing.T) {
			want, err := Aggregate(bytes.NewReader(ex), bytes.NewReader(ev), o)
			if err != nil {
				t.Fatal(err)
			}
			want.Counts = Counts{}
			got, err := QuerySQL(ctx, db, o)
			if err != nil {
				t.Fatal(err)
			}
			// Sums of cents in another order differ in the last bits.
			approx := cmpopts.EquateApprox(1e-12, 1e-9)
			if diff := cmp.Diff(want, got, approx, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("QuerySQL (-Aggregate +QuerySQL):\n%s", diff)
			}
			if o.Experiment == "checkout" && (want.Multiple == 0 || len(want.Variants) != 3 || len(want.Metrics[0].Days) < 7) {
				t.Errorf("generated data too thin to test with: %d multiple, variants %v, %d days",
					want.Multiple, want.Variants, len(want.Metrics[0].Days))
			}
		})
	}
}

// TestAttributionSQL checks the query against the attribution cases
// worked out by hand.
func TestAttributionSQL(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+t.TempDir()+"/attribution.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, _, err := Load(ctx, db, strings.NewReader(attribution)); err != nil {
		t.Fatal(err)
	}
	for _, tt := range attributionCases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := QuerySQL(ctx, db, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(attributionResult(tt.want, Counts{}), got); diff != "" {
				t.Errorf("QuerySQL (-want +got):\n%s", diff)
			}
		})
	}
}

func TestQuerySQLite(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+t.TempDir()+"/events.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkSQL(t, db)
}

// TestQueryPostgres runs against the PostgreSQL server in
// EXPERIMENT_PG_DSN (a database the test may create tables in), in a
// schema of its own that it drops at the end.
func TestQueryPostgres(t *testing.T) {
	dsn := os.Getenv("EXPERIMENT_PG_DSN")
	if dsn == "" {
		t.Skip("EXPERIMENT_PG_DSN is not set: no PostgreSQL to test against")
	}
	ctx := context.Background()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one connection, so that search_path holds
	schema := "aggregate_test_" + time.Now().UTC().Format("20060102150405")
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema+"; SET search_path TO "+schema); err != nil {
		t.Fatal(err)
	}
	defer db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
	checkSQL(t, db)
}

func TestQuerySQLRejects(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+t.TempDir()+"/empty.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := QuerySQL(context.Background(), db, Options{}); err == nil {
		t.Error("QuerySQL accepted options without an experiment")
	}
	_, err = QuerySQL(context.Background(), db, Options{Experiment: "x", Metrics: []Metric{{"e", stats.Mean}}})
	if err == nil {
		t.Errorf("QuerySQL without tables: %v", err)
	}
}

package store_test

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	_ "modernc.org/sqlite"

	"github.com/inprocess/experiment/platform/internal/store"
	"github.com/inprocess/experiment/platform/internal/storetest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func driver(engine string) string {
	if engine == "postgres" {
		return "pgx"
	}
	return "sqlite"
}

// rawDB opens the database of dsn without migrating it.
func rawDB(t *testing.T, engine, dsn string) *sql.DB {
	t.Helper()
	if engine == "sqlite" {
		dsn = "file:" + dsn + "?_foreign_keys=1"
	}
	db, err := sql.Open(driver(engine), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// schemaDump describes the schema: every column with its type,
// nullability and default, every constraint and index, in a stable
// order.
func schemaDump(t *testing.T, engine string, db *sql.DB) string {
	t.Helper()
	var queries []string
	if engine == "postgres" {
		queries = []string{
			`SELECT table_name || '.' || column_name || ' ' || CASE WHEN data_type = 'USER-DEFINED' THEN udt_name ELSE data_type END ||
				COALESCE('(' || datetime_precision || ')', '') || CASE WHEN is_nullable = 'NO' THEN ' NOT NULL' ELSE '' END ||
				COALESCE(' DEFAULT ' || column_default, '')
			 FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
			`SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
			 WHERE connamespace = current_schema()::regnamespace ORDER BY 1`,
			`SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname`,
			`SELECT typname || ' ' || string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum JOIN pg_type ON pg_type.oid = enumtypid
			 WHERE typnamespace = current_schema()::regnamespace GROUP BY typname`,
		}
	} else {
		queries = []string{`SELECT name || ': ' || sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name`}
	}
	var b strings.Builder
	for _, q := range queries {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			if engine == "postgres" {
				schema := currentSchema(t, db)
				line = strings.NewReplacer(`"`+schema+`".`, "", schema+".", "").Replace(line)
			}
			fmt.Fprintln(&b, line)
		}
		rows.Close()
		b.WriteString("\n")
	}
	return b.String()
}

func currentSchema(t *testing.T, db *sql.DB) string {
	var s string
	if err := db.QueryRow(`SELECT current_schema()`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

type migrationRow struct {
	Version  int
	Name     string
	Baseline bool
}

func migrationsApplied(t *testing.T, db *sql.DB) []migrationRow {
	t.Helper()
	rows, err := db.Query(`SELECT "version", "name", "baseline" FROM "_experiment_migrations" ORDER BY "version"`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []migrationRow
	for rows.Next() {
		var m migrationRow
		if err := rows.Scan(&m.Version, &m.Name, &m.Baseline); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// TestMigrateEmpty creates the schema on an empty database: the golden
// dump is the platform's schema (tables, columns, types, constraints,
// indexes, enum); a second Open changes nothing.
func TestMigrateEmpty(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			for range 2 {
				s, err := store.Open(context.Background(), dsn, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				s.Close()
			}
			db := rawDB(t, engine, dsn)
			checkGolden(t, "schema-"+engine+".golden", schemaDump(t, engine, db))
			want := []migrationRow{{1, "init", false}, {2, "add_audiences", false}, {3, "add_events", false}}
			if diff := cmp.Diff(want, migrationsApplied(t, db)); diff != "" {
				t.Errorf("migrations recorded (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTakeOver opens a database the platform made (its schema without
// our record of migrations, with its data), at the newest schema and at
// the one before audiences existed.
func TestTakeOver(t *testing.T) {
	tests := []struct {
		name    string
		applied int // platform migrations already in the database
		want    []migrationRow
	}{
		{"newest platform schema", 2, []migrationRow{{1, "init", true}, {2, "add_audiences", true}, {3, "add_events", false}}},
		{"before audiences", 1, []migrationRow{{1, "init", true}, {2, "add_audiences", false}, {3, "add_events", false}}},
	}
	for _, engine := range storetest.Engines {
		for _, tt := range tests {
			t.Run(engine+"/"+tt.name, func(t *testing.T) {
				ctx := context.Background()
				dsn := storetest.DSN(t, engine)
				db := rawDB(t, engine, dsn)
				for _, q := range store.MigrationSQL(engine)[:tt.applied] {
					if _, err := db.Exec(q); err != nil {
						t.Fatal(err)
					}
				}
				ts := "'2026-02-13 23:37:04.123'"
				if engine == "sqlite" {
					ts = "'2026-02-13T23:37:04.123Z'"
				}
				if _, err := db.Exec(`INSERT INTO "Environment" ("id", "name", "createdAt", "updatedAt") VALUES ('env-1', 'prod', ` + ts + `, ` + ts + `)`); err != nil {
					t.Fatal(err)
				}
				if _, err := db.Exec(`INSERT INTO "Experiment" ("id", "key", "name", "salt", "environmentId", "targetingRules", "createdAt", "updatedAt")
					VALUES ('exp-1', 'checkout', 'Checkout', 'salt-1', 'env-1', '[{"conditions": [{"value": 1.0, "operator": "eq", "attribute": "a"}]}]', ` + ts + `, ` + ts + `)`); err != nil {
					t.Fatal(err)
				}
				s, err := store.Open(ctx, dsn, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				if diff := cmp.Diff(tt.want, migrationsApplied(t, db)); diff != "" {
					t.Errorf("migrations recorded (-want +got):\n%s", diff)
				}
				e, err := s.GetExperiment(ctx, "exp-1")
				if err != nil {
					t.Fatal(err)
				}
				if e.Status != store.Draft || e.Environment == nil || e.Environment.Name != "prod" || e.CreatedAt.Format("2006-01-02T15:04:05.000Z") != "2026-02-13T23:37:04.123Z" {
					t.Errorf("the platform's experiment reads back as %+v", e)
				}
				if got := string(e.TargetingRules); got != `[{"conditions":[{"value":1,"operator":"eq","attribute":"a"}]}]` {
					t.Errorf("stored JSONB reads back as %s", got)
				}
				if _, err := s.CreateAudience(ctx, "us", "env-1", []byte(`[]`)); err != nil {
					t.Errorf("audiences after the takeover: %v", err)
				}
			})
		}
	}
}

// Package storetest opens fresh stores for tests, on every engine there
// is to test: SQLite always, PostgreSQL when EXPERIMENT_PG_DSN names a
// server (a postgres:// URL of a database the tests may create schemas
// in). Each store gets its own empty schema, dropped after the test.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/inprocess/experiment/platform/internal/store"
)

// DSNVar is the environment variable naming the PostgreSQL server.
const DSNVar = "EXPERIMENT_PG_DSN"

// Engines are the engines a suite runs on: "sqlite" and "postgres".
var Engines = []string{"sqlite", "postgres"}

// SkipMessage is why PostgreSQL tests skip when DSNVar is unset.
const SkipMessage = "PostgreSQL tests skipped: set " + DSNVar + " to a postgres:// URL (for example postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable) to run them"

// DSN returns the data source name of a new, empty database for engine:
// a SQLite file in a temporary directory, or a PostgreSQL URL whose
// search_path is a new schema, dropped when the test ends. It skips the
// test when engine is "postgres" and DSNVar is unset.
func DSN(tb testing.TB, engine string) string {
	tb.Helper()
	switch engine {
	case "sqlite":
		return filepath.Join(tb.TempDir(), "platform.db")
	case "postgres":
	default:
		tb.Fatalf("storetest: unknown engine %q", engine)
	}
	base := os.Getenv(DSNVar)
	if base == "" {
		tb.Skip(SkipMessage)
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		tb.Fatalf("storetest: %s=%q is not a postgres:// URL", DSNVar, base)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { admin.Close() })
	if _, err := admin.ExecContext(context.Background(), `CREATE SCHEMA "`+schema+`"`); err != nil {
		tb.Fatalf("storetest: creating a schema on %s: %v", DSNVar, err)
	}
	tb.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), `DROP SCHEMA "`+schema+`" CASCADE`); err != nil {
			tb.Errorf("storetest: dropping schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns a new store on a new, empty database for engine (see
// DSN), closed when the test ends.
func Open(tb testing.TB, engine string, opts store.Options) *store.Store {
	tb.Helper()
	s, err := store.Open(context.Background(), DSN(tb, engine), opts)
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

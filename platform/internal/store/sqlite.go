package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/inprocess/experiment/internal/wire"
)

// sqlite is the embedded engine (modernc.org/sqlite, pure Go). The schema
// mirrors the platform's PostgreSQL one with SQLite's types: JSON and
// timestamps are TEXT (timestamps as wire.TimeLayout, which sorts in time
// order), the status enum a CHECK constraint. Foreign keys are on, the
// journal is a WAL, and every transaction takes the write lock when it
// begins.
type sqlite struct{}

func (sqlite) name() string { return "sqlite" }

func (sqlite) open(path string) (*sql.DB, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("the SQLite path %q must be non-empty and have no ? or #", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	dsn := "file:" + path + "?_foreign_keys=1&_busy_timeout=30000&_journal_mode=WAL&_txlock=immediate&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(8)
	return db, nil
}

func (sqlite) rebind(query string) string { return strings.ReplaceAll(query, "$", "?") }

func (sqlite) timeArg(t time.Time) any { return wire.FormatTime(t) }

func (sqlite) bytewise(column string) string { return column } // BINARY is the default collation

func (sqlite) lockEnvironment(context.Context, conn, string) error {
	return nil // BEGIN IMMEDIATE holds the database's write lock already
}

func (sqlite) isUnique(err error) bool {
	var e *msqlite.Error
	return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

func (sqlite) migrations() []migration { return sqliteMigrations }

var sqliteMigrations = []migration{
	{
		version: 1,
		name:    "init",
		present: `SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'Environment'`,
		sql: `
CREATE TABLE "Environment" (
	"id" TEXT NOT NULL PRIMARY KEY,
	"name" TEXT NOT NULL,
	"createdAt" TEXT NOT NULL,
	"updatedAt" TEXT NOT NULL
);
CREATE TABLE "Experiment" (
	"id" TEXT NOT NULL PRIMARY KEY,
	"key" TEXT NOT NULL,
	"name" TEXT NOT NULL,
	"description" TEXT,
	"salt" TEXT NOT NULL,
	"status" TEXT NOT NULL DEFAULT 'DRAFT' CHECK ("status" IN ('DRAFT', 'RUNNING', 'PAUSED', 'ARCHIVED')),
	"environmentId" TEXT NOT NULL REFERENCES "Environment" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
	"targetingRules" TEXT,
	"createdAt" TEXT NOT NULL,
	"updatedAt" TEXT NOT NULL
);
CREATE TABLE "Variant" (
	"id" TEXT NOT NULL PRIMARY KEY,
	"key" TEXT NOT NULL,
	"name" TEXT NOT NULL,
	"payload" TEXT,
	"experimentId" TEXT NOT NULL REFERENCES "Experiment" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE TABLE "Allocation" (
	"id" TEXT NOT NULL PRIMARY KEY,
	"variantId" TEXT NOT NULL,
	"rangeStart" INTEGER NOT NULL,
	"rangeEnd" INTEGER NOT NULL,
	"experimentId" TEXT NOT NULL REFERENCES "Experiment" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE TABLE "ConfigVersion" (
	"id" TEXT NOT NULL PRIMARY KEY,
	"environmentId" TEXT NOT NULL,
	"version" INTEGER NOT NULL,
	"snapshot" TEXT NOT NULL,
	"publishedAt" TEXT NOT NULL
);
CREATE UNIQUE INDEX "Environment_name_key" ON "Environment" ("name");
CREATE UNIQUE INDEX "Experiment_key_environmentId_key" ON "Experiment" ("key", "environmentId");
CREATE UNIQUE INDEX "Variant_key_experimentId_key" ON "Variant" ("key", "experimentId");
CREATE UNIQUE INDEX "ConfigVersion_environmentId_version_key" ON "ConfigVersion" ("environmentId", "version");
CREATE INDEX "Variant_experimentId_idx" ON "Variant" ("experimentId");
CREATE INDEX "Allocation_experimentId_idx" ON "Allocation" ("experimentId");
`,
	},
	{
		version: 2,
		name:    "add_audiences",
		present: `SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'Audience'`,
		sql: `
CREATE TABLE "Audience" (
	"id" TEXT NOT NULL PRIMARY KEY,
	"name" TEXT NOT NULL,
	"environmentId" TEXT NOT NULL REFERENCES "Environment" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
	"rules" TEXT NOT NULL,
	"createdAt" TEXT NOT NULL,
	"updatedAt" TEXT NOT NULL
);
ALTER TABLE "Experiment" ADD COLUMN "audienceId" TEXT REFERENCES "Audience" ("id") ON DELETE SET NULL ON UPDATE CASCADE;
CREATE INDEX "Experiment_audienceId_idx" ON "Experiment" ("audienceId");
CREATE UNIQUE INDEX "Audience_name_environmentId_key" ON "Audience" ("name", "environmentId");
`,
	},
	{
		// Not the platform's: the tables of event ingestion (see events.go).
		version: 3,
		name:    "add_events",
		present: `SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'event_batches'`,
		sql:     eventsMigrationSQL,
	},
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"hash/fnv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// postgres is PostgreSQL through pgx, on the platform's own schema: the
// tables and columns its Prisma migrations create (quoted PascalCase
// tables, camelCase columns, TIMESTAMP(3), JSONB, the enum
// "ExperimentStatus"), so a database the platform made is used as it is.
type postgres struct{}

func (postgres) name() string { return "postgres" }

func (postgres) open(dsn string) (*sql.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	return db, nil
}

func (postgres) rebind(query string) string { return query }

// timeArg passes the time in UTC: pgx writes a timestamp without time
// zone from the time's wall clock.
func (postgres) timeArg(t time.Time) any { return t.UTC() }

func (postgres) bytewise(column string) string { return column + ` COLLATE "C"` }

// lockEnvironment takes a transaction-scoped advisory lock keyed by the
// environment, which serialises its publishes and nothing else (a row
// lock on "Environment" would also block inserts that check their foreign
// key to it).
func (postgres) lockEnvironment(ctx context.Context, c conn, environmentID string) error {
	h := fnv.New64a()
	h.Write([]byte("experiment-platform/publish/" + environmentID))
	_, err := c.exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(h.Sum64()))
	return err
}

func (postgres) isUnique(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

func (postgres) migrations() []migration { return postgresMigrations }

// postgresMigrations create the platform's schema, object for object as
// its two Prisma migrations (init, add_audiences) do, then the tables of
// event ingestion (new tables only: the platform's are left as they are).
var postgresMigrations = []migration{
	{
		version: 1,
		name:    "init",
		present: `SELECT to_regclass('"Environment"') IS NOT NULL`,
		sql: `
CREATE TYPE "ExperimentStatus" AS ENUM ('DRAFT', 'RUNNING', 'PAUSED', 'ARCHIVED');
CREATE TABLE "Environment" (
	"id" TEXT NOT NULL,
	"name" TEXT NOT NULL,
	"createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
	"updatedAt" TIMESTAMP(3) NOT NULL,
	CONSTRAINT "Environment_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "Experiment" (
	"id" TEXT NOT NULL,
	"key" TEXT NOT NULL,
	"name" TEXT NOT NULL,
	"description" TEXT,
	"salt" TEXT NOT NULL,
	"status" "ExperimentStatus" NOT NULL DEFAULT 'DRAFT',
	"environmentId" TEXT NOT NULL,
	"targetingRules" JSONB,
	"createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
	"updatedAt" TIMESTAMP(3) NOT NULL,
	CONSTRAINT "Experiment_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "Variant" (
	"id" TEXT NOT NULL,
	"key" TEXT NOT NULL,
	"name" TEXT NOT NULL,
	"payload" JSONB,
	"experimentId" TEXT NOT NULL,
	CONSTRAINT "Variant_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "Allocation" (
	"id" TEXT NOT NULL,
	"variantId" TEXT NOT NULL,
	"rangeStart" INTEGER NOT NULL,
	"rangeEnd" INTEGER NOT NULL,
	"experimentId" TEXT NOT NULL,
	CONSTRAINT "Allocation_pkey" PRIMARY KEY ("id")
);
CREATE TABLE "ConfigVersion" (
	"id" TEXT NOT NULL,
	"environmentId" TEXT NOT NULL,
	"version" INTEGER NOT NULL,
	"snapshot" JSONB NOT NULL,
	"publishedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
	CONSTRAINT "ConfigVersion_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Environment_name_key" ON "Environment" ("name");
CREATE UNIQUE INDEX "Experiment_key_environmentId_key" ON "Experiment" ("key", "environmentId");
CREATE UNIQUE INDEX "Variant_key_experimentId_key" ON "Variant" ("key", "experimentId");
CREATE UNIQUE INDEX "ConfigVersion_environmentId_version_key" ON "ConfigVersion" ("environmentId", "version");
ALTER TABLE "Experiment" ADD CONSTRAINT "Experiment_environmentId_fkey"
	FOREIGN KEY ("environmentId") REFERENCES "Environment" ("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Variant" ADD CONSTRAINT "Variant_experimentId_fkey"
	FOREIGN KEY ("experimentId") REFERENCES "Experiment" ("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Allocation" ADD CONSTRAINT "Allocation_experimentId_fkey"
	FOREIGN KEY ("experimentId") REFERENCES "Experiment" ("id") ON DELETE CASCADE ON UPDATE CASCADE;
`,
	},
	{
		version: 2,
		name:    "add_audiences",
		present: `SELECT to_regclass('"Audience"') IS NOT NULL`,
		sql: `
CREATE TABLE "Audience" (
	"id" TEXT NOT NULL,
	"name" TEXT NOT NULL,
	"environmentId" TEXT NOT NULL,
	"rules" JSONB NOT NULL,
	"createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
	"updatedAt" TIMESTAMP(3) NOT NULL,
	CONSTRAINT "Audience_pkey" PRIMARY KEY ("id")
);
ALTER TABLE "Experiment" ADD COLUMN "audienceId" TEXT;
CREATE INDEX "Experiment_audienceId_idx" ON "Experiment" ("audienceId");
CREATE UNIQUE INDEX "Audience_name_environmentId_key" ON "Audience" ("name", "environmentId");
ALTER TABLE "Audience" ADD CONSTRAINT "Audience_environmentId_fkey"
	FOREIGN KEY ("environmentId") REFERENCES "Environment" ("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Experiment" ADD CONSTRAINT "Experiment_audienceId_fkey"
	FOREIGN KEY ("audienceId") REFERENCES "Audience" ("id") ON DELETE SET NULL ON UPDATE CASCADE;
`,
	},
	{
		// Not the platform's: the tables of event ingestion (see events.go).
		version: 3,
		name:    "add_events",
		present: `SELECT to_regclass('event_batches') IS NOT NULL`,
		sql:     eventsMigrationSQL,
	},
}

package store

import (
	"context"
	"database/sql"
	"time"
)

// engine is what differs between SQLite and PostgreSQL.
type engine interface {
	name() string
	open(dsn string) (*sql.DB, error)
	// rebind turns the $1-style placeholders of query into the engine's.
	rebind(query string) string
	// timeArg is a timestamp as the engine's column takes it.
	timeArg(t time.Time) any
	// bytewise is an ORDER BY term sorting column in byte order.
	bytewise(column string) string
	// lockEnvironment serialises publishes of one environment: it holds
	// until the transaction ends.
	lockEnvironment(ctx context.Context, c conn, environmentID string) error
	// isUnique reports whether err is a unique-constraint violation.
	isUnique(err error) bool
	// migrations are the engine's schema changes, in order.
	migrations() []migration
}

package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Options configures Open. The zero value means all defaults.
type Options struct {
	// Now is the clock for createdAt, updatedAt and publishedAt; its
	// times are stored truncated to the millisecond. Default: time.Now.
	Now func() time.Time
	// NewID returns a new id for a row or an experiment's salt. Default:
	// NewUUID.
	NewID func() string
}

// Store is the platform's data in one database. It is safe for
// concurrent use; Close releases it.
type Store struct {
	db    *sql.DB
	eng   engine
	now   func() time.Time
	newID func() string
}

// Open opens the database named by dsn and brings its schema up to date
// (see Migrate): a postgres:// or postgresql:// URL is PostgreSQL, through
// pgx; anything else is the path of a SQLite file, created if missing.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	var eng engine
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		eng = postgres{}
	} else {
		eng = sqlite{}
	}
	db, err := eng.open(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: opening the %s database: %w", eng.name(), err)
	}
	s := &Store{db: db, eng: eng, now: opts.Now, newID: opts.NewID}
	if s.now == nil {
		s.now = time.Now
	}
	if s.newID == nil {
		s.newID = NewUUID
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connecting to the %s database: %w", eng.name(), err)
	}
	if err := s.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Engine names the database engine: "sqlite" or "postgres".
func (s *Store) Engine() string { return s.eng.name() }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// NewUUID returns a random version 4 UUID in lower-case hyphenated form,
// as Prisma's uuid() does.
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[c>>4], hex[c&0xf])
	}
	return string(out)
}

// stamp is the time of a write, as stored: UTC, milliseconds.
func (s *Store) stamp() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn runs the engine's SQL: queries are written with $1-style
// placeholders and rebound for the engine.
type conn struct {
	q   querier
	eng engine
}

func (c conn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.q.ExecContext(ctx, c.eng.rebind(query), c.args(args)...)
}

func (c conn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return c.q.QueryContext(ctx, c.eng.rebind(query), c.args(args)...)
}

func (c conn) row(ctx context.Context, query string, args ...any) *sql.Row {
	return c.q.QueryRowContext(ctx, c.eng.rebind(query), c.args(args)...)
}

// args converts times to the engine's column type.
func (c conn) args(args []any) []any {
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			args[i] = c.eng.timeArg(t)
		}
	}
	return args
}

// read returns a conn outside any transaction.
func (s *Store) read() conn { return conn{s.db, s.eng} }

// tx runs f in a write transaction, committed when f returns nil and
// rolled back otherwise. On SQLite the transaction takes the write lock
// when it begins (BEGIN IMMEDIATE), so transactions never deadlock.
func (s *Store) tx(ctx context.Context, f func(c conn) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := f(conn{tx, s.eng}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		if s.eng.isUnique(err) {
			return ErrDuplicate
		}
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// dbTime scans a timestamp column: a time on PostgreSQL, text on SQLite.
type dbTime struct{ t *time.Time }

func (d dbTime) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		*d.t = x.UTC()
		return nil
	case string:
		return d.parse(x)
	case []byte:
		return d.parse(string(x))
	}
	return fmt.Errorf("store: cannot read a timestamp from %T", v)
}

func (d dbTime) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("store: reading a timestamp: %w", err)
	}
	*d.t = t.UTC()
	return nil
}

// wrap gives an unexpected database error the package prefix.
func wrap(err error) error {
	if err == nil {
		return nil
	}
	var re *RecordError
	if errors.Is(err, ErrDuplicate) || errors.As(err, &re) || strings.HasPrefix(err.Error(), "store: ") {
		return err
	}
	return fmt.Errorf("store: %w", err)
}

package store

import (
	"context"
	"fmt"
)

// migration is one versioned schema change.
type migration struct {
	version int
	name    string
	sql     string
	// present is a query answering whether the change is already in a
	// database that has no record of it: one made by the platform itself
	// (prisma migrate or db push), which this store then takes over.
	present string
}

// migrationsTable records the migrations applied, one row each.
const migrationsTable = `"_experiment_migrations"`

// Migrate brings the schema up to date, in one transaction: it records
// each migration it applies in "_experiment_migrations" (version, name,
// appliedAt, baseline). A migration whose change is already present
// without a record (a database the platform created) is recorded as a
// baseline and not run. Concurrent Migrates of one database are
// serialised. Open calls it.
func (s *Store) Migrate(ctx context.Context) error {
	err := s.tx(ctx, func(c conn) error {
		if err := s.eng.lockEnvironment(ctx, c, "\x00migrate"); err != nil {
			return err
		}
		if _, err := c.exec(ctx, `CREATE TABLE IF NOT EXISTS `+migrationsTable+` (
	"version" INTEGER NOT NULL PRIMARY KEY,
	"name" TEXT NOT NULL,
	"appliedAt" TEXT NOT NULL,
	"baseline" BOOLEAN NOT NULL
)`); err != nil {
			return err
		}
		applied := map[int]bool{}
		rows, err := c.query(ctx, `SELECT "version" FROM `+migrationsTable)
		if err != nil {
			return err
		}
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return err
			}
			applied[v] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, m := range s.eng.migrations() {
			if applied[m.version] {
				continue
			}
			var present bool
			if err := c.row(ctx, m.present).Scan(&present); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
			if !present {
				if _, err := c.q.ExecContext(ctx, m.sql); err != nil {
					return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
				}
			}
			if _, err := c.exec(ctx, `INSERT INTO `+migrationsTable+` ("version", "name", "appliedAt", "baseline") VALUES ($1, $2, $3, $4)`,
				m.version, m.name, s.stamp().Format("2006-01-02T15:04:05.000Z"), present); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: migrating the %s schema: %w", s.eng.name(), err)
	}
	return nil
}

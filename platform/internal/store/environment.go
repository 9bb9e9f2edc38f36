package store

import (
	"context"
	"database/sql"
	"errors"
)

const environmentColumns = `"id", "name", "createdAt", "updatedAt"`

func scanEnvironment(sc interface{ Scan(...any) error }) (Environment, error) {
	var e Environment
	err := sc.Scan(&e.ID, &e.Name, dbTime{&e.CreatedAt}, dbTime{&e.UpdatedAt})
	return e, err
}

// CreateEnvironment inserts an environment. A name already taken (names
// are unique and case-sensitive) is ErrDuplicate.
func (s *Store) CreateEnvironment(ctx context.Context, name string) (Environment, error) {
	now := s.stamp()
	e := Environment{ID: s.newID(), Name: name, CreatedAt: now, UpdatedAt: now}
	err := s.tx(ctx, func(c conn) error {
		_, err := c.exec(ctx, `INSERT INTO "Environment" (`+environmentColumns+`) VALUES ($1, $2, $3, $4)`, e.ID, e.Name, now, now)
		if s.eng.isUnique(err) {
			return ErrDuplicate
		}
		return err
	})
	return e, wrap(err)
}

// ListEnvironments returns a page of environments by name in byte order,
// and how many there are in all.
func (s *Store) ListEnvironments(ctx context.Context, p Page) ([]Environment, int64, error) {
	c := s.read()
	var total int64
	if err := c.row(ctx, `SELECT count(*) FROM "Environment"`).Scan(&total); err != nil {
		return nil, 0, wrap(err)
	}
	rows, err := c.query(ctx, `SELECT `+environmentColumns+` FROM "Environment" ORDER BY `+s.eng.bytewise(`"name"`)+` LIMIT $1 OFFSET $2`, p.Size, p.offset())
	if err != nil {
		return nil, 0, wrap(err)
	}
	defer rows.Close()
	out := []Environment{}
	for rows.Next() {
		e, err := scanEnvironment(rows)
		if err != nil {
			return nil, 0, wrap(err)
		}
		out = append(out, e)
	}
	return out, total, wrap(rows.Err())
}

// GetEnvironment returns the environment with id, or
// ErrEnvironmentNotFound.
func (s *Store) GetEnvironment(ctx context.Context, id string) (Environment, error) {
	return getEnvironment(ctx, s.read(), id)
}

func getEnvironment(ctx context.Context, c conn, id string) (Environment, error) {
	e, err := scanEnvironment(c.row(ctx, `SELECT `+environmentColumns+` FROM "Environment" WHERE "id" = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Environment{}, ErrEnvironmentNotFound
	}
	return e, wrap(err)
}

// environmentsByID loads the environments with the given ids.
func environmentsByID(ctx context.Context, c conn, ids []string) (map[string]*Environment, error) {
	out := map[string]*Environment{}
	if len(ids) == 0 {
		return out, nil
	}
	q, args := inList(`SELECT `+environmentColumns+` FROM "Environment" WHERE "id" IN `, ids)
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEnvironment(rows)
		if err != nil {
			return nil, err
		}
		out[e.ID] = &e
	}
	return out, rows.Err()
}

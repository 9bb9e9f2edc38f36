package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

const audienceColumns = `"id", "name", "environmentId", "rules", "createdAt", "updatedAt"`

func scanAudience(sc interface{ Scan(...any) error }) (Audience, error) {
	var a Audience
	var rules []byte
	if err := sc.Scan(&a.ID, &a.Name, &a.EnvironmentID, &rules, dbTime{&a.CreatedAt}, dbTime{&a.UpdatedAt}); err != nil {
		return Audience{}, err
	}
	var err error
	a.Rules, err = canonical(rules)
	return a, err
}

// getAudience loads an audience, with its environment when withEnv, or
// returns ErrAudienceNotFound.
func getAudience(ctx context.Context, c conn, id string, withEnv bool) (Audience, error) {
	a, err := scanAudience(c.row(ctx, `SELECT `+audienceColumns+` FROM "Audience" WHERE "id" = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Audience{}, ErrAudienceNotFound
	}
	if err != nil || !withEnv {
		return a, err
	}
	e, err := getEnvironment(ctx, c, a.EnvironmentID)
	a.Environment = &e
	return a, err
}

// audiencesByID loads the audiences with the given ids, without their
// environments.
func audiencesByID(ctx context.Context, c conn, ids []string) (map[string]*Audience, error) {
	out := map[string]*Audience{}
	if len(ids) == 0 {
		return out, nil
	}
	q, args := inList(`SELECT `+audienceColumns+` FROM "Audience" WHERE "id" IN `, ids)
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAudience(rows)
		if err != nil {
			return nil, err
		}
		out[a.ID] = &a
	}
	return out, rows.Err()
}

// CreateAudience inserts an audience and returns it with its
// environment. A name the environment has is ErrDuplicate; a missing
// environment is ErrEnvironmentNotFound.
func (s *Store) CreateAudience(ctx context.Context, name, environmentID string, rules json.RawMessage) (Audience, error) {
	var out Audience
	err := s.tx(ctx, func(c conn) error {
		var taken bool
		if err := c.row(ctx, `SELECT count(*) > 0 FROM "Audience" WHERE "name" = $1 AND "environmentId" = $2`, name, environmentID).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return ErrDuplicate
		}
		if _, err := getEnvironment(ctx, c, environmentID); err != nil {
			return err
		}
		now, id := s.stamp(), s.newID()
		_, err := c.exec(ctx, `INSERT INTO "Audience" (`+audienceColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`, id, name, environmentID, string(rules), now, now)
		if s.eng.isUnique(err) {
			return ErrDuplicate
		}
		if err != nil {
			return err
		}
		out, err = getAudience(ctx, c, id, true)
		return err
	})
	return out, wrap(err)
}

// ListAudiences returns a page of audiences, newest first, with their
// environments, and how many match in all. A nil environmentID selects
// every environment's.
func (s *Store) ListAudiences(ctx context.Context, environmentID *string, p Page) ([]Audience, int64, error) {
	cond, args := "", []any{}
	if environmentID != nil {
		cond, args = ` WHERE "environmentId" = $1`, append(args, *environmentID)
	}
	c := s.read()
	var total int64
	if err := c.row(ctx, `SELECT count(*) FROM "Audience"`+cond, args...).Scan(&total); err != nil {
		return nil, 0, wrap(err)
	}
	n := len(args)
	rows, err := c.query(ctx, `SELECT `+audienceColumns+` FROM "Audience"`+cond+` ORDER BY "createdAt" DESC, "id" DESC LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2), append(args, p.Size, p.offset())...)
	if err != nil {
		return nil, 0, wrap(err)
	}
	out := []Audience{}
	var envIDs []string
	for rows.Next() {
		a, err := scanAudience(rows)
		if err != nil {
			rows.Close()
			return nil, 0, wrap(err)
		}
		out = append(out, a)
		envIDs = append(envIDs, a.EnvironmentID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, wrap(err)
	}
	envs, err := environmentsByID(ctx, c, unique(envIDs))
	if err != nil {
		return nil, 0, wrap(err)
	}
	for i := range out {
		out[i].Environment = envs[out[i].EnvironmentID]
	}
	return out, total, nil
}

// GetAudience returns the audience with its environment, or
// ErrAudienceNotFound.
func (s *Store) GetAudience(ctx context.Context, id string) (Audience, error) {
	a, err := getAudience(ctx, s.read(), id, true)
	return a, wrap(err)
}

// AudiencePatch is what UpdateAudience changes; unset fields stay.
type AudiencePatch struct {
	Name  *string
	Rules json.RawMessage // nil: unchanged
}

// UpdateAudience applies p and returns the audience with its environment
// and the number of RUNNING experiments that use it. A missing audience
// is ErrAudienceNotFound; a name the environment has is ErrDuplicate.
func (s *Store) UpdateAudience(ctx context.Context, id string, p AudiencePatch) (Audience, int64, error) {
	var out Audience
	var running int64
	err := s.tx(ctx, func(c conn) error {
		if p.Name != nil || p.Rules != nil {
			set := []string{`"updatedAt" = $1`}
			args := []any{s.stamp()}
			if p.Name != nil {
				var taken bool
				if err := c.row(ctx, `SELECT count(*) > 0 FROM "Audience" WHERE "name" = $1 AND "id" <> $2 AND "environmentId" = (SELECT "environmentId" FROM "Audience" WHERE "id" = $2)`, *p.Name, id).Scan(&taken); err != nil {
					return err
				}
				if taken {
					return ErrDuplicate
				}
				args = append(args, *p.Name)
				set = append(set, `"name" = $`+strconv.Itoa(len(args)))
			}
			if p.Rules != nil {
				args = append(args, string(p.Rules))
				set = append(set, `"rules" = $`+strconv.Itoa(len(args)))
			}
			args = append(args, id)
			res, err := c.exec(ctx, `UPDATE "Audience" SET `+strings.Join(set, ", ")+` WHERE "id" = $`+strconv.Itoa(len(args)), args...)
			if s.eng.isUnique(err) {
				return ErrDuplicate
			}
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return errors.Join(ErrAudienceNotFound, err)
			}
		}
		var err error
		if out, err = getAudience(ctx, c, id, true); err != nil {
			return err
		}
		running, err = runningWith(ctx, c, id)
		return err
	})
	return out, running, wrap(err)
}

// runningWith counts the RUNNING experiments that use the audience.
func runningWith(ctx context.Context, c conn, audienceID string) (int64, error) {
	var n int64
	err := c.row(ctx, `SELECT count(*) FROM "Experiment" WHERE "audienceId" = $1 AND CAST("status" AS TEXT) = 'RUNNING'`, audienceID).Scan(&n)
	return n, err
}

// DeleteAudience deletes the audience, detaching it from every experiment
// that used it, and returns it as it was with its environment, and the
// number of RUNNING experiments that used it. A missing audience is
// ErrAudienceNotFound.
func (s *Store) DeleteAudience(ctx context.Context, id string) (Audience, int64, error) {
	var out Audience
	var running int64
	err := s.tx(ctx, func(c conn) error {
		var err error
		if out, err = getAudience(ctx, c, id, true); err != nil {
			return err
		}
		if running, err = runningWith(ctx, c, id); err != nil {
			return err
		}
		_, err = c.exec(ctx, `DELETE FROM "Audience" WHERE "id" = $1`, id)
		return err
	})
	return out, running, wrap(err)
}

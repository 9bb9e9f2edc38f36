package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/inprocess/experiment/platform/internal/jsvalue"
)

const experimentColumns = `"id", "key", "name", "description", "salt", CAST("status" AS TEXT), "environmentId", "audienceId", "targetingRules", "createdAt", "updatedAt"`

func scanExperiment(sc interface{ Scan(...any) error }) (Experiment, error) {
	var (
		e       Experiment
		desc    sql.NullString
		aud     sql.NullString
		rules   []byte
		status  string
		created = dbTime{&e.CreatedAt}
		updated = dbTime{&e.UpdatedAt}
	)
	if err := sc.Scan(&e.ID, &e.Key, &e.Name, &desc, &e.Salt, &status, &e.EnvironmentID, &aud, &rules, created, updated); err != nil {
		return Experiment{}, err
	}
	e.Status = Status(status)
	if desc.Valid {
		e.Description = &desc.String
	}
	if aud.Valid {
		e.AudienceID = &aud.String
	}
	var err error
	e.TargetingRules, err = canonical(rules)
	return e, err
}

// canonical reads a JSON column back; nil (SQL NULL) stays nil.
func canonical(stored []byte) (json.RawMessage, error) {
	if stored == nil {
		return nil, nil
	}
	return jsvalue.Canonical(stored)
}

// include says which related rows to load with experiments.
type include struct {
	variants, allocations, environment, audience bool
}

var full = include{true, true, true, true}

// loadExperiments runs a query selecting experimentColumns and loads the
// related rows asked for.
func loadExperiments(ctx context.Context, c conn, inc include, query string, args ...any) ([]Experiment, error) {
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	out := []Experiment{}
	for rows.Next() {
		e, err := scanExperiment(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]string, len(out))
	var envIDs, audIDs []string
	for i, e := range out {
		ids[i] = e.ID
		envIDs = append(envIDs, e.EnvironmentID)
		if e.AudienceID != nil {
			audIDs = append(audIDs, *e.AudienceID)
		}
	}
	var (
		variants    map[string][]Variant
		allocations map[string][]Allocation
		envs        map[string]*Environment
		auds        map[string]*Audience
	)
	if inc.variants {
		if variants, err = variantsOf(ctx, c, ids); err != nil {
			return nil, err
		}
	}
	if inc.allocations {
		if allocations, err = allocationsOf(ctx, c, ids); err != nil {
			return nil, err
		}
	}
	if inc.environment {
		if envs, err = environmentsByID(ctx, c, unique(envIDs)); err != nil {
			return nil, err
		}
	}
	if inc.audience {
		if auds, err = audiencesByID(ctx, c, unique(audIDs)); err != nil {
			return nil, err
		}
	}
	for i := range out {
		e := &out[i]
		if inc.variants {
			e.Variants = orEmpty(variants[e.ID])
		}
		if inc.allocations {
			e.Allocations = orEmpty(allocations[e.ID])
		}
		if inc.environment {
			e.Environment = envs[e.EnvironmentID]
		}
		if inc.audience && e.AudienceID != nil {
			e.Audience = auds[*e.AudienceID]
		}
	}
	return out, nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// getExperiment loads one experiment with inc, or ErrExperimentNotFound.
func getExperiment(ctx context.Context, c conn, id string, inc include) (Experiment, error) {
	es, err := loadExperiments(ctx, c, inc, `SELECT `+experimentColumns+` FROM "Experiment" WHERE "id" = $1`, id)
	if err != nil {
		return Experiment{}, err
	}
	if len(es) == 0 {
		return Experiment{}, ErrExperimentNotFound
	}
	return es[0], nil
}

// GetExperiment returns the experiment with its variants, allocations,
// environment and audience, or ErrExperimentNotFound.
func (s *Store) GetExperiment(ctx context.Context, id string) (Experiment, error) {
	e, err := getExperiment(ctx, s.read(), id, full)
	return e, wrap(err)
}

// ExperimentFilter selects experiments; nil fields select all.
type ExperimentFilter struct {
	EnvironmentID *string
	Status        *Status
}

// ListExperiments returns a page of experiments, newest first, with
// everything GetExperiment includes, and how many match in all.
func (s *Store) ListExperiments(ctx context.Context, f ExperimentFilter, p Page) ([]Experiment, int64, error) {
	var where []string
	var args []any
	if f.EnvironmentID != nil {
		args = append(args, *f.EnvironmentID)
		where = append(where, `"environmentId" = $`+strconv.Itoa(len(args)))
	}
	if f.Status != nil {
		args = append(args, string(*f.Status))
		where = append(where, `CAST("status" AS TEXT) = $`+strconv.Itoa(len(args)))
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	c := s.read()
	var total int64
	if err := c.row(ctx, `SELECT count(*) FROM "Experiment"`+cond, args...).Scan(&total); err != nil {
		return nil, 0, wrap(err)
	}
	n := len(args)
	es, err := loadExperiments(ctx, c, full, `SELECT `+experimentColumns+` FROM "Experiment"`+cond+
		` ORDER BY "createdAt" DESC, "id" DESC LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2), append(args, p.Size, p.offset())...)
	return es, total, wrap(err)
}

// NewExperiment is what CreateExperiment inserts.
type NewExperiment struct {
	Key            string
	Name           string
	Description    *string
	EnvironmentID  string
	AudienceID     *string
	TargetingRules json.RawMessage // nil: SQL NULL
}

// CreateExperiment inserts a DRAFT experiment with a new salt and returns
// it as GetExperiment does. It checks, in this order: the audience exists
// (ErrAudienceNotFound) and is in the same environment
// (ErrAudienceEnvironment); the key is free in the environment
// (ErrDuplicate); the environment exists (ErrEnvironmentNotFound).
func (s *Store) CreateExperiment(ctx context.Context, n NewExperiment) (Experiment, error) {
	var out Experiment
	err := s.tx(ctx, func(c conn) error {
		if n.AudienceID != nil {
			a, err := getAudience(ctx, c, *n.AudienceID, false)
			if err != nil {
				return err
			}
			if a.EnvironmentID != n.EnvironmentID {
				return ErrAudienceEnvironment
			}
		}
		var taken bool
		if err := c.row(ctx, `SELECT count(*) > 0 FROM "Experiment" WHERE "key" = $1 AND "environmentId" = $2`, n.Key, n.EnvironmentID).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return ErrDuplicate
		}
		if _, err := getEnvironment(ctx, c, n.EnvironmentID); err != nil {
			return err
		}
		now, id := s.stamp(), s.newID()
		_, err := c.exec(ctx, `INSERT INTO "Experiment" ("id", "key", "name", "description", "salt", "status", "environmentId", "audienceId", "targetingRules", "createdAt", "updatedAt")
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			id, n.Key, n.Name, n.Description, s.newID(), string(Draft), n.EnvironmentID, n.AudienceID, nullJSON(n.TargetingRules), now, now)
		if s.eng.isUnique(err) {
			return ErrDuplicate
		}
		if err != nil {
			return err
		}
		out, err = getExperiment(ctx, c, id, full)
		return err
	})
	return out, wrap(err)
}

// ExperimentPatch is what UpdateExperiment changes; unset fields stay.
type ExperimentPatch struct {
	Name        *string
	Description *string
	// SetAudience changes the audience to AudienceID, nil to detach it.
	SetAudience bool
	AudienceID  *string
	// SetTargeting replaces the targeting rules with TargetingRules.
	SetTargeting   bool
	TargetingRules json.RawMessage
}

func (p ExperimentPatch) empty() bool {
	return p.Name == nil && p.Description == nil && !p.SetAudience && !p.SetTargeting
}

// UpdateExperiment applies p and returns the experiment as GetExperiment
// does. Attaching an audience checks the experiment exists
// (ErrExperimentNotFound), the audience exists (ErrAudienceNotFound) and
// shares its environment (ErrAudienceEnvironment). A patch with any field
// bumps updatedAt, even to the same values; an empty one changes nothing.
// A missing experiment is ErrExperimentNotFound.
func (s *Store) UpdateExperiment(ctx context.Context, id string, p ExperimentPatch) (Experiment, error) {
	var out Experiment
	err := s.tx(ctx, func(c conn) error {
		if p.SetAudience && p.AudienceID != nil {
			e, err := getExperiment(ctx, c, id, include{})
			if err != nil {
				return err
			}
			a, err := getAudience(ctx, c, *p.AudienceID, false)
			if err != nil {
				return err
			}
			if a.EnvironmentID != e.EnvironmentID {
				return ErrAudienceEnvironment
			}
		}
		if !p.empty() {
			set := []string{`"updatedAt" = $1`}
			args := []any{s.stamp()}
			add := func(col string, v any) {
				args = append(args, v)
				set = append(set, col+` = $`+strconv.Itoa(len(args)))
			}
			if p.Name != nil {
				add(`"name"`, *p.Name)
			}
			if p.Description != nil {
				add(`"description"`, *p.Description)
			}
			if p.SetAudience {
				add(`"audienceId"`, p.AudienceID)
			}
			if p.SetTargeting {
				add(`"targetingRules"`, nullJSON(p.TargetingRules))
			}
			args = append(args, id)
			res, err := c.exec(ctx, `UPDATE "Experiment" SET `+strings.Join(set, ", ")+` WHERE "id" = $`+strconv.Itoa(len(args)), args...)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return errors.Join(ErrExperimentNotFound, err)
			}
		}
		var err error
		out, err = getExperiment(ctx, c, id, full)
		return err
	})
	return out, wrap(err)
}

// SetStatus moves the experiment to status to, and returns it as
// GetExperiment does. A missing experiment is ErrExperimentNotFound; a
// move the lifecycle does not allow (staying put included) is a
// *TransitionError.
func (s *Store) SetStatus(ctx context.Context, id string, to Status) (Experiment, error) {
	var out Experiment
	err := s.tx(ctx, func(c conn) error {
		var cur string
		err := c.row(ctx, `SELECT CAST("status" AS TEXT) FROM "Experiment" WHERE "id" = $1`, id).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrExperimentNotFound
		}
		if err != nil {
			return err
		}
		if !Status(cur).CanMove(to) {
			return &TransitionError{From: Status(cur), To: to}
		}
		if _, err := c.exec(ctx, `UPDATE "Experiment" SET "status" = $1, "updatedAt" = $2 WHERE "id" = $3`, string(to), s.stamp(), id); err != nil {
			return err
		}
		out, err = getExperiment(ctx, c, id, full)
		return err
	})
	return out, wrap(err)
}

// DeleteExperiment deletes the experiment with its variants and
// allocations, and returns it as it was, with its environment only. A
// missing experiment is ErrExperimentNotFound.
func (s *Store) DeleteExperiment(ctx context.Context, id string) (Experiment, error) {
	var out Experiment
	err := s.tx(ctx, func(c conn) error {
		var err error
		if out, err = getExperiment(ctx, c, id, include{environment: true}); err != nil {
			return err
		}
		_, err = c.exec(ctx, `DELETE FROM "Experiment" WHERE "id" = $1`, id)
		return err
	})
	return out, wrap(err)
}

// ExperimentStatus returns the experiment's status and environment id,
// or ErrExperimentNotFound.
func (s *Store) ExperimentStatus(ctx context.Context, id string) (Status, string, error) {
	var st, env string
	err := s.read().row(ctx, `SELECT CAST("status" AS TEXT), "environmentId" FROM "Experiment" WHERE "id" = $1`, id).Scan(&st, &env)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", ErrExperimentNotFound
	}
	return Status(st), env, wrap(err)
}

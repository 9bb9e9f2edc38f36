package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/inprocess/experiment/internal/wire"
)

// ErrPublishEnvironment is a publish of an environment that does not
// exist (deleted under it). Its message is the platform's.
var ErrPublishEnvironment = errors.New("Environment not found")

// Publish builds the next snapshot of an environment and records it, in
// one transaction that holds the environment's publish lock, so that
// concurrent publishes of one environment get distinct, consecutive
// versions:
//
//  1. the version is one more than the highest recorded (1 for the first);
//  2. the snapshot holds the environment's RUNNING experiments, oldest
//     first, each with its audience's rules inlined (or []), its
//     targeting rules (NULL as []), variants and allocations;
//  3. store is called with it and returns the encoded bytes, once it has
//     stored them where readers find them;
//  4. the ConfigVersion row is inserted with those bytes.
//
// When store fails nothing is recorded and the version is not used up.
// Publish returns the bytes and the version.
func (s *Store) Publish(ctx context.Context, environmentID string, store func(ctx context.Context, snap *wire.Snapshot) ([]byte, error)) ([]byte, int64, error) {
	var body []byte
	var version int64
	err := s.tx(ctx, func(c conn) error {
		if err := s.eng.lockEnvironment(ctx, c, environmentID); err != nil {
			return err
		}
		env, err := getEnvironment(ctx, c, environmentID)
		if errors.Is(err, ErrEnvironmentNotFound) {
			return ErrPublishEnvironment
		}
		if err != nil {
			return err
		}
		exps, err := loadExperiments(ctx, c, include{variants: true, allocations: true, audience: true},
			`SELECT `+experimentColumns+` FROM "Experiment" WHERE "environmentId" = $1 AND CAST("status" AS TEXT) = 'RUNNING' ORDER BY "createdAt", "id"`, environmentID)
		if err != nil {
			return err
		}
		if err := c.row(ctx, `SELECT COALESCE(MAX("version"), 0) + 1 FROM "ConfigVersion" WHERE "environmentId" = $1`, environmentID).Scan(&version); err != nil {
			return err
		}
		now := s.stamp()
		snap := &wire.Snapshot{Version: version, Environment: env.Name, PublishedAt: wire.FormatTime(now), Experiments: make([]wire.Experiment, len(exps))}
		for i, e := range exps {
			snap.Experiments[i] = snapshotExperiment(e)
		}
		if body, err = store(ctx, snap); err != nil {
			return &StoreError{err}
		}
		_, err = c.exec(ctx, `INSERT INTO "ConfigVersion" ("id", "environmentId", "version", "snapshot", "publishedAt") VALUES ($1, $2, $3, $4, $5)`,
			s.newID(), environmentID, version, string(body), now)
		return err
	})
	var se *StoreError
	if errors.As(err, &se) || errors.Is(err, ErrPublishEnvironment) {
		return nil, 0, err
	}
	if err != nil {
		return nil, 0, fmt.Errorf("store: publishing: %w", err)
	}
	return body, version, nil
}

// StoreError is the error of Publish's store function, as it returned it.
type StoreError struct{ Err error }

// Error returns the store function's message.
func (e *StoreError) Error() string { return e.Err.Error() }

// Unwrap returns the store function's error.
func (e *StoreError) Unwrap() error { return e.Err }

func snapshotExperiment(e Experiment) wire.Experiment {
	out := wire.Experiment{
		ID: e.ID, Key: e.Key, Salt: e.Salt,
		TargetingRules: e.TargetingRules,
		Variants:       make([]wire.Variant, len(e.Variants)),
		Allocations:    make([]wire.Allocation, len(e.Allocations)),
	}
	if e.Audience != nil {
		out.AudienceRules = e.Audience.Rules
	}
	for i, v := range e.Variants {
		out.Variants[i] = wire.Variant{ID: v.ID, Key: v.Key, Payload: v.Payload}
	}
	for i, a := range e.Allocations {
		out.Allocations[i] = wire.Allocation{VariantID: a.VariantID, RangeStart: a.RangeStart, RangeEnd: a.RangeEnd}
	}
	return out
}

// ConfigVersions returns up to limit of the environment's published
// versions, newest first.
func (s *Store) ConfigVersions(ctx context.Context, environmentID string, limit int) ([]ConfigVersion, error) {
	rows, err := s.read().query(ctx, `SELECT "id", "environmentId", "version", "snapshot", "publishedAt" FROM "ConfigVersion" WHERE "environmentId" = $1 ORDER BY "version" DESC LIMIT $2`, environmentID, limit)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	out := []ConfigVersion{}
	for rows.Next() {
		var v ConfigVersion
		var snap []byte
		if err := rows.Scan(&v.ID, &v.EnvironmentID, &v.Version, &snap, dbTime{&v.PublishedAt}); err != nil {
			return nil, wrap(err)
		}
		if v.Snapshot, err = wire.AppendValue(nil, snap); err != nil { // compacted, keys as stored
			return nil, wrap(err)
		}
		out = append(out, v)
	}
	return out, wrap(rows.Err())
}

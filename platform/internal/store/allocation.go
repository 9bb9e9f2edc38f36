package store

import (
	"context"
	"errors"
)

const allocationColumns = `"id", "variantId", "rangeStart", "rangeEnd", "experimentId"`

// allocationsOf loads the allocations of the experiments, each list by
// rangeStart.
func allocationsOf(ctx context.Context, c conn, experimentIDs []string) (map[string][]Allocation, error) {
	q, args := inList(`SELECT `+allocationColumns+` FROM "Allocation" WHERE "experimentId" IN `, experimentIDs)
	rows, err := c.query(ctx, q+` ORDER BY "rangeStart", "rangeEnd", "id"`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]Allocation{}
	for rows.Next() {
		var a Allocation
		if err := rows.Scan(&a.ID, &a.VariantID, &a.RangeStart, &a.RangeEnd, &a.ExperimentID); err != nil {
			return nil, err
		}
		out[a.ExperimentID] = append(out[a.ExperimentID], a)
	}
	return out, rows.Err()
}

// NewAllocation is an allocation to insert.
type NewAllocation struct {
	VariantID            string
	RangeStart, RangeEnd int
}

// SetAllocations replaces the experiment's allocations with as, in one
// transaction, and returns them. It checks nothing about the ranges or
// the variants (the control plane validates ranges; a variant id is
// stored as given). Allocations for a missing experiment are the
// platform's P2003; none for a missing experiment is no change.
func (s *Store) SetAllocations(ctx context.Context, experimentID string, as []NewAllocation) ([]Allocation, error) {
	var out []Allocation
	err := s.tx(ctx, func(c conn) error {
		if len(as) > 0 {
			if _, err := getExperiment(ctx, c, experimentID, include{}); errors.Is(err, ErrExperimentNotFound) {
				return foreignKey("Allocation_experimentId_fkey")
			} else if err != nil {
				return err
			}
		}
		if _, err := c.exec(ctx, `DELETE FROM "Allocation" WHERE "experimentId" = $1`, experimentID); err != nil {
			return err
		}
		for _, a := range as {
			if _, err := c.exec(ctx, `INSERT INTO "Allocation" (`+allocationColumns+`) VALUES ($1, $2, $3, $4, $5)`,
				s.newID(), a.VariantID, a.RangeStart, a.RangeEnd, experimentID); err != nil {
				return err
			}
		}
		m, err := allocationsOf(ctx, c, []string{experimentID})
		out = orEmpty(m[experimentID])
		return err
	})
	return out, wrap(err)
}

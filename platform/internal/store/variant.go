package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

const variantColumns = `"id", "key", "name", "payload", "experimentId"`

func scanVariant(sc interface{ Scan(...any) error }) (Variant, error) {
	var v Variant
	var payload []byte
	if err := sc.Scan(&v.ID, &v.Key, &v.Name, &payload, &v.ExperimentID); err != nil {
		return Variant{}, err
	}
	var err error
	v.Payload, err = canonical(payload)
	return v, err
}

// variantsOf loads the variants of the experiments, each list by key in
// byte order.
func variantsOf(ctx context.Context, c conn, experimentIDs []string) (map[string][]Variant, error) {
	q, args := inList(`SELECT `+variantColumns+` FROM "Variant" WHERE "experimentId" IN `, experimentIDs)
	rows, err := c.query(ctx, q+` ORDER BY `+c.eng.bytewise(`"key"`)+`, "id"`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]Variant{}
	for rows.Next() {
		v, err := scanVariant(rows)
		if err != nil {
			return nil, err
		}
		out[v.ExperimentID] = append(out[v.ExperimentID], v)
	}
	return out, rows.Err()
}

// NewVariant is a variant to insert.
type NewVariant struct {
	Key     string
	Name    string
	Payload json.RawMessage // nil: SQL NULL
}

// CreateVariant adds a variant to the experiment. A missing experiment is
// ErrExperimentNotFound, a key the experiment has is ErrDuplicate.
func (s *Store) CreateVariant(ctx context.Context, experimentID string, n NewVariant) (Variant, error) {
	v := Variant{ID: s.newID(), Key: n.Key, Name: n.Name, ExperimentID: experimentID}
	err := s.tx(ctx, func(c conn) error {
		if _, err := getExperiment(ctx, c, experimentID, include{}); err != nil {
			return err
		}
		if err := insertVariant(ctx, c, v.ID, experimentID, n); err != nil {
			return err
		}
		var err error
		v, err = getVariant(ctx, c, v.ID)
		return err
	})
	return v, wrap(err)
}

func insertVariant(ctx context.Context, c conn, id, experimentID string, n NewVariant) error {
	var taken bool
	if err := c.row(ctx, `SELECT count(*) > 0 FROM "Variant" WHERE "key" = $1 AND "experimentId" = $2`, n.Key, experimentID).Scan(&taken); err != nil {
		return err
	}
	if taken {
		return ErrDuplicate
	}
	_, err := c.exec(ctx, `INSERT INTO "Variant" (`+variantColumns+`) VALUES ($1, $2, $3, $4, $5)`, id, n.Key, n.Name, nullJSON(n.Payload), experimentID)
	if c.eng.isUnique(err) {
		return ErrDuplicate
	}
	return err
}

func getVariant(ctx context.Context, c conn, id string) (Variant, error) {
	v, err := scanVariant(c.row(ctx, `SELECT `+variantColumns+` FROM "Variant" WHERE "id" = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Variant{}, ErrVariantNotFound
	}
	return v, err
}

// VariantPatch is what a variant update changes; unset fields stay.
type VariantPatch struct {
	Name *string
	// SetPayload replaces the payload with Payload; the JSON null is
	// stored as JSON, nil as SQL NULL.
	SetPayload bool
	Payload    json.RawMessage
}

func (p VariantPatch) empty() bool { return p.Name == nil && !p.SetPayload }

// updateVariant applies p to the variant with id; a missing one is the
// platform's P2025.
func updateVariant(ctx context.Context, c conn, id string, p VariantPatch) error {
	if p.empty() {
		var ok bool
		if err := c.row(ctx, `SELECT count(*) > 0 FROM "Variant" WHERE "id" = $1`, id).Scan(&ok); err != nil || ok {
			return err
		}
		return missingForUpdate()
	}
	var set []string
	var args []any
	if p.Name != nil {
		args = append(args, *p.Name)
		set = append(set, `"name" = $`+strconv.Itoa(len(args)))
	}
	if p.SetPayload {
		args = append(args, nullJSON(p.Payload))
		set = append(set, `"payload" = $`+strconv.Itoa(len(args)))
	}
	args = append(args, id)
	res, err := c.exec(ctx, `UPDATE "Variant" SET `+strings.Join(set, ", ")+` WHERE "id" = $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(missingForUpdate(), err)
	}
	return nil
}

// UpdateVariant applies p to a variant of the experiment and returns it.
// A variant that is missing or belongs to another experiment is
// ErrVariantNotFound.
func (s *Store) UpdateVariant(ctx context.Context, experimentID, variantID string, p VariantPatch) (Variant, error) {
	var v Variant
	err := s.tx(ctx, func(c conn) error {
		var err error
		if v, err = getVariant(ctx, c, variantID); err != nil {
			return err
		}
		if v.ExperimentID != experimentID {
			return ErrVariantNotFound
		}
		if err := updateVariant(ctx, c, variantID, p); err != nil {
			return err
		}
		v, err = getVariant(ctx, c, variantID)
		return err
	})
	return v, wrap(err)
}

// DeleteVariant deletes a variant of the experiment and returns it. A
// variant that is missing or belongs to another experiment is
// ErrVariantNotFound. Allocations naming it stay.
func (s *Store) DeleteVariant(ctx context.Context, experimentID, variantID string) (Variant, error) {
	var v Variant
	err := s.tx(ctx, func(c conn) error {
		var err error
		if v, err = getVariant(ctx, c, variantID); err != nil {
			return err
		}
		if v.ExperimentID != experimentID {
			return ErrVariantNotFound
		}
		_, err = c.exec(ctx, `DELETE FROM "Variant" WHERE "id" = $1`, variantID)
		return err
	})
	return v, wrap(err)
}

// VariantUpdate is one update of a batch.
type VariantUpdate struct {
	ID string
	VariantPatch
}

// VariantBatch is a batch of variant changes, applied deletes first, then
// updates, then creates, each in order.
type VariantBatch struct {
	Create []NewVariant
	Update []VariantUpdate
	Delete []string // ids
}

// BatchVariants applies b to the experiment's variants in one
// transaction and returns all its variants. Nothing changes when it
// fails: an id to update or delete that is not a variant of the
// experiment is ErrVariantsNotFound; a key taken (by another variant or
// another create of the batch) is ErrDuplicate; an id both updated and
// deleted is the platform's P2025; creates for a missing experiment are
// its P2003.
func (s *Store) BatchVariants(ctx context.Context, experimentID string, b VariantBatch) ([]Variant, error) {
	var out []Variant
	err := s.tx(ctx, func(c conn) error {
		ids := make([]string, 0, len(b.Update)+len(b.Delete))
		for _, u := range b.Update {
			ids = append(ids, u.ID)
		}
		ids = unique(append(ids, b.Delete...))
		if len(ids) > 0 {
			q, args := inList(`SELECT count(*) FROM "Variant" WHERE "experimentId" = $1 AND "id" IN `, ids, experimentID)
			var n int
			if err := c.row(ctx, q, args...).Scan(&n); err != nil {
				return err
			}
			if n != len(ids) {
				return ErrVariantsNotFound
			}
		}
		if len(b.Delete) > 0 {
			q, args := inList(`DELETE FROM "Variant" WHERE "id" IN `, unique(b.Delete))
			if _, err := c.exec(ctx, q, args...); err != nil {
				return err
			}
		}
		for _, u := range b.Update {
			if err := updateVariant(ctx, c, u.ID, u.VariantPatch); err != nil {
				return err
			}
		}
		if len(b.Create) > 0 {
			if _, err := getExperiment(ctx, c, experimentID, include{}); errors.Is(err, ErrExperimentNotFound) {
				return foreignKey("Variant_experimentId_fkey")
			} else if err != nil {
				return err
			}
		}
		for _, n := range b.Create {
			if err := insertVariant(ctx, c, s.newID(), experimentID, n); err != nil {
				return err
			}
		}
		vs, err := variantsOf(ctx, c, []string{experimentID})
		out = orEmpty(vs[experimentID])
		return err
	})
	return out, wrap(err)
}

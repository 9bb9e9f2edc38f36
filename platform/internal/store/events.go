package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/inprocess/experiment/analysis/aggregate"
	"github.com/inprocess/experiment/internal/wire"
)

// eventsMigrationSQL is the events migration, the same on both engines:
// the tables aggregate.Schema defines (exposures and events, which
// aggregate.QuerySQL reads), and event_batches, one row per batch id
// stored, which makes ingestion idempotent. Timestamps are Unix
// microseconds, as aggregate.Schema has them.
var eventsMigrationSQL = aggregate.Schema + `
CREATE TABLE IF NOT EXISTS event_batches (
	batch_id    TEXT   NOT NULL PRIMARY KEY,
	received_at BIGINT NOT NULL,
	exposures   BIGINT NOT NULL,
	events      BIGINT NOT NULL
);
`

// StoredBatch is what the store holds of one batch: its id and how many
// records of each kind it brought.
type StoredBatch struct {
	BatchID   string
	Exposures int64
	Events    int64
	// Duplicate says that a batch with this id was stored before: this
	// call stored nothing, and the counts are the first batch's.
	Duplicate bool
}

// eventRows is the records inserted per INSERT statement: at most 1000
// parameters, well below both engines' limits.
const eventRows = 200

// StoreEvents stores a batch of exposures and events in one transaction,
// once per batch id: when the id was stored before it stores nothing and
// returns the first batch's counts with Duplicate set, whatever the
// records of this one. Concurrent calls with one id store it once (the
// batch id is the primary key of event_batches). The batch must have been
// validated (wire.Batch.Validate) and its records checked; an empty
// batch id is an error.
func (s *Store) StoreEvents(ctx context.Context, b wire.Batch) (StoredBatch, error) {
	if b.BatchID == "" {
		return StoredBatch{}, errors.New("store: a batch needs a batch id")
	}
	out := StoredBatch{BatchID: b.BatchID, Exposures: int64(len(b.Exposures)), Events: int64(len(b.Events))}
	err := s.tx(ctx, func(c conn) error {
		res, err := c.exec(ctx, `INSERT INTO event_batches (batch_id, received_at, exposures, events) VALUES ($1, $2, $3, $4) ON CONFLICT (batch_id) DO NOTHING`,
			b.BatchID, s.now().UnixMicro(), out.Exposures, out.Events)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			out.Duplicate = true
			return c.row(ctx, `SELECT exposures, events FROM event_batches WHERE batch_id = $1`, b.BatchID).Scan(&out.Exposures, &out.Events)
		}
		for rows := range chunks(len(b.Exposures)) {
			args := make([]any, 0, 5*rows.len())
			for _, e := range b.Exposures[rows.lo:rows.hi] {
				args = append(args, e.UserKey, e.ExperimentKey, e.VariantKey, e.ConfigVersion, e.Timestamp.UnixMicro())
			}
			if _, err := c.exec(ctx, insertValues("exposures (user_key, experiment_key, variant_key, config_version, timestamp)", 5, rows.len()), args...); err != nil {
				return err
			}
		}
		for rows := range chunks(len(b.Events)) {
			args := make([]any, 0, 4*rows.len())
			for _, e := range b.Events[rows.lo:rows.hi] {
				var v any
				if e.HasValue {
					v = e.Value
				}
				args = append(args, e.UserKey, e.Event, v, e.Timestamp.UnixMicro())
			}
			if _, err := c.exec(ctx, insertValues("events (user_key, event, value, timestamp)", 4, rows.len()), args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return StoredBatch{}, fmt.Errorf("store: storing events: %w", err)
	}
	return out, nil
}

// span is a half-open range of indexes.
type span struct{ lo, hi int }

func (s span) len() int { return s.hi - s.lo }

// chunks yields [0, n) in spans of at most eventRows.
func chunks(n int) func(yield func(span) bool) {
	return func(yield func(span) bool) {
		for lo := 0; lo < n; lo += eventRows {
			if !yield(span{lo, min(lo+eventRows, n)}) {
				return
			}
		}
	}
}

// insertValues is "INSERT INTO table VALUES ($1, ...), (...)" for rows
// rows of cols columns.
func insertValues(table string, cols, rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " VALUES ")
	p := 1
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			b.WriteString("$" + strconv.Itoa(p))
			p++
		}
		b.WriteByte(')')
	}
	return b.String()
}

// Aggregate runs aggregate.QuerySQL on the stored exposures and events:
// the sufficient statistics of o's experiment and metrics, with the
// attribution rules of package aggregate. Exposures are matched by
// experiment key only, so experiments of one key in several environments
// are aggregated together.
func (s *Store) Aggregate(ctx context.Context, o aggregate.Options) (*aggregate.Result, error) {
	res, err := aggregate.QuerySQL(ctx, s.db, o)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return res, nil
}

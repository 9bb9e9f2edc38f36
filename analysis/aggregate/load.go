package aggregate

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/inprocess/experiment/internal/wire"
)

// loadRows is the rows per INSERT statement.
const loadRows = 200

// Load creates the tables of Schema if missing and inserts the records
// read from r, JSON Lines of either kind (every experiment's exposures,
// every event), in one transaction. It reports how many of each it
// inserted. It is how the tests and benchmarks fill a database; a
// platform server stores the batches it receives the same way. The
// placeholders ($1, $2, ...) are those PostgreSQL and SQLite share.
func Load(ctx context.Context, db *sql.DB, r io.Reader) (exposures, events int64, err error) {
	if _, err := db.ExecContext(ctx, Schema); err != nil {
		return 0, 0, fmt.Errorf("aggregate: creating the tables: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("aggregate: %w", err)
	}
	defer tx.Rollback()
	ins := [2]inserter{
		{tx: tx, ctx: ctx, table: "exposures (user_key, experiment_key, variant_key, config_version, timestamp)", cols: 5},
		{tx: tx, ctx: ctx, table: "events (user_key, event, value, timestamp)", cols: 4},
	}
	var rec wire.Record
	err = lines(r, "records", func(line []byte) error {
		if err := rec.Parse(line); err != nil {
			return err
		}
		if rec.Kind == wire.KindExposure {
			return ins[0].add(string(rec.UserKey), string(rec.ExperimentKey), string(rec.VariantKey),
				rec.ConfigVersion, rec.Timestamp.UnixMicro())
		}
		var v any
		if rec.HasValue {
			v = rec.Value
		}
		return ins[1].add(string(rec.UserKey), string(rec.Event), v, rec.Timestamp.UnixMicro())
	})
	for i := range ins {
		if err == nil {
			err = ins[i].flush()
		}
	}
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		return 0, 0, fmt.Errorf("aggregate: loading: %w", err)
	}
	return ins[0].n, ins[1].n, nil
}

// inserter inserts rows loadRows at a time.
type inserter struct {
	tx    *sql.Tx
	ctx   context.Context
	table string
	cols  int
	args  []any
	n     int64
	full  *sql.Stmt // the statement for loadRows rows
}

func (in *inserter) add(vals ...any) error {
	in.args = append(in.args, vals...)
	if len(in.args) < loadRows*in.cols {
		return nil
	}
	if in.full == nil {
		st, err := in.tx.PrepareContext(in.ctx, in.statement(loadRows))
		if err != nil {
			return err
		}
		in.full = st
	}
	if _, err := in.full.ExecContext(in.ctx, in.args...); err != nil {
		return err
	}
	in.n += loadRows
	in.args = in.args[:0]
	return nil
}

func (in *inserter) flush() error {
	if rows := len(in.args) / in.cols; rows > 0 {
		if _, err := in.tx.ExecContext(in.ctx, in.statement(rows), in.args...); err != nil {
			return err
		}
		in.n += int64(rows)
		in.args = in.args[:0]
	}
	return nil
}

func (in *inserter) statement(rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + in.table + " VALUES ")
	p := 1
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range in.cols {
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteString("$" + strconv.Itoa(p))
			p++
		}
		b.WriteByte(')')
	}
	return b.String()
}

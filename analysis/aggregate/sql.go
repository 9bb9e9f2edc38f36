package aggregate

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"slices"
	"time"

	"github.com/inprocess/experiment/analysis/stats"
)

// Query is the SQL that QuerySQL runs once per metric (aggregate.sql): it
// reads the tables of Schema and returns, per variant and UTC day of first
// exposure (as days since 1970-01-01), the columns n, main_sum,
// main_sum_squares, covariate_sum, covariate_sum_squares and
// main_covariate_sum_product. Users exposed to more than one variant come
// as the variant '__multiple__'. Its parameters are $1 experiment key, $2
// event name, $3 conversion window and $4 CUPED pre-exposure window in
// microseconds (0 for none), and $5 1 for a proportion metric, 0 for a
// mean. It runs unchanged on PostgreSQL and SQLite.
//
//go:embed aggregate.sql
var Query string

// Schema creates the tables Query reads, if missing: exposures(user_key,
// experiment_key, variant_key, config_version, timestamp) and
// events(user_key, event, value, timestamp), timestamps in Unix
// microseconds, with an index for each side of the join.
//
//go:embed schema.sql
var Schema string

// MultipleVariant is the variant Query reports for users exposed to more
// than one variant, as GrowthBook names it.
const MultipleVariant = "__multiple__"

// QuerySQL aggregates from a database holding the tables of Schema,
// running Query once per metric, and returns what Aggregate returns for
// the same records: the same users, the same sums (up to the order in
// which floating-point sums are added), the same days. Counts is left
// zero. Timestamps are microseconds there, so an event within a
// microsecond of a window's end may count differently than in Aggregate,
// which works in nanoseconds.
func QuerySQL(ctx context.Context, db *sql.DB, o Options) (*Result, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	res := &Result{Experiment: o.Experiment}
	type key struct {
		variant string
		day     int64
	}
	for i, m := range o.Metrics {
		prop := 0
		if m.Kind == stats.Proportion {
			prop = 1
		}
		rows, err := db.QueryContext(ctx, Query, o.Experiment, m.Event,
			o.Window.Microseconds(), o.PreWindow.Microseconds(), prop)
		if err != nil {
			return nil, fmt.Errorf("aggregate: query for %v: %w", m, err)
		}
		got := map[key]stats.Sums{}
		var multiple int64
		for rows.Next() {
			var k key
			var s stats.Sums
			if err := rows.Scan(&k.variant, &k.day, &s.N, &s.Sum, &s.SumSquares,
				&s.CovariateSum, &s.CovariateSumSquares, &s.MainCovariateSumProduct); err != nil {
				rows.Close()
				return nil, fmt.Errorf("aggregate: query for %v: %w", m, err)
			}
			if k.variant == MultipleVariant {
				multiple += s.N
				continue
			}
			if o.PreWindow <= 0 {
				s.CovariateSum, s.CovariateSumSquares, s.MainCovariateSumProduct = 0, 0, 0
			}
			got[k] = s
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return nil, fmt.Errorf("aggregate: query for %v: %w", m, err)
		}
		rows.Close()
		if i == 0 {
			res.Multiple = multiple
			for k := range got {
				if !slices.Contains(res.Variants, k.variant) {
					res.Variants = append(res.Variants, k.variant)
				}
			}
			slices.Sort(res.Variants)
			res.Users = make([]int64, len(res.Variants))
		}
		ms := MetricSums{Metric: m, Total: make([]stats.Sums, len(res.Variants))}
		var days []int64
		for k := range got {
			if !slices.Contains(days, k.day) {
				days = append(days, k.day)
			}
		}
		slices.Sort(days)
		for _, d := range days {
			day := Day{Date: time.Unix(d*86400, 0).UTC(), Sums: make([]stats.Sums, len(res.Variants))}
			for p, v := range res.Variants {
				s := got[key{v, d}]
				day.Sums[p] = s
				ms.Total[p] = ms.Total[p].Plus(s)
			}
			ms.Days = append(ms.Days, day)
		}
		if i == 0 {
			for p := range res.Variants {
				res.Users[p] = ms.Total[p].N
			}
		}
		res.Metrics = append(res.Metrics, ms)
	}
	return res, nil
}

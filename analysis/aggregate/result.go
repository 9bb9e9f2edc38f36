package aggregate

import (
	"errors"
	"fmt"
	"time"

	"github.com/inprocess/experiment/analysis/stats"
)

// Options says what to aggregate.
type Options struct {
	// Experiment is the experiment's key. Required.
	Experiment string
	// Metrics are the metrics to aggregate, at least one.
	Metrics []Metric
	// Window, when positive, is the conversion window: an event counts
	// only up to Window after the user's first exposure. 0: no window.
	Window time.Duration
	// PreWindow, when positive, turns on CUPED's covariate: the same
	// metric over the PreWindow before each user's first exposure (as
	// GrowthBook, typically 14 days). 0: no covariate.
	PreWindow time.Duration
}

func (o Options) validate() error {
	switch {
	case o.Experiment == "":
		return errors.New("aggregate: no experiment")
	case len(o.Metrics) == 0:
		return errors.New("aggregate: no metric")
	case o.Window < 0 || o.PreWindow < 0:
		return fmt.Errorf("aggregate: negative window %v or pre-exposure window %v", o.Window, o.PreWindow)
	}
	for _, m := range o.Metrics {
		if m.Event == "" || (m.Kind != stats.Mean && m.Kind != stats.Proportion) {
			return fmt.Errorf("aggregate: metric %v: want an event and mean or proportion", m)
		}
	}
	return nil
}

// Result is an experiment's sufficient statistics.
type Result struct {
	Experiment string
	// Variants are the variants users were exposed to, sorted by key;
	// every per-variant slice below is in this order.
	Variants []string
	// Users are the users per variant, those in more than one excluded.
	Users []int64
	// Multiple is the number of users exposed to more than one variant.
	Multiple int64
	// Metrics are the results per metric, in Options order.
	Metrics []MetricSums
	// Counts tell what the streaming aggregation read; QuerySQL leaves
	// them zero.
	Counts Counts
}

// MetricSums are one metric's statistics.
type MetricSums struct {
	Metric Metric
	// Total is per variant, over all users.
	Total []stats.Sums
	// Days are per UTC day of the users' first exposure, in order, for
	// the days on which some user entered the experiment.
	Days []Day
}

// Day is the statistics of the users first exposed on one UTC day.
type Day struct {
	Date time.Time    // midnight UTC
	Sums []stats.Sums // per variant
}

// Counts are what the streaming aggregation read.
type Counts struct {
	Exposures   int64 // exposure records of the experiment
	Events      int64 // event records of the metrics' events
	Skipped     int64 // other records: other experiments, other events, the other kind
	Counted     int64 // events that counted for at least one metric
	BeforeFirst int64 // events of exposed users before their first exposure (the covariate's included)
	AfterWindow int64 // events after the conversion window
	NotExposed  int64 // events of users never exposed to the experiment
	OfMultiple  int64 // events of users exposed to more than one variant
	UserBytes   int64 // memory held per user, estimated (see Aggregate)
}

// userValues turns one user's accumulated counts into metric values.
func value(k stats.Kind, acc float64) float64 {
	if k == stats.Proportion {
		if acc > 0 {
			return 1
		}
		return 0
	}
	return acc
}

// add adds a user with metric value x (and covariate c when cuped) to s.
func add(s *stats.Sums, x, c float64, cuped bool) {
	s.N++
	s.Sum += x
	s.SumSquares += x * x
	if cuped {
		s.CovariateSum += c
		s.CovariateSumSquares += c * c
		s.MainCovariateSumProduct += x * c
	}
}

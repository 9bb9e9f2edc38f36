// Package gen writes synthetic exposure and event records, as the
// library's JSON Lines sink writes them, for tests and benchmarks of the
// analysis: users split evenly between variants, each exposed one to a
// few times, some to two variants, converting at a rate that a variant's
// lift raises, with purchase values, events before exposure, and noise
// (another experiment, another event).
package gen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/inprocess/experiment/internal/wire"
)

// Options are the data's shape. Zero fields take the defaults noted.
type Options struct {
	Users      int       // users exposed to Experiment
	Experiment string    // default "checkout"
	Variants   []string  // default control, treatment
	Lifts      []float64 // relative lift of each variant's conversion rate; default none
	Rate       float64   // control's conversion rate per user; default 0.1
	Multiple   float64   // share of users exposed to two variants; default 0.005
	Days       int       // days over which users enter; default 14
	Pageviews  float64   // mean "pageview" events (no value) per user; default 0.3
	Start      time.Time // default 2026-03-01 UTC
	Seed       uint64
}

func (o *Options) defaults() {
	if o.Experiment == "" {
		o.Experiment = "checkout"
	}
	if len(o.Variants) == 0 {
		o.Variants = []string{"control", "treatment"}
	}
	if o.Rate == 0 {
		o.Rate = 0.1
	}
	if o.Multiple == 0 {
		o.Multiple = 0.005
	}
	if o.Pageviews == 0 {
		o.Pageviews = 0.3
	}
	if o.Days == 0 {
		o.Days = 14
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	}
}

// Counts are the lines written.
type Counts struct{ Exposures, Events int }

// Write writes the exposures and events of o's users. The same Options
// always write the same bytes.
func Write(exposures, events io.Writer, o Options) (Counts, error) {
	o.defaults()
	r := rand.New(rand.NewPCG(o.Seed, 16))
	ex, ev := bufio.NewWriterSize(exposures, 1<<20), bufio.NewWriterSize(events, 1<<20)
	var c Counts
	var line []byte
	var err error
	put := func(w *bufio.Writer, n *int) {
		if err != nil {
			return
		}
		line = append(line, '\n')
		_, err = w.Write(line)
		*n++
	}
	span := time.Duration(o.Days) * 24 * time.Hour
	for i := range o.Users {
		key := "user-" + strconv.Itoa(i)
		v := r.IntN(len(o.Variants))
		// Millisecond timestamps, as services log them: the SQL tables
		// hold microseconds, so both aggregations see the same instants.
		first := o.Start.Add(time.Duration(r.Int64N(int64(span)))).Truncate(time.Millisecond)
		// one to three exposures; some users see a second variant
		for k := range 1 + r.IntN(3) {
			vk := o.Variants[v]
			if k > 0 && r.Float64() < o.Multiple*4 {
				vk = o.Variants[(v+1)%len(o.Variants)]
			}
			t := first.Add(time.Duration(k) * time.Duration(r.Int64N(int64(6*time.Hour)))).Truncate(time.Millisecond)
			line, _ = wire.AppendExposure(line[:0], wire.Exposure{UserKey: key, ExperimentKey: o.Experiment, VariantKey: vk, ConfigVersion: 3, Timestamp: t})
			put(ex, &c.Exposures)
		}
		if r.Float64() < 0.1 { // the same user in another experiment
			line, _ = wire.AppendExposure(line[:0], wire.Exposure{UserKey: key, ExperimentKey: "other", VariantKey: "on", ConfigVersion: 3, Timestamp: first})
			put(ex, &c.Exposures)
		}
		rate := o.Rate
		if v < len(o.Lifts) {
			rate *= 1 + o.Lifts[v]
		}
		if r.Float64() < rate {
			for range 1 + r.IntN(2) {
				t := first.Add(time.Duration(r.Int64N(int64(72 * time.Hour)))).Truncate(time.Millisecond)
				val := float64(500+r.IntN(9500)) / 100 // 5.00 to 99.99
				line, _ = wire.AppendEvent(line[:0], wire.Event{UserKey: key, Event: "purchase", Value: val, HasValue: true, Timestamp: t})
				put(ev, &c.Events)
			}
		}
		if r.Float64() < 0.05 { // before exposure: never counts (but for CUPED)
			t := first.Add(-time.Millisecond - time.Duration(r.Int64N(int64(48*time.Hour)))).Truncate(time.Millisecond)
			line, _ = wire.AppendEvent(line[:0], wire.Event{UserKey: key, Event: "purchase", Value: 20, HasValue: true, Timestamp: t})
			put(ev, &c.Events)
		}
		views := int(o.Pageviews) // another event, without a value
		if r.Float64() < o.Pageviews-float64(views) {
			views++
		}
		for k := range views {
			line, _ = wire.AppendEvent(line[:0], wire.Event{UserKey: key, Event: "pageview", Timestamp: first.Add(time.Duration(k+1) * time.Minute)})
			put(ev, &c.Events)
		}
	}
	if err == nil {
		err = ex.Flush()
	}
	if err == nil {
		err = ev.Flush()
	}
	if err != nil {
		return c, fmt.Errorf("gen: %w", err)
	}
	return c, nil
}

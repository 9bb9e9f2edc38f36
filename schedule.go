package experiment

import (
	"fmt"
	"math"
	"math/bits"
	"time"
)

// This file is time in evaluation (doc.go's "Schedules and ramps"): the
// clock, an experiment's window [start, end), and a ramp's share at an
// instant, a pure function of the ramp and the instant.

// WithClock makes the Ruleset read the time from now instead of time.Now
// when it evaluates an experiment with a start, an end or a ramp, and when
// it stamps an Exposure. A Context built with At overrides it for one
// evaluation. A nil now means time.Now. The clock is called at most once
// per scheduled experiment evaluated, from any goroutine: it must be safe
// for concurrent use. Experiments without a schedule never call it.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(o *options) { o.clock = now })
}

// At returns a copy of c whose evaluations read schedules and ramps at t,
// whatever the Ruleset's clock (see WithClock): for tests, replays and
// `experiment eval -at`. The zero time removes a time set earlier. Times
// before the year 1678 or after 2262 are read as those bounds. c itself is
// unchanged.
func (c Context) At(t time.Time) Context {
	c.hasAt, c.at = !t.IsZero(), unixNanos(t)
	return c
}

// now returns the instant an evaluation for c reads schedules at, in Unix
// nanoseconds: c's At, else the Ruleset's clock, else time.Now.
func (r *Ruleset) now(c *Context) int64 {
	if c.hasAt {
		return c.at
	}
	if r.clock != nil {
		return unixNanos(r.clock())
	}
	return unixNanos(time.Now())
}

// clockTime is now as a time.Time, for Exposure.Time: time.Now itself
// (with its monotonic reading) when neither At nor WithClock is given.
func (r *Ruleset) clockTime(c *Context) time.Time {
	switch {
	case c.hasAt:
		return time.Unix(0, c.at)
	case r.clock != nil:
		return r.clock()
	}
	return time.Now()
}

var (
	minInstant = time.Unix(0, math.MinInt64)
	maxInstant = time.Unix(0, math.MaxInt64)
)

// unixNanos is t.UnixNano, saturated at the instants an int64 can hold.
func unixNanos(t time.Time) int64 {
	switch {
	case t.Before(minInstant):
		return math.MinInt64
	case t.After(maxInstant):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// contains reports whether the instant t is in the window.
func (w window) contains(t int64) bool {
	return (!w.hasStart || t >= w.start) && (!w.hasEnd || t < w.end)
}

// text writes the window for explanations: "from T", "until T", "from T
// until T", or "always".
func (w window) text() string {
	switch {
	case w.hasStart && w.hasEnd:
		return "from " + formatNanos(w.start) + " until " + formatNanos(w.end)
	case w.hasStart:
		return "from " + formatNanos(w.start)
	case w.hasEnd:
		return "until " + formatNanos(w.end)
	}
	return "always"
}

// share returns the ramp's share at the instant t, in buckets: from until
// start, to from end on, and in between the straight line from one to the
// other, rounded down to a whole bucket, or with steps N, the share after
// k of N equal rises, where k of N equal parts of [start, end) have
// passed. It is monotonic in t: a later instant never has a smaller share.
func (p *ramp) share(t int64) int {
	switch {
	case t <= p.start:
		return int(p.from)
	case t >= p.end:
		return int(p.to)
	}
	elapsed, total := uint64(t)-uint64(p.start), uint64(p.end)-uint64(p.start)
	gain := uint64(p.to - p.from)
	if p.steps > 0 {
		k := mulDiv(uint64(p.steps), elapsed, total)
		return int(p.from) + int(mulDiv(gain, k, uint64(p.steps)))
	}
	return int(p.from) + int(mulDiv(gain, elapsed, total))
}

// mulDiv returns a*b/c, rounded down, for b < c: the product is taken in
// 128 bits, so the quotient is exact and less than a.
func mulDiv(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	q, _ := bits.Div64(hi, lo, c)
	return q
}

// admits reports whether the user in c is within the ramp's share at t:
// their bucket under the ramp's salt is below it. The salt never changes
// as the share grows, so a user admitted at t is admitted at every later
// instant.
func (p *ramp) admits(c *Context, t int64) bool {
	return c.bucket(p.salt) < p.share(t)
}

// text writes the ramp for explanations.
func (p *ramp) text() string {
	how := "linearly"
	if p.steps > 0 {
		how = fmt.Sprintf("in %d steps", p.steps)
	}
	return fmt.Sprintf("%s%% to %s%% from %s until %s, %s", formatHundredths(p.from), formatHundredths(p.to), formatNanos(p.start), formatNanos(p.end), how)
}

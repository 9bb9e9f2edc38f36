package main

import (
	"flag"
	"time"

	"github.com/inprocess/experiment"
)

// This file is -at, the instant eval, dist and diff evaluate schedules
// and ramps at (the config's start, end and ramp keys).

// atFlag registers -at.
func atFlag(fs *flag.FlagSet) *string {
	return fs.String("at", "", "evaluate start, end and ramps at `TIME`, RFC 3339 (2026-03-01T09:00:00Z); default now")
}

// parseAt reads -at: the instant given, or now, read once so that every
// user of a run sees the same instant.
func (c *cli) parseAt(s string) (time.Time, int, bool) {
	if s == "" {
		return time.Now(), 0, true
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, c.usageError("-at %q: want an RFC 3339 time such as 2026-03-01T09:00:00Z", s), false
	}
	return t, 0, true
}

// loadAt loads a config for environment env whose clock stands at at.
func loadAt(path, env string, at time.Time) (*experiment.Ruleset, error) {
	return experiment.Load(path, append(loadOptions(env), experiment.WithClock(func() time.Time { return at }))...)
}

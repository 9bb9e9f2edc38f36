package experiment

import (
	"fmt"
	"strings"
	"time"
)

// This file is the part of the evaluation order that an experiment's
// design adds (doc.go's "Experiment design"): after the audience and the
// targeting rules, and before the variants, decide calls gate for an
// experiment that declares a schedule, prerequisites, a holdout, a layer
// or a ramp. An experiment with none of them has no design and pays one
// comparison.

// The steps gate adds to decidedBy, in the order gate checks them.
const (
	bySchedule decidedBy = bySplit + 1 + iota // outside [start, end)
	byPrereq                                  // a prerequisite is not met
	byHoldout                                 // a holdout holds the user
	byLayer                                   // the user is in another part of the layer
	byRamp                                    // the ramp's share does not reach the user yet
)

// gate applies e's design to the user in c and returns what decides (a
// by* constant), or byNoArm when the variants are to decide. The clock is
// read once, and only for a schedule or a ramp; each bucket is hashed
// only when its check is reached; gb is decide's group bucket cache,
// shared with the prerequisites, which are the same user. It allocates
// nothing.
func (r *Ruleset) gate(e *experiment, c *Context, gb *int) decidedBy {
	g := e.design
	var now int64
	if g.window.hasStart || g.window.hasEnd || g.ramp != nil {
		now = r.now(c)
		if !g.window.contains(now) {
			return bySchedule
		}
	}
	for i := range g.requires {
		if !r.met(&g.requires[i], c, gb) {
			return byPrereq
		}
	}
	for _, h := range g.holdouts {
		if h.holds(c) {
			return byHoldout
		}
	}
	if g.layer != nil && !g.layer.admits(c) {
		return byLayer
	}
	if g.ramp != nil && !g.ramp.admits(c, now) {
		return byRamp
	}
	return byNoArm
}

// allocating reports whether d stopped at a step that allocates users
// (holdouts, the layer, the ramp, the variants) rather than one that
// decides who is eligible (status, audience, targeting, schedule,
// prerequisites). A sticky assignment overrides only the first kind.
func (d *decision) allocating() bool {
	switch d.by {
	case byStatus, byDisabled, byAudience, byTargeting, bySchedule, byPrereq:
		return false
	}
	return true
}

// describeGate says in words why gate kept the user in c out of e, for
// Explain: the step in d.by, recomputed with what it read.
func (r *Ruleset) describeGate(e *experiment, c *Context, d *decision) (Reason, string) {
	g := e.design
	switch d.by {
	case bySchedule:
		return ReasonSchedule, fmt.Sprintf("the experiment runs %s; the evaluation time is %s", g.window.text(), formatNanos(r.now(c)))
	case byPrereq:
		gb := -1
		for i := range g.requires {
			p := &g.requires[i]
			if !r.met(p, c, &gb) {
				return ReasonPrerequisite, r.describeUnmet(p, c)
			}
		}
	case byHoldout:
		for _, h := range g.holdouts {
			if h.holds(c) {
				whose := "the config's holdout"
				if h.layer != "" {
					whose = fmt.Sprintf("layer %q's holdout", h.layer)
				}
				return ReasonHoldout, fmt.Sprintf("held out by %s: bucket %d under salt %q is in %s", whose, c.bucket(h.salt), h.salt, formatSpan(span{0, h.share}))
			}
		}
	case byLayer:
		l := g.layer
		return ReasonLayer, fmt.Sprintf("layer %q: bucket %d under the layer's salt %q is in none of the experiment's ranges (%s)", l.layer, c.bucket(l.salt), l.salt, formatSpans(l.spans))
	case byRamp:
		p := g.ramp
		now := r.now(c)
		return ReasonRamp, fmt.Sprintf("the ramp (%s) admits %s of users at %s: bucket %d under salt %q is not below %d",
			p.text(), formatHundredths(uint16(p.share(now)))+"%", formatNanos(now), c.bucket(p.salt), p.salt, p.share(now))
	}
	return ReasonNoMatch, "no variant's allocation holds the user"
}

// formatSpans writes spans as "0-10%, 40-50%", or "none".
func formatSpans(spans []span) string {
	if len(spans) == 0 {
		return "none"
	}
	parts := make([]string, len(spans))
	for i, s := range spans {
		parts[i] = formatSpan(s)
	}
	return strings.Join(parts, ", ")
}

// formatNanos writes Unix nanoseconds as an RFC 3339 time in UTC.
func formatNanos(ns int64) string {
	return time.Unix(0, ns).UTC().Format(time.RFC3339Nano)
}

package experiment

import "time"

// DesignInfo describes what an experiment declares beyond its rules and
// allocations (doc.go's "Experiment design"), for tools such as an
// inspector, `experiment dist` and `experiment render`. The zero
// DesignInfo is an experiment without any of it.
type DesignInfo struct {
	Requires   []PrerequisiteInfo // all must be met
	Start, End time.Time          // the window [Start, End); a zero bound is open
	Ramp       *RampInfo          // nil for none
	Layer      *LayerInfo         // nil when the experiment is in no layer
	Holdouts   []HoldoutInfo      // the config's, then the layer's
	// BucketVersion is the experiment's version key: sticky assignments
	// recorded under another version are ignored (see StickyStore).
	BucketVersion int
}

// PrerequisiteInfo is one experiment an experiment requires.
type PrerequisiteInfo struct {
	Experiment string
	Variant    string // the variant required; "" for any
}

// RampInfo describes a ramp: the share of users admitted grows from From
// to To buckets (of Buckets) between Start and End, in Steps equal rises
// (0: linearly), admitting users whose bucket under Salt is below it.
type RampInfo struct {
	From, To   int
	Start, End time.Time
	Steps      int
	Salt       string
	ramp       *ramp
}

// ShareAt returns the ramp's share at t, in buckets: the share evaluation
// uses at that instant.
func (ri RampInfo) ShareAt(t time.Time) int {
	if ri.ramp == nil {
		return ri.To
	}
	return ri.ramp.share(unixNanos(t))
}

// LayerInfo is an experiment's part of a layer: the users whose bucket
// under the layer's Salt is in Ranges.
type LayerInfo struct {
	Name   string
	Salt   string
	Ranges []Range
}

// HoldoutInfo describes a holdout: the users whose bucket under Salt is
// below Share buckets are kept out. Layer is "" for the config's holdout.
type HoldoutInfo struct {
	Layer string
	Salt  string
	Share int
}

// Active reports whether t is inside the experiment's window [Start, End).
func (d DesignInfo) Active(t time.Time) bool {
	return (d.Start.IsZero() || !t.Before(d.Start)) && (d.End.IsZero() || t.Before(d.End))
}

// IsZero reports whether the experiment declares no design at all.
func (d DesignInfo) IsZero() bool {
	return len(d.Requires) == 0 && d.Start.IsZero() && d.End.IsZero() && d.Ramp == nil &&
		d.Layer == nil && len(d.Holdouts) == 0 && d.BucketVersion == 0
}

// describeDesign fills in the description of e's design.
func (e *experiment) describeDesign() DesignInfo {
	d := DesignInfo{BucketVersion: e.bucketVersion}
	g := e.design
	if g == nil {
		return d
	}
	for _, p := range g.requires {
		d.Requires = append(d.Requires, PrerequisiteInfo{Experiment: p.exp.key, Variant: p.want})
	}
	if g.window.hasStart {
		d.Start = time.Unix(0, g.window.start).UTC()
	}
	if g.window.hasEnd {
		d.End = time.Unix(0, g.window.end).UTC()
	}
	if p := g.ramp; p != nil {
		d.Ramp = &RampInfo{From: int(p.from), To: int(p.to), Start: time.Unix(0, p.start).UTC(), End: time.Unix(0, p.end).UTC(),
			Steps: p.steps, Salt: p.salt, ramp: p}
	}
	if l := g.layer; l != nil {
		d.Layer = &LayerInfo{Name: l.layer, Salt: l.salt}
		for _, s := range l.spans {
			d.Layer.Ranges = append(d.Layer.Ranges, Range{int(s.lo), int(s.hi)})
		}
	}
	for _, h := range g.holdouts {
		d.Holdouts = append(d.Holdouts, HoldoutInfo{Layer: h.layer, Salt: h.salt, Share: int(h.share)})
	}
	return d
}

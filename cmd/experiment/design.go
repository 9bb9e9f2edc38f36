package main

import (
	"fmt"
	"time"

	"github.com/inprocess/experiment"
)

// This file is dist's model of an experiment's design (the config's
// requires, start, end, ramp, layers and holdout): what share of users it
// lets through to the variants at an instant.

// designShares is configuredShares with e's design applied at the instant
// at. why is "" when the shares are known, else why they are not, for the
// output: audience or targeting rules, prerequisites (they depend on
// another experiment), or gates hashed under one salt (not independent).
func designShares(e experiment.ExperimentInfo, groupSalt string, at time.Time) (shares []float64, why string) {
	shares, known := configuredShares(e, groupSalt)
	switch {
	case !known:
		return nil, "targeted"
	case !e.Running || e.Design.IsZero():
		return shares, ""
	case len(e.Design.Requires) > 0:
		return nil, "requires another experiment"
	}
	f, ok := designFactor(e, groupSalt, at)
	if !ok {
		return nil, "its gates share a salt"
	}
	if f == 1 {
		return shares, ""
	}
	off := len(shares) - 1
	shares[off] = 1
	for i := range off {
		shares[i] *= f
		shares[off] -= shares[i]
	}
	if f == 0 {
		shares[off] = 1
	}
	return shares, ""
}

// designFactor returns the share of users e's schedule, holdouts, layer
// and ramp let through at at: 0 outside the window, else the product of
// their shares, which is exact when their salts are distinct from each
// other and from the buckets the allocations use (ok false otherwise).
func designFactor(e experiment.ExperimentInfo, groupSalt string, at time.Time) (f float64, ok bool) {
	d := e.Design
	if !d.Active(at) {
		return 0, true
	}
	salts := map[string]bool{e.Salt: true}
	for _, a := range e.Arms {
		for _, g := range a.Groups {
			if len(g.Ranges) > 0 {
				salts[groupSalt] = true
			}
		}
	}
	distinct := func(salt string) bool {
		if salts[salt] {
			return false
		}
		salts[salt] = true
		return true
	}
	f = 1
	for _, h := range d.Holdouts {
		if !distinct(h.Salt) {
			return 0, false
		}
		f *= 1 - float64(h.Share)/experiment.Buckets
	}
	if l := d.Layer; l != nil {
		if !distinct(l.Salt) {
			return 0, false
		}
		n := 0
		for _, r := range l.Ranges {
			n += r.End - r.Start
		}
		f *= float64(n) / experiment.Buckets
	}
	if r := d.Ramp; r != nil {
		if !distinct(r.Salt) {
			return 0, false
		}
		f *= float64(r.ShareAt(at)) / experiment.Buckets
	}
	return f, true
}

// designProblems says which parts of an experiment's design a published
// snapshot cannot express: the platform's decision service has no
// prerequisites, clock, layers or holdouts, so an experiment with any of
// them would be evaluated differently there.
func designProblems(d experiment.DesignInfo) []string {
	var out []string
	for _, p := range d.Requires {
		what := fmt.Sprintf("experiment %q", p.Experiment)
		if p.Variant != "" {
			what = fmt.Sprintf("variant %q of experiment %q", p.Variant, p.Experiment)
		}
		out = append(out, "it requires "+what+", and a snapshot has no prerequisites")
	}
	if !d.Start.IsZero() || !d.End.IsZero() {
		out = append(out, "it has a start or an end, and a snapshot has no schedule (publish it when it starts, remove it when it ends)")
	}
	if d.Ramp != nil {
		out = append(out, "it has a ramp, and a snapshot's allocations do not change with time")
	}
	if d.Layer != nil {
		out = append(out, fmt.Sprintf("it is in layer %q, whose buckets are under the layer's salt %q, and a snapshot has only the experiment's salt", d.Layer.Name, d.Layer.Salt))
	}
	for _, h := range d.Holdouts {
		whose := "the config's holdout"
		if h.Layer != "" {
			whose = fmt.Sprintf("layer %q's holdout", h.Layer)
		}
		out = append(out, fmt.Sprintf("%s applies to it, and a snapshot has no holdouts", whose))
	}
	return out
}

// designNote says what a snapshot drops without changing evaluation: the
// bucketing version matters only to a sticky store, which the platform's
// decision service does not have.
func designNote(d experiment.DesignInfo) string {
	if d.BucketVersion == 0 {
		return ""
	}
	return fmt.Sprintf("written without its bucketing version %d: the platform has no sticky assignment, so its users are bucketed on every decision", d.BucketVersion)
}

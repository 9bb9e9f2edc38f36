package experiment

import "encoding/json"

// Evaluation is one evaluation's outcome with its reason: what Explain
// says, without the words, at the cost of a plain evaluation. It is meant
// for integrations that must report why (OpenFeature providers, OFREP,
// telemetry).
type Evaluation struct {
	Found    bool            // the name matched an experiment
	Variant  string          // the user's variant; "" when off
	Payload  json.RawMessage // its payload, as Payload returns it; nil when off
	Reason   Reason          // as Explain's; ReasonUnknown when not Found
	Targeted bool            // the user passed an audience or targeting rules
}

// Evaluate evaluates the experiment name ("exp" or "exp/variant") for the
// user in c as Feature does, exposures and QA overrides included, and says
// which step decided, as Explain's Reason does. It allocates nothing.
func (r *Ruleset) Evaluate(name string, c Context) Evaluation {
	f, ok := r.lookup(name)
	if !ok {
		return Evaluation{Reason: ReasonUnknown}
	}
	e := f.exp
	var d decision
	gb, v := -1, 0
	forced := false
	switch plain := r.plain(&c); {
	case plain && e.splitOnly:
		// Only percentages decide (flat.go): the reason is the split, or
		// that no allocation holds the user.
		var held bool
		v, held = e.chooseSplit(&c)
		d = decision{variant: v, by: bySplit, rule: -1, arm: -1, bucket: -1}
		if !held {
			d.by = byNoArm
		} else if v < 0 {
			v = r.decide(e, &c, &gb, &d) // an arm naming no variant: decide finds which
		}
	case plain:
		v = r.decide(e, &c, &gb, &d)
	default:
		v = r.assign(e, &c, &gb) // exposures and overrides, as the methods do
		gb2 := -1
		r.decide(e, &c, &gb2, &d)
		forced = v >= 0 && c.req != nil && c.req.forced != nil && c.req.forced[e.key] == e.variants[v].key
	}
	ev := Evaluation{Found: true, Targeted: d.passed() && (len(e.audience) > 0 || len(e.targeting) > 0)}
	switch {
	case forced && v >= 0:
		ev.Reason = ReasonForced
	case v < 0:
		ev.Reason = d.reason(e)
	case f.variant >= 0 && f.variant != v:
		ev.Reason = ReasonOtherVariant
		return ev
	default:
		ev.Reason = d.reason(e)
	}
	if v >= 0 {
		ev.Variant, ev.Payload = e.variants[v].key, e.variants[v].payload
	}
	return ev
}

// passed reports whether the user passed the status, audience and
// targeting steps.
func (d *decision) passed() bool { return d.by == byNoArm || d.by >= byEveryone }

// reason is the Reason for what decided d.
func (d *decision) reason(e *experiment) Reason {
	switch d.by {
	case byStatus, byDisabled:
		return ReasonDisabled
	case byAudience:
		return ReasonAudience
	case byTargeting:
		return ReasonTargeting
	case byNoArm:
		return ReasonNoMatch
	}
	if d.arm >= 0 && e.arms[d.arm].variant < 0 {
		return ReasonNoVariant
	}
	switch d.by {
	case byEveryone:
		return ReasonEveryone
	case byUser:
		return ReasonUserID
	case byGroup:
		return ReasonGroup
	}
	return ReasonSplit
}

package experiment

// decision is how the evaluation order (doc.go's "Evaluation order") came
// out for one user and one experiment: the variant, and what decided it.
// decide computes it, and everything that evaluates reads it: the
// evaluation methods take variant, Explain describes the rest. It is a
// small value, so computing it allocates nothing.
type decision struct {
	variant int       // index into the experiment's variants, or -1: off
	by      decidedBy // what decided
	rule    int       // the targeting rule that matched, or -1 (no targeting, or it failed)
	arm     int       // the arm that decided (byEveryone to bySplit), or -1
	group   int       // byUser and byGroup: the index of the group in the arm's allocation
	span    int       // byGroup and bySplit: the index of the span that holds the bucket
	bucket  int       // the user's bucket under the experiment's salt, or -1 if not computed
}

// decidedBy says which step of the evaluation order decided.
type decidedBy uint8

const (
	byNoArm     decidedBy = iota // no arm's allocation holds the user
	byStatus                     // the experiment is not running
	byDisabled                   // the experiment is false for everyone
	byAudience                   // its audience did not match
	byTargeting                  // no targeting rule matched
	byEveryone                   // an arm for everyone
	byUser                       // a group listing the user's id
	byGroup                      // a group's percentage under the top-level salt
	bySplit                      // the arm's percentage under the experiment's salt
)

// decide follows the evaluation order for e and the user in c: status,
// audience, targeting, then the arms in order, the first whose allocation
// holds the user deciding (in a snapshot, possibly for no variant). It
// returns the variant's index, or -1 when the user is off, and when d is
// not nil records there what decided. It is the one implementation of the
// order: the evaluation methods call it with d nil, which costs them
// nothing (or follow flat steps laid out from it, which TestFlatMatchesDecide
// checks give the same), and Explain with a decision to describe. Each bucket is hashed
// at most once, and only when a percentage needs it; gb caches the group
// bucket across the experiments of one call (-1: not yet computed).
func (r *Ruleset) decide(e *experiment, c *Context, gb *int, d *decision) int {
	if d != nil {
		*d = decision{variant: -1, rule: -1, arm: -1, bucket: -1}
	}
	var by decidedBy
	switch {
	case !e.running:
		by = byStatus
	case e.disabled:
		by = byDisabled
	case e.audience != nil && !e.audience.match(c):
		by = byAudience
	case len(e.targeting) > 0:
		rule := e.targeting.first(c)
		if d != nil {
			d.rule = rule
		}
		if rule < 0 {
			by = byTargeting
		}
	}
	if by == byNoArm && e.design != nil {
		by = r.gate(e, c, gb) // schedule, prerequisites, holdouts, layer, ramp
	}
	if by != byNoArm {
		if d != nil {
			d.by = by
		}
		return -1
	}
	expBucket := -1
	for i := range e.arms {
		a := &e.arms[i].alloc
		if a.everyone {
			return e.arms[i].record(d, byEveryone, i, 0, 0, expBucket)
		}
		for gi, g := range a.groups {
			if _, ok := g.users[c.userID]; ok {
				return e.arms[i].record(d, byUser, i, gi, 0, expBucket)
			}
			if len(g.spans) > 0 {
				if *gb < 0 {
					*gb = c.bucketPacked(r.groupPack, r.groupSalt)
				}
				for si, s := range g.spans {
					if s.contains(*gb) {
						return e.arms[i].record(d, byGroup, i, gi, si, expBucket)
					}
				}
			}
		}
		if len(a.spans) > 0 {
			if expBucket < 0 {
				expBucket = c.bucketPacked(e.pack, e.salt)
			}
			for si, s := range a.spans {
				if s.contains(expBucket) {
					return e.arms[i].record(d, bySplit, i, 0, si, expBucket)
				}
			}
		}
	}
	if d != nil {
		d.bucket = expBucket
	}
	return -1
}

// record returns the arm's variant, first noting in d (if not nil) that
// the arm decided, how, and the bucket computed so far.
func (a *arm) record(d *decision, by decidedBy, arm, group, span, bucket int) int {
	if d != nil {
		d.variant, d.by, d.arm, d.group, d.span, d.bucket = a.variant, by, arm, group, span, bucket
	}
	return a.variant
}

// choose is decide without a record: the index of the variant of e the
// user in c is assigned, or -1 when the user is off. An experiment
// that only an audience and targeting gate follows its flat steps
// (flat.go) after them, which give the same.
func (r *Ruleset) choose(e *experiment, c *Context, gb *int) int {
	if e.splitOnly {
		v, _ := e.chooseSplit(c)
		return v
	}
	if e.flat == nil {
		return r.decide(e, c, gb, nil)
	}
	if e.gated && !e.admits(c) {
		return -1
	}
	if e.allSplit {
		v, _ := e.chooseSplit(c)
		return v
	}
	return r.chooseFlat(e, c, gb)
}

package experiment

// The flat record: for an experiment that nothing gates (running, not
// disabled, no audience, no targeting, no design), decide's walk over the
// arms is laid out at load as one contiguous list of steps, in the order
// decide tries them: for each arm, its everyone, then each group's user
// list and percentages, then the arm's own percentages. The first step
// that holds the user gives its arm's variant, so following the list is
// decide without its record, with no status, audience, targeting or
// design checks and no nested slices. TestFlatMatchesDecide checks it.

// flatStep is one step: a kind, the span it checks (stepSplit and
// stepGroupSplit), the group (stepUser and stepGroupSplit) and the
// variant its arm gives (-1 for a snapshot arm naming no variant).
type flatStep struct {
	kind    stepKind
	lo, hi  uint16
	variant int32
	group   *group
}

// stepKind is what a flatStep checks.
type stepKind uint8

const (
	stepSplit      stepKind = iota // the user's bucket under the experiment's salt in [lo, hi)
	stepEveryone                   // every user
	stepUser                       // the user's id in group's list
	stepGroupSplit                 // the user's bucket under the top-level salt in [lo, hi)
)

// flatten returns e's steps, or nil when something gates e (decide then
// does the whole walk) or e has no arm that can hold anyone.
func flatten(e *experiment) []flatStep {
	if !e.running || e.disabled || e.audience != nil || len(e.targeting) > 0 || e.design != nil {
		return nil
	}
	var steps []flatStep
	for _, a := range e.arms {
		v := int32(a.variant)
		if a.alloc.everyone {
			steps = append(steps, flatStep{kind: stepEveryone, variant: v})
			continue // decide stops at an everyone arm
		}
		for _, g := range a.alloc.groups {
			steps = append(steps, flatStep{kind: stepUser, group: g, variant: v})
			for _, s := range g.spans {
				steps = append(steps, flatStep{kind: stepGroupSplit, lo: s.lo, hi: s.hi, group: g, variant: v})
			}
		}
		for _, s := range a.alloc.spans {
			steps = append(steps, flatStep{kind: stepSplit, lo: s.lo, hi: s.hi, variant: v})
		}
	}
	return steps
}

// splitOnly reports whether every step is a stepSplit.
func splitOnly(steps []flatStep) bool {
	for _, s := range steps {
		if s.kind != stepSplit {
			return false
		}
	}
	return len(steps) > 0
}

// chooseFlat is choose for an experiment with steps: the variant of the
// first step that holds the user in c, or -1. Each bucket is hashed at
// most once, and only when a step needs it; gb caches the group bucket as
// in decide.
func (r *Ruleset) chooseFlat(e *experiment, c *Context, gb *int) int {
	if e.splitOnly {
		// The common shape (percentages only): hash once, then compare.
		b := c.bucketPacked(e.pack, e.salt)
		for i := range e.flat {
			if s := &e.flat[i]; int(s.lo) <= b && b < int(s.hi) {
				return int(s.variant)
			}
		}
		return -1
	}
	b := -1
	for i := range e.flat {
		s := &e.flat[i]
		switch s.kind {
		case stepSplit:
			if b < 0 {
				b = c.bucketPacked(e.pack, e.salt)
			}
			if int(s.lo) <= b && b < int(s.hi) {
				return int(s.variant)
			}
		case stepEveryone:
			return int(s.variant)
		case stepUser:
			if _, ok := s.group.users[c.userID]; ok {
				return int(s.variant)
			}
		case stepGroupSplit:
			if *gb < 0 {
				*gb = c.bucketPacked(r.groupPack, r.groupSalt)
			}
			if int(s.lo) <= *gb && *gb < int(s.hi) {
				return int(s.variant)
			}
		}
	}
	return -1
}

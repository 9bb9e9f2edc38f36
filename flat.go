package experiment

// The flat record: for an experiment that nothing but an audience and
// targeting gates (running, not disabled, no design), decide's walk over
// the arms is laid out at load as one contiguous list of steps, in the
// order decide tries them: for each arm, its everyone, then each group's
// user list and percentages, then the arm's own percentages. The first
// step that holds the user gives its arm's variant, so following the list
// after the audience and targeting (admits) is decide without its record,
// with no status or design checks and no nested slices.
// TestFlatMatchesDecide checks it.

// flatStep is one step: a kind, the span it checks (stepSplit and
// stepGroupSplit), the group (stepUser and stepGroupSplit) and the
// variant its arm gives (-1 for a snapshot arm naming no variant).
type flatStep struct {
	kind    stepKind
	lo, hi  uint16
	variant int32
	group   *stepGroup // stepUser and stepGroupSplit; nil for the others, which keeps a step small
}

// stepGroup is the group a step checks. For a group of at most smallGroup
// ids, users holds them: a scan of a few strings, which mostly differ in
// length from the user's, costs less than hashing the user id for the
// group's map.
type stepGroup struct {
	*group
	users []string // nil: look the user up in group.users
}

// smallGroup is the most ids a group may have for its steps to scan them
// (see stepGroup).
const smallGroup = 8

// stepKind is what a flatStep checks.
type stepKind uint8

const (
	stepSplit      stepKind = iota // the user's bucket under the experiment's salt in [lo, hi)
	stepEveryone                   // every user
	stepUser                       // the user's id in group's list
	stepGroupSplit                 // the user's bucket under the top-level salt in [lo, hi)
)

// compile lays out at load what choose reads of e beyond the parsed
// model: its conditions' fast forms (fastcond.go) and the flat steps (and,
// for Explain, whether its salt needs quoting), from the parser's slabs.
// index calls it for every experiment of a Ruleset.
func (p *parser) compile(e *experiment) {
	p.layOutRules(e.audience)
	p.layOutRules(e.targeting)
	e.flat = p.flatten(e)
	e.gated = e.flat != nil && (e.audience != nil || len(e.targeting) > 0)
	e.allSplit = splitOnly(e.flat)
	e.splitOnly = !e.gated && e.allSplit
	e.plainSalt = plainString(e.salt)
}

// flatten returns e's steps, or nil when something beyond an audience and
// targeting gates e (decide then does the whole walk) or e has no arm
// that can hold anyone. The steps are counted first, so that they take
// one slice of the slab.
func (p *parser) flatten(e *experiment) []flatStep {
	if !e.running || e.disabled || e.design != nil {
		return nil
	}
	n := flatSteps(e.arms)
	if n == 0 {
		return nil
	}
	steps := p.slabs.steps.take(n)
	for _, a := range e.arms {
		v := int32(a.variant)
		if a.alloc.everyone {
			steps = append(steps, flatStep{kind: stepEveryone, variant: v})
			continue // decide stops at an everyone arm
		}
		for _, g := range a.alloc.groups {
			sg := p.stepGroup(g)
			steps = append(steps, flatStep{kind: stepUser, group: sg, variant: v})
			for _, s := range g.spans {
				steps = append(steps, flatStep{kind: stepGroupSplit, lo: s.lo, hi: s.hi, group: sg, variant: v})
			}
		}
		for _, s := range a.alloc.spans {
			steps = append(steps, flatStep{kind: stepSplit, lo: s.lo, hi: s.hi, variant: v})
		}
	}
	return steps
}

// flatSteps is the number of steps flatten lays out for arms.
func flatSteps(arms []arm) int {
	n := 0
	for _, a := range arms {
		if a.alloc.everyone {
			n++
			continue
		}
		for _, g := range a.alloc.groups {
			n += 1 + len(g.spans)
		}
		n += len(a.alloc.spans)
	}
	return n
}

// stepGroup returns the steps' form of group g, made once per Parse and
// shared by every step that checks g (steps only read it).
func (p *parser) stepGroup(g *group) *stepGroup {
	if sg := p.stepGroups[g]; sg != nil {
		return sg
	}
	if p.stepGroups == nil {
		p.stepGroups = map[*group]*stepGroup{}
	}
	sg := &stepGroup{group: g, users: smallUsers(g)}
	p.stepGroups[g] = sg
	return sg
}

// smallUsers returns the ids of a group of at most smallGroup of them, in
// no particular order (membership is all a step asks), or nil.
func smallUsers(g *group) []string {
	if len(g.users) == 0 || len(g.users) > smallGroup {
		return nil
	}
	ids := make([]string, 0, len(g.users))
	for id := range g.users {
		ids = append(ids, id)
	}
	return ids
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

// admits reports whether the user in c passes e's audience and
// targeting, as decide checks them before the arms.
func (e *experiment) admits(c *Context) bool {
	if e.audience != nil && !e.audience.match(c) {
		return false
	}
	if len(e.targeting) == 0 {
		return true
	}
	for _, r := range e.targeting {
		if c.holds(r) {
			return true
		}
	}
	return false
}

// chooseFlat is choose for an experiment with steps (choose takes a
// splitOnly one to chooseSplit) whose user admits passed: the variant of
// the first step that holds the user in c, or -1. Each bucket is hashed at
// most once, and only when a step needs it; gb caches the group bucket as
// in decide.
func (r *Ruleset) chooseFlat(e *experiment, c *Context, gb *int) int {
	b := -1
	for i := range e.flat {
		s := &e.flat[i]
		switch s.kind {
		case stepSplit:
			if b < 0 && c.hashed { // bucketPacked, inline: e.pack is set with the steps (index)
				b = int(c.prefix.resume(e.pack) % Buckets)
			} else if b < 0 {
				b = Bucket(c.userID, e.salt)
			}
			if int(s.lo) <= b && b < int(s.hi) {
				return int(s.variant)
			}
		case stepEveryone:
			return int(s.variant)
		case stepUser:
			if s.group.users != nil {
				for _, u := range s.group.users {
					if u == c.userID {
						return int(s.variant)
					}
				}
			} else if _, ok := s.group.group.users[c.userID]; ok {
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

// chooseSplit is chooseFlat for a splitOnly experiment, the common shape:
// hash once, then compare. It also reports whether a step held the user
// (false: no allocation does; true with -1: an arm naming no variant).
func (e *experiment) chooseSplit(c *Context) (int, bool) {
	var b int
	if c.hashed { // bucketPacked, inline: e.pack is set with the steps (index)
		b = int(c.prefix.resume(e.pack) % Buckets)
	} else {
		b = Bucket(c.userID, e.salt)
	}
	return e.splitAt(b)
}

// splitAt is the variant of the first step of an allSplit experiment
// that holds bucket b, and whether one does (see chooseSplit).
//
// It tests the steps with conditional moves rather than branches: b is a
// hash of the user, so a branch on it is mispredicted as often as users
// fall on different sides of it (every other user of a 50 % rollout), and
// a misprediction costs more than testing every step. A single step (a
// rollout, the commonest shape) is tested on its own, which runs 16 fewer
// instructions than the loop; more are read from the last to the first,
// so that the first that holds b is the one kept.
// BENCHMARKS.md, "Branch-free steps", has the figures.
func (e *experiment) splitAt(b int) (int, bool) {
	if len(e.flat) == 1 {
		s := &e.flat[0]
		sv := int(s.variant) // read before the test, so that the test is a conditional move
		v, held := -1, false
		// b in [lo, hi) exactly when neither b-lo nor hi-1-b is negative.
		if (b-int(s.lo))|(int(s.hi)-1-b) >= 0 {
			v, held = sv, true
		}
		return v, held
	}
	v, held := -1, false
	for i := len(e.flat) - 1; i >= 0; i-- {
		s := &e.flat[i]
		sv := int(s.variant)
		if (b-int(s.lo))|(int(s.hi)-1-b) >= 0 { // as above
			v, held = sv, true
		}
	}
	return v, held
}

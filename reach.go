package experiment

// Reach is the first-wins rule of allocations (doc.go, "Evaluation
// order": the arms are tried in order and the first whose allocation
// holds the user decides) worked out over the whole bucket space instead
// of for one user: which buckets each arm decides, and for what share of
// users. decide applies the rule to one user; tools that draw or count
// allocations (the inspector's bars, experiment dist's expected shares)
// read Reach and do not apply it again. TestReachMatchesDecide holds the
// two to the same answers.

// ArmReach is what one arm of an experiment decides, for users that no
// group lists by id (those are decided by the first arm listing them,
// before any bucket is looked at).
//
// The arm holds a user by either of two buckets: the experiment bucket
// (under the experiment's salt) and the group bucket (under the top-level
// salt, for its groups' percentages). Pieces give, on each axis, the
// buckets the arm holds that no earlier arm holds on the same axis. A
// user's experiment bucket then points to at most one arm, and so does
// the group bucket; the user is decided by the earlier of the two arms
// (or by no arm, when neither bucket points to one).
type ArmReach struct {
	// Reached is false when an earlier arm is for everyone: no user comes
	// to this arm, and Pieces is empty.
	Reached bool
	// Pieces are the runs of buckets this arm decides on each axis, in the
	// order of the arm's ranges (ArmInfo.Ranges, then each group's
	// Ranges), each range less what earlier ranges on its axis hold. An
	// arm for everyone has one axis only: every experiment bucket no
	// earlier arm holds, taken without hashing (its groups are not looked
	// at).
	Pieces []Piece
	// Share is the fraction of users (listed by no group) this arm
	// decides: the two buckets are taken as independent and uniform,
	// unless the experiment's salt is the top-level salt, when they are
	// the same bucket. It is a whole multiple of 1/Buckets², exact for 0
	// and 1.
	Share float64
}

// Piece is a run of buckets an arm decides on one axis.
type Piece struct {
	Range
	// Group is -1 for the experiment's own buckets; otherwise the index
	// into ArmInfo.Groups of the group whose percentage this is, in
	// buckets under the top-level salt.
	Group int
	// From is the index of the range this piece comes from, in
	// ArmInfo.Ranges or in the group's Ranges; -1 for an arm for everyone.
	From int
}

// Len returns how many buckets the piece holds.
func (p Piece) Len() int { return p.End - p.Start }

// Reach returns what each of e's arms decides, in the order of e.Arms;
// groupSalt is the config's top-level salt (Ruleset.GroupSalt), which
// says whether the two buckets are one. It looks at the allocations only:
// status, audience, targeting and design decide before any arm, and a
// caller wanting shares of all users applies them itself. The result is
// new on each call; Reach is safe to call concurrently.
func (e ExperimentInfo) Reach(groupSalt string) []ArmReach {
	out := make([]ArmReach, len(e.Arms))
	var own, grp, both rangeSet // what earlier arms hold: experiment buckets, group buckets, and (one salt) either
	const n = int64(Buckets)
	for i, a := range e.Arms {
		if own.everyone {
			continue // after an arm for everyone: not reached
		}
		r := &out[i]
		r.Reached = true
		freeBefore := free(own, grp, both, e.Salt == groupSalt)
		if a.Everyone {
			for _, p := range own.add(Range{0, Buckets}) {
				r.Pieces = append(r.Pieces, Piece{Range: p, Group: -1, From: -1})
			}
			own.everyone = true
		} else {
			for j, rg := range a.Ranges {
				for _, p := range own.add(rg) {
					r.Pieces = append(r.Pieces, Piece{Range: p, Group: -1, From: j})
				}
				both.add(rg)
			}
			for g, gi := range a.Groups {
				for j, rg := range gi.Ranges {
					for _, p := range grp.add(rg) {
						r.Pieces = append(r.Pieces, Piece{Range: p, Group: g, From: j})
					}
					both.add(rg)
				}
			}
		}
		r.Share = float64(freeBefore-free(own, grp, both, e.Salt == groupSalt)) / float64(n*n)
	}
	return out
}

// free returns, in cells of the Buckets×Buckets plane of (group bucket,
// experiment bucket) pairs, how many pairs no arm so far holds. With one
// salt the two buckets are one, so only the diagonal's share counts: a
// free bucket is a row's worth of cells.
func free(own, grp, both rangeSet, oneSalt bool) int64 {
	const n = int64(Buckets)
	switch {
	case own.everyone:
		return 0
	case oneSalt:
		return (n - int64(both.len())) * n
	}
	return (n - int64(grp.len())) * (n - int64(own.len()))
}

// rangeSet is a set of buckets: sorted, disjoint, non-touching spans.
type rangeSet struct {
	spans    []span
	everyone bool // an arm for everyone came: every bucket is held, on both axes
}

// add inserts r and returns the parts of r the set did not hold before,
// in order.
func (s *rangeSet) add(r Range) []Range {
	var pieces []Range
	start := r.Start
	for _, t := range s.spans {
		lo, hi := int(t.lo), int(t.hi)
		if hi <= start {
			continue
		}
		if lo >= r.End {
			break
		}
		if lo > start {
			pieces = append(pieces, Range{Start: start, End: lo})
		}
		if start = hi; start >= r.End {
			break
		}
	}
	if start < r.End {
		pieces = append(pieces, Range{Start: start, End: r.End})
	}
	s.spans = addSpan(s.spans, span{uint16(r.Start), uint16(r.End)}) // parse_layers.go
	return pieces
}

// len returns how many buckets the set holds.
func (s *rangeSet) len() int {
	if s.everyone {
		return Buckets
	}
	return spansSize(s.spans)
}

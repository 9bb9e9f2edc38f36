package experiment

import "encoding/json"

// slab hands out small slices from shared chunks. A Parse makes a few
// small slices per experiment that the Ruleset keeps (its variants and
// arms, an allocation's spans, a payload's bytes); taking them from one
// chunk of many costs one allocation for hundreds of them. A slice taken
// has its own capacity, so that appending past it moves it rather than
// writing over the next one. A chunk lives as long as any slice of it,
// and a Ruleset keeps all of them, so nothing is kept that would not
// have been.
//
// The zero slab is ready to use; a slab is for one goroutine (one Parse).
type slab[T any] struct {
	free []T // the current chunk; its length is what is handed out
}

// slabChunk is the largest number of elements of a chunk; a slice of
// more than a quarter of that has its own array. Chunks start at
// slabFirst elements and double, so that a small config's Ruleset keeps
// little more than it uses.
const (
	slabChunk = 512
	slabFirst = 8
)

// take returns an empty slice with room for n elements; never nil.
func (s *slab[T]) take(n int) []T {
	if n == 0 {
		return []T{}
	}
	if n > slabChunk/4 {
		return make([]T, 0, n)
	}
	if cap(s.free)-len(s.free) < n {
		s.free = make([]T, 0, min(slabChunk, max(slabFirst, n, 2*cap(s.free))))
	}
	at := len(s.free)
	s.free = s.free[:at+n]
	return s.free[at : at : at+n]
}

// slabs are the slabs of one Parse.
type slabs struct {
	variants slab[variant]
	arms     slab[arm]
	spans    slab[span]
	payloads slab[byte]
	packs    slab[saltPack]
	words    slab[uint32]
	rules    slab[[]cond]
	conds    slab[cond]
	values   slab[value]
	strs     slab[string]
	exps     slab[experiment]
	steps    slab[flatStep]
	groups   slab[*group] // allocations' groups
	keys     slab[uint64] // conditions' nameKey words (fastcond.go)
}

// newExperiment returns a zero experiment from the slab.
func (p *parser) newExperiment() *experiment {
	return &p.slabs.exps.take(1)[:1][0]
}

// reserve makes room for n more variants and arms of e, so that adding
// them allocates nothing more: from the slabs for an experiment that has
// none yet.
func (p *parser) reserve(e *experiment, n int) {
	if e.variants == nil && e.arms == nil {
		e.variants, e.arms = p.slabs.variants.take(n), p.slabs.arms.take(n)
		return
	}
	e.reserve(n)
}

// rawJSON returns a copy of b.
func (p *parser) rawJSON(b []byte) json.RawMessage {
	return append(p.slabs.payloads.take(len(b)), b...)
}

package experiment

import "gopkg.in/yaml.v3"

// Parse's work is bounded by the size of its input. A YAML alias is one
// node in the text but as large as its anchor when used, so before anything
// is compiled, the document's expanded size (every node and every byte of
// scalar text, counting each alias as the whole of what it names) is checked
// against a budget proportional to the input: expansionPerByte units per
// input byte plus a fixed allowance. A document without aliases is about
// one unit per byte, so aliases may add about as much again as the input,
// or the allowance (enough for a hand-written config that aliases its
// experiments into a few environments), whichever is more. Each unit is one node or one byte of
// text; compiling costs a bounded amount per unit (regular expressions are
// compiled once per distinct pattern), so a config of S bytes cannot make
// Parse do more than a constant times S work, however its aliases nest.
const (
	expansionPerByte   = 2
	expansionAllowance = 1 << 18
)

// withinExpansion reports whether doc, decoded from size bytes, expands
// within the budget; if not, it records an ErrTooLarge error. The walk
// visits each node of the text once (an anchor's size is remembered), so
// its cost is linear in the text.
func (p *parser) withinExpansion(doc *yaml.Node, size int) bool {
	limit := int64(expansionAllowance) + expansionPerByte*int64(size)
	w := expansionWalk{limit: limit, sizes: map[*yaml.Node]int64{}}
	w.size(doc)
	if w.total > limit {
		where := w.worst
		if where == nil {
			where = doc
		}
		p.errorf(where, "", ErrTooLarge,
			"YAML aliases expand the config to more than %d nodes and bytes of text (%d per input byte plus %d); use fewer aliases, or repeat less through them",
			limit, expansionPerByte, expansionAllowance)
		return false
	}
	return true
}

// expansionWalk computes expanded sizes. total counts the units met so
// far in document order (an alias counting as its whole anchor), so the
// node where it first passes limit is where the config became too large.
type expansionWalk struct {
	limit int64
	total int64
	sizes map[*yaml.Node]int64 // of anchored nodes, and -1 while one is being walked
	worst *yaml.Node           // where total first passed limit
}

// size returns n's expanded size, or stops early (with any result) once
// total has passed limit.
func (w *expansionWalk) size(n *yaml.Node) int64 {
	if n == nil || w.total > w.limit {
		return 0
	}
	if n.Kind == yaml.AliasNode {
		s, seen := w.sizes[n.Alias]
		switch {
		case seen && s < 0:
			s = 0 // an alias to its own ancestor: compiling it stops at maxDepth
		case !seen:
			// Not walked yet (an anchor is defined before its aliases, so
			// this is rare): walk it without counting its nodes twice.
			before := w.total
			s = w.size(n.Alias)
			w.total = before
		}
		w.add(n, 1+s)
		return 1 + s
	}
	if n.Anchor != "" {
		w.sizes[n] = -1
	}
	size := 1 + int64(len(n.Value))
	w.add(n, size)
	for _, c := range n.Content {
		size += w.size(c)
	}
	if n.Anchor != "" {
		w.sizes[n] = size
	}
	return size
}

func (w *expansionWalk) add(n *yaml.Node, units int64) {
	w.total += units
	if w.total > w.limit && w.worst == nil {
		w.worst = n
	}
}

// maxNodes bounds the YAML nodes visited while converting values and
// payloads, so that aliases cannot expand a small file into a huge one.
const maxNodes = 1 << 20

// maxDepth bounds the nesting of lists and maps in values and payloads,
// and maxJSONDepth the nesting of a JSON document as read, so that no
// input can exhaust the stack.
const (
	maxDepth     = 100
	maxJSONDepth = 1000
)

// enter accounts for one node of a value or payload, at, failing once
// the config expands past maxNodes nodes or nests deeper than maxDepth;
// each enter is paired with a leave. at is written out only for the
// message.
func (p *parser) enter(n *yaml.Node, at keyPath) bool {
	p.budget--
	p.depth++
	switch {
	case p.budget == -1:
		p.errorf(n, p.path(at), ErrTooLarge, "the config expands to more than %d values (are YAML aliases nested?)", maxNodes)
	case p.depth == maxDepth+1:
		p.errorf(n, p.path(at), ErrTooLarge, "values nest deeper than %d levels", maxDepth)
	}
	return p.budget >= 0 && p.depth <= maxDepth
}

func (p *parser) leave() { p.depth-- }

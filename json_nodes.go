package experiment

import (
	"sync"

	"gopkg.in/yaml.v3"
)

// nodeArena hands out the nodes of a JSON document's tree, and the
// Content slices that link them, from blocks that are reused from one
// Parse to the next. The tree is the parser's alone: nothing a Parse
// returns (a Ruleset, its errors and warnings) points into it, so once
// the Ruleset is compiled the blocks go back for the next Parse
// (release). A program that loads a config once gains nothing; one that
// reloads it (a Live source, a platform poll) no longer allocates and
// collects a tree each time.
//
// Blocks go back as they are, not cleared: clearing a block of pointers
// while the collector runs costs a write barrier per word, about 6 % of a
// cold Parse's CPU in a profile. So a node is handed out holding what it
// last held, and jsonScanner writes every field it uses (setNode: Kind,
// Style, Tag, Value, Content; node: Line, Column; the others are never
// set in these blocks and stay zero). A pooled block still points at the
// last document's strings, which stay alive until the block is reused or
// the pool drops it (sync.Pool does at the second collection); that is
// one document's text, never a Ruleset.
//
// The zero nodeArena is ready to use; a nodeArena is for one goroutine.
// After release, the nodes it handed out must not be used.
type nodeArena struct {
	nodes  []*[]yaml.Node // node blocks handed out, the current one last
	ptrs   []*[]*yaml.Node
	nodeAt int // nodes used in the current node block
	ptrAt  int // pointers used in the current pointer block
}

// nodeBlock and ptrBlock are the sizes of the blocks, in nodes and in
// pointers; a Content slice longer than ptrBlock has its own array.
const (
	nodeBlock = 1024
	ptrBlock  = 4096
)

var (
	nodeBlocks = sync.Pool{New: func() any { b := make([]yaml.Node, nodeBlock); return &b }}
	ptrBlocks  = sync.Pool{New: func() any { b := make([]*yaml.Node, ptrBlock); return &b }}
)

// node returns a node to fill: one never used, or one a released tree
// held, with its fields as they were (see nodeArena).
func (a *nodeArena) node() *yaml.Node {
	if len(a.nodes) == 0 || a.nodeAt == nodeBlock {
		a.nodes = append(a.nodes, nodeBlocks.Get().(*[]yaml.Node))
		a.nodeAt = 0
	}
	n := &(*a.nodes[len(a.nodes)-1])[a.nodeAt]
	a.nodeAt++
	return n
}

// content returns a copy of kids (nil for none, as jsonReader leaves an
// empty container), with no room to append.
func (a *nodeArena) content(kids []*yaml.Node) []*yaml.Node {
	k := len(kids)
	switch {
	case k == 0:
		return nil
	case k > ptrBlock:
		return append([]*yaml.Node(nil), kids...)
	case len(a.ptrs) == 0 || ptrBlock-a.ptrAt < k:
		a.ptrs = append(a.ptrs, ptrBlocks.Get().(*[]*yaml.Node))
		a.ptrAt = 0
	}
	b := (*a.ptrs[len(a.ptrs)-1])[a.ptrAt : a.ptrAt+k : a.ptrAt+k]
	copy(b, kids)
	a.ptrAt += k
	return b
}

// release returns the blocks for reuse, as they are (see nodeArena). The
// arena is then empty.
func (a *nodeArena) release() {
	releaseBlocks(a.nodes, &nodeBlocks)
	releaseBlocks(a.ptrs, &ptrBlocks)
	*a = nodeArena{}
}

// releaseBlocks puts the blocks back in pool.
func releaseBlocks[T any](blocks []*[]T, pool *sync.Pool) {
	for _, b := range blocks {
		pool.Put(b)
	}
}

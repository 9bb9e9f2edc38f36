package experiment

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is absent or a YAML null.
func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// stringTag reports whether a scalar is a string for our purposes: anything
// but a boolean, number or null (so an unquoted date is still its text).
func stringTag(n *yaml.Node) bool {
	if n.Kind != yaml.ScalarNode {
		return false
	}
	switch n.ShortTag() {
	case "!!bool", "!!int", "!!float", "!!null":
		return false
	}
	return true
}

// describe names what a node is, for error messages.
func describe(n *yaml.Node) string {
	n = resolve(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!bool":
			return n.Value
		case "!!int", "!!float":
			return "the number " + n.Value
		}
		return strconv.Quote(n.Value)
	}
	return "an unexpected node"
}

// joinPath is the key path of key under path: "experiments.x" from
// "experiments" and "x"; key alone under the document ("").
func (p *parser) joinPath(path, key string) string {
	if path == "" {
		return key
	}
	b := p.paths.start(len(path) + 1 + len(key))
	b.WriteString(path)
	b.WriteByte('.')
	b.WriteString(key)
	return p.paths.end()
}

// indexPath is the key path of the i-th element of the list at path:
// "experiments.x[2]".
func (p *parser) indexPath(path string, i int) string {
	b := p.paths.start(len(path) + 22)
	b.WriteString(path)
	b.WriteByte('[')
	var digits [20]byte
	b.Write(strconv.AppendInt(digits[:0], int64(i), 10))
	b.WriteByte(']')
	return p.paths.end()
}

// keyPath is a key path not yet written out: a key of the map at parent,
// an element of the list at parent, or parent itself. Most of what a
// Parse reads is never named in a message, and writing out the path of
// every node was an eighth of a cold Parse's allocation; so a function
// that names its node only in messages takes a keyPath, and writes it
// out (parser.path) only for a message or for the paths of what it reads
// inside a map or list. A keyPath holds only strings, so passing one
// costs what passing three words does, also through a field's read.
type keyPath struct {
	parent string
	key    string
	index  int // the element's index under parent, or pathIsKey, or pathIsParent
}

const (
	pathIsKey    = -1 // the path is parent's key
	pathIsParent = -2 // the path is parent itself
)

// keyOf is the path of key under parent; elemOf that of parent's i-th
// element; pathAt is path, already written out.
func keyOf(parent, key string) keyPath    { return keyPath{parent: parent, key: key, index: pathIsKey} }
func elemOf(parent string, i int) keyPath { return keyPath{parent: parent, index: i} }
func pathAt(path string) keyPath          { return keyPath{parent: path, index: pathIsParent} }

// path writes out k; each call writes it anew, so a function that needs
// it more than once keeps the string.
func (p *parser) path(k keyPath) string {
	switch {
	case k.index >= 0:
		return p.indexPath(k.parent, k.index)
	case k.index == pathIsKey:
		return p.joinPath(k.parent, k.key)
	}
	return k.parent
}

// pathArena holds the key paths a Parse writes out: those of the maps
// and lists it reads (the parents of keyPaths) and those messages name.
// Almost none is ever read, so paths are written one after another into
// shared blocks rather than allocated one by one. A block is only
// appended to, never rewritten, so a path stays valid after later ones
// are added, and a string taken from it is as immutable as any
// (strings.Builder's String does not copy). A path a message keeps is
// cloned first (see parser.errorf), so that a Ruleset's warnings do not
// pin a block. The zero pathArena is ready to use; it is not safe for
// concurrent use (one Parse uses it).
type pathArena struct {
	b  *strings.Builder
	at int // where the path being written starts in b
}

// pathBlock is the largest size of the blocks paths are written into;
// they start at pathFirst bytes and double, so that a small config's
// paths take little more than their bytes.
const (
	pathBlock = 16 << 10
	pathFirst = 512
)

// start returns the builder to write a path of up to n bytes into.
func (a *pathArena) start(n int) *strings.Builder {
	if a.b == nil || a.b.Cap()-a.b.Len() < n {
		size := pathFirst
		if a.b != nil {
			size = min(pathBlock, 2*a.b.Cap())
		}
		a.b = new(strings.Builder)
		a.b.Grow(max(n, size))
	}
	a.at = a.b.Len()
	return a.b
}

// end returns the path written since start.
func (a *pathArena) end() string {
	return a.b.String()[a.at:]
}

// text reads a scalar that names something (an id, a salt): a string or an
// integer, as written.
func (p *parser) text(n *yaml.Node, at keyPath, what string) (string, bool) {
	if s, ok := textOf(n); ok {
		return s, true
	}
	p.errorf(resolve(n), p.path(at), ErrInvalidValue, "expected %s (a string), found %s", what, describe(n))
	return "", false
}

// textOf is what text reads, without the error.
func textOf(n *yaml.Node) (string, bool) {
	n = resolve(n)
	if stringTag(n) || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int") {
		return n.Value, true
	}
	return "", false
}

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

// pathArena holds the key paths a Parse builds. Every node read gets one,
// for the messages that name it, and almost none is ever read: so paths
// are written one after another into shared blocks rather than allocated
// one by one. A block is only appended to, never rewritten, so a path
// stays valid after later ones are added, and a string taken from it is
// as immutable as any (strings.Builder's String does not copy). A path a
// message keeps is cloned first (see parser.errorf), so that a Ruleset's
// warnings do not pin a block. The zero pathArena is ready to use; it is
// not safe for concurrent use (one Parse uses it).
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
func (p *parser) text(n *yaml.Node, path, what string) (string, bool) {
	if s, ok := textOf(n); ok {
		return s, true
	}
	p.errorf(resolve(n), path, ErrInvalidValue, "expected %s (a string), found %s", what, describe(n))
	return "", false
}

// textKey is text for the value n of key under path, whose path is only
// built for the error.
func (p *parser) textKey(n *yaml.Node, path, key, what string) (string, bool) {
	if s, ok := textOf(n); ok {
		return s, true
	}
	return p.text(n, p.joinPath(path, key), what)
}

// textOf is what text reads, without the error.
func textOf(n *yaml.Node) (string, bool) {
	n = resolve(n)
	if stringTag(n) || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int") {
		return n.Value, true
	}
	return "", false
}

package experiment

import (
	"strconv"

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

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func indexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// text reads a scalar that names something (an id, a salt): a string or an
// integer, as written.
func (p *parser) text(n *yaml.Node, path, what string) (string, bool) {
	n = resolve(n)
	if stringTag(n) || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int") {
		return n.Value, true
	}
	p.errorf(n, path, ErrInvalidValue, "expected %s (a string), found %s", what, describe(n))
	return "", false
}

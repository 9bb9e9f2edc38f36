package experiment

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// This file is how the parser reads a map whose keys are fixed (a variant,
// a condition, a ramp, a published experiment...): each such map has a
// shape, a table of its keys, and the "unknown key", "expected ..." and
// "missing key" messages are derived from the table. JSON is read into the
// same node tree as YAML (json.go), so one table serves both. Maps whose
// keys are names (experiments, groups, variants in the short form) are
// read with mapping instead.

// A field is one key a map may hold: its name, whether the map must hold
// it, and how its value is read into the map's target, a *T.
type field[T any] struct {
	name     string
	required bool
	// hint says what a required key's value is, for the message when the
	// key is missing ("a holdout needs share: HINT"); "" for none.
	hint string
	// read reads the key's value (en.v) into t and reports whether it
	// could; it reports its own errors. kp is the key's path, written out
	// only if read needs it (see keyPath).
	read func(p *parser, t *T, en entry, kp keyPath) bool
}

// A shape is the keys one kind of map may hold, in the order messages
// list them (at most maxFields).
type shape[T any] struct {
	what   string // the map in messages: "a variant"; "" for the top level
	fields []field[T]
	// open: a published map, read as the platform reads it: an unknown
	// key is ignored with a warning rather than rejected.
	open bool
	// whole: a key that cannot be read (a duplicate, a merge key, a key
	// that is not a string) drops the whole map, whose fields are then not
	// read; otherwise the other keys are read.
	whole bool
}

// keep is a field whose value's node is kept, in *node(t), to be read
// once the whole map is known; its path is never written out.
func keep[T any](name string, node func(*T) **yaml.Node) field[T] {
	return field[T]{name: name, read: func(_ *parser, t *T, en entry, _ keyPath) bool {
		*node(t) = en.v
		return true
	}}
}

// required is f marked as a key its map must hold, with a hint (see
// field.hint).
func required[T any](f field[T], hint string) field[T] {
	f.required, f.hint = true, hint
	return f
}

// maxFields bounds a shape's fields, so that the keys present fit in a
// bit set (TestShapes checks every shape).
const maxFields = 32

// read reads map node n into t, field by field in document order. It
// reports whether it read the map (n is a map, and no bad key made a whole
// shape drop it), and whether all went well: the keys are well-formed,
// all known (or the shape is open), every required key is present and
// every field was read. Every problem is reported; since a config with
// one fails to load, what is read after one only matters to Check, which
// should report what it can.
func (s *shape[T]) read(p *parser, n *yaml.Node, path string, t *T) (read, ok bool) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		p.errorf(n, path, ErrInvalidValue, "expected a map, found %s", describe(n))
		return false, false
	}
	bad := p.badKeys(n, path)
	if bad != nil && s.whole {
		return false, false
	}
	ok = bad == nil
	var present uint32
	for i := 0; i+1 < len(n.Content); i += 2 {
		if bad != nil && bad[i/2] {
			continue
		}
		k := resolve(n.Content[i])
		en := entry{key: k.Value, k: k, v: n.Content[i+1]}
		f := s.find(en.key)
		if f < 0 {
			ok = s.unknown(p, en, p.joinPath(path, en.key)) && ok
			continue
		}
		present |= 1 << f
		ok = s.fields[f].read(p, t, en, keyOf(path, en.key)) && ok
	}
	for i := range s.fields {
		if s.fields[i].required && present&(1<<i) == 0 {
			p.errorf(n, path, ErrMissingKey, "%s", s.missing(i))
			ok = false
		}
	}
	return true, ok
}

// find returns the index of the field named key, or -1.
func (s *shape[T]) find(key string) int {
	for i := range s.fields {
		if s.fields[i].name == key {
			return i
		}
	}
	return -1
}

// unknown reports a key the shape does not have: an error, or in an open
// shape a warning (and then the map still reads well).
func (s *shape[T]) unknown(p *parser, en entry, path string) bool {
	if s.open {
		p.warnf(en.k, path, "key %q is not part of %s; it is ignored", en.key, s.what)
		return true
	}
	if s.what == "" {
		p.errorf(en.k, path, ErrUnknownKey, "unknown top-level key %q; expected %s", en.key, s.expected())
	} else {
		p.errorf(en.k, path, ErrUnknownKey, "unknown key %q in %s; expected %s", en.key, s.what, s.expected())
	}
	return false
}

// expected lists the shape's keys: "a, b or c", or "a, b and c" when the
// map needs them all.
func (s *shape[T]) expected() string {
	all := true
	names := make([]string, len(s.fields))
	for i, f := range s.fields {
		names[i] = f.name
		all = all && f.required
	}
	if all {
		return list(names, "and")
	}
	return list(names, "or")
}

// missing is the message for the missing required field i: "a ramp needs
// from, to, start and end; to is missing", or with the field's hint, "a
// holdout needs share: the share of users it keeps out, such as 5%".
func (s *shape[T]) missing(i int) string {
	f := s.fields[i]
	if f.hint != "" {
		return s.what + " needs " + f.name + ": " + f.hint
	}
	var required []string
	for _, g := range s.fields {
		if g.required {
			required = append(required, g.name)
		}
	}
	if len(required) == 1 {
		return s.what + " needs " + f.name
	}
	return s.what + " needs " + list(required, "and") + "; " + f.name + " is missing"
}

// list joins names as "a, b or c" (with "or" or "and").
func list(names []string, conj string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + conj + " " + names[len(names)-1]
}

// smallMap is the size up to which badKeys finds duplicates by comparing
// each key with the ones before it, which costs less than a map.
const smallMap = 16

// badKeys checks the keys of map node n: each must be a string, not a
// merge key (<<), and not a repeat of an earlier key. It reports each
// that is not and returns, by pair index, which keys are bad; nil when
// all are well-formed (the common case, which allocates nothing for a
// map of up to smallMap keys).
func (p *parser) badKeys(n *yaml.Node, path string) []bool {
	pairs := len(n.Content) / 2
	var bad []bool
	var seen map[string]*yaml.Node // for maps of more than smallMap keys
	if pairs > smallMap {
		seen = make(map[string]*yaml.Node, pairs)
	}
	for i := 0; i < pairs; i++ {
		k := resolve(n.Content[2*i])
		if !p.keyFault(n, k, i, bad, seen, path) {
			if seen != nil {
				seen[k.Value] = k
			}
			continue
		}
		if bad == nil {
			bad = make([]bool, pairs)
		}
		bad[i] = true
	}
	return bad
}

// keyFault reports (as an error) whether key k, the i-th of map n, is not
// a string, is a merge key, or repeats an earlier well-formed key, found
// in seen or, when seen is nil, by comparison with the keys before it.
func (p *parser) keyFault(n, k *yaml.Node, i int, bad []bool, seen map[string]*yaml.Node, path string) bool {
	if k.Kind != yaml.ScalarNode {
		p.errorf(k, path, ErrInvalidValue, "a key is %s; expected a string", describe(k))
		return true
	}
	if k.ShortTag() == "!!merge" {
		p.errorf(k, path, ErrInvalidValue, "merge keys (<<) are not supported; repeat the keys instead")
		return true
	}
	var first *yaml.Node
	if seen != nil {
		first = seen[k.Value]
	} else {
		for j := 0; j < i && first == nil; j++ {
			if bad != nil && bad[j] {
				continue
			}
			if prev := resolve(n.Content[2*j]); prev.Value == k.Value {
				first = prev
			}
		}
	}
	if first != nil {
		p.errorf(k, p.joinPath(path, k.Value), ErrDuplicateKey, "duplicate key %q (first at line %d)", k.Value, first.Line)
		return true
	}
	return false
}

// mapping returns the entries of a map node whose keys are names (of
// experiments, groups, variants...), leaving out, and reporting, the keys
// badKeys rejects. A null node is an empty map when nullOK.
func (p *parser) mapping(n *yaml.Node, path string, nullOK bool) ([]entry, bool) {
	return p.appendEntries(nil, n, path, nullOK)
}

// pushEntries is mapping for a caller done with the entries before it
// returns: they are appended to the parser's stack of entries, not
// allocated, and the caller gives them back with popEntries(mark). A
// mapping read while they are held (a nested map) pushes after them.
func (p *parser) pushEntries(n *yaml.Node, path string, nullOK bool) (entries []entry, ok bool, mark int) {
	mark = len(p.scratch.entries)
	all, ok := p.appendEntries(p.scratch.entries, n, path, nullOK)
	if all != nil {
		p.scratch.entries = all
		return all[mark:len(all):len(all)], ok, mark
	}
	return nil, ok, mark
}

// popEntries gives back the entries pushed since mark (see pushEntries).
func (p *parser) popEntries(mark int) {
	p.scratch.entries = p.scratch.entries[:mark]
}

// appendEntries is mapping, appending the entries to out; out nil, they
// are a slice of their own (nil for none).
func (p *parser) appendEntries(out []entry, n *yaml.Node, path string, nullOK bool) ([]entry, bool) {
	n = resolve(n)
	if nullOK && isNull(n) {
		return out, true
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, path, ErrInvalidValue, "expected a map, found %s", describe(n))
		return out, false
	}
	bad := p.badKeys(n, path)
	if out == nil {
		out = make([]entry, 0, len(n.Content)/2)
	} else {
		out = slices.Grow(out, len(n.Content)/2)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if bad != nil && bad[i/2] {
			continue
		}
		k := resolve(n.Content[i])
		out = append(out, entry{key: k.Value, k: k, v: n.Content[i+1]})
	}
	return out, bad == nil
}

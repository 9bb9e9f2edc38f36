package experiment

import (
	"math"
	"strings"
)

// This file holds the attributes a Context carries inline, so that
// building a Context per request allocates nothing and a condition reads
// its attribute without hashing a name or switching on a Go type:
//
//   - the typed setters (WithString, WithBool, WithInt, WithFloat) write
//     into a small array inside the Context;
//   - the first With copies a small map of plain values into the same
//     array (a mirror: the map stays the source for Attr), so a Context
//     built the usual way is read the same fast way.
//
// A condition finds its attribute by comparing names over at most
// maxInline entries before it looks in the map, if any. BENCHMARKS.md has
// the figures.

// maxInline is how many attributes a Context holds inline; more go to a
// map, which allocates. Two, not four: a Context is passed by value, and
// each inline entry adds to every evaluation's copy (with four, VariantFor
// cost 478 instructions and a targeted evaluation 984; with two, 445 and
// 958; BENCHMARKS.md).
const maxInline = 2

// attrVal is an attribute value as conditions compare it: its kind and,
// by kind, the string s (with its nameKey in x, which the fast conditions
// compare first, fastcond.go), the number in x (an int64 when isInt, else
// the bits of a float64) or the boolean b. inMap says the value is also
// Context.attrs' under the same name (a mirrored entry, or one read from
// the map); a typed setter's is not.
type attrVal struct {
	s     string
	x     uint64
	k     kind
	isInt bool
	b     bool
	inMap bool
}

// inlineAttr is one attribute held inline; key is nameKey(name).
type inlineAttr struct {
	name string
	key  uint64
	attrVal
}

// nameKey is the word a string (an attribute name, or a string a fast
// condition compares, fastcond.go) is compared by first: its first seven
// bytes, little-endian and zero-padded, and its length in the top byte
// (255 for 255 bytes or more). Two strings shorter than eight bytes are
// equal exactly when their words are; longer ones with the same word have
// the same first seven bytes and compare the rest. A string of 2 to 7
// bytes is read as two overlapping loads, which give the same bytes where
// they overlap, rather than byte by byte.
func nameKey(s string) uint64 {
	var w uint64
	switch n := len(s); {
	case n >= 8:
		w = word(s) &^ (0xff << 56)
	case n >= 4:
		w = uint64(word32(s)) | uint64(word32(s[n-4:]))<<(8*(n-4))
	case n >= 2:
		w = uint64(s[0]) | uint64(s[1])<<8 | (uint64(s[n-2])|uint64(s[n-1])<<8)<<(8*(n-2))
	case n == 1:
		w = uint64(s[0])
	}
	return w | uint64(min(len(s), 255))<<56
}

// word32 is the little-endian word of the first four bytes of s, which
// has at least four.
func word32(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// is reports whether a is the attribute named name, whose key is key.
func (a *inlineAttr) is(name string, key uint64) bool {
	return a.key == key && (len(name) < 8 || a.name[7:] == name[7:])
}

// valOf classifies a Go attribute value (see With for the types).
func valOf(v any) attrVal {
	if s, ok := v.(string); ok {
		return stringVal(s)
	}
	k, s, n, b := attrKind(v)
	a := attrVal{k: k, s: s, b: b}
	switch k {
	case kNumber:
		a.setNum(n)
	case kString:
		a.x = nameKey(s)
	}
	return a
}

// stringVal is the string attribute s.
func stringVal(s string) attrVal { return attrVal{k: kString, s: s, x: nameKey(s)} }

func (a *attrVal) setNum(n number) {
	a.isInt = n.isInt
	if n.isInt {
		a.x = uint64(n.i)
	} else {
		a.x = math.Float64bits(n.f)
	}
}

// num is a kNumber value as a number.
func (a *attrVal) num() number {
	if a.isInt {
		return intNum(int64(a.x))
	}
	return floatNum(math.Float64frombits(a.x))
}

// boxed is the value as Attr returns it: a string, bool, int64, float64
// or nil.
func (a *attrVal) boxed() any {
	switch a.k {
	case kString:
		return a.s
	case kBool:
		return a.b
	case kNumber:
		if a.isInt {
			return int64(a.x)
		}
		return math.Float64frombits(a.x)
	}
	return nil
}

// WithString returns a copy of c with the string attribute name set to v,
// replacing any earlier value of name (from With or a setter). Up to two
// attributes set this way (or by WithBool, WithInt, WithFloat) are held
// inside the Context and cost no allocation, whether v is known at compile
// time or not; a third and later ones go to a map, which allocates. This is
// the fast way to build a Context per request: see Example_perRequest. c
// itself is unchanged.
func (c Context) WithString(name, v string) Context {
	c.set(name, attrVal{k: kString, s: v})
	return c
}

// WithBool is WithString for a boolean attribute.
func (c Context) WithBool(name string, v bool) Context {
	c.set(name, attrVal{k: kBool, b: v})
	return c
}

// WithInt is WithString for an integer attribute; conditions compare it
// exactly, as they do any Go integer given to With.
func (c Context) WithInt(name string, v int64) Context {
	c.set(name, attrVal{k: kNumber, isInt: true, x: uint64(v)})
	return c
}

// WithFloat is WithString for a floating-point attribute.
func (c Context) WithFloat(name string, v float64) Context {
	c.set(name, attrVal{k: kNumber, x: math.Float64bits(v)})
	return c
}

// set holds name = v inline, replacing an inline entry of that name; a
// string's nameKey is computed here (see attrVal), which keeps WithString
// small enough to inline. It works in place, so that a setter copies the
// Context only as its signature does.
func (c *Context) set(name string, v attrVal) {
	if v.k == kString {
		v.x = nameKey(v.s)
	}
	key := nameKey(name)
	for i := range c.n {
		if a := &c.inline[i]; a.is(name, key) {
			a.attrVal = v
			return
		}
	}
	if c.n < maxInline {
		c.inline[c.n] = inlineAttr{name: name, key: key, attrVal: v}
		c.n++
		return
	}
	c.spill(name, v)
}

// spill puts name = v in a new map, when the inline entries are full.
func (c *Context) spill(name string, v attrVal) {
	c.attrs = merge(c.attrs, map[string]any{name: v.boxed()})
	c.mirrored = false
}

// mirror copies c.attrs inline when it has at most maxInline entries and
// none is a list, a map or another type no condition reads (kOther); c
// has no inline entries yet. A mirrored map needs no lookup at all: a
// name not inline is missing from it too (a dotted name can only be
// walked through a nested map, and there is none).
func (c *Context) mirror() {
	if len(c.attrs) > maxInline {
		return
	}
	if n, ok := copyPlain(c.inline[:], c.attrs); ok {
		c.n, c.mirrored = n, true
	} else {
		clear(c.inline[:])
	}
}

// copyPlain copies the entries of m, which are at most len(dst), into dst
// and returns how many; it reports false, leaving dst partly written, when
// one is of a type no condition reads (kOther).
func copyPlain(dst []inlineAttr, m map[string]any) (uint8, bool) {
	var n uint8
	for k, v := range m {
		e := &dst[n] // in place: a composite literal would be built, then copied
		if s, ok := v.(string); ok {
			e.attrVal = stringVal(s) // valOf's first case, without its call
		} else if e.attrVal = valOf(v); e.k == kOther {
			return 0, false
		}
		e.name, e.key, e.inMap = k, nameKey(k), true
		n++
	}
	return n, true
}

// maxWide is how many entries of a Context's map a call evaluating every
// experiment (Assignments, AppendAssignments) copies to its stack, when
// the map has too many to be mirrored inline. Each condition then reads
// its attribute from the copy, comparing words (nameKey), rather than
// hashing its name into the map and classifying its value each time:
// for experimentd's 25 experiments with targeting on a context of three
// attributes, the evaluation's instructions per request fell from 14.7k
// to 10.1k (BENCHMARKS.md). Eight entries take 448 bytes of stack.
const maxWide = 8

// wideAttrs is that copy, made on the first condition that looks an
// attribute up (Context.buildWide), so that a call no condition of which
// reads the map pays nothing but clearing it. ok says the map could be
// copied: at most maxWide entries, and no list or map among them (which a
// dotted name could walk into); when it could not, conditions read the
// map.
type wideAttrs struct {
	built, ok bool
	n         uint8
	a         [maxWide]inlineAttr
}

// wideValue looks name (whose nameKey is key) up in c's copy of its map,
// if it has one: it returns the attribute, or nil when the map has none,
// and reports whether the copy decided it; without a copy, or one that
// could not be made (see wideAttrs), it reports false, and the caller
// reads the map. c holds no such attribute inline.
func (c *Context) wideValue(name string, key uint64) (a *attrVal, done bool) {
	w := c.wide
	if w == nil {
		return nil, false
	}
	if !w.built {
		c.buildWide()
	}
	if !w.ok {
		return nil, false
	}
	for i := range w.n {
		if e := &w.a[i]; e.is(name, key) {
			return &e.attrVal, true
		}
	}
	return nil, true
}

// buildWide makes c's copy of its map. When c holds no attribute inline,
// the copy's first maxInline entries are held inline as well, where holds
// compares them first: only the others are looked up in the copy (which
// holds them all, so that a name found in neither is missing).
func (c *Context) buildWide() {
	w := c.wide
	w.built = true
	if len(c.attrs) > maxWide {
		return
	}
	if w.n, w.ok = copyPlain(w.a[:], c.attrs); w.ok && c.n == 0 {
		c.n = uint8(copy(c.inline[:], w.a[:w.n]))
	}
}

// withMore is With on a Context that already has attributes: the inline
// entries attrs replaces are dropped, and attrs is merged into the map.
func (c Context) withMore(attrs map[string]any) Context {
	var j uint8
	for i := range c.n {
		if _, ok := attrs[c.inline[i].name]; !ok {
			c.inline[j] = c.inline[i]
			j++
		}
	}
	clear(c.inline[j:c.n])
	c.n = j
	if len(c.attrs) == 0 {
		c.attrs = attrs
	} else {
		c.attrs = merge(c.attrs, attrs)
	}
	c.mirrored = false
	return c
}

// value returns the attribute conditions see under name (whose nameKey is
// key): inline first, then in the map (arrays: see attr).
func (c *Context) value(name string, key uint64, arrays bool) (attrVal, bool) {
	for i := range c.n {
		if a := &c.inline[i]; a.is(name, key) {
			return a.attrVal, true
		}
	}
	if c.mirrored || c.attrs == nil {
		return attrVal{}, false
	}
	if a, done := c.wideValue(name, key); done {
		if a == nil {
			return attrVal{}, false
		}
		return *a, true
	}
	v, ok := c.attr(name, arrays)
	if !ok {
		return attrVal{}, false
	}
	a := valOf(v)
	a.inMap = true
	return a, true
}

// regexpInput is the string attribute a (found under name) as a matches
// condition hands it to regexp. regexp keeps its input in a pooled
// machine during the match, which escape analysis reads as the input
// escaping: a string held inline would make every Context, and the map in
// it, escape. So a value from the map is read from the map again (its
// strings are on the heap already) and a typed setter's is copied, which
// allocates.
func (c *Context) regexpInput(name string, arrays bool, a *attrVal) string {
	if !a.inMap {
		return strings.Clone(a.s)
	}
	v, _ := c.attr(name, arrays)
	return valOf(v).s
}

// lookupAny is value as a Go value, for Attr and Explain: a mirrored entry
// is the map's own value, one from a setter is boxed (which may allocate).
func (c *Context) lookupAny(name string, arrays bool) (any, bool) {
	for i := range c.n {
		if a := &c.inline[i]; a.name == name {
			if a.inMap {
				return c.attrs[name], true
			}
			return a.boxed(), true
		}
	}
	return c.attr(name, arrays)
}

// same is a == b, byte by byte up to 16 bytes: attribute names and the
// strings of an in list are short, and for them this costs less than the
// runtime's general comparison, which is a call.
func same(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) > 16 {
		return a == b
	}
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

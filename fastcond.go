package experiment

// Conditions of the two commonest shapes, eq with a string and in over a
// list of strings, are laid out at load so that matching one reads the
// attribute where the Context holds it inline and compares the strings
// by length and first word before any byte:
//
//   - the attribute is found among the Context's inline entries by the
//     packed key cond.key (attrs.go), with no map hashing and no copy of
//     the value;
//   - each string of the condition is held as a word of its first seven
//     bytes and its length (nameKey), so a list is scanned a word at a
//     time; the attribute's string carries its word from the setter
//     (attrVal.x). A string shorter than eight bytes is all in its word;
//     only a longer one whose word matches compares its rest.
//
// Everything else, and an attribute not held inline in a Context that
// also has a map, goes to the general matchAny, which gives the same
// answer (TestFastCondMatchesAny checks it).

// fastKind is which shape a condition was laid out for.
type fastKind uint8

const (
	fastNone     fastKind = iota // matchAny decides
	fastEqString                 // eq with a string value
	fastInString                 // in over a list of strings only
)

// layOut sets d's fast form, from its operator and value; the condition is
// otherwise unchanged. A condition whose value makes it false for
// everyone (never), a snapshot condition without a value, or one of
// another shape stays on matchAny. Setting the same form twice is
// harmless: a rule list shared by experiments is laid out once per
// experiment.
func (p *parser) layOut(d *cond) {
	switch {
	case d.never || d.val.kind == kUndefined:
	case d.op == opEq && d.val.kind == kString:
		p.layOutStrings(d, append(p.slabs.strs.take(1), d.val.s))
		d.fast = fastEqString
	case d.op == opIn && d.val.isList && d.val.strs != nil:
		p.layOutStrings(d, d.val.strs)
		d.fast = fastInString
	}
	d.short = d.fast != fastNone && len(d.attr) > 0 && len(d.attr) < 8
	for _, s := range d.strs {
		d.short = d.short && len(s) < 8
	}
}

// layOutStrings sets d's strings and their words (from the slab).
func (p *parser) layOutStrings(d *cond, strs []string) {
	d.strs, d.words = strs, p.slabs.keys.take(len(strs))[:len(strs)]
	for i, s := range strs {
		d.words[i] = nameKey(s)
	}
}

// layOutRules lays out every condition of rs.
func (p *parser) layOutRules(rs rules) {
	for _, r := range rs {
		for i := range r {
			p.layOut(&r[i])
		}
	}
}

// match evaluates the condition for c: the fast form when d has one and
// c holds the attribute inline (or has no map in which it could be), else
// matchAny.
func (d *cond) match(c *Context) bool {
	if d.fast != fastNone {
		a := c.inlineValue(d.attr, d.key)
		if a == nil {
			if c.mirrored || c.attrs == nil {
				return false // missing: eq and in are false
			}
			if a = c.wideShort(d.attr, d.key); a == nil {
				return d.matchAny(c)
			}
		}
		return a.k == kString && d.hasString(a)
	}
	return d.matchAny(c)
}

// holds reports whether every condition of the rule r matches c. It is
// match for each, written out for the commonest case, a short condition
// (an attribute name and strings all shorter than eight bytes, layOut),
// where words alone decide (nameKey) and nothing is called: the
// attribute's name is its word, and a string attribute equals one of the
// condition's strings exactly when its word is one of theirs (a longer
// string's word has a length of eight or more in its top byte, so it is
// none of them). Any other condition, and the rest of the rule after it,
// goes to holdsFrom, as does an attribute that is neither inline nor in
// the call's copy of the map (wideAttrs, when it has one). The inline
// entries are read one by one (maxInline is two), which costs less than a
// loop, without checking Context.n: an entry past n is zero, and a short
// condition's name is not empty, so its word is not zero.
func (c *Context) holds(r []cond) bool {
	for i := range r {
		d := &r[i]
		if !d.short {
			return c.holdsFrom(r, i)
		}
		var a *attrVal
		switch key := d.key; {
		case c.inline[0].key == key:
			a = &c.inline[0].attrVal
		case c.inline[1].key == key:
			a = &c.inline[1].attrVal
		case c.mirrored || c.attrs == nil:
			return false // missing: eq and in are false
		default:
			if a = c.wideShort(d.attr, key); a == nil {
				return c.holdsFrom(r, i)
			}
		}
		if a.k != kString || !hasWord(d.words, a.x) {
			return false
		}
	}
	return true
}

// wideShort is wideValue for a short condition, which reads the
// attribute's kind and word alone: the attribute, or noAttr when c's copy
// of its map does not hold it; nil when c has no copy, or one that cannot
// decide.
func (c *Context) wideShort(name string, key uint64) *attrVal {
	a, done := c.wideValue(name, key)
	if done && a == nil {
		return &noAttr
	}
	return a
}

// noAttr is a missing attribute for a short condition: of kind kOther,
// which no eq or in condition matches. Nothing writes it.
var noAttr attrVal

// holds reads exactly maxInline inline entries: these fail to compile
// if it changes.
const (
	_ uint = maxInline - 2
	_ uint = 2 - maxInline
)

// hasWord reports whether x is in words.
func hasWord(words []uint64, x uint64) bool {
	for _, w := range words {
		if w == x {
			return true
		}
	}
	return false
}

// holdsFrom reports whether the conditions of r from the i-th on all
// match c, each by match.
func (c *Context) holdsFrom(r []cond, i int) bool {
	for ; i < len(r); i++ {
		if !r[i].match(c) {
			return false
		}
	}
	return true
}

// hasString reports whether the string attribute a is one of d's strings
// (the one of eq, or an element of in's list): a.x is its nameKey, which
// for a string shorter than eight bytes settles it.
func (d *cond) hasString(a *attrVal) bool {
	for i, w := range d.words {
		if w == a.x && (len(a.s) < 8 || d.strs[i][7:] == a.s[7:]) {
			return true
		}
	}
	return false
}

// inlineValue returns the inline entry of c named name (whose nameKey is
// key), or nil.
func (c *Context) inlineValue(name string, key uint64) *attrVal {
	for i := range c.n {
		if a := &c.inline[i]; a.is(name, key) {
			return &a.attrVal
		}
	}
	return nil
}

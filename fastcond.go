package experiment

// Conditions of the two commonest shapes, eq with a string and in over a
// list of strings, are laid out at load so that matching one reads the
// attribute where the Context holds it inline and compares the strings
// by length and first word before any byte:
//
//   - the attribute is found among the Context's inline entries by the
//     packed key cond.key (attrs.go), with no map hashing and no copy of
//     the value;
//   - each string of the condition shorter than eight bytes is held as
//     one word that is the whole string and its length (strKey), so a
//     list of them is scanned a word at a time, with no byte compared;
//     the attribute's string carries its word from the setter (attrVal.x).
//     Longer strings are compared as strings.
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
func (d *cond) layOut() {
	switch {
	case d.never || d.val.kind == kUndefined:
	case d.op == opEq && d.val.kind == kString:
		d.layOutStrings([]string{d.val.s})
		d.fast = fastEqString
	case d.op == opIn && d.val.isList && d.val.strs != nil:
		d.layOutStrings(d.val.strs)
		d.fast = fastInString
	}
}

// layOutStrings sets d's words and long strings from its strings.
func (d *cond) layOutStrings(strs []string) {
	d.words, d.long = nil, nil
	for _, s := range strs {
		if len(s) < 8 {
			d.words = append(d.words, strKey(s))
		} else {
			d.long = append(d.long, s)
		}
	}
}

// strKey is the word a string shorter than eight bytes is compared by:
// its bytes (little-endian, as nameKey) and its length in the top byte,
// which such a string leaves zero, so two strings shorter than eight
// bytes are equal exactly when their words are. A longer string's word
// is nameKey's (not used for equality).
func strKey(s string) uint64 {
	if len(s) < 8 {
		return nameKey(s) | uint64(len(s))<<56
	}
	return nameKey(s)
}

// layOutRules lays out every condition of rs.
func layOutRules(rs rules) {
	for _, r := range rs {
		for i := range r {
			r[i].layOut()
		}
	}
}

// match evaluates the condition for c: the fast form when d has one and
// c holds the attribute inline (or has no map in which it could be), else
// matchAny.
func (d *cond) match(c *Context) bool {
	if d.fast != fastNone {
		if a := c.inlineValue(d.attr, d.key); a != nil {
			return a.k == kString && d.hasString(a)
		}
		if c.mirrored || c.attrs == nil {
			return false // missing: eq and in are false
		}
	}
	return d.matchAny(c)
}

// holds reports whether every condition of the rule r matches c: match
// for each, written out so that the common shapes cost no call.
func (c *Context) holds(r []cond) bool {
	for i := range r {
		d := &r[i]
		if d.fast != fastNone {
			if a := c.inlineValue(d.attr, d.key); a != nil {
				if a.k != kString || !d.hasString(a) {
					return false
				}
				continue
			}
			if c.mirrored || c.attrs == nil {
				return false
			}
		}
		if !d.matchAny(c) {
			return false
		}
	}
	return true
}

// hasString reports whether the string attribute a is one of d's strings
// (the one of eq, or an element of in's list): a.x is its strKey.
func (d *cond) hasString(a *attrVal) bool {
	if len(a.s) < 8 {
		for _, w := range d.words {
			if w == a.x {
				return true
			}
		}
		return false
	}
	return d.hasLong(a.s)
}

// hasLong reports whether s, of eight bytes or more, is one of d's long
// strings.
func (d *cond) hasLong(s string) bool {
	for _, x := range d.long {
		if x == s {
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

package experiment

import "maps"

// Context is the user an evaluation is for: a user id and, optionally,
// targeting attributes. Build one with ContextFor and add attributes with
// With. A Context is a small value: copy it freely and pass it by value.
//
// The zero Context is the user with the empty id and no attributes; the
// empty id is hashed like any other.
//
// A Context never changes after it is built, and is safe for concurrent use
// as long as the attribute maps given to With are not modified.
type Context struct {
	userID string
	attrs  map[string]any
	req    *request // set by Middleware: the request's pinned ruleset, QA overrides, exposures seen
	prefix murmur   // MurmurHash3 of "userID:", when hashed (see hash.go)
	at     int64    // Unix nanoseconds
	hashed bool
	hasAt  bool // At was given: schedules are read at at (see schedule.go)
	// Attributes held inline (attrs.go): n entries of inline, set by the
	// typed setters or mirrored from attrs (the entries past n are zero,
	// which holds relies on); mirrored: every entry of attrs is inline.
	n        uint8
	mirrored bool
	inline   [maxInline]inlineAttr
	// wide, when not nil, is the copy of attrs that a call evaluating
	// every experiment reads instead of the map (attrs.go). Only that
	// call's own copy of the Context has it, for the call's length.
	wide *wideAttrs
}

// ContextFor returns the Context for the user with the given id, without
// attributes. It hashes the user's part of every bucket input once, so
// that each evaluation hashes only the experiment's salt; it allocates
// nothing.
func ContextFor(userID string) Context {
	return Context{userID: userID, prefix: userHash(userID), hashed: true}
}

// With returns a copy of c with attrs added to its targeting attributes; a
// key in attrs replaces the same key already in c (from With or a typed
// setter such as WithString). c itself is unchanged.
//
// The first With on a Context keeps attrs as it is, without copying the
// map, so building a Context allocates nothing beyond the map itself: do
// not modify attrs while the Context is in use. When attrs has at most two
// entries, none a list or a map, their values are also copied into the
// Context, where conditions read them without a map lookup; Assignments
// and AppendAssignments do the same for up to eight, on their own copy
// of the Context. The evaluation methods do not keep c or attrs, so a map
// literal built per request can stay on the caller's stack: its only
// allocations are the boxes of values not known at compile time (one per
// such string or number). The typed setters avoid even those. A later
// With merges both maps into a new one. A nil or empty attrs returns c
// unchanged.
//
// Attribute values are strings, booleans, nil (JSON null), numbers of any Go
// numeric type or json.Number (compared by value), and nested
// map[string]any or map[string]string reached by dotted names (see "Targeting attributes" in the package documentation).
// Values of other types (slices, structs) never equal anything.
func (c Context) With(attrs map[string]any) Context {
	if len(attrs) == 0 {
		return c
	}
	if len(c.attrs) == 0 && c.n == 0 {
		c.attrs = attrs
		c.mirror()
		return c
	}
	return c.withMore(attrs)
}

// merge returns a new map with a's entries, then b's. It is out of line so
// that With stays cheap enough to inline.
func merge(a, b map[string]any) map[string]any {
	m := make(map[string]any, len(a)+len(b))
	maps.Copy(m, a)
	maps.Copy(m, b)
	return m
}

// Ruleset returns the ruleset Middleware pinned for the request c was
// built for, or nil for a Context built otherwise. The template
// functions of FuncMap evaluate against it.
func (c Context) Ruleset() *Ruleset {
	if c.req == nil {
		return nil
	}
	return c.req.rules
}

// UserID returns the user id c was built for.
func (c Context) UserID() string { return c.userID }

// Attr returns the attribute that targeting rules see under name: the exact
// key first; failing that, name is split on '.' and walked through nested
// maps (map[string]any or map[string]string). It reports whether the
// attribute is present; a present attribute may be nil (JSON null). A value
// from a typed setter comes back as a string, bool, int64 or float64 (a
// non-empty string or a number is boxed, which allocates); one from With
// comes back as given, without allocating.
func (c Context) Attr(name string) (any, bool) {
	return c.lookupAny(name, false)
}

// attr is Attr; with arrays, the dotted walk also goes into []any by index
// or "length", as the platform's lookup does on JSON arrays (snapshots
// only: doc.go's "Targeting attributes" walks maps).
func (c *Context) attr(name string, arrays bool) (any, bool) {
	if c.attrs == nil {
		return nil, false
	}
	if v, ok := c.attrs[name]; ok {
		return v, true
	}
	return lookupPath(c.attrs, name, arrays)
}

// lookupPath walks a dotted name through nested maps. It allocates nothing.
func lookupPath(m map[string]any, name string, arrays bool) (any, bool) {
	var cur any = m
	rest := name
	for {
		part, more, found := cut(rest, '.')
		if !found && rest == name {
			return nil, false // no dot: the exact lookup already failed
		}
		var v any
		var ok bool
		switch t := cur.(type) {
		case map[string]any:
			v, ok = t[part]
		case map[string]string:
			var s string
			s, ok = t[part]
			v = s
		case []any:
			if arrays {
				v, ok = arrayProperty(t, part)
			}
		}
		if !ok {
			return nil, false
		}
		if !found {
			return v, true
		}
		cur, rest = v, more
	}
}

// arrayProperty is what the platform's dotted lookup finds on a JSON array:
// an element by its canonical decimal index, or the length.
func arrayProperty(a []any, name string) (any, bool) {
	if name == "length" {
		return float64(len(a)), true
	}
	if name == "" || len(name) > 9 || (name[0] == '0' && len(name) > 1) {
		return nil, false
	}
	i := 0
	for j := 0; j < len(name); j++ {
		if !isDigit(name[j]) {
			return nil, false
		}
		i = i*10 + int(name[j]-'0')
	}
	if i >= len(a) {
		return nil, false
	}
	return a[i], true
}

// cut is strings.Cut for one byte.
func cut(s string, sep byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

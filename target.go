package experiment

import (
	"reflect"
	"strings"

	"golang.org/x/mod/semver"
)

const (
	kOther     kind = iota // list or map: never equal to anything
	kNull                  // JSON null
	kBool                  // true or false
	kNumber                // any number
	kString                // a string
	kUndefined             // a snapshot condition without a value: JavaScript's undefined
)

// doubles returns v with every number a float64, as JavaScript reads JSON:
// the platform compares a snapshot's numbers as doubles.
func (v value) doubles() value {
	if v.kind == kNumber {
		v.n = floatNum(v.n.f)
	}
	for i := range v.list {
		v.list[i] = v.list[i].doubles()
	}
	return v
}

// attrKind classifies an attribute value; s, n and b carry it.
func attrKind(v any) (k kind, s string, n number, b bool) {
	switch t := v.(type) {
	case nil:
		return kNull, "", number{}, false
	case string:
		return kString, t, number{}, false
	case bool:
		return kBool, "", number{}, t
	}
	if n, ok := toNumber(v); ok {
		return kNumber, "", n, false
	}
	// Named types (type Plan string) by their underlying kind.
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return kString, rv.String(), number{}, false
	case reflect.Bool:
		return kBool, "", number{}, rv.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return kNumber, "", intNum(rv.Int()), false
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return kNumber, "", uintNum(rv.Uint()), false
	case reflect.Float32, reflect.Float64:
		return kNumber, "", floatNum(rv.Float()), false
	}
	return kOther, "", number{}, false
}

// equal is the "Targeting attributes" section's eq: same type, numbers by
// value, lists and maps never.
func (v *value) equal(a *attrVal) bool {
	if a.k != v.kind {
		return false
	}
	switch a.k {
	case kNull:
		return true
	case kBool:
		return a.b == v.b
	case kString:
		return a.s == v.s
	case kNumber:
		c, ok := a.num().cmp(v.n)
		return ok && c == 0
	}
	return false
}

// matchAny evaluates the condition for c, whatever its shape (match
// takes the common shapes a faster way, fastcond.go).
func (d *cond) matchAny(c *Context) bool {
	a, ok := c.value(d.attr, d.key, d.platform)
	if d.val.kind == kUndefined {
		return d.matchUndefined(ok)
	}
	switch d.op {
	case opNeq:
		return !ok || !d.val.equal(&a)
	case opNotIn:
		if !d.val.isList {
			return false
		}
		return !ok || !d.val.inList(&a)
	}
	if !ok || d.never {
		return false
	}
	switch d.op {
	case opEq:
		return d.val.equal(&a)
	case opIn:
		return d.val.isList && d.val.inList(&a)
	case opContains:
		return a.k == kString && d.val.kind == kString && strings.Contains(a.s, d.val.s)
	case opGt, opLt, opGte, opLte:
		if a.k != kNumber || d.val.kind != kNumber {
			return false
		}
		c, ok := a.num().cmp(d.val.n)
		return ok && d.op.holds(c)
	case opMatches:
		return a.k == kString && d.re.MatchString(c.regexpInput(d.attr, d.platform, &a))
	case opSemverEq, opSemverGt, opSemverGte, opSemverLt, opSemverLte:
		if a.k != kString {
			return false
		}
		c, ok := compareVersion(a.s, d.ver)
		return ok && d.op.holds(c)
	}
	return false
}

// matchUndefined matches a snapshot condition whose value is JavaScript's
// undefined, which equals only a missing attribute; the platform's
// `path in obj` finds the names every object inherits. ok is whether the
// attribute is present.
func (d *cond) matchUndefined(ok bool) bool {
	missing := !ok && !jsPrototypeNames[d.attr]
	switch d.op {
	case opEq:
		return missing
	case opNeq:
		return !missing
	}
	return false
}

// holds reports whether a comparison result c (-1, 0 or 1) satisfies an
// ordering operator: gt, lt, gte, lte or a semver one.
func (o op) holds(c int) bool {
	switch o {
	case opGt, opSemverGt:
		return c > 0
	case opLt, opSemverLt:
		return c < 0
	case opGte, opSemverGte:
		return c >= 0
	case opLte, opSemverLte:
		return c <= 0
	}
	return c == 0 // opSemverEq
}

// inList reports whether a equals an element of v's list.
func (v *value) inList(a *attrVal) bool {
	if a.k == kString && v.strs != nil {
		for _, x := range v.strs {
			if same(x, a.s) {
				return true
			}
		}
		return false
	}
	for i := range v.list {
		if v.list[i].equal(a) {
			return true
		}
	}
	return false
}

// canonicalVersion returns s with a leading "v" added where missing, and
// whether that is a valid version for golang.org/x/mod/semver.
func canonicalVersion(s string) (string, bool) {
	if !strings.HasPrefix(s, "v") {
		s = "v" + s
	}
	return s, semver.IsValid(s)
}

// compareVersion compares the attribute version s with the canonical
// config version ver. A version of up to 63 bytes without its "v" is
// prefixed in a stack buffer, so the comparison allocates nothing.
func compareVersion(s, ver string) (int, bool) {
	if strings.HasPrefix(s, "v") {
		if !semver.IsValid(s) {
			return 0, false
		}
		return semver.Compare(s, ver), true
	}
	if len(s) >= 64 {
		v, ok := canonicalVersion(s)
		if !ok {
			return 0, false
		}
		return semver.Compare(v, ver), true
	}
	var buf [64]byte
	buf[0] = 'v'
	n := 1 + copy(buf[1:], s)
	v := string(buf[:n])
	if !semver.IsValid(v) {
		return 0, false
	}
	return semver.Compare(v, ver), true
}

// first returns the index of the first rule whose conditions all match,
// or -1 when none does.
func (rs rules) first(c *Context) int {
	for i, r := range rs {
		if c.holds(r) {
			return i
		}
	}
	return -1
}

// match reports whether rs matches: an empty list matches everyone.
func (rs rules) match(c *Context) bool {
	if len(rs) == 0 {
		return true
	}
	for _, r := range rs {
		if c.holds(r) {
			return true
		}
	}
	return false
}

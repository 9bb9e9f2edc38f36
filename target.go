package experiment

import (
	"encoding/json"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/mod/semver"
)

// op is a condition operator (SPEC 5).
type op uint8

const (
	opEq op = iota + 1
	opNeq
	opIn
	opNotIn
	opContains
	opGt
	opLt
	opGte
	opLte
	opMatches
	opSemverEq
	opSemverGt
	opSemverGte
	opSemverLt
	opSemverLte
	opFalse // a snapshot's operator the platform does not know
)

// operators maps the operator names of SPEC 5 to ops. platform marks the
// seven the platform seed knows; the rest are extensions.
var operators = map[string]struct {
	op       op
	platform bool
}{
	"eq": {opEq, true}, "neq": {opNeq, true}, "in": {opIn, true}, "notIn": {opNotIn, true},
	"contains": {opContains, true}, "gt": {opGt, true}, "lt": {opLt, true},
	"gte": {opGte, false}, "lte": {opLte, false}, "matches": {opMatches, false},
	"semverEq": {opSemverEq, false}, "semverGt": {opSemverGt, false}, "semverGte": {opSemverGte, false},
	"semverLt": {opSemverLt, false}, "semverLte": {opSemverLte, false},
}

// kind is the type of a config value, as the operators see it.
type kind uint8

const (
	kOther     kind = iota // list or map: never equal to anything
	kNull                  // JSON null
	kBool                  // true or false
	kNumber                // any number
	kString                // a string
	kUndefined             // a snapshot condition without a value: JavaScript's undefined
)

// number is a numeric value: an exact int64 when isInt, else a float64.
type number struct {
	i     int64
	f     float64
	isInt bool
}

func intNum(i int64) number     { return number{i: i, f: float64(i), isInt: true} }
func floatNum(f float64) number { return number{f: f} }

func uintNum(u uint64) number {
	if u <= math.MaxInt64 {
		return intNum(int64(u))
	}
	return floatNum(float64(u))
}

// cmp compares a and b exactly, whatever mix of integer and float they
// are: -1, 0 or +1, and false when either is NaN.
func (a number) cmp(b number) (int, bool) {
	switch {
	case a.isInt && b.isInt:
		return cmpOrdered(a.i, b.i), true
	case a.isInt:
		c, ok := cmpIntFloat(a.i, b.f)
		return c, ok
	case b.isInt:
		c, ok := cmpIntFloat(b.i, a.f)
		return -c, ok
	}
	if math.IsNaN(a.f) || math.IsNaN(b.f) {
		return 0, false
	}
	return cmpOrdered(a.f, b.f), true
}

func cmpOrdered[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpIntFloat compares i with f without rounding i to a float64, which
// would make 2^53+1 equal to 2^53.
func cmpIntFloat(i int64, f float64) (int, bool) {
	switch {
	case math.IsNaN(f):
		return 0, false
	case f >= 1<<63:
		return -1, true
	case f < -(1 << 63):
		return 1, true
	}
	whole := math.Trunc(f)
	if c := cmpOrdered(i, int64(whole)); c != 0 {
		return c, true
	}
	return cmpOrdered(0, f-whole), true
}

// value is a config value compiled for comparison.
type value struct {
	kind   kind
	s      string
	n      number
	b      bool
	list   []value // the elements, when the config value is a list
	isList bool
	strs   []string // the elements, when they are all strings: in's fast path
}

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

// toNumber reads a Go numeric attribute value without allocating.
func toNumber(v any) (number, bool) {
	switch t := v.(type) {
	case int:
		return intNum(int64(t)), true
	case int64:
		return intNum(t), true
	case float64:
		return floatNum(t), true
	case int32:
		return intNum(int64(t)), true
	case int16:
		return intNum(int64(t)), true
	case int8:
		return intNum(int64(t)), true
	case uint:
		return uintNum(uint64(t)), true
	case uint64:
		return uintNum(t), true
	case uint32:
		return intNum(int64(t)), true
	case uint16:
		return intNum(int64(t)), true
	case uint8:
		return intNum(int64(t)), true
	case float32:
		return floatNum(float64(t)), true
	case json.Number:
		return parseNumber(string(t))
	}
	return number{}, false
}

// parseNumber reads a JSON number, exactly when it is an integer.
func parseNumber(s string) (number, bool) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return intNum(i), true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return floatNum(f), true
	}
	return number{}, false
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

// attrString returns a string attribute, of type string or a named string type.
func attrString(v any) (string, bool) {
	if s, ok := v.(string); ok {
		return s, true
	}
	k, s, _, _ := attrKind(v)
	return s, k == kString
}

// equal is SPEC 5's eq: same type, numbers by value, lists and maps never.
func (v *value) equal(attr any) bool {
	k, s, n, b := attrKind(attr)
	return v.equalKind(k, s, n, b)
}

func (v *value) equalKind(k kind, s string, n number, b bool) bool {
	if k != v.kind {
		return false
	}
	switch k {
	case kNull:
		return true
	case kBool:
		return b == v.b
	case kString:
		return s == v.s
	case kNumber:
		c, ok := n.cmp(v.n)
		return ok && c == 0
	}
	return false
}

// cond is one compiled condition.
type cond struct {
	attr     string
	op       op
	val      value
	re       *regexp.Regexp // opMatches
	ver      string         // semver ops: the value as a canonical "v..." version
	never    bool           // the value makes the condition false for every user
	platform bool           // from a snapshot: the platform's attribute lookup
	opText   string         // for opFalse: the operator as written
}

// match evaluates the condition for c.
func (d *cond) match(c *Context) bool {
	attr, ok := c.attr(d.attr, d.platform)
	if d.val.kind == kUndefined {
		// Only in snapshots. JavaScript's undefined equals only a missing
		// attribute, and the platform's `path in obj` finds the names every
		// object inherits.
		missing := !ok && !jsPrototypeNames[d.attr]
		switch d.op {
		case opEq:
			return missing
		case opNeq:
			return !missing
		case opNotIn:
			return false
		}
		return false
	}
	switch d.op {
	case opNeq:
		return !ok || !d.val.equal(attr)
	case opNotIn:
		if !d.val.isList {
			return false
		}
		return !ok || !d.val.inList(attr)
	}
	if !ok || d.never {
		return false
	}
	switch d.op {
	case opEq:
		if s, ok := attr.(string); ok && d.val.kind == kString {
			return s == d.val.s
		}
		return d.val.equal(attr)
	case opIn:
		return d.val.isList && d.val.inList(attr)
	case opContains:
		s, isStr := attrString(attr)
		return isStr && d.val.kind == kString && strings.Contains(s, d.val.s)
	case opGt, opLt, opGte, opLte:
		k, _, n, _ := attrKind(attr)
		if k != kNumber || d.val.kind != kNumber {
			return false
		}
		c, ok := n.cmp(d.val.n)
		if !ok {
			return false
		}
		switch d.op {
		case opGt:
			return c > 0
		case opLt:
			return c < 0
		case opGte:
			return c >= 0
		}
		return c <= 0
	case opMatches:
		s, isStr := attrString(attr)
		return isStr && d.re.MatchString(s)
	case opSemverEq, opSemverGt, opSemverGte, opSemverLt, opSemverLte:
		s, isStr := attrString(attr)
		if !isStr {
			return false
		}
		c, ok := compareVersion(s, d.ver)
		if !ok {
			return false
		}
		switch d.op {
		case opSemverEq:
			return c == 0
		case opSemverGt:
			return c > 0
		case opSemverGte:
			return c >= 0
		case opSemverLt:
			return c < 0
		}
		return c <= 0
	}
	return false
}

// inList reports whether attr equals an element of v's list.
func (v *value) inList(attr any) bool {
	if s, ok := attr.(string); ok && v.strs != nil {
		for _, x := range v.strs {
			if x == s {
				return true
			}
		}
		return false
	}
	k, s, n, b := attrKind(attr)
	for i := range v.list {
		if v.list[i].equalKind(k, s, n, b) {
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

// rules is a compiled rule list: it matches when any rule matches, and a
// rule when all its conditions do. An empty list matches everyone.
type rules [][]cond

func (rs rules) match(c *Context) bool {
	if len(rs) == 0 {
		return true
	}
	for _, r := range rs {
		ok := true
		for i := range r {
			if !r[i].match(c) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

package experiment

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// This file tests doc.go's "Targeting attributes" (targeting rules, audiences, operators, dotted
// attribute paths) through the public API: a YAML config with one long-form
// experiment "exp" is parsed, and VariantFor reports whether a context
// qualifies. Every variant is 100%, so qualifying is exactly "the rules
// match".

// tgtCondConfig returns a config whose experiment "exp" has one rule with
// one condition. val is YAML text, written as it would be in a config file.
func tgtCondConfig(attr, op, val string) string {
	return fmt.Sprintf(`experiments:
  exp:
    targeting:
      - conditions:
          - attribute: %q
            operator: %q
            value: %s
    variants:
      on: 100%%
`, attr, op, val)
}

// tgtEval parses cfg and reports whether the user "u" with attrs is in "exp".
func tgtEval(t *testing.T, cfg string, attrs map[string]any) bool {
	t.Helper()
	r, err := Parse([]byte(cfg))
	if err != nil {
		t.Fatalf("Parse: %v\nconfig:\n%s", err, cfg)
	}
	return r.VariantFor("exp", ContextFor("u").With(attrs))
}

// tgtX is the attribute map of one attribute, "x", which the operator table
// reads.
func tgtX(v any) map[string]any { return map[string]any{"x": v} }

// tgtDescribe formats attributes with the Go type of each value, so a
// failure shows int64(21) and not just 21.
func tgtDescribe(attrs map[string]any) string {
	if attrs == nil {
		return "none"
	}
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%q: %T(%#v)", k, attrs[k], attrs[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// tgtNone has attributes, but not "x".
var tgtNone = map[string]any{"y": "US"}

// Named types: doc.go's "Targeting attributes" compares numbers "whatever their Go type", and
// Context.With documents strings and numbers of any Go type.
type (
	tgtInt    int
	tgtString string
)

// tgtCase is one condition {attribute: x, operator: op, value: value}
// evaluated for a context with attrs.
type tgtCase struct {
	name  string
	op    string
	value string // YAML text
	attrs map[string]any
	want  bool
}

// tgtOperatorCases covers every row of the "Targeting attributes" section's operator table.
var tgtOperatorCases = []tgtCase{
	// eq: same type; strings, numbers by value, booleans, null; lists and
	// maps never equal.
	{"eq/string equal", "eq", `US`, tgtX("US"), true},
	{"eq/string differs", "eq", `US`, tgtX("CA"), false},
	{"eq/string is case-sensitive", "eq", `US`, tgtX("us"), false},
	{"eq/quoted string value", "eq", `"US"`, tgtX("US"), true},
	{"eq/empty string", "eq", `""`, tgtX(""), true},
	{"eq/empty string vs non-empty", "eq", `""`, tgtX("US"), false},
	{"eq/named string type", "eq", `pro`, tgtX(tgtString("pro")), true},
	{"eq/21 vs int 21", "eq", `21`, tgtX(21), true},
	{"eq/21 vs int64 21", "eq", `21`, tgtX(int64(21)), true},
	{"eq/21 vs float64 21", "eq", `21`, tgtX(float64(21)), true},
	{"eq/21 vs uint8 21", "eq", `21`, tgtX(uint8(21)), true},
	{"eq/21 vs int32 21", "eq", `21`, tgtX(int32(21)), true},
	{"eq/21 vs uint64 21", "eq", `21`, tgtX(uint64(21)), true},
	{"eq/21 vs float32 21", "eq", `21`, tgtX(float32(21)), true},
	{"eq/21 vs json.Number 21", "eq", `21`, tgtX(json.Number("21")), true},
	{"eq/21 vs json.Number 21.0", "eq", `21`, tgtX(json.Number("21.0")), true},
	{"eq/21 vs named int type", "eq", `21`, tgtX(tgtInt(21)), true},
	{"eq/21.0 vs int 21", "eq", `21.0`, tgtX(21), true},
	{"eq/21.5 vs float64 21.5", "eq", `21.5`, tgtX(21.5), true},
	{"eq/21.5 vs int 21", "eq", `21.5`, tgtX(21), false},
	{"eq/21 vs int 22", "eq", `21`, tgtX(22), false},
	{"eq/-3 vs int8 -3", "eq", `-3`, tgtX(int8(-3)), true},
	{"eq/21 vs string 21", "eq", `21`, tgtX("21"), false},
	{"eq/string 21 vs int 21", "eq", `"21"`, tgtX(21), false},
	{"eq/string 21 vs json.Number 21", "eq", `"21"`, tgtX(json.Number("21")), false},
	{"eq/int64 exact beyond float precision", "eq", `9007199254740993`, tgtX(int64(9007199254740992)), false},
	{"eq/int64 vs float not equal by value", "eq", `9007199254740992.0`, tgtX(int64(9007199254740993)), false},
	{"eq/true vs true", "eq", `true`, tgtX(true), true},
	{"eq/false vs false", "eq", `false`, tgtX(false), true},
	{"eq/true vs false", "eq", `true`, tgtX(false), false},
	{"eq/true vs string true", "eq", `true`, tgtX("true"), false},
	{"eq/string true vs bool true", "eq", `"true"`, tgtX(true), false},
	{"eq/1 vs bool true", "eq", `1`, tgtX(true), false},
	{"eq/true vs int 1", "eq", `true`, tgtX(1), false},
	{"eq/null vs JSON null attribute", "eq", `null`, tgtX(nil), true},
	{"eq/tilde null vs JSON null attribute", "eq", `~`, tgtX(nil), true},
	{"eq/null vs missing attribute", "eq", `null`, tgtNone, false},
	{"eq/null vs no attributes", "eq", `null`, nil, false},
	{"eq/null vs empty string", "eq", `null`, tgtX(""), false},
	{"eq/null vs zero", "eq", `null`, tgtX(0), false},
	{"eq/null vs false", "eq", `null`, tgtX(false), false},
	{"eq/string vs JSON null attribute", "eq", `US`, tgtX(nil), false},
	{"eq/list vs equal list", "eq", `[US]`, tgtX([]any{"US"}), false},
	{"eq/empty list vs empty list", "eq", `[]`, tgtX([]any{}), false},
	{"eq/list vs its element", "eq", `[US]`, tgtX("US"), false},
	{"eq/string vs list attribute", "eq", `US`, tgtX([]string{"US"}), false},
	{"eq/map vs equal map", "eq", `{a: 1}`, tgtX(map[string]any{"a": 1}), false},
	{"eq/empty map vs empty map", "eq", `{}`, tgtX(map[string]any{}), false},
	{"eq/missing attribute", "eq", `US`, tgtNone, false},

	// neq: not eq; true when the attribute is missing.
	{"neq/string differs", "neq", `US`, tgtX("CA"), true},
	{"neq/string equal", "neq", `US`, tgtX("US"), false},
	{"neq/string case differs", "neq", `US`, tgtX("us"), true},
	{"neq/missing attribute", "neq", `US`, tgtNone, true},
	{"neq/no attributes", "neq", `US`, nil, true},
	{"neq/null vs missing attribute", "neq", `null`, tgtNone, true},
	{"neq/null vs JSON null attribute", "neq", `null`, tgtX(nil), false},
	{"neq/null vs string", "neq", `null`, tgtX("US"), true},
	{"neq/string vs JSON null attribute", "neq", `US`, tgtX(nil), true},
	{"neq/21 vs float64 21", "neq", `21`, tgtX(float64(21)), false},
	{"neq/21 vs json.Number 21", "neq", `21`, tgtX(json.Number("21")), false},
	{"neq/21 vs string 21", "neq", `21`, tgtX("21"), true},
	{"neq/true vs true", "neq", `true`, tgtX(true), false},
	{"neq/true vs false", "neq", `true`, tgtX(false), true},
	{"neq/list vs equal list", "neq", `[US]`, tgtX([]any{"US"}), true},
	{"neq/map vs equal map", "neq", `{a: 1}`, tgtX(map[string]any{"a": 1}), true},

	// in: value is a list containing the attribute, as eq.
	{"in/first element", "in", `[US, CA]`, tgtX("US"), true},
	{"in/last element", "in", `[US, CA]`, tgtX("CA"), true},
	{"in/not in list", "in", `[US, CA]`, tgtX("GB"), false},
	{"in/case-sensitive", "in", `[US, CA]`, tgtX("us"), false},
	{"in/float64 in int list", "in", `[1, 2, 21]`, tgtX(float64(21)), true},
	{"in/json.Number in int list", "in", `[1, 2, 21]`, tgtX(json.Number("21")), true},
	{"in/uint8 in mixed list", "in", `[US, 21, true]`, tgtX(uint8(21)), true},
	{"in/bool in mixed list", "in", `[US, 21, true]`, tgtX(true), true},
	{"in/int vs string list", "in", `["21"]`, tgtX(21), false},
	{"in/string vs int list", "in", `[21]`, tgtX("21"), false},
	{"in/JSON null in list with null", "in", `[null, US]`, tgtX(nil), true},
	{"in/JSON null in list without null", "in", `[US]`, tgtX(nil), false},
	{"in/missing attribute, list with null", "in", `[null]`, tgtNone, false},
	{"in/missing attribute", "in", `[US, CA]`, tgtNone, false},
	{"in/no attributes", "in", `[US, CA]`, nil, false},
	{"in/empty list", "in", `[]`, tgtX("US"), false},
	{"in/value not a list: equal string", "in", `US`, tgtX("US"), false},
	{"in/value not a list: map", "in", `{US: 1}`, tgtX("US"), false},
	{"in/list attribute never equal", "in", `[US, CA]`, tgtX([]any{"US"}), false},
	{"in/list attribute vs list of lists", "in", `[[US]]`, tgtX([]any{"US"}), false},

	// notIn: false if value is not a list; otherwise true when the attribute
	// is missing or not in the list.
	{"notIn/not in list", "notIn", `[US, CA]`, tgtX("GB"), true},
	{"notIn/in list", "notIn", `[US, CA]`, tgtX("US"), false},
	{"notIn/case differs", "notIn", `[US, CA]`, tgtX("us"), true},
	{"notIn/missing attribute", "notIn", `[US, CA]`, tgtNone, true},
	{"notIn/no attributes", "notIn", `[US, CA]`, nil, true},
	{"notIn/empty list", "notIn", `[]`, tgtX("US"), true},
	{"notIn/empty list, missing attribute", "notIn", `[]`, tgtNone, true},
	{"notIn/int64 in int list", "notIn", `[21]`, tgtX(int64(21)), false},
	{"notIn/int vs string list", "notIn", `["21"]`, tgtX(21), true},
	{"notIn/JSON null in list with null", "notIn", `[null]`, tgtX(nil), false},
	{"notIn/JSON null in list without null", "notIn", `[US]`, tgtX(nil), true},
	{"notIn/list attribute never equal", "notIn", `[US]`, tgtX([]any{"US"}), true},
	{"notIn/value not a list, missing attribute", "notIn", `US`, tgtNone, false},
	{"notIn/value not a list, no attributes", "notIn", `US`, nil, false},
	{"notIn/value not a list, different attribute", "notIn", `US`, tgtX("CA"), false},
	{"notIn/value not a list, equal attribute", "notIn", `US`, tgtX("US"), false},
	{"notIn/value a map", "notIn", `{US: 1}`, tgtX("CA"), false},

	// contains: both strings, case-sensitive.
	{"contains/substring", "contains", `"@example.com"`, tgtX("ann@example.com"), true},
	{"contains/prefix", "contains", `ann`, tgtX("ann@example.com"), true},
	{"contains/whole string", "contains", `abc`, tgtX("abc"), true},
	{"contains/empty value", "contains", `""`, tgtX("abc"), true},
	{"contains/absent", "contains", `"@example.com"`, tgtX("ann@example.org"), false},
	{"contains/case-sensitive", "contains", `Example`, tgtX("ann@example.com"), false},
	{"contains/value longer than attribute", "contains", `abcd`, tgtX("abc"), false},
	{"contains/named string type", "contains", `ro`, tgtX(tgtString("pro")), true},
	{"contains/number attribute", "contains", `"2"`, tgtX(123), false},
	{"contains/json.Number attribute", "contains", `"2"`, tgtX(json.Number("123")), false},
	{"contains/number value", "contains", `2`, tgtX("123"), false},
	{"contains/bool value", "contains", `true`, tgtX("true"), false},
	{"contains/list attribute", "contains", `US`, tgtX([]any{"US"}), false},
	{"contains/list value", "contains", `[US]`, tgtX("US"), false},
	{"contains/JSON null attribute", "contains", `US`, tgtX(nil), false},
	{"contains/missing attribute", "contains", `US`, tgtNone, false},

	// gt, lt: both numbers.
	{"gt/int greater", "gt", `21`, tgtX(22), true},
	{"gt/int equal", "gt", `21`, tgtX(21), false},
	{"gt/int less", "gt", `21`, tgtX(20), false},
	{"gt/float attribute vs int value", "gt", `21`, tgtX(21.5), true},
	{"gt/int attribute vs float value", "gt", `21.5`, tgtX(22), true},
	{"gt/int attribute vs float value, less", "gt", `21.5`, tgtX(21), false},
	{"gt/float equal to int", "gt", `21`, tgtX(21.0), false},
	{"gt/uint8 attribute", "gt", `21`, tgtX(uint8(30)), true},
	{"gt/json.Number attribute", "gt", `21`, tgtX(json.Number("22")), true},
	{"gt/json.Number attribute, less", "gt", `21`, tgtX(json.Number("20.5")), false},
	{"gt/negative value", "gt", `-1`, tgtX(0), true},
	{"gt/named int type", "gt", `21`, tgtX(tgtInt(30)), true},
	{"gt/int64 vs float beyond float precision", "gt", `9007199254740992.0`, tgtX(int64(9007199254740993)), true},
	{"gt/string attribute", "gt", `21`, tgtX("30"), false},
	{"gt/string value", "gt", `"21"`, tgtX(30), false},
	{"gt/strings never compare", "gt", `a`, tgtX("b"), false},
	{"gt/bool attribute", "gt", `0`, tgtX(true), false},
	{"gt/JSON null attribute", "gt", `0`, tgtX(nil), false},
	{"gt/missing attribute", "gt", `0`, tgtNone, false},
	{"lt/int less", "lt", `21`, tgtX(20), true},
	{"lt/int equal", "lt", `21`, tgtX(21), false},
	{"lt/int greater", "lt", `21`, tgtX(22), false},
	{"lt/int attribute vs float value", "lt", `21.5`, tgtX(21), true},
	{"lt/float attribute vs int value", "lt", `21`, tgtX(20.5), true},
	{"lt/float32 attribute, greater", "lt", `21`, tgtX(float32(21.5)), false},
	{"lt/int64 attribute", "lt", `0`, tgtX(int64(-5)), true},
	{"lt/named int type", "lt", `21`, tgtX(tgtInt(3)), true},
	{"lt/string attribute", "lt", `21`, tgtX("1"), false},
	{"lt/string value", "lt", `"21"`, tgtX(1), false},
	{"lt/strings never compare", "lt", `b`, tgtX("a"), false},
	{"lt/JSON null attribute", "lt", `1`, tgtX(nil), false},
	{"lt/missing attribute", "lt", `100`, tgtNone, false},

	// gte, lte (extension): both numbers.
	{"gte/equal, float vs int", "gte", `21`, tgtX(21.0), true},
	{"gte/equal, json.Number", "gte", `21.0`, tgtX(json.Number("21")), true},
	{"gte/greater", "gte", `21`, tgtX(22), true},
	{"gte/less", "gte", `21`, tgtX(20), false},
	{"gte/less by a fraction", "gte", `21`, tgtX(20.99), false},
	{"gte/string attribute", "gte", `21`, tgtX("21"), false},
	{"gte/string value", "gte", `"21"`, tgtX(21), false},
	{"gte/strings never compare", "gte", `a`, tgtX("a"), false},
	{"gte/missing attribute", "gte", `0`, tgtNone, false},
	{"lte/equal, int64", "lte", `21`, tgtX(int64(21)), true},
	{"lte/less, float", "lte", `21`, tgtX(20.9), true},
	{"lte/greater, uint", "lte", `21`, tgtX(uint(22)), false},
	{"lte/string attribute", "lte", `21`, tgtX("21"), false},
	{"lte/string value", "lte", `"21"`, tgtX(21), false},
	{"lte/strings never compare", "lte", `a`, tgtX("a"), false},
	{"lte/missing attribute", "lte", `100`, tgtNone, false},

	// matches (extension): attribute is a string matching an RE2 regexp.
	{"matches/unanchored inside", "matches", `'US'`, tgtX("xUSx"), true},
	{"matches/unanchored absent", "matches", `'US'`, tgtX("CA"), false},
	{"matches/anchored exact", "matches", `'^US$'`, tgtX("US"), true},
	{"matches/anchored longer", "matches", `'^US$'`, tgtX("USA"), false},
	{"matches/anchored start", "matches", `'^US'`, tgtX("xUS"), false},
	{"matches/class", "matches", `'^[a-z]+@example\.com$'`, tgtX("ann@example.com"), true},
	{"matches/class is case-sensitive", "matches", `'^[a-z]+@example\.com$'`, tgtX("Ann@example.com"), false},
	{"matches/escaped dot", "matches", `'^[a-z]+@example\.com$'`, tgtX("ann@exampleXcom"), false},
	{"matches/case-insensitive flag", "matches", `'(?i)^us$'`, tgtX("US"), true},
	{"matches/empty string", "matches", `'^$'`, tgtX(""), true},
	{"matches/named string type", "matches", `'^pro$'`, tgtX(tgtString("pro")), true},
	{"matches/int attribute", "matches", `'^2'`, tgtX(21), false},
	{"matches/json.Number attribute", "matches", `'^2'`, tgtX(json.Number("21")), false},
	{"matches/bool attribute", "matches", `'true'`, tgtX(true), false},
	{"matches/list attribute", "matches", `'US'`, tgtX([]any{"US"}), false},
	{"matches/JSON null attribute", "matches", `'.*'`, tgtX(nil), false},
	{"matches/missing attribute", "matches", `'.*'`, tgtNone, false},

	// semverEq, semverGt, semverGte, semverLt, semverLte (extension): both
	// valid versions after a leading v is added where missing.
	{"semverEq/1.2 attribute equals 1.2.0", "semverEq", `1.2.0`, tgtX("1.2"), true},
	{"semverEq/1.2.0 equals 1.2 value", "semverEq", `1.2`, tgtX("1.2.0"), true},
	{"semverEq/1.2.0 equals quoted 1.2 value", "semverEq", `"1.2"`, tgtX("1.2.0"), true},
	{"semverEq/1 equals 1.0.0", "semverEq", `1`, tgtX("1.0.0"), true},
	{"semverEq/v1.2.3 attribute equals 1.2.3", "semverEq", `1.2.3`, tgtX("v1.2.3"), true},
	{"semverEq/1.2.3 equals v1.2.3 value", "semverEq", `v1.2.3`, tgtX("1.2.3"), true},
	{"semverEq/build metadata ignored", "semverEq", `1.2.3`, tgtX("1.2.3+build.5"), true},
	{"semverEq/named string type", "semverEq", `1.2.3`, tgtX(tgtString("1.2.3")), true},
	{"semverEq/patch differs", "semverEq", `1.2.3`, tgtX("1.2.4"), false},
	{"semverEq/prerelease differs", "semverEq", `1.0.0`, tgtX("1.0.0-alpha"), false},
	{"semverEq/invalid attribute", "semverEq", `1.2.3`, tgtX("banana"), false},
	{"semverEq/four parts", "semverEq", `1.2.3`, tgtX("1.2.3.4"), false},
	{"semverEq/leading zero", "semverEq", `1.2.3`, tgtX("01.2.3"), false},
	{"semverEq/empty attribute", "semverEq", `1.2.3`, tgtX(""), false},
	{"semverEq/float attribute", "semverEq", `1.2`, tgtX(1.2), false},
	{"semverEq/int attribute", "semverEq", `1`, tgtX(1), false},
	{"semverEq/JSON null attribute", "semverEq", `1.2.3`, tgtX(nil), false},
	{"semverEq/missing attribute", "semverEq", `1.2.3`, tgtNone, false},
	{"semverEq/invalid value", "semverEq", `banana`, tgtX("banana"), false},
	{"semverGt/numeric not lexical", "semverGt", `1.9.0`, tgtX("1.10.0"), true},
	{"semverGt/equal", "semverGt", `1.2.3`, tgtX("1.2.3"), false},
	{"semverGt/less", "semverGt", `1.2.3`, tgtX("1.2.2"), false},
	{"semverGt/release above its prerelease", "semverGt", `1.0.0-alpha`, tgtX("1.0.0"), true},
	{"semverGt/beta above alpha", "semverGt", `1.0.0-alpha`, tgtX("1.0.0-beta"), true},
	{"semverGt/alpha.1 above alpha", "semverGt", `1.0.0-alpha`, tgtX("1.0.0-alpha.1"), true},
	{"semverGt/short value", "semverGt", `1.2`, tgtX("v1.2.1"), true},
	{"semverGt/invalid attribute", "semverGt", `1.0.0`, tgtX("2.x"), false},
	{"semverGt/number attribute", "semverGt", `1.0.0`, tgtX(2), false},
	{"semverGt/missing attribute", "semverGt", `1.0.0`, tgtNone, false},
	{"semverGte/equal, short attribute", "semverGte", `1.2.0`, tgtX("1.2"), true},
	{"semverGte/greater", "semverGte", `1.2.0`, tgtX("2.0.0"), true},
	{"semverGte/less", "semverGte", `1.2.0`, tgtX("1.1.9"), false},
	{"semverGte/prerelease below release", "semverGte", `1.0.0`, tgtX("1.0.0-rc.1"), false},
	{"semverGte/invalid attribute", "semverGte", `1.0.0`, tgtX("latest"), false},
	{"semverGte/number attribute", "semverGte", `1.0.0`, tgtX(2.5), false},
	{"semverGte/missing attribute", "semverGte", `1.0.0`, tgtNone, false},
	{"semverLt/1.0.0-alpha below 1.0.0", "semverLt", `1.0.0`, tgtX("1.0.0-alpha"), true},
	{"semverLt/equal", "semverLt", `1.0.0`, tgtX("1.0.0"), false},
	{"semverLt/greater", "semverLt", `1.0.0`, tgtX("1.0.1"), false},
	{"semverLt/numeric not lexical", "semverLt", `1.10.0`, tgtX("1.9.9"), true},
	{"semverLt/v10 not below 2", "semverLt", `2.0.0`, tgtX("v10.0.0"), false},
	{"semverLt/short attribute", "semverLt", `1.2.1`, tgtX("1.2"), true},
	{"semverLt/invalid attribute", "semverLt", `9.0.0`, tgtX("x"), false},
	{"semverLt/number attribute", "semverLt", `9.0.0`, tgtX(1), false},
	{"semverLt/missing attribute", "semverLt", `9.0.0`, tgtNone, false},
	{"semverLte/equal, v prefix on value", "semverLte", `v1.2.3`, tgtX("1.2.3"), true},
	{"semverLte/less", "semverLte", `1.2.3`, tgtX("1.2.2"), true},
	{"semverLte/greater", "semverLte", `1.2.3`, tgtX("1.2.4"), false},
	{"semverLte/prerelease below release", "semverLte", `1.0.0`, tgtX("1.0.0-alpha"), true},
	{"semverLte/invalid attribute", "semverLte", `9.0.0`, tgtX("1.2.3-"), false},
	{"semverLte/number attribute", "semverLte", `9.0.0`, tgtX(1.5), false},
	{"semverLte/missing attribute", "semverLte", `9.0.0`, tgtNone, false},
}

// tgtOperatorValues has a value for each operator of doc.go's "Targeting attributes", for the
// missing-attribute sweep.
var tgtOperatorValues = []struct{ op, value string }{
	{"eq", `US`}, {"neq", `US`}, {"in", `[US]`}, {"notIn", `[US]`},
	{"contains", `US`}, {"gt", `0`}, {"lt", `100`}, {"gte", `0`}, {"lte", `100`},
	{"matches", `'.*'`}, {"semverEq", `1.0.0`}, {"semverGt", `0.0.1`},
	{"semverGte", `0.0.1`}, {"semverLt", `9.0.0`}, {"semverLte", `9.0.0`},
}

// tgtMissingCases: operators other than neq and notIn are false on a
// missing attribute; those two are true.
func tgtMissingCases() []tgtCase {
	var out []tgtCase
	for _, o := range tgtOperatorValues {
		want := o.op == "neq" || o.op == "notIn"
		out = append(out,
			tgtCase{"missing attribute/" + o.op, o.op, o.value, tgtNone, want},
			tgtCase{"no attributes/" + o.op, o.op, o.value, nil, want},
		)
	}
	return out
}

func TestOperators(t *testing.T) {
	cases := append(append([]tgtCase(nil), tgtOperatorCases...), tgtMissingCases()...)
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		seen[tc.name] = true
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tgtCondConfig("x", tc.op, tc.value)
			if got := tgtEval(t, cfg, tc.attrs); got != tc.want {
				t.Errorf("{attribute: x, operator: %s, value: %s} with attributes %s: VariantFor = %v, want %v",
					tc.op, tc.value, tgtDescribe(tc.attrs), got, tc.want)
			}
		})
	}
}

// TestOperatorTableCovered checks that the operator table above covers
// every operator of doc.go's "Targeting attributes" with both a true and a false case.
func TestOperatorTableCovered(t *testing.T) {
	results := map[string]map[bool]bool{}
	for _, tc := range tgtOperatorCases {
		if results[tc.op] == nil {
			results[tc.op] = map[bool]bool{}
		}
		results[tc.op][tc.want] = true
	}
	for _, o := range tgtOperatorValues {
		if !results[o.op][true] || !results[o.op][false] {
			t.Errorf("operator %s: has a true case %v, a false case %v; want both", o.op, results[o.op][true], results[o.op][false])
		}
	}
	if len(results) != len(tgtOperatorValues) {
		t.Errorf("the table has %d operators, the doc.go table has %d", len(results), len(tgtOperatorValues))
	}
}

// Conditions used by the rule-list tests, in YAML flow form.
const (
	tgtUS    = `{attribute: country, operator: eq, value: US}`
	tgtPro   = `{attribute: plan, operator: eq, value: pro}`
	tgtAdult = `{attribute: age, operator: gte, value: 18}`
)

// tgtRulesConfig returns a config whose experiment "exp" has the given
// targeting (YAML flow text; "" leaves targeting out) and, when audience is
// not "", the audience "aud" with that rule list (YAML flow text).
func tgtRulesConfig(audience, targeting string) string {
	var b strings.Builder
	if audience != "" {
		fmt.Fprintf(&b, "audiences:\n  aud: %s\n", audience)
	}
	b.WriteString("experiments:\n  exp:\n")
	if audience != "" {
		b.WriteString("    audience: aud\n")
	}
	if targeting != "" {
		fmt.Fprintf(&b, "    targeting: %s\n", targeting)
	}
	b.WriteString("    variants:\n      on: 100%\n")
	return b.String()
}

func TestRuleLists(t *testing.T) {
	usPro := map[string]any{"country": "US", "plan": "pro"}
	usFree := map[string]any{"country": "US", "plan": "free"}
	caPro := map[string]any{"country": "CA", "plan": "pro"}
	caFree := map[string]any{"country": "CA", "plan": "free"}
	rule := func(conds ...string) string { return "{conditions: [" + strings.Join(conds, ", ") + "]}" }
	list := func(rules ...string) string { return "[" + strings.Join(rules, ", ") + "]" }

	cases := []struct {
		name      string
		audience  string // rule list of audience "aud"; "" for no audience
		targeting string // rule list; "" for no targeting key
		attrs     map[string]any
		want      bool
	}{
		{"no targeting key matches everyone", "", "", nil, true},
		{"empty list matches everyone", "", `[]`, nil, true},
		{"empty list matches a user with attributes", "", `[]`, caFree, true},
		{"rule with empty conditions matches", "", `[{conditions: []}]`, nil, true},
		{"rule without conditions key matches", "", `[{}]`, caFree, true},
		{"rule with null conditions matches", "", `[{conditions: null}]`, nil, true},
		{"one condition, true", "", list(rule(tgtUS)), usFree, true},
		{"one condition, false", "", list(rule(tgtUS)), caFree, false},
		{"AND: both conditions true", "", list(rule(tgtUS, tgtPro)), usPro, true},
		{"AND: first condition false", "", list(rule(tgtUS, tgtPro)), caPro, false},
		{"AND: second condition false", "", list(rule(tgtUS, tgtPro)), usFree, false},
		{"AND: both conditions false", "", list(rule(tgtUS, tgtPro)), caFree, false},
		{"AND: one attribute missing", "", list(rule(tgtUS, tgtPro)), map[string]any{"country": "US"}, false},
		{"AND: three conditions true", "", list(rule(tgtUS, tgtPro, tgtAdult)), map[string]any{"country": "US", "plan": "pro", "age": 30}, true},
		{"AND: third condition false", "", list(rule(tgtUS, tgtPro, tgtAdult)), map[string]any{"country": "US", "plan": "pro", "age": 17}, false},
		{"OR: first rule true", "", list(rule(tgtUS), rule(tgtPro)), usFree, true},
		{"OR: second rule true", "", list(rule(tgtUS), rule(tgtPro)), caPro, true},
		{"OR: both rules true", "", list(rule(tgtUS), rule(tgtPro)), usPro, true},
		{"OR: no rule true", "", list(rule(tgtUS), rule(tgtPro)), caFree, false},
		{"OR: no attributes", "", list(rule(tgtUS), rule(tgtPro)), nil, false},
		{"OR of ANDs: second rule all true", "", list(rule(tgtUS, tgtPro), rule(tgtAdult)), map[string]any{"age": 40}, true},
		{"OR of ANDs: each rule partly true", "", list(rule(tgtUS, tgtPro), rule(tgtPro, tgtAdult)), map[string]any{"country": "US", "plan": "free", "age": 40}, false},
		{"OR with an empty rule matches everyone", "", list(rule(tgtUS), `{}`), caFree, true},
		{"OR with an empty conditions rule matches everyone", "", list(`{conditions: []}`, rule(tgtUS)), nil, true},
		{"audience true, no targeting", list(rule(tgtPro)), "", caPro, true},
		{"audience false, no targeting", list(rule(tgtPro)), "", caFree, false},
		{"audience and targeting both true", list(rule(tgtPro)), list(rule(tgtUS)), usPro, true},
		{"audience true, targeting false", list(rule(tgtPro)), list(rule(tgtUS)), caPro, false},
		{"audience false, targeting true", list(rule(tgtPro)), list(rule(tgtUS)), usFree, false},
		{"audience and targeting both false", list(rule(tgtPro)), list(rule(tgtUS)), caFree, false},
		{"audience is OR across its rules", list(rule(tgtPro), rule(tgtAdult)), list(rule(tgtUS)), map[string]any{"country": "US", "age": 20}, true},
		{"audience is AND within a rule", list(rule(tgtPro, tgtAdult)), "", map[string]any{"plan": "pro", "age": 10}, false},
		{"empty audience matches everyone", `[]`, list(rule(tgtUS)), usFree, true},
		{"empty audience, targeting false", `[]`, list(rule(tgtUS)), caFree, false},
		{"audience with an empty rule matches everyone", `[{}]`, "", nil, true},
		{"audience true, empty targeting", list(rule(tgtPro)), `[]`, usPro, true},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			cfg := tgtRulesConfig(tc.audience, tc.targeting)
			if got := tgtEval(t, cfg, tc.attrs); got != tc.want {
				t.Errorf("attributes %#v: VariantFor = %v, want %v\nconfig:\n%s", tc.attrs, got, tc.want, cfg)
			}
		})
	}
}

// TestRuleListsOtherAPIs checks that targeting decides Feature, Payload and
// Assignments as it does VariantFor (doc.go's "Evaluation order": off everywhere).
func TestRuleListsOtherAPIs(t *testing.T) {
	r, err := Parse([]byte(tgtCondConfig("country", "in", `[US, CA]`)))
	if err != nil {
		t.Fatal(err)
	}
	in := ContextFor("u").With(map[string]any{"country": "CA"})
	out := ContextFor("u").With(map[string]any{"country": "GB"})
	if got, want := r.Feature("exp", in), "on"; got != want {
		t.Errorf("Feature(in) = %q, want %q", got, want)
	}
	if got := r.Feature("exp", out); got != "" {
		t.Errorf("Feature(out) = %q, want \"\"", got)
	}
	if got, want := string(r.Payload("exp", in)), "null"; got != want {
		t.Errorf("Payload(in) = %q, want %q", got, want)
	}
	if got := r.Payload("exp", out); got != nil {
		t.Errorf("Payload(out) = %q, want nil", got)
	}
	if got := r.Assignments(in); len(got) != 1 || got[0].ExperimentKey != "exp" || got[0].VariantKey != "on" {
		t.Errorf("Assignments(in) = %+v, want one assignment of exp/on", got)
	}
	if got := r.Assignments(out); len(got) != 0 {
		t.Errorf("Assignments(out) = %+v, want none", got)
	}
}

func TestDottedAttributes(t *testing.T) {
	nested := map[string]any{"a": map[string]any{"b": 2}}
	cases := []struct {
		name  string
		attr  string
		op    string
		value string
		attrs map[string]any
		want  bool
	}{
		{"exact key wins over nested path", "a.b", "eq", `1`, map[string]any{"a.b": 1, "a": map[string]any{"b": 2}}, true},
		{"nested path not seen when exact key exists", "a.b", "eq", `2`, map[string]any{"a.b": 1, "a": map[string]any{"b": 2}}, false},
		{"exact key with JSON null wins", "a.b", "eq", `null`, map[string]any{"a.b": nil, "a": map[string]any{"b": 2}}, true},
		{"exact key with JSON null hides nested", "a.b", "eq", `2`, map[string]any{"a.b": nil, "a": map[string]any{"b": 2}}, false},
		{"nested map walk", "a.b", "eq", `2`, nested, true},
		{"nested map walk, other value", "a.b", "eq", `3`, nested, false},
		{"nested map walk with in", "a.b", "in", `[1, 2]`, nested, true},
		{"nested map walk with gt", "a.b", "gt", `1`, nested, true},
		{"deep nested walk", "user.address.country", "eq", `US`, map[string]any{"user": map[string]any{"address": map[string]any{"country": "US"}}}, true},
		{"nested JSON null leaf", "a.b", "eq", `null`, map[string]any{"a": map[string]any{"b": nil}}, true},
		{"nested missing leaf is missing for eq null", "a.b", "eq", `null`, map[string]any{"a": map[string]any{"c": nil}}, false},
		{"nested missing leaf is missing for neq", "a.b", "neq", `2`, map[string]any{"a": map[string]any{"c": 2}}, true},
		{"missing intermediate, eq", "a.b", "eq", `2`, map[string]any{"x": map[string]any{"b": 2}}, false},
		{"missing intermediate, neq", "a.b", "neq", `2`, map[string]any{"x": map[string]any{"b": 2}}, true},
		{"missing intermediate, notIn", "a.b", "notIn", `[2]`, map[string]any{"x": 1}, true},
		{"missing intermediate, eq null", "a.b", "eq", `null`, map[string]any{"x": 1}, false},
		{"missing deep intermediate", "a.b.c", "neq", `1`, map[string]any{"a": map[string]any{"x": 1}}, true},
		{"non-map intermediate string, eq", "a.b", "eq", `str`, map[string]any{"a": "str"}, false},
		{"non-map intermediate string, neq", "a.b", "neq", `str`, map[string]any{"a": "str"}, true},
		{"non-map intermediate number, notIn", "a.b", "notIn", `[5]`, map[string]any{"a": 5}, true},
		{"non-map intermediate list", "a.0", "eq", `x`, map[string]any{"a": []any{"x"}}, false},
		{"non-map intermediate JSON null, eq null", "a.b", "eq", `null`, map[string]any{"a": nil}, false},
		{"non-map intermediate JSON null, neq", "a.b", "neq", `null`, map[string]any{"a": nil}, true},
		{"leaf is a map, never equal", "a", "eq", `{b: 2}`, nested, false},
		{"map[string]string leaf", "a.b", "eq", `x`, map[string]any{"a": map[string]string{"b": "x"}}, true},
		{"map[string]string leaf with in", "a.b", "in", `[y, x]`, map[string]any{"a": map[string]string{"b": "x"}}, true},
		{"map[string]string leaf is a string", "a.b", "eq", `1`, map[string]any{"a": map[string]string{"b": "1"}}, false},
		{"map[string]string leaf missing", "a.c", "neq", `x`, map[string]any{"a": map[string]string{"b": "x"}}, true},
		{"walk through a map[string]string leaf is missing", "a.b.c", "neq", `x`, map[string]any{"a": map[string]string{"b": "x"}}, true},
		{"map[string]string under map[string]any", "a.b.c", "eq", `x`, map[string]any{"a": map[string]any{"b": map[string]string{"c": "x"}}}, true},
		{"no dot, missing", "ab", "eq", `2`, nested, false},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			cfg := tgtCondConfig(tc.attr, tc.op, tc.value)
			if got := tgtEval(t, cfg, tc.attrs); got != tc.want {
				t.Errorf("{attribute: %s, operator: %s, value: %s} with attributes %#v: VariantFor = %v, want %v",
					tc.attr, tc.op, tc.value, tc.attrs, got, tc.want)
			}
		})
	}
}

// tgtErrConfig puts cond, a condition in YAML flow form, on line 5.
func tgtErrConfig(cond string) string {
	return `experiments:
  exp:
    targeting:
      - conditions:
          - ` + cond + `
    variants:
      on: 100%
`
}

func TestConditionLoadErrors(t *testing.T) {
	const cond0 = "experiments.exp.targeting[0].conditions[0]"
	cases := []struct {
		name string
		cfg  string
		kind error
		path string
		line int
	}{
		{"unknown operator", tgtErrConfig(`{attribute: country, operator: equals, value: US}`), ErrOperator, cond0 + ".operator", 5},
		{"operator in the wrong case", tgtErrConfig(`{attribute: country, operator: EQ, value: US}`), ErrOperator, cond0 + ".operator", 5},
		{"operator notin in the wrong case", tgtErrConfig(`{attribute: country, operator: notin, value: [US]}`), ErrOperator, cond0 + ".operator", 5},
		{"operator not in the table", tgtErrConfig(`{attribute: country, operator: startsWith, value: U}`), ErrOperator, cond0 + ".operator", 5},
		{"empty operator", tgtErrConfig(`{attribute: country, operator: "", value: US}`), ErrOperator, cond0 + ".operator", 5},
		{"condition without attribute", tgtErrConfig(`{operator: eq, value: US}`), ErrMissingKey, cond0, 5},
		{"condition without operator", tgtErrConfig(`{attribute: country, value: US}`), ErrMissingKey, cond0, 5},
		{"condition without value", tgtErrConfig(`{attribute: country, operator: eq}`), ErrMissingKey, cond0, 5},
		{"empty condition", tgtErrConfig(`{}`), ErrMissingKey, cond0, 5},
		{"unknown key in a condition", tgtErrConfig(`{attribute: country, operator: eq, value: US, negate: true}`), ErrUnknownKey, cond0 + ".negate", 5},
		{"duplicate key in a condition", tgtErrConfig(`{attribute: country, operator: eq, operator: neq, value: US}`), ErrDuplicateKey, cond0 + ".operator", 5},
		{"regexp that does not compile", tgtErrConfig(`{attribute: email, operator: matches, value: '('}`), ErrRegexp, cond0 + ".value", 5},
		{"regexp with lookahead is not RE2", tgtErrConfig(`{attribute: email, operator: matches, value: 'a(?=b)'}`), ErrRegexp, cond0 + ".value", 5},
		{"regexp with a backreference is not RE2", tgtErrConfig(`{attribute: email, operator: matches, value: '(a)\1'}`), ErrRegexp, cond0 + ".value", 5},
		{"error in the second condition", `experiments:
  exp:
    targeting:
      - conditions:
          - {attribute: country, operator: eq, value: US}
          - {attribute: plan, operator: is, value: pro}
    variants:
      on: 100%
`, ErrOperator, "experiments.exp.targeting[0].conditions[1].operator", 6},
		{"error in the second rule", `experiments:
  exp:
    targeting:
      - conditions:
          - {attribute: country, operator: eq, value: US}
      - conditions:
          - {attribute: plan, operator: is, value: pro}
    variants:
      on: 100%
`, ErrOperator, "experiments.exp.targeting[1].conditions[0].operator", 7},
		{"unknown key in a rule", `experiments:
  exp:
    targeting:
      - conditions:
          - {attribute: country, operator: eq, value: US}
        negate: true
    variants:
      on: 100%
`, ErrUnknownKey, "experiments.exp.targeting[0].negate", 6},
		{"misspelled conditions key in a rule", `experiments:
  exp:
    targeting:
      - condition:
          - {attribute: country, operator: eq, value: US}
    variants:
      on: 100%
`, ErrUnknownKey, "experiments.exp.targeting[0].condition", 4},
		{"unknown audience", `audiences:
  pro-users:
    - conditions:
        - {attribute: plan, operator: eq, value: pro}
experiments:
  exp:
    audience: staff
    variants:
      on: 100%
`, ErrUnknownAudience, "experiments.exp.audience", 7},
		{"unknown audience, none defined", `experiments:
  exp:
    audience: pro-users
    variants:
      on: 100%
`, ErrUnknownAudience, "experiments.exp.audience", 3},
		{"unknown operator in an audience", `audiences:
  pro-users:
    - conditions:
        - {attribute: plan, operator: equals, value: pro}
experiments:
  exp:
    audience: pro-users
    variants:
      on: 100%
`, ErrOperator, "audiences.pro-users[0].conditions[0].operator", 4},
		{"unknown operator in an environment override", `experiments:
  exp: true
envs:
  prod:
    exp:
      targeting:
        - conditions:
            - {attribute: country, operator: equals, value: US}
      variants:
        on: 100%
`, ErrOperator, "envs.prod.exp.targeting[0].conditions[0].operator", 8},
	}
	sentinels := []error{ErrSyntax, ErrDuplicateKey, ErrUnknownKey, ErrMissingKey, ErrInvalidValue,
		ErrPercentage, ErrOverlap, ErrUnknownGroup, ErrUnknownAudience, ErrStatus, ErrOperator, ErrRegexp, ErrTooLarge}
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			r, err := Parse([]byte(tc.cfg))
			if err == nil {
				t.Fatalf("Parse succeeded (%v), want an error wrapping %v\nconfig:\n%s", r, tc.kind, tc.cfg)
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("Parse error %q: errors.Is(err, %q) = false, want true", err, tc.kind)
			}
			for _, s := range sentinels {
				if s != tc.kind && errors.Is(err, s) {
					t.Errorf("Parse error %q also wraps %q; want only %q", err, s, tc.kind)
				}
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Parse error %q (%T) is not a *ConfigError", err, err)
			}
			type where struct {
				File string
				Line int
				Path string
			}
			if diff := cmp.Diff(where{"", tc.line, tc.path}, where{ce.File, ce.Line, ce.Path}); diff != "" {
				t.Errorf("ConfigError position mismatch (-want +got):\n%s\nerror: %q", diff, err)
			}
			if ce.Column <= 0 {
				t.Errorf("Column = %d, want > 0 (error %q)", ce.Column, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "experiment: ") {
				t.Errorf("Error() = %q, want the prefix %q", msg, "experiment: ")
			}
			if pos := fmt.Sprintf("%d:%d: ", ce.Line, ce.Column); !strings.Contains(msg, pos) {
				t.Errorf("Error() = %q, want it to contain the position %q", msg, pos)
			}
			if !strings.Contains(msg, tc.path) {
				t.Errorf("Error() = %q, want it to contain the path %q", msg, tc.path)
			}
		})
	}
}

// TestConditionHotPathAllocs checks that evaluating a targeted experiment
// (in over five strings, and eq) allocates nothing, on and off.
func TestConditionHotPathAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	const cfg = `experiments:
  exp:
    targeting:
      - conditions:
          - {attribute: country, operator: in, value: [US, CA, GB, DE, FR]}
          - {attribute: plan, operator: eq, value: pro}
    variants:
      on: 100%
`
	r, err := Parse([]byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		attrs map[string]any
		want  bool
	}{
		{"match on last element", map[string]any{"country": "FR", "plan": "pro"}, true},
		{"in false", map[string]any{"country": "JP", "plan": "pro"}, false},
		{"eq false", map[string]any{"country": "US", "plan": "free"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ContextFor("user-1").With(tc.attrs)
			if got := r.VariantFor("exp", c); got != tc.want {
				t.Fatalf("VariantFor = %v, want %v", got, tc.want)
			}
			allocs := testing.AllocsPerRun(100, func() {
				if r.VariantFor("exp", c) != tc.want {
					panic("VariantFor changed its answer")
				}
			})
			if allocs != 0 {
				t.Errorf("VariantFor allocates %v times per call, want 0", allocs)
			}
		})
	}
}

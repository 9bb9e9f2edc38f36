package control

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/inprocess/experiment/platform/internal/jsvalue"
	"github.com/inprocess/experiment/platform/internal/store"
)

// checker validates a request as the platform's zod schemas do and keeps
// the message of the first failure: callers check fields in the schema's
// declared order, depth first, so the first failure is zod's first issue.
// Checks after a failure still run, on zero values, and change nothing.
type checker struct{ msg string }

func (c *checker) fail(msg string) {
	if c.msg == "" {
		c.msg = msg
	}
}

func (c *checker) ok() bool { return c.msg == "" }

func received(expected string, v jsvalue.Value) string {
	return "Invalid input: expected " + expected + ", received " + v.TypeName()
}

const tooShort = "Too small: expected string to have >=1 characters"

// object checks that v is an object.
func (c *checker) object(v jsvalue.Value) bool {
	if v.Kind != jsvalue.Object {
		c.fail(received("object", v))
		return false
	}
	return true
}

// str checks a required string, at least one character long when min1.
func (c *checker) str(v jsvalue.Value, min1 bool) string {
	if v.Kind != jsvalue.String {
		c.fail(received("string", v))
		return ""
	}
	if min1 && v.Str == "" {
		c.fail(tooShort)
	}
	return v.Str
}

// optStr checks an optional string: nil when absent.
func (c *checker) optStr(v jsvalue.Value, min1 bool) *string {
	if v.Kind == jsvalue.Undefined {
		return nil
	}
	s := c.str(v, min1)
	return &s
}

// nullableStr checks an optional string that may be null: set reports
// whether it was given, s is nil for null.
func (c *checker) nullableStr(v jsvalue.Value, min1 bool) (s *string, set bool) {
	switch v.Kind {
	case jsvalue.Undefined:
		return nil, false
	case jsvalue.Null:
		return nil, true
	}
	return c.optStr(v, min1), true
}

// enum checks that v is one of the options.
func (c *checker) enum(v jsvalue.Value, options ...string) string {
	if v.Kind == jsvalue.String {
		for _, o := range options {
			if v.Str == o {
				return o
			}
		}
	}
	c.fail(`Invalid option: expected one of "` + strings.Join(options, `"|"`) + `"`)
	return ""
}

var operators = []string{"eq", "neq", "in", "notIn", "contains", "gt", "lt"}

func statusNames() []string {
	out := make([]string, len(store.Statuses))
	for i, s := range store.Statuses {
		out[i] = string(s)
	}
	return out
}

// array checks an array; a missing one is an error unless optional, when
// it is the empty list.
func (c *checker) array(v jsvalue.Value, optional bool) []jsvalue.Value {
	if v.Kind == jsvalue.Undefined && optional {
		return nil
	}
	if v.Kind != jsvalue.Array {
		c.fail(received("array", v))
		return nil
	}
	return v.Arr
}

// rules checks a TargetingRule[] and returns it as stored: each rule
// reduced to its conditions, each condition to attribute, operator and
// value (when given), normalised. present is false for an absent
// optional list.
func (c *checker) rules(v jsvalue.Value, optional bool) (raw json.RawMessage, present bool) {
	if v.Kind == jsvalue.Undefined && optional {
		return nil, false
	}
	items := c.array(v, false)
	out := jsvalue.Value{Kind: jsvalue.Array, Arr: []jsvalue.Value{}}
	for _, rule := range items {
		if !c.object(rule) {
			continue
		}
		conds := jsvalue.Value{Kind: jsvalue.Array, Arr: []jsvalue.Value{}}
		for _, cond := range c.array(rule.Get("conditions"), false) {
			if !c.object(cond) {
				continue
			}
			clean := jsvalue.Value{Kind: jsvalue.Object, Obj: []jsvalue.Member{
				{Key: "attribute", Val: jsvalue.Value{Kind: jsvalue.String, Str: c.str(cond.Get("attribute"), false)}},
				{Key: "operator", Val: jsvalue.Value{Kind: jsvalue.String, Str: c.enum(cond.Get("operator"), operators...)}},
			}}
			if val := cond.Get("value"); val.Kind != jsvalue.Undefined {
				clean.Obj = append(clean.Obj, jsvalue.Member{Key: "value", Val: val})
			}
			conds.Arr = append(conds.Arr, clean)
		}
		out.Arr = append(out.Arr, jsvalue.Value{Kind: jsvalue.Object, Obj: []jsvalue.Member{{Key: "conditions", Val: conds}}})
	}
	return jsvalue.Encode(jsvalue.Normalize(out)), true
}

// payload checks an optional record (a JSON object), or null when
// nullable: set reports whether it was given, and raw is the normalised
// JSON ("null" for null).
func (c *checker) payload(v jsvalue.Value, nullable bool) (raw json.RawMessage, set bool) {
	switch {
	case v.Kind == jsvalue.Undefined:
		return nil, false
	case v.Kind == jsvalue.Null && nullable:
		return json.RawMessage("null"), true
	case v.Kind != jsvalue.Object:
		c.fail(received("record", v))
		return nil, true
	}
	return jsvalue.Encode(jsvalue.Normalize(v)), true
}

const maxSafe = 1<<53 - 1

// integer checks a JSON number that must be an integer from lo to hi, in
// zod's order: a number, finite, an integer, a safe one, then the bounds.
func (c *checker) integer(v jsvalue.Value, lo, hi float64) int64 {
	if v.Kind != jsvalue.Number {
		c.fail(received("number", v))
		return 0
	}
	return c.intChecks(v.Num, lo, hi)
}

func (c *checker) intChecks(f, lo, hi float64) int64 {
	switch {
	case math.IsNaN(f):
		c.fail("Invalid input: expected number, received NaN")
	case math.IsInf(f, 0):
		c.fail("Invalid input: expected number, received number")
	case f != math.Trunc(f):
		c.fail("Invalid input: expected int, received number")
	case f > maxSafe:
		c.fail("Too big: expected int to be <=" + strconv.Itoa(maxSafe))
	case f < -maxSafe:
		c.fail("Too small: expected int to be >=-" + strconv.Itoa(maxSafe))
	case f < lo:
		c.fail("Too small: expected number to be >=" + strconv.FormatFloat(lo, 'f', -1, 64))
	case f > hi:
		c.fail("Too big: expected number to be <=" + strconv.FormatFloat(hi, 'f', -1, 64))
	default:
		return int64(f)
	}
	return 0
}

// page checks the pagination query fields, page then pageSize, coerced
// with JavaScript's Number(); the rule that they come together is checked
// by pageTogether, after every field.
func (c *checker) page(q map[string]jsvalue.Value) (p store.Page, pageSet, sizeSet bool) {
	p = store.Page{Number: 1, Size: 20}
	if v, ok := q["page"]; ok {
		p.Number, pageSet = c.intChecks(jsNumber(v), 1, maxSafe), true
	}
	if v, ok := q["pageSize"]; ok {
		p.Size, sizeSet = c.intChecks(jsNumber(v), 1, 100), true
	}
	return p, pageSet, sizeSet
}

func (c *checker) pageTogether(pageSet, sizeSet bool) {
	if c.ok() && pageSet != sizeSet {
		c.fail("page and pageSize must be provided together")
	}
}

// queryStr checks an optional query string: a repeated key is an array,
// which fails.
func (c *checker) queryStr(q map[string]jsvalue.Value, key string) *string {
	v, ok := q[key]
	if !ok {
		return nil
	}
	return c.optStr(v, true)
}

package experiment

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// attrsConfig targets on each kind of attribute a typed setter can hold.
const attrsConfig = `
experiments:
  str: {targeting: [{conditions: [{attribute: country, operator: in, value: [US, CA]}]}], variants: {on: 100%}}
  neq: {targeting: [{conditions: [{attribute: country, operator: neq, value: US}]}], variants: {on: 100%}}
  boolean: {targeting: [{conditions: [{attribute: beta, operator: eq, value: true}]}], variants: {on: 100%}}
  int: {targeting: [{conditions: [{attribute: age, operator: gte, value: 18}]}], variants: {on: 100%}}
  float: {targeting: [{conditions: [{attribute: score, operator: gt, value: 0.5}]}], variants: {on: 100%}}
  regexp: {targeting: [{conditions: [{attribute: email, operator: matches, value: "@example\\.com$"}]}], variants: {on: 100%}}
  semver: {targeting: [{conditions: [{attribute: version, operator: semverGte, value: 2.1.0}]}], variants: {on: 100%}}
  nested: {targeting: [{conditions: [{attribute: user.plan, operator: eq, value: pro}]}], variants: {on: 100%}}
`

var attrsExperiments = []string{"str", "neq", "boolean", "int", "float", "regexp", "semver", "nested"}

// on lists the experiments of attrsConfig the user in c is in.
func on(r *Ruleset, c Context) []string {
	var got []string
	for _, name := range attrsExperiments {
		if r.VariantFor(name, c) {
			got = append(got, name)
		}
	}
	return got
}

// TestTypedSetters checks that the typed setters target exactly as the same
// values given to With do, and how setters and With replace each other.
func TestTypedSetters(t *testing.T) {
	r := mustParse(t, attrsConfig)
	base := ContextFor("u1")
	tests := []struct {
		name    string
		setters Context
		with    map[string]any // the same attributes through With
		want    []string
	}{
		{"none", base, nil, []string{"neq"}},
		{"string in", base.WithString("country", "CA"), map[string]any{"country": "CA"}, []string{"str", "neq"}},
		{"string neq", base.WithString("country", "US"), map[string]any{"country": "US"}, []string{"str"}},
		{"bool", base.WithBool("beta", true), map[string]any{"beta": true}, []string{"neq", "boolean"}},
		{"bool false", base.WithBool("beta", false), map[string]any{"beta": false}, []string{"neq"}},
		{"int", base.WithInt("age", 18), map[string]any{"age": 18}, []string{"neq", "int"}},
		{"int below", base.WithInt("age", 17), map[string]any{"age": int64(17)}, []string{"neq"}},
		{"float", base.WithFloat("score", 0.75), map[string]any{"score": 0.75}, []string{"neq", "float"}},
		{"regexp", base.WithString("email", "a@example.com"), map[string]any{"email": "a@example.com"}, []string{"neq", "regexp"}},
		{"semver", base.WithString("version", "2.3.0"), map[string]any{"version": "2.3.0"}, []string{"neq", "semver"}},
		{"int is not a string", base.WithInt("country", 1), map[string]any{"country": 1}, []string{"neq"}},
		{"exact dotted name", base.WithString("user.plan", "pro"), map[string]any{"user.plan": "pro"}, []string{"neq", "nested"}},
		{"later setter wins", base.WithString("country", "FR").WithString("country", "US"), map[string]any{"country": "US"}, []string{"str"}},
		{"five setters spill to a map",
			base.WithString("a", "1").WithString("b", "2").WithString("c", "3").WithString("d", "4").WithString("country", "US").WithBool("beta", true),
			map[string]any{"a": "1", "b": "2", "c": "3", "d": "4", "country": "US", "beta": true}, []string{"str", "boolean"}},
		{"With replaces a setter", base.WithString("country", "FR").With(map[string]any{"country": "US"}), map[string]any{"country": "US"}, []string{"str"}},
		{"setter replaces With", base.With(map[string]any{"country": "FR", "beta": true}).WithString("country", "US"),
			map[string]any{"country": "US", "beta": true}, []string{"str", "boolean"}},
		{"setter after a nested map", base.With(map[string]any{"user": map[string]any{"plan": "pro"}}).WithString("country", "CA"),
			map[string]any{"user": map[string]any{"plan": "pro"}, "country": "CA"}, []string{"str", "neq", "nested"}},
		{"second With merges", base.With(map[string]any{"country": "CA"}).With(map[string]any{"beta": true}),
			map[string]any{"country": "CA", "beta": true}, []string{"str", "neq", "boolean"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, on(r, tt.setters)); diff != "" {
				t.Errorf("with setters (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, on(r, base.With(tt.with))); diff != "" {
				t.Errorf("with With (-want +got):\n%s", diff)
			}
			checkPastN(t, tt.setters)
			checkPastN(t, base.With(tt.with))
		})
	}
}

// TestInlineAttr checks what Attr returns for inline, mirrored and map
// attributes.
func TestInlineAttr(t *testing.T) {
	nested := map[string]any{"plan": "pro"}
	c := ContextFor("u").
		With(map[string]any{"country": "FR", "n": json.Number("7"), "null": nil}).
		WithString("country", "US").WithInt("age", 30).WithFloat("score", 0.5).WithBool("beta", true)
	d := ContextFor("u").With(map[string]any{"user": nested, "x": 1})
	tests := []struct {
		name   string
		c      Context
		attr   string
		want   any
		wantOK bool
	}{
		{"setter replaces mirrored", c, "country", "US", true},
		{"mirrored keeps its Go value", c, "n", json.Number("7"), true},
		{"mirrored null", c, "null", nil, true},
		{"int setter", c, "age", int64(30), true},
		{"float setter (spilled to the map)", c, "score", 0.5, true},
		{"bool setter (spilled to the map)", c, "beta", true, true},
		{"missing", c, "plan", nil, false},
		{"not mirrored: dotted", d, "user.plan", "pro", true},
		{"not mirrored: plain", d, "x", 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.c.Attr(tt.attr)
			if ok != tt.wantOK {
				t.Fatalf("Attr(%q) ok = %v, want %v", tt.attr, ok, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Attr(%q) (-want +got):\n%s", tt.attr, diff)
			}
		})
	}
}

// TestMirror checks which maps With copies inline.
func TestMirror(t *testing.T) {
	tests := []struct {
		name  string
		attrs map[string]any
		want  uint8 // inline entries; 0: the map alone
	}{
		{"scalars", map[string]any{"a": "x", "d": nil}, 2},
		{"three", map[string]any{"a": 1, "b": 2, "c": 3}, 0},
		{"a nested map", map[string]any{"a": "x", "user": map[string]any{}}, 0},
		{"a list", map[string]any{"a": []any{"x"}}, 0},
		{"a named string type", map[string]any{"plan": plan("pro")}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ContextFor("u").With(tt.attrs)
			if c.n != tt.want || c.mirrored != (tt.want > 0) {
				t.Errorf("inline entries %d (mirrored %v), want %d", c.n, c.mirrored, tt.want)
			}
			checkPastN(t, c)
		})
	}
}

type plan string

// checkPastN fails unless every inline entry of c past c.n is zero, which
// holds relies on to read the entries without checking c.n.
func checkPastN(t *testing.T, c Context) {
	t.Helper()
	for i := int(c.n); i < maxInline; i++ {
		if c.inline[i] != (inlineAttr{}) {
			t.Errorf("inline entry %d of %d is %+v, want zero", i, c.n, c.inline[i])
		}
	}
}

// TestWideAttrs checks that Assignments and AppendAssignments, which read
// a map of more than maxInline attributes from a copy on their stack
// (wideAttrs), target exactly as VariantFor does from the map, for each
// shape the copy can or cannot take.
func TestWideAttrs(t *testing.T) {
	r := mustParse(t, attrsConfig+`
  long: {targeting: [{conditions: [{attribute: favourite_colour, operator: in, value: [ultramarine, vermilion]}]}], variants: {on: 100%}}
  absent: {targeting: [{conditions: [{attribute: missing, operator: notIn, value: [x]}]}], variants: {on: 100%}}
  dotted: {targeting: [{conditions: [{attribute: app.version, operator: eq, value: "2.3.1"}]}], variants: {on: 100%}}
  tier: {targeting: [{conditions: [{attribute: account_tier, operator: eq, value: gold}]}], variants: {on: 100%}}
`)
	names := append(slices.Clone(attrsExperiments), "long", "absent", "dotted", "tier")
	eight := map[string]any{"country": "US", "beta": true, "age": 30, "score": 0.75, "email": "a@example.com", "version": "2.4.0", "favourite_colour": "vermilion", "x": nil}
	nine := map[string]any{"extra": "y"}
	for k, v := range eight {
		nine[k] = v
	}
	tests := []struct {
		name string
		c    Context
		wide bool // the copy is taken
	}{
		{"three", ContextFor("u").With(map[string]any{"country": "CA", "age": 18, "score": 0.5}), true},
		{"names alike in their first seven bytes", ContextFor("u").With(map[string]any{"account_type": "gold", "account_tier": "silver", "country": "US"}), true},
		{"one of them missing", ContextFor("u").With(map[string]any{"account_type": "gold", "age": 18, "country": "US"}), true},
		{"eight, of every kind", ContextFor("u").With(eight), true},
		{"nine: over maxWide", ContextFor("u").With(nine), false},
		{"a nested map", ContextFor("u").With(map[string]any{"country": "US", "age": 40, "user": map[string]any{"plan": "pro"}}), false},
		{"a list", ContextFor("u").With(map[string]any{"country": "US", "age": 40, "tags": []any{"a"}}), false},
		{"a literal dotted key", ContextFor("u").With(map[string]any{"country": "FR", "app.version": "2.3.1", "age": 12}), true},
		{"json.Number and a named string", ContextFor("u").With(map[string]any{"country": plan("US"), "age": json.Number("21"), "score": json.Number("0.4")}), true},
		{"a setter over the map", ContextFor("u").With(map[string]any{"country": "US", "age": 40, "beta": true}).WithString("country", "FR"), true},
		{"two Withs, merged", ContextFor("u").With(map[string]any{"country": "US"}).With(map[string]any{"age": 17, "beta": false}), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			for _, name := range names {
				if r.VariantFor(name, tt.c) {
					want = append(want, name+"/on") // every experiment's one variant
				}
			}
			if diff := cmp.Diff(want, assignedKeys(r.Assignments(tt.c))); diff != "" {
				t.Errorf("Assignments (-VariantFor +Assignments):\n%s", diff)
			}
			if diff := cmp.Diff(want, assignedKeys(r.AppendAssignments(nil, tt.c))); diff != "" {
				t.Errorf("AppendAssignments (-VariantFor +AppendAssignments):\n%s", diff)
			}
			c := tt.c
			c.wide = &wideAttrs{}
			c.buildWide()
			if tt.c.mirrored || c.wide.ok != tt.wide {
				t.Errorf("copied %v (mirrored %v); want %v", c.wide.ok, tt.c.mirrored, tt.wide)
			}
			checkPastN(t, c)
		})
	}
}

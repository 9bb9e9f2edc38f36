package experiment

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// This file tests Context (doc.go's "Targeting attributes"): ContextFor, With, UserID and Attr.

// ctxWant is an expected attribute lookup.
type ctxWant struct {
	name  string
	value any
	ok    bool
}

// ctxCheck checks c's user id and the given attribute lookups.
func ctxCheck(t *testing.T, what string, c Context, userID string, wants ...ctxWant) {
	t.Helper()
	if got := c.UserID(); got != userID {
		t.Errorf("%s: UserID() = %q, want %q", what, got, userID)
	}
	type lookup struct {
		Value any
		OK    bool
	}
	for _, w := range wants {
		v, ok := c.Attr(w.name)
		if diff := cmp.Diff(lookup{w.value, w.ok}, lookup{v, ok}); diff != "" {
			t.Errorf("%s: Attr(%q) mismatch (-want +got):\n%s", what, w.name, diff)
		}
	}
}

func TestContextForUserID(t *testing.T) {
	cases := []struct {
		name string
		id   string
	}{
		{"empty id", ""},
		{"plain id", "user-1"},
		{"numeric id", "22"},
		{"id with spaces and unicode", "Zoë Smith"},
		{"id with a colon", "a:b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ContextFor(tc.id)
			ctxCheck(t, "ContextFor", c, tc.id, ctxWant{"country", nil, false}, ctxWant{"", nil, false}, ctxWant{"a.b", nil, false})
			ctxCheck(t, "ContextFor.With", c.With(map[string]any{"country": "US"}), tc.id, ctxWant{"country", "US", true})
		})
	}
}

func TestContextZeroValue(t *testing.T) {
	var c Context
	ctxCheck(t, "zero Context", c, "", ctxWant{"country", nil, false})
	ctxCheck(t, "zero Context.With", c.With(map[string]any{"country": "US"}), "", ctxWant{"country", "US", true})
}

func TestContextWith(t *testing.T) {
	t.Run("returns a copy, the original is unchanged", func(t *testing.T) {
		base := ContextFor("u")
		attrs := map[string]any{"country": "US"}
		c1 := base.With(attrs)
		ctxCheck(t, "base", base, "u", ctxWant{"country", nil, false})
		ctxCheck(t, "c1", c1, "u", ctxWant{"country", "US", true})
	})

	t.Run("second With merges, later keys win", func(t *testing.T) {
		first := map[string]any{"country": "US", "plan": "free"}
		second := map[string]any{"plan": "pro", "age": 30}
		c1 := ContextFor("u").With(first)
		c2 := c1.With(second)
		ctxCheck(t, "c2", c2, "u",
			ctxWant{"country", "US", true}, ctxWant{"plan", "pro", true}, ctxWant{"age", 30, true})
		ctxCheck(t, "c1 after the second With", c1, "u",
			ctxWant{"country", "US", true}, ctxWant{"plan", "free", true}, ctxWant{"age", nil, false})
		if diff := cmp.Diff(map[string]any{"country": "US", "plan": "free"}, first); diff != "" {
			t.Errorf("the first attribute map changed (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]any{"plan": "pro", "age": 30}, second); diff != "" {
			t.Errorf("the second attribute map changed (-want +got):\n%s", diff)
		}
	})

	t.Run("two Withs on the same context are independent", func(t *testing.T) {
		c1 := ContextFor("u").With(map[string]any{"country": "US"})
		a := c1.With(map[string]any{"plan": "pro"})
		b := c1.With(map[string]any{"plan": "free", "country": "CA"})
		ctxCheck(t, "a", a, "u", ctxWant{"country", "US", true}, ctxWant{"plan", "pro", true})
		ctxCheck(t, "b", b, "u", ctxWant{"country", "CA", true}, ctxWant{"plan", "free", true})
		ctxCheck(t, "c1", c1, "u", ctxWant{"country", "US", true}, ctxWant{"plan", nil, false})
	})

	t.Run("three Withs merge in order", func(t *testing.T) {
		c := ContextFor("u").
			With(map[string]any{"a": 1, "b": 1, "c": 1}).
			With(map[string]any{"b": 2, "c": 2}).
			With(map[string]any{"c": 3})
		ctxCheck(t, "c", c, "u", ctxWant{"a", 1, true}, ctxWant{"b", 2, true}, ctxWant{"c", 3, true})
	})

	t.Run("later JSON null replaces a value", func(t *testing.T) {
		c := ContextFor("u").With(map[string]any{"plan": "pro"}).With(map[string]any{"plan": nil})
		ctxCheck(t, "c", c, "u", ctxWant{"plan", nil, true})
	})

	noops := []struct {
		name  string
		attrs map[string]any
	}{
		{"nil With is a no-op", nil},
		{"empty With is a no-op", map[string]any{}},
	}
	for _, tc := range noops {
		t.Run(tc.name, func(t *testing.T) {
			ctxCheck(t, "without attributes", ContextFor("u").With(tc.attrs), "u", ctxWant{"country", nil, false})
			c := ContextFor("u").With(map[string]any{"country": "US"})
			ctxCheck(t, "with attributes", c.With(tc.attrs), "u", ctxWant{"country", "US", true})
			ctxCheck(t, "nil then attributes", ContextFor("u").With(tc.attrs).With(map[string]any{"country": "CA"}), "u", ctxWant{"country", "CA", true})
		})
	}
}

func TestContextAttr(t *testing.T) {
	cases := []struct {
		name  string
		attrs map[string]any
		attr  string
		want  any
		ok    bool
	}{
		{"exact key", map[string]any{"country": "US"}, "country", "US", true},
		{"missing key", map[string]any{"country": "US"}, "plan", nil, false},
		{"key is case-sensitive", map[string]any{"country": "US"}, "Country", nil, false},
		{"JSON null is present", map[string]any{"plan": nil}, "plan", nil, true},
		{"number kept as given", map[string]any{"age": int64(30)}, "age", int64(30), true},
		{"exact dotted key", map[string]any{"a.b": 1}, "a.b", 1, true},
		{"exact key wins over nested", map[string]any{"a.b": 1, "a": map[string]any{"b": 2}}, "a.b", 1, true},
		{"exact key with JSON null wins over nested", map[string]any{"a.b": nil, "a": map[string]any{"b": 2}}, "a.b", nil, true},
		{"nested map[string]any", map[string]any{"a": map[string]any{"b": 2}}, "a.b", 2, true},
		{"deep nested", map[string]any{"a": map[string]any{"b": map[string]any{"c": "x"}}}, "a.b.c", "x", true},
		{"intermediate map itself", map[string]any{"a": map[string]any{"b": map[string]any{"c": "x"}}}, "a.b", map[string]any{"c": "x"}, true},
		{"nested JSON null", map[string]any{"a": map[string]any{"b": nil}}, "a.b", nil, true},
		{"nested missing leaf", map[string]any{"a": map[string]any{"c": 1}}, "a.b", nil, false},
		{"missing intermediate", map[string]any{"x": map[string]any{"b": 2}}, "a.b", nil, false},
		{"non-map intermediate string", map[string]any{"a": "str"}, "a.b", nil, false},
		{"non-map intermediate number", map[string]any{"a": 5}, "a.b", nil, false},
		{"non-map intermediate JSON null", map[string]any{"a": nil}, "a.b", nil, false},
		{"non-map intermediate list", map[string]any{"a": []any{"x"}}, "a.0", nil, false},
		{"map[string]string leaf", map[string]any{"a": map[string]string{"b": "x"}}, "a.b", "x", true},
		{"map[string]string missing leaf", map[string]any{"a": map[string]string{"b": "x"}}, "a.c", nil, false},
		{"walk past a map[string]string leaf", map[string]any{"a": map[string]string{"b": "x"}}, "a.b.c", nil, false},
		{"map[string]string under map[string]any", map[string]any{"a": map[string]any{"b": map[string]string{"c": "x"}}}, "a.b.c", "x", true},
		{"no attributes, dotted", nil, "a.b", nil, false},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			ctxCheck(t, "Attr", ContextFor("u").With(tc.attrs), "u", ctxWant{tc.attr, tc.want, tc.ok})
		})
	}
}

// TestContextWithDrivesTargeting checks that a merged context is what
// targeting sees, and that the context it came from is unchanged.
func TestContextWithDrivesTargeting(t *testing.T) {
	const cfg = `experiments:
  exp:
    targeting:
      - conditions:
          - {attribute: country, operator: eq, value: US}
          - {attribute: plan, operator: eq, value: pro}
    variants:
      on: 100%
`
	r, err := Parse([]byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	base := ContextFor("u").With(map[string]any{"country": "US", "plan": "free"})
	upgraded := base.With(map[string]any{"plan": "pro"})
	cases := []struct {
		name string
		c    Context
		want bool
	}{
		{"base", base, false},
		{"upgraded", upgraded, true},
		{"no attributes", ContextFor("u"), false},
		{"moved", upgraded.With(map[string]any{"country": "CA"}), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.VariantFor("exp", tc.c); got != tc.want {
				t.Errorf("VariantFor = %v, want %v", got, tc.want)
			}
		})
	}
}

var (
	ctxSinkContext Context
	ctxSinkAny     any
	ctxSinkOK      bool
)

func TestContextAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	id := "user-1"
	attrs := map[string]any{"country": "US", "plan": "pro", "user": map[string]any{"address": map[string]any{"city": "Paris"}}}
	c := ContextFor(id).With(attrs)
	cases := []struct {
		name string
		fn   func()
	}{
		{"ContextFor", func() { ctxSinkContext = ContextFor(id) }},
		{"ContextFor.With", func() { ctxSinkContext = ContextFor(id).With(attrs) }},
		{"With nil", func() { ctxSinkContext = c.With(nil) }},
		{"UserID", func() { ctxSinkOK = c.UserID() == id }},
		{"Attr exact", func() { ctxSinkAny, ctxSinkOK = c.Attr("country") }},
		{"Attr dotted", func() { ctxSinkAny, ctxSinkOK = c.Attr("user.address.city") }},
		{"Attr missing dotted", func() { ctxSinkAny, ctxSinkOK = c.Attr("user.phone.number") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if allocs := testing.AllocsPerRun(100, tc.fn); allocs != 0 {
				t.Errorf("%s allocates %v times per call, want 0", tc.name, allocs)
			}
		})
	}
}

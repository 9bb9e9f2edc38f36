package experiment

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// shapeFacts is what TestShapes checks of one shape.
type shapeFacts struct {
	what   string
	names  []string
	hinted []string // fields with a hint that are not required (a mistake)
}

func factsOf[T any](s *shape[T]) shapeFacts {
	f := shapeFacts{what: s.what}
	for _, fl := range s.fields {
		f.names = append(f.names, fl.name)
		if fl.hint != "" && !fl.required {
			f.hinted = append(f.hinted, fl.name)
		}
		if fl.read == nil {
			f.hinted = append(f.hinted, fl.name+" (no read)")
		}
	}
	return f
}

// TestShapes checks every key table: at most maxFields keys, each named
// once and with a read, hints only on required keys, and the "expected"
// list each derives, which the error messages quote.
func TestShapes(t *testing.T) {
	tests := []struct {
		name     string
		facts    shapeFacts
		expected string
	}{
		{"top", factsOf(&topShape), "groups, experiments, audiences, layers, holdout, envs, DEPLOYMENT_ENV_VARIABLE, salt or version"},
		{"long form", factsOf(&longFormShape), "id, status, salt, audience, targeting, client, requires, start, end, ramp, version or variants"},
		{"variant", factsOf(&variantShape), "id, allocation or payload"},
		{"rule", factsOf(&ruleShape), "conditions"},
		{"condition", factsOf(&conditionShape), "attribute, operator and value"},
		{"ramp", factsOf(&rampShape), "from, to, start, end, steps or salt"},
		{"layer", factsOf(&layerShape), "salt, holdout or experiments"},
		{"holdout", factsOf(&holdoutShape), "share or salt"},
		{"requirement", factsOf(&requirementShape), "experiment or variant"},
		{"snapshot", factsOf(&snapshotShape), "version, environment, experiments or publishedAt"},
		{"published experiment", factsOf(&snapshotExpShape), "id, key, salt, audienceRules, targetingRules, variants or allocations"},
		{"published variant", factsOf(&snapshotVarShape), "id, key or payload"},
		{"published allocation", factsOf(&snapshotAllocShape), "variantId, rangeStart or rangeEnd"},
		{"published rule", factsOf(&publishedRuleShape), "conditions"},
		{"published condition", factsOf(&snapshotCondShape), "attribute, operator or value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.facts
			if len(f.names) == 0 || len(f.names) > maxFields {
				t.Errorf("%d fields; want 1 to %d", len(f.names), maxFields)
			}
			seen := map[string]bool{}
			for _, n := range f.names {
				if seen[n] {
					t.Errorf("field %q is in the table twice", n)
				}
				seen[n] = true
			}
			if len(f.hinted) > 0 {
				t.Errorf("fields %v have a hint but are not required, or have no read", f.hinted)
			}
			if (f.what == "") != (tt.name == "top") {
				t.Errorf("what = %q; only the top level has none", f.what)
			}
			conj := " or "
			if tt.name == "condition" {
				conj = " and "
			}
			if got := list(f.names, strings.TrimSpace(conj)); got != tt.expected {
				t.Errorf("expected list = %q; want %q", got, tt.expected)
			}
		})
	}
}

// TestKeyErrors checks the messages the key tables derive and the checks
// every map's keys get (duplicates, merge keys, keys that are not
// strings), in small maps and in maps past smallMap keys.
func TestKeyErrors(t *testing.T) {
	many := func(extra string) string { // a variant with 20 unknown keys
		var b strings.Builder
		for i := range 20 {
			fmt.Fprintf(&b, ", k%d: 1", i)
		}
		return "experiments:\n  e: {variants: {a: {allocation: 10%" + b.String() + extra + "}}}\n"
	}
	tests := []struct {
		name, config string
		want         []string // Check's errors
	}{
		{"unknown top-level key", "experiment: {a: true}\n",
			[]string{`1:1: experiment: unknown top-level key "experiment"; expected groups, experiments, audiences, layers, holdout, envs, DEPLOYMENT_ENV_VARIABLE, salt or version`}},
		{"unknown key in a variant", "experiments:\n  e: {variants: {a: {allocation: 10%, weight: 2}}}\n",
			[]string{`2:39: experiments.e.variants.a.weight: unknown key "weight" in a variant; expected id, allocation or payload`}},
		{"missing allocation", "experiments:\n  e: {variants: {a: {id: x}}}\n",
			[]string{`2:21: experiments.e.variants.a: a variant needs allocation: a group name, a percentage or a list of those`}},
		{"two missing keys of a condition", "audiences:\n  x: [{conditions: [{attribute: a}]}]\nexperiments:\n  e: {audience: x, variants: {a: 10%}}\n",
			[]string{
				`2:21: audiences.x[0].conditions[0]: a condition needs attribute, operator and value; operator is missing`,
				`2:21: audiences.x[0].conditions[0]: a condition needs attribute, operator and value; value is missing`,
			}},
		{"a hint for the one required key", "holdout: {salt: s}\nexperiments:\n  e: true\n",
			[]string{`1:10: holdout: a holdout needs share: the share of users it keeps out, such as 5%`}},
		{"duplicate known key", "experiments:\n  e: {variants: {a: 10%}, salt: a, salt: b}\n",
			[]string{`2:36: experiments.e.salt: duplicate key "salt" (first at line 2)`}},
		{"duplicate in a small map", "experiments:\n  e: {variants: {a: {allocation: 10%, x: 1, x: 2}}}\n",
			[]string{
				`2:39: experiments.e.variants.a.x: unknown key "x" in a variant; expected id, allocation or payload`,
				`2:45: experiments.e.variants.a.x: duplicate key "x" (first at line 2)`,
			}},
		{"duplicate past smallMap keys", many(", k3: 2"), nil}, // checked below: 20 unknown keys and the duplicate
		{"merge key", "experiments:\n  e: {variants: {a: 10%}, <<: {salt: x}}\n",
			[]string{`2:27: experiments.e: merge keys (<<) are not supported; repeat the keys instead`}},
		{"a key that is a list", "experiments:\n  e: {variants: {a: 10%}, [x]: 1}\n",
			[]string{`2:27: experiments.e: a key is a list; expected a string`}},
		{"not a map", "experiments:\n  e: {variants: {a: 10%}, ramp: 5}\n",
			[]string{`2:33: experiments.e.ramp: expected a map, found the number 5`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs, _ := Check([]byte(tt.config))
			var got []string
			for _, e := range errs {
				got = append(got, fmt.Sprintf("%d:%d: %s: %s", e.Line, e.Column, e.Path, e.Msg))
			}
			if tt.want == nil { // the map past smallMap
				dups := 0
				for _, g := range got {
					if strings.Contains(g, `duplicate key "k3"`) {
						dups++
					}
				}
				if len(got) != 21 || dups != 1 {
					t.Fatalf("got %d errors, %d about the duplicate k3; want 20 unknown keys and 1 duplicate:\n%s", len(got), dups, strings.Join(got, "\n"))
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Check errors (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPublishedKeys checks the open shapes of a published snapshot: an
// unknown key is a warning, and a required key that is missing an error.
func TestPublishedKeys(t *testing.T) {
	tests := []struct {
		name, config string
		errs, warns  []string
	}{
		{"unknown keys warn", `{"version": 1, "x": 1, "experiments": [{"id": "e", "key": "k", "y": 2, "variants": [{"id": "v", "key": "v", "z": 3}], "allocations": [{"variantId": "v", "rangeStart": 0, "rangeEnd": 9999, "w": 4}]}]}`,
			nil, []string{
				`x: key "x" is not part of a published snapshot; it is ignored`,
				`experiments[0].y: key "y" is not part of a published experiment; it is ignored`,
				`experiments[0].variants[0].z: key "z" is not part of a published variant; it is ignored`,
				`experiments[0].allocations[0].w: key "w" is not part of a published allocation; it is ignored`,
			}},
		{"missing key", `{"version": 1, "experiments": [{"id": "e", "variants": [], "allocations": []}]}`,
			[]string{`experiments[0]: a published experiment needs id and key; key is missing`}, nil},
		{"missing attribute", `{"version": 1, "experiments": [{"id": "e", "key": "k", "targetingRules": [{"conditions": [{"operator": "eq", "value": 1}]}]}]}`,
			[]string{`experiments[0].targetingRules[0].conditions[0]: a published condition needs attribute`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs, warns := Check([]byte(tt.config))
			var gotErrs, gotWarns []string
			for _, e := range errs {
				gotErrs = append(gotErrs, e.Path+": "+e.Msg)
			}
			for _, w := range warns {
				if strings.Contains(w.Msg, "is not part of") {
					gotWarns = append(gotWarns, w.Path+": "+w.Msg)
				}
			}
			if diff := cmp.Diff(tt.errs, gotErrs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.warns, gotWarns); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPosition checks Position's String and that ConfigError and Warning
// format their positions through it.
func TestPosition(t *testing.T) {
	tests := []struct {
		name string
		pos  Position
		want string
	}{
		{"zero", Position{}, ""},
		{"all", Position{File: "f.yaml", Line: 3, Column: 7, Path: "experiments.a"}, "f.yaml:3:7: experiments.a"},
		{"no column", Position{File: "f.yaml", Line: 3, Path: "a"}, "f.yaml:3: a"},
		{"a column without a line", Position{File: "f.yaml", Column: 7}, "f.yaml"},
		{"path only", Position{Path: "a.b"}, "a.b"},
		{"line only", Position{Line: 2}, "2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.pos.String()); diff != "" {
				t.Errorf("String() (-want +got):\n%s", diff)
			}
			sep := ""
			if tt.want != "" {
				sep = ": "
			}
			e := &ConfigError{Position: tt.pos, Err: ErrSyntax, Msg: "m"}
			if diff := cmp.Diff("experiment: "+tt.want+sep+"m", e.Error()); diff != "" {
				t.Errorf("ConfigError.Error() (-want +got):\n%s", diff)
			}
			w := Warning{Position: tt.pos, Msg: "m"}
			if diff := cmp.Diff(tt.want+sep+"m", w.String()); diff != "" {
				t.Errorf("Warning.String() (-want +got):\n%s", diff)
			}
		})
	}
}

// TestKeyPath checks the paths keyPath writes out, alone and as the
// errors of the readers that take one name their node: a short-form
// variant's allocation, an item of an allocation list, a long form's
// status, a variant's payload inside a map and a list, and an element of
// a condition's value.
func TestKeyPath(t *testing.T) {
	var p parser
	for _, tc := range []struct {
		name string
		k    keyPath
		want string
	}{
		{"a key", keyOf("experiments", "x"), "experiments.x"},
		{"a top-level key", keyOf("", "salt"), "salt"},
		{"the empty key", keyOf("payload", ""), "payload."},
		{"an element", elemOf("experiments.x", 2), "experiments.x[2]"},
		{"a path as it is", pathAt("groups.beta"), "groups.beta"},
	} {
		if got := p.path(tc.k); got != tc.want {
			t.Errorf("%s: path = %q; want %q", tc.name, got, tc.want)
		}
	}
	cond := func(value string) string {
		return `{"experiments": {"x": {"targeting": [{"conditions": [{"attribute": "n", "operator": "in", "value": ` + value + `}]}], "variants": {"on": {"allocation": "50%"}}}}}`
	}
	for _, tc := range []struct {
		name, config, want string
	}{
		{"short-form allocation", `{"experiments": {"x": {"red": "0-50%", "blue": "50-120%"}}}`, "experiments.x.blue"},
		{"allocation list item", `{"groups": {"g": [1]}, "experiments": {"x": ["g", "nope"]}}`, "experiments.x[1]"},
		{"long-form status", `{"experiments": {"x": {"status": "done", "variants": {"on": "50%"}}}}`, "experiments.x.status"},
		{"long-form allocation", `{"experiments": {"x": {"variants": {"on": {"allocation": "5O%"}}}}}`, "experiments.x.variants.on.allocation"},
		{"payload in a map", `{"experiments": {"x": {"variants": {"on": {"allocation": "50%", "payload": {"a": {"b": 1e400}}}}}}}`, "experiments.x.variants.on.payload.a.b"},
		{"payload in a list", `{"experiments": {"x": {"variants": {"on": {"allocation": "50%", "payload": [1, [2, 1e400]]}}}}}`, "experiments.x.variants.on.payload[1][1]"},
		{"condition value element", cond(`[1, 1e400]`), "experiments.x.targeting[0].conditions[0].value[1]"},
		{"condition value", cond(`1e400`), "experiments.x.targeting[0].conditions[0].value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.config))
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Parse: %v; want a *ConfigError", err)
			}
			if diff := cmp.Diff(tc.want, ce.Path); diff != "" {
				t.Errorf("path (-want +got):\n%s\n(error: %v)", diff, err)
			}
		})
	}
}

package experimentprovider

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/open-feature/go-sdk/openfeature"

	"github.com/inprocess/experiment"
)

// TestContextForSetters checks that a context built with the typed
// setters (two simple attributes) evaluates as one built with With from
// the same attributes, for conditions on each type, and that other
// contexts fall back to the map.
func TestContextForSetters(t *testing.T) {
	rs, err := experiment.Parse([]byte(`
experiments:
  s: {targeting: [{conditions: [{attribute: country, operator: in, value: [US, CA]}]}], variants: {on: 0-100%}}
  b: {targeting: [{conditions: [{attribute: beta, operator: eq, value: true}]}], variants: {on: 0-100%}}
  n: {targeting: [{conditions: [{attribute: age, operator: gte, value: 18}]}], variants: {on: 0-100%}}
  f: {targeting: [{conditions: [{attribute: score, operator: lt, value: 0.5}]}], variants: {on: 0-100%}}
  two: {targeting: [{conditions: [{attribute: country, operator: eq, value: US}, {attribute: age, operator: eq, value: 30}]}], variants: {on: 0-100%}}
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		flat    openfeature.FlattenedContext
		setters bool
	}{
		{"string in", openfeature.FlattenedContext{"targetingKey": "u1", "country": "US"}, true},
		{"string not in", openfeature.FlattenedContext{"targetingKey": "u1", "country": "FR"}, true},
		{"bool", openfeature.FlattenedContext{"targetingKey": "u1", "beta": true}, true},
		{"int", openfeature.FlattenedContext{"targetingKey": "u1", "age": 30}, true},
		{"int64 below", openfeature.FlattenedContext{"targetingKey": "u1", "age": int64(17)}, true},
		{"float64", openfeature.FlattenedContext{"targetingKey": "u1", "score": 0.25}, true},
		{"two", openfeature.FlattenedContext{"targetingKey": "u1", "country": "US", "age": 30.0}, true},
		{"no targeting key", openfeature.FlattenedContext{"country": "US"}, true},
		{"three: the map", openfeature.FlattenedContext{"targetingKey": "u1", "country": "US", "age": 30, "beta": true}, false},
		{"int32: the map", openfeature.FlattenedContext{"targetingKey": "u1", "age": int32(30)}, false},
		{"nested map: the map", openfeature.FlattenedContext{"targetingKey": "u1", "geo": map[string]any{"c": "US"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, _ := tt.flat[openfeature.TargetingKey].(string)
			attrs := map[string]any{}
			for k, v := range tt.flat {
				if k != openfeature.TargetingKey {
					attrs[k] = v
				}
			}
			want := experiment.ContextFor(id).With(attrs)
			got := contextFor(tt.flat)
			_, usedSetters := smallContext(tt.flat)
			if usedSetters != tt.setters {
				t.Errorf("setters used: %v; want %v", usedSetters, tt.setters)
			}
			for _, name := range []string{"s", "b", "n", "f", "two"} {
				if diff := cmp.Diff(fmt.Sprint(rs.Evaluate(name, want)), fmt.Sprint(rs.Evaluate(name, got))); diff != "" {
					t.Errorf("%s (-With +contextFor):\n%s", name, diff)
				}
			}
		})
	}
}

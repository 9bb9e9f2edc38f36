package experimentschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/inprocess/experiment"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// root is the repository root, relative to this package.
const root = ".."

// outOfReach lists the invalid configs under testdata/ that the schema
// accepts, and why no JSON Schema can reject them. experiment lint
// (experiment.Check) is the authority for these. TestTestdata fails when an
// entry is no longer true (the file is gone, loads, or the schema rejects
// it), so the list stays exact.
var outOfReach = map[string]string{
	"testdata/errors/bad-env.yaml":               "an unknown group name: whether a name is defined depends on the groups key",
	"testdata/errors/unknown-group.yaml":         "an unknown group name: whether a name is defined depends on the groups key",
	"testdata/errors/unknown-group-variant.yaml": "an unknown group name: whether a name is defined depends on the groups key",
	"testdata/errors/unknown-audience.yaml":      "an unknown audience name: whether a name is defined depends on the audiences key",
	"testdata/errors/overlap.yaml":               "overlapping variant ranges: a relation between the numbers inside two strings",
	"testdata/errors/overlap-long.yaml":          "overlapping variant ranges: a relation between the numbers inside two strings",
	"testdata/errors/percent-reversed.yaml":      "a percentage whose lower bound is above its upper bound: a relation between two numbers inside one string",
	"testdata/errors/bad-regexp.yaml":            "a regular expression that does not compile: the schema only says that a matches value is a string",
	"testdata/errors/merge-key.yaml":             "a YAML merge key (<<): the YAML decoder merges it before a validator sees the document",
	"testdata/errors/duplicate-experiment.yaml":  "a duplicate key: not a document the YAML decoder returns (it fails to decode)",
	"testdata/errors/duplicate-payload-key.yaml": "a duplicate key: not a document the YAML decoder returns (it fails to decode)",
	"testdata/errors/syntax.yaml":                "not well-formed YAML: there is no document to validate",
	"testdata/cli/design-lint.yaml":              "overlapping layer ranges, unknown prerequisites and cycles: relations between names and numbers across the document",
}

// notConfigs lists the JSON and YAML files under testdata/ that are not
// configs.
var notConfigs = map[string]string{
	"testdata/cli/attrs.json":                 "targeting attributes for experiment dist -attrs",
	"testdata/vectors/assignments.json":       "assignment test vectors",
	"testdata/vectors/buckets.json":           "bucket test vectors",
	"testdata/snapshots/quirks.expected.json": "the decision service's responses for quirks.json",
}

// compile compiles the schema in this directory.
func compile(t testing.TB) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		t.Fatalf("the schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(URL, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(URL)
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return sch
}

// decode reads a config as an editor's YAML (or JSON) support would: a
// document that looks like JSON and is JSON is read as JSON (numbers kept
// exact), anything else with gopkg.in/yaml.v3 into a generic value.
func decode(data []byte) (any, error) {
	if t := bytes.TrimSpace(data); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		if v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data)); err == nil {
			return v, nil
		}
	}
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	return generic(v), nil
}

// generic turns what yaml.v3 decodes into the values a JSON Schema
// validator takes: maps with non-string keys get string keys (as the
// config reads every key as text), and timestamps become the strings they
// are written as (the config reads them as strings).
func generic(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = generic(x)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[keyText(k)] = generic(x)
		}
		return m
	case []any:
		for i, x := range t {
			t[i] = generic(x)
		}
		return t
	case time.Time:
		return t.Format(time.RFC3339Nano)
	}
	return v
}

func keyText(k any) string {
	switch k := k.(type) {
	case nil:
		return "~"
	case string:
		return k
	}
	return fmt.Sprint(k)
}

// validate reports the schema's verdict on data: nil when it validates.
// A document that does not decode is reported as errNoDocument.
func validate(sch *jsonschema.Schema, data []byte) error {
	v, err := decode(data)
	if err != nil {
		return fmt.Errorf("%w: %v", errNoDocument, err)
	}
	return sch.Validate(v)
}

var errNoDocument = errors.New("no document to validate")

// loads reports whether the library loads data, and its first error.
func loads(data []byte, name string) (bool, string) {
	errs, _ := experiment.Check(data, experiment.WithName(name))
	if len(errs) == 0 {
		return true, ""
	}
	return false, errs[0].Error()
}

// configFiles returns the repository's config files, by path from the
// repository root: every .yaml, .yml and .json file under testdata/ and
// examples/ but the fuzz corpora and notConfigs.
func configFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, dir := range []string{"testdata", "examples"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			rel = filepath.ToSlash(rel)
			if d.IsDir() {
				if rel == "testdata/fuzz" {
					return filepath.SkipDir
				}
				return nil
			}
			switch filepath.Ext(path) {
			case ".yaml", ".yml", ".json":
			default:
				return nil
			}
			if _, skip := notConfigs[rel]; !skip {
				out = append(out, rel)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestTestdata checks every config in the repository against the library:
// each one the library loads validates, and each one it rejects fails the
// schema unless outOfReach lists it.
func TestTestdata(t *testing.T) {
	sch := compile(t)
	files := configFiles(t)
	if len(files) < 40 {
		t.Fatalf("found %d config files; the walk is broken", len(files))
	}
	var valid, invalid int
	for _, rel := range files {
		t.Run(rel, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(root, rel))
			if err != nil {
				t.Fatal(err)
			}
			ok, loadErr := loads(data, rel)
			verr := validate(sch, data)
			why, listed := outOfReach[rel]
			switch {
			case ok && listed:
				t.Errorf("loads, yet outOfReach lists it (%s): remove it from the list", why)
			case ok && verr != nil:
				t.Errorf("the library loads it but the schema rejects it:\n%v", verr)
			case ok:
				valid++
			case listed && verr == nil, listed && errors.Is(verr, errNoDocument):
				invalid++ // as the list says: only experiment lint sees the error
			case listed:
				t.Errorf("outOfReach lists it (%s), but the schema rejects it: remove it from the list\n%v", why, verr)
			case verr == nil:
				t.Errorf("the library rejects it (%s) but the schema accepts it: tighten the schema, or list the file in outOfReach with the reason", loadErr)
			case errors.Is(verr, errNoDocument):
				t.Errorf("the library rejects it (%s) and it does not decode (%v): list it in outOfReach", loadErr, verr)
			default:
				invalid++
			}
		})
	}
	for rel := range outOfReach {
		if !slices.Contains(files, rel) {
			t.Errorf("outOfReach lists %s, which is not a config file of the repository", rel)
		}
	}
	for rel := range notConfigs {
		if _, err := os.Stat(filepath.Join(root, rel)); err != nil {
			t.Errorf("notConfigs lists %s: %v", rel, err)
		}
	}
	t.Logf("%d valid and %d invalid configs checked", valid, invalid)
}

// TestFuzzCorpus checks that every config of the library's FuzzParse
// corpus that loads also validates: the corpus holds the odd inputs fuzzing
// found, which a schema too strict would reject.
func TestFuzzCorpus(t *testing.T) {
	sch := compile(t)
	seeds := fuzzSeeds(t, filepath.Join(root, "testdata", "fuzz", "FuzzParse"))
	for name, data := range seeds {
		if ok, _ := loads(data, name); !ok {
			continue // invalid seeds are the library's business
		}
		if err := validate(sch, data); err != nil {
			t.Errorf("%s: the library loads it but the schema rejects it:\n%s\n%v", name, data, err)
		}
	}
}

// fuzzSeeds reads a Go fuzz corpus directory of []byte inputs.
func fuzzSeeds(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitN(strings.TrimSpace(string(raw)), "\n", 2)
		if len(lines) != 2 || lines[0] != "go test fuzz v1" || !strings.HasPrefix(lines[1], "[]byte(") || !strings.HasSuffix(lines[1], ")") {
			t.Fatalf("%s: not a corpus file of one []byte", e.Name())
		}
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		out[e.Name()] = []byte(s)
	}
	return out
}

// TestCases pins the schema's reading of each form the config takes, the
// edges included, and checks the library agrees on every case.
func TestCases(t *testing.T) {
	sch := compile(t)
	tests := []struct {
		name   string
		config string
		valid  bool
	}{
		{"empty map", `{}`, true},
		{"nulls mean empty", "groups:\nexperiments:\naudiences:\nenvs:\n", true},
		{"empty document", ``, false},
		{"a list", `[1]`, false},
		{"unknown top-level key", "experiment: {a: true}", false},
		{"all top-level keys", "groups: {g: 1}\nexperiments: {a: g}\naudiences: {x: []}\nenvs: {prod: {a: false}}\nDEPLOYMENT_ENV_VARIABLE: APP_ENV\nsalt: s\nversion: 3", true},
		{"empty DEPLOYMENT_ENV_VARIABLE", "DEPLOYMENT_ENV_VARIABLE: ''", false},
		{"integer salt", "salt: 42", true},
		{"list salt", "salt: [a]", false},
		{"string version", "version: v3", false},

		{"group of ids and percentages", "groups: {staff: [alice, 22, 10%]}", true},
		{"group of one percentage", "groups: {phase 1: 20-30%}", true},
		{"empty group", "groups: {g: []}", true},
		{"group with a boolean", "groups: {g: [a, true]}", false},
		{"group with a float", "groups: {g: [1.5]}", false},
		{"group that is a map", "groups: {g: {a: 1}}", false},
		{"group that is null", "groups: {g: null}", false},
		{"group with a bad percentage", "groups: {g: [120%]}", false},

		{"experiment true", "experiments: {a: true}", true},
		{"experiment 0", "experiments: {a: 0}", true},
		{"experiment 1.0", "experiments: {a: 1.0}", true},
		{"experiment 2", "experiments: {a: 2}", false},
		{"experiment null", "experiments: {a: null}", false},
		{"experiment group name", "groups: {g: [x]}\nexperiments: {a: g}", true},
		{"experiment list", "groups: {g: [x]}\nexperiments: {a: [g, 3-5%]}", true},
		{"experiment list with a number", "experiments: {a: [10%, 3]}", false},
		{"short form", "experiments: {a: {x: 0-20%, y: [20-100%]}}", true},
		{"short form without variants", "experiments: {a: {}}", true},
		{"short form variant map", "experiments: {a: {x: {allocation: 10%}}}", false},
		{"short form variant boolean", "experiments: {a: {x: true}}", false},
		{"short form empty variant name", `experiments: {a: {"": 10%}}`, false},

		{"percent with spaces", "experiments: {a: ' 20 - 30 % '}", true},
		{"percent with decimals", "experiments: {a: 0.25-0.5%}", true},
		{"percent 100.00", "experiments: {a: 100.00%}", true},
		{"percent leading zeros", "experiments: {a: 007-0100%}", true},
		{"percent 100.5", "experiments: {a: 100.5%}", false},
		{"percent three decimals", "experiments: {a: 20-30.555%}", false},
		{"percent 101", "experiments: {a: 101%}", false},
		{"percent dot without decimals", "experiments: {a: 5.%}", false},
		{"percent alone", "experiments: {a: '%'}", false},
		{"percent negative", "experiments: {a: -5%}", false},
		{"percent sign inside a name", "groups: {a%b: [x]}\nexperiments: {a: a%b}", true},

		{"long form in full", `
audiences: {pro: [{conditions: [{attribute: plan, operator: eq, value: pro}]}]}
groups: {beta: [u1]}
experiments:
  c:
    id: exp-42
    status: PAUSED
    salt: 6f1c
    audience: pro
    targeting:
      - conditions: [{attribute: country, operator: in, value: [US, CA]}]
    variants:
      control: {id: var-1, allocation: 0-50%, payload: {color: "#0066cc"}}
      treatment: [beta, 50-100%]
`, true},
		{"long form null variants", "experiments: {c: {variants: null}}", true},
		{"long form unknown key", "experiments: {c: {variants: {}, targetting: []}}", false},
		{"long form unknown status", "experiments: {c: {status: Running, variants: {}}}", false},
		{"long form variants list", "experiments: {c: {variants: [a]}}", false},
		{"variant without allocation", "experiments: {c: {variants: {a: {id: x}}}}", false},
		{"variant unknown key", "experiments: {c: {variants: {a: {allocation: 10%, weight: 2}}}}", false},
		{"variant null", "experiments: {c: {variants: {a: null}}}", false},
		{"variant any payload", "experiments: {c: {variants: {a: {allocation: 10%, payload: [1, {b: null}]}}}}", true},

		{"targeting null", "experiments: {c: {targeting: null, variants: {a: 10%}}}", true},
		{"rule without conditions", "experiments: {c: {targeting: [{}], variants: {a: 10%}}}", true},
		{"rule null conditions", "experiments: {c: {targeting: [{conditions: null}], variants: {a: 10%}}}", true},
		{"rule that is null", "experiments: {c: {targeting: [null], variants: {a: 10%}}}", false},
		{"rule unknown key", "experiments: {c: {targeting: [{condition: []}], variants: {a: 10%}}}", false},
		{"targeting a map", "experiments: {c: {targeting: {conditions: []}, variants: {a: 10%}}}", false},
		{"condition without value", "audiences: {x: [{conditions: [{attribute: a, operator: eq}]}]}", false},
		{"condition with null value", "audiences: {x: [{conditions: [{attribute: a, operator: eq, value: null}]}]}", true},
		{"condition unknown key", "audiences: {x: [{conditions: [{attribute: a, op: eq, value: 1}]}]}", false},
		{"condition unknown operator", "audiences: {x: [{conditions: [{attribute: a, operator: equals, value: 1}]}]}", false},
		{"condition semver with a number", "audiences: {x: [{conditions: [{attribute: a, operator: semverGte, value: 2.3}]}]}", true},
		{"condition gt with a string loads with a warning", "audiences: {x: [{conditions: [{attribute: a, operator: gt, value: x}]}]}", true},
		{"condition matches a number", "audiences: {x: [{conditions: [{attribute: a, operator: matches, value: 1}]}]}", false},
		{"condition matches a string", "audiences: {x: [{conditions: [{attribute: a, operator: matches, value: '^a'}]}]}", true},
		{"condition integer attribute", "audiences: {x: [{conditions: [{attribute: 7, operator: eq, value: 1}]}]}", true},
		{"condition list attribute", "audiences: {x: [{conditions: [{attribute: [a], operator: eq, value: 1}]}]}", false},
		{"every operator", "audiences: {x: [{conditions: [" + everyOperator() + "]}]}", true},

		{"env null", "envs: {prod: null}", true},
		{"env override", "experiments: {a: true}\nenvs: {prod: {a: 5%, b: false}}", true},
		{"env bad override", "envs: {prod: {a: 2}}", false},
		{"env a list", "envs: {prod: [a]}", false},

		{"JSON config", `{"experiments": {"a": {"x": "0-50%", "y": "50-100%"}}, "version": 2}`, true},
		{"JSON float version", `{"version": 2.5}`, false},

		{"snapshot", `{"version": 7, "experiments": [{"id": "e", "key": "k", "variants": [{"id": "v", "key": "a"}], "allocations": [{"variantId": "v", "rangeStart": 0, "rangeEnd": 9999}], "extra": 1}], "publishedAt": "x"}`, true},
		{"snapshot experiment without key", `{"experiments": [{"id": "e"}]}`, false},
		{"snapshot variant with empty key", `{"experiments": [{"id": "e", "key": "k", "variants": [{"id": "v", "key": ""}]}]}`, false},
		{"snapshot experiment not a map", `{"experiments": ["a"]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, loadErr := loads([]byte(tt.config), "case.yaml")
			if ok != tt.valid {
				t.Fatalf("the library: loads=%v (%s); the case says valid=%v", ok, loadErr, tt.valid)
			}
			err := validate(sch, []byte(tt.config))
			if got := err == nil; got != tt.valid {
				t.Errorf("the schema: valid=%v; want %v (%v)", got, tt.valid, err)
			}
		})
	}
}

// everyOperator is one condition per operator the library knows, read
// from the library's own error message for an unknown operator, so that a
// new operator is tested here as soon as it exists.
func everyOperator() string {
	errs, _ := experiment.Check([]byte("audiences: {x: [{conditions: [{attribute: a, operator: nope, value: 1}]}]}"))
	if len(errs) != 1 {
		return "not one error"
	}
	_, list, found := strings.Cut(errs[0].Msg, "expected one of ")
	if !found {
		return "no operator list in " + strconv.Quote(errs[0].Msg)
	}
	var conds []string
	for _, op := range strings.Split(list, ", ") {
		value := `"1.0"`
		if op == "in" || op == "notIn" {
			value = `["a"]`
		}
		conds = append(conds, fmt.Sprintf(`{"attribute": "a", "operator": %q, "value": %s}`, op, value))
	}
	return strings.Join(conds, ", ")
}

// TestOperatorsMatchTheLibrary checks that the schema's operator list is the
// library's, in its order.
func TestOperatorsMatchTheLibrary(t *testing.T) {
	var doc struct {
		Defs struct {
			Condition struct {
				Properties struct {
					Operator struct {
						Enum []string `json:"enum"`
					} `json:"operator"`
				} `json:"properties"`
			} `json:"condition"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(schema, &doc); err != nil {
		t.Fatal(err)
	}
	errs, _ := experiment.Check([]byte("audiences: {x: [{conditions: [{attribute: a, operator: nope, value: 1}]}]}"))
	if len(errs) != 1 {
		t.Fatalf("errors %v; want one", errs)
	}
	_, list, _ := strings.Cut(errs[0].Msg, "expected one of ")
	if diff := cmp.Diff(strings.Split(list, ", "), doc.Defs.Condition.Properties.Operator.Enum); diff != "" {
		t.Errorf("operators (-library +schema):\n%s", diff)
	}
}

// TestJSONCopies checks that JSON returns the schema and a fresh copy.
func TestJSONCopies(t *testing.T) {
	a := JSON()
	a[0] = 'x'
	if b := JSON(); b[0] != '{' || !bytes.Equal(b, schema) {
		t.Error("JSON returned shared or different bytes")
	}
	var doc map[string]any
	if err := json.Unmarshal(JSON(), &doc); err != nil || doc["$id"] != URL {
		t.Errorf("$id %v, err %v; want %s", doc["$id"], err, URL)
	}
}

// FuzzSchema checks that the schema never rejects a config the library
// loads: the schema may be looser than the library, never stricter.
func FuzzSchema(f *testing.F) {
	sch := compile(f)
	for _, data := range fuzzSeeds(f, filepath.Join(root, "testdata", "fuzz", "FuzzParse")) {
		f.Add(data)
	}
	for _, rel := range []string{"testdata/assign/longform.yaml", "testdata/seed.yaml", "testdata/cli/render.json", "testdata/snapshots/quirks.json"} {
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if ok, _ := loads(data, "fuzz.yaml"); !ok {
			return
		}
		err := validate(sch, data)
		if err != nil && !errors.Is(err, errNoDocument) {
			t.Errorf("the library loads it but the schema rejects it:\n%q\n%v", data, err)
		}
	})
}

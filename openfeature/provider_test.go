package experimentprovider

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/inprocess/experiment"
	"github.com/open-feature/go-sdk/openfeature"
)

// config has an experiment for each reason and each kind of payload.
// Buckets (doc.go's "Percentages and buckets"): under the salt "split", alice is 1097 and bob 5052;
// under the top-level salt "top", alice is 3358 and bob 6543.
const config = `
version: 7
salt: top
groups:
  staff: [alice, bob]
  half: 0-50%
audiences:
  pro:
    - conditions:
        - {attribute: plan, operator: eq, value: pro}
experiments:
  everyone: true
  kill: false
  paused:
    status: paused
    variants:
      enabled: 100%
  split:
    a: 0-50%
    b: 50-100%
  staffOnly:
    staff: staff
  halfGroup:
    inGroup: half
  targeted:
    targeting:
      - conditions:
          - {attribute: country, operator: in, value: [US, CA]}
    variants:
      enabled: 100%
  nested:
    targeting:
      - conditions:
          - {attribute: geo.country, operator: eq, value: CA}
    variants:
      enabled: 100%
  byKey:
    targeting:
      - conditions:
          - {attribute: targetingKey, operator: eq, value: alice}
    variants:
      enabled: 100%
  proOnly:
    audience: pro
    variants:
      enabled: 100%
  nobody: 0%
  num:
    variants:
      v: {allocation: 100%, payload: 42}
  frac:
    variants:
      v: {allocation: 100%, payload: 2.5}
  whole:
    variants:
      v: {allocation: 100%, payload: 3.0}
  big:
    variants:
      v: {allocation: 100%, payload: 9223372036854775808}
  obj:
    variants:
      v: {allocation: 100%, payload: {color: "#0066cc", size: 3}}
  list:
    variants:
      v: {allocation: 100%, payload: [1, two]}
  str:
    variants:
      v: {allocation: 100%, payload: hello}
  flag:
    variants:
      v: {allocation: 100%, payload: true}
  none:
    variants:
      v: {allocation: 100%}
envs:
  prod:
    nobody: 0%
`

// jsonConfig has a payload a YAML config cannot write: a number with an
// exponent, kept as written. (A number beyond a float64, such as 1e400,
// is a load error.)
const jsonConfig = `{"version": 2, "experiments": {
  "exp": {"variants": {"v": {"allocation": "100%", "payload": 3e2}}}}}`

// snapshot is a published snapshot (doc.go's "Published snapshots") whose only allocation names a
// variant the experiment does not have.
const snapshot = `{"version": 3, "environment": "staging", "experiments": [
  {"id": "e1", "key": "orphan", "salt": "s",
   "variants": [{"id": "v1", "key": "a"}],
   "allocations": [{"variantId": "nope", "rangeStart": 0, "rangeEnd": 9999}]},
  {"id": "e2", "key": "absent", "salt": "s",
   "variants": [{"id": "v1", "key": "a"}],
   "allocations": [{"variantId": "v1", "rangeStart": 0, "rangeEnd": 9999}]}]}`

// configs are the Rulesets the tables choose from by name.
func configs(t *testing.T) map[string]*experiment.Ruleset {
	return map[string]*experiment.Ruleset{
		"yaml":     mustParse(t, config, experiment.WithEnv("prod")),
		"json":     mustParse(t, jsonConfig),
		"snapshot": mustParse(t, snapshot),
	}
}

// result is what a test compares of an evaluation's details.
type result struct {
	Value     any
	Variant   string
	Reason    openfeature.Reason
	ErrorCode openfeature.ErrorCode
	LibReason any // the flag metadata's MetadataReason
}

// evaluation is one flag evaluation through an OpenFeature client.
type evaluation struct {
	typ    openfeature.Type
	config string // a key of configs; default "yaml"
	flag   string
	user   string
	attrs  map[string]any
	def    any
}

// evaluate runs e through a client bound to a New provider, and returns
// the result, the full flag metadata and the error message.
func evaluate(t *testing.T, e evaluation) (result, openfeature.FlagMetadata, string) {
	t.Helper()
	name := e.config
	if name == "" {
		name = "yaml"
	}
	client, _, err := setProvider(t, New(configs(t)[name]))
	if err != nil {
		t.Fatal(err)
	}
	ec := openfeature.NewEvaluationContext(e.user, e.attrs)
	ctx := context.Background()
	var (
		v       any
		details openfeature.EvaluationDetails
		evalErr error
	)
	switch e.typ {
	case openfeature.Boolean:
		d, err := client.BooleanValueDetails(ctx, e.flag, e.def.(bool), ec)
		v, details, evalErr = d.Value, d.EvaluationDetails, err
	case openfeature.String:
		d, err := client.StringValueDetails(ctx, e.flag, e.def.(string), ec)
		v, details, evalErr = d.Value, d.EvaluationDetails, err
	case openfeature.Int:
		d, err := client.IntValueDetails(ctx, e.flag, e.def.(int64), ec)
		v, details, evalErr = d.Value, d.EvaluationDetails, err
	case openfeature.Float:
		d, err := client.FloatValueDetails(ctx, e.flag, e.def.(float64), ec)
		v, details, evalErr = d.Value, d.EvaluationDetails, err
	case openfeature.Object:
		d, err := client.ObjectValueDetails(ctx, e.flag, e.def, ec)
		v, details, evalErr = d.Value, d.EvaluationDetails, err
	default:
		t.Fatalf("unknown type %v", e.typ)
	}
	if (evalErr != nil) != (details.ErrorCode != "") {
		t.Errorf("error %v with error code %q", evalErr, details.ErrorCode)
	}
	return result{
		Value: v, Variant: details.Variant, Reason: details.Reason, ErrorCode: details.ErrorCode,
		LibReason: details.FlagMetadata[MetadataReason],
	}, details.FlagMetadata, details.ErrorMessage
}

func TestReasons(t *testing.T) {
	us := map[string]any{"country": "US"}
	tests := []struct {
		name string
		evaluation
		want result
	}{
		{"split", evaluation{flag: "split", user: "alice"},
			result{"a", "a", openfeature.SplitReason, "", "split"}},
		{"split other user", evaluation{flag: "split", user: "bob"},
			result{"b", "b", openfeature.SplitReason, "", "split"}},
		{"split exp/variant held", evaluation{flag: "split/a", user: "alice"},
			result{"a", "a", openfeature.SplitReason, "", "split"}},
		{"user id in group", evaluation{flag: "staffOnly", user: "alice"},
			result{"staff", "staff", openfeature.TargetingMatchReason, "", "user-id"}},
		{"group percentage", evaluation{flag: "halfGroup", user: "alice"},
			result{"inGroup", "inGroup", openfeature.TargetingMatchReason, "", "group"}},
		{"targeting rules then everyone", evaluation{flag: "targeted", user: "carol", attrs: us},
			result{"enabled", "enabled", openfeature.TargetingMatchReason, "", "everyone"}},
		{"everyone without rules is static", evaluation{flag: "everyone", user: "carol"},
			result{"default", "default", openfeature.StaticReason, "", "everyone"}},
		{"false is disabled", evaluation{flag: "kill", user: "alice"},
			result{"fallback", "", openfeature.DisabledReason, "", "disabled"}},
		{"paused is disabled", evaluation{flag: "paused", user: "alice"},
			result{"fallback", "", openfeature.DisabledReason, "", "disabled"}},
		{"audience does not match", evaluation{flag: "proOnly", user: "alice", attrs: map[string]any{"plan": "free"}},
			result{"fallback", "", openfeature.DefaultReason, "", "audience"}},
		{"targeting does not match", evaluation{flag: "targeted", user: "alice", attrs: map[string]any{"country": "FR"}},
			result{"fallback", "", openfeature.DefaultReason, "", "targeting"}},
		{"no variant matches", evaluation{flag: "nobody", user: "alice"},
			result{"fallback", "", openfeature.DefaultReason, "", "no-match"}},
		{"user not in the group", evaluation{flag: "staffOnly", user: "carol"},
			result{"fallback", "", openfeature.DefaultReason, "", "no-match"}},
		{"snapshot allocation names no variant", evaluation{config: "snapshot", flag: "orphan", user: "alice"},
			result{"fallback", "", openfeature.DefaultReason, "", "no-variant"}},
		{"exp/variant, user has another", evaluation{flag: "split/b", user: "alice"},
			result{"fallback", "", openfeature.DefaultReason, "", "other-variant"}},
		{"unknown flag", evaluation{flag: "nope", user: "alice"},
			result{"fallback", "", openfeature.ErrorReason, openfeature.FlagNotFoundCode, "unknown"}},
		{"unknown variant", evaluation{flag: "split/c", user: "alice"},
			result{"fallback", "", openfeature.ErrorReason, openfeature.FlagNotFoundCode, "unknown"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.typ, tt.def = openfeature.String, "fallback"
			got, _, _ := evaluate(t, tt.evaluation)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("StringValueDetails(%q, user %q) (-want +got):\n%s", tt.flag, tt.user, diff)
			}
		})
	}
}

func TestBoolean(t *testing.T) {
	tests := []struct {
		name string
		evaluation
		want result
	}{
		{"on for everyone", evaluation{flag: "everyone", user: "alice", def: false},
			result{true, "default", openfeature.StaticReason, "", "everyone"}},
		{"split", evaluation{flag: "split", user: "bob", def: false},
			result{true, "b", openfeature.SplitReason, "", "split"}},
		{"exp/variant held", evaluation{flag: "split/b", user: "bob", def: false},
			result{true, "b", openfeature.SplitReason, "", "split"}},
		{"exp/variant not held is false", evaluation{flag: "split/a", user: "bob", def: true},
			result{false, "", openfeature.DefaultReason, "", "other-variant"}},
		{"off is false whatever the default", evaluation{flag: "nobody", user: "alice", def: true},
			result{false, "", openfeature.DefaultReason, "", "no-match"}},
		{"kill switch is false whatever the default", evaluation{flag: "kill", user: "alice", def: true},
			result{false, "", openfeature.DisabledReason, "", "disabled"}},
		{"not running is false", evaluation{flag: "paused", user: "alice", def: true},
			result{false, "", openfeature.DisabledReason, "", "disabled"}},
		{"user id", evaluation{flag: "staffOnly", user: "bob", def: false},
			result{true, "staff", openfeature.TargetingMatchReason, "", "user-id"}},
		{"unknown flag gives the default", evaluation{flag: "nope", user: "alice", def: true},
			result{true, "", openfeature.ErrorReason, openfeature.FlagNotFoundCode, "unknown"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.typ = openfeature.Boolean
			got, _, _ := evaluate(t, tt.evaluation)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("BooleanValueDetails(%q, user %q, default %v) (-want +got):\n%s", tt.flag, tt.user, tt.def, diff)
			}
		})
	}
}

func TestPayloads(t *testing.T) {
	const (
		everyone   = openfeature.StaticReason
		mismatch   = openfeature.TypeMismatchCode
		parseError = openfeature.ParseErrorCode
	)
	defObj := map[string]any{"default": true}
	tests := []struct {
		name string
		evaluation
		want    result
		wantMsg string // in the error message
	}{
		{"string is the variant name whatever the payload", evaluation{typ: openfeature.String, flag: "flag", def: "x"},
			result{"v", "v", everyone, "", "everyone"}, ""},

		{"int", evaluation{typ: openfeature.Int, flag: "num", def: int64(-1)},
			result{int64(42), "v", everyone, "", "everyone"}, ""},
		{"int written 3.0", evaluation{typ: openfeature.Int, flag: "whole", def: int64(-1)},
			result{int64(3), "v", everyone, "", "everyone"}, ""},
		{"int written 3e2", evaluation{typ: openfeature.Int, config: "json", flag: "exp", def: int64(-1)},
			result{int64(300), "v", everyone, "", "everyone"}, ""},
		{"int from a fraction", evaluation{typ: openfeature.Int, flag: "frac", def: int64(-1)},
			result{int64(-1), "v", openfeature.ErrorReason, mismatch, "everyone"}, `payload of variant "v" is 2.5, want an integer`},
		{"int from a string", evaluation{typ: openfeature.Int, flag: "str", def: int64(-1)},
			result{int64(-1), "v", openfeature.ErrorReason, mismatch, "everyone"}, "is a string, want an integer"},
		{"int from an object", evaluation{typ: openfeature.Int, flag: "obj", def: int64(-1)},
			result{int64(-1), "v", openfeature.ErrorReason, mismatch, "everyone"}, "is an object, want an integer"},
		{"int without a payload", evaluation{typ: openfeature.Int, flag: "none", def: int64(-1)},
			result{int64(-1), "v", openfeature.ErrorReason, mismatch, "everyone"}, "is null, want an integer"},
		{"int beyond int64", evaluation{typ: openfeature.Int, flag: "big", def: int64(-1)},
			result{int64(-1), "v", openfeature.ErrorReason, parseError, "everyone"}, "9223372036854775808 does not fit an int64"},
		{"int off", evaluation{typ: openfeature.Int, flag: "nobody", def: int64(-1)},
			result{int64(-1), "", openfeature.DefaultReason, "", "no-match"}, ""},

		{"float", evaluation{typ: openfeature.Float, flag: "frac", def: -1.0},
			result{2.5, "v", everyone, "", "everyone"}, ""},
		{"float from an integer", evaluation{typ: openfeature.Float, flag: "num", def: -1.0},
			result{42.0, "v", everyone, "", "everyone"}, ""},
		{"float beyond int64", evaluation{typ: openfeature.Float, flag: "big", def: -1.0},
			result{9223372036854775808.0, "v", everyone, "", "everyone"}, ""},
		{"float from a boolean", evaluation{typ: openfeature.Float, flag: "flag", def: -1.0},
			result{-1.0, "v", openfeature.ErrorReason, mismatch, "everyone"}, "is a boolean, want a number"},
		{"float disabled", evaluation{typ: openfeature.Float, flag: "kill", def: -1.0},
			result{-1.0, "", openfeature.DisabledReason, "", "disabled"}, ""},

		{"object", evaluation{typ: openfeature.Object, flag: "obj", def: defObj},
			result{map[string]any{"color": "#0066cc", "size": 3.0}, "v", everyone, "", "everyone"}, ""},
		{"object from an array", evaluation{typ: openfeature.Object, flag: "list", def: defObj},
			result{[]any{1.0, "two"}, "v", everyone, "", "everyone"}, ""},
		{"object from a number", evaluation{typ: openfeature.Object, flag: "num", def: defObj},
			result{defObj, "v", openfeature.ErrorReason, mismatch, "everyone"}, "is a number, want an object"},
		{"object without a payload", evaluation{typ: openfeature.Object, flag: "none", def: defObj},
			result{defObj, "v", openfeature.ErrorReason, mismatch, "everyone"}, "is null, want an object"},
		{"object, snapshot variant without a payload", evaluation{typ: openfeature.Object, config: "snapshot", flag: "absent", def: defObj},
			result{defObj, "a", openfeature.ErrorReason, mismatch, "everyone"}, "is absent, want an object"},
		{"object off", evaluation{typ: openfeature.Object, flag: "proOnly", def: defObj},
			result{defObj, "", openfeature.DefaultReason, "", "audience"}, ""},
		{"object unknown", evaluation{typ: openfeature.Object, flag: "nope", def: defObj},
			result{defObj, "", openfeature.ErrorReason, openfeature.FlagNotFoundCode, "unknown"}, `no experiment is named "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.user = "alice"
			got, _, msg := evaluate(t, tt.evaluation)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%v evaluation of %q (-want +got):\n%s", tt.typ, tt.flag, diff)
			}
			if !strings.Contains(msg, tt.wantMsg) || (tt.wantMsg == "") != (msg == "") {
				t.Errorf("error message %q, want it to contain %q", msg, tt.wantMsg)
			}
		})
	}
}

func TestContextMapping(t *testing.T) {
	tests := []struct {
		name string
		evaluation
		want result
	}{
		{"targeting key is the user id", evaluation{flag: "staffOnly", user: "bob"},
			result{"staff", "staff", openfeature.TargetingMatchReason, "", "user-id"}},
		{"attributes are targeting attributes", evaluation{flag: "targeted", user: "x", attrs: map[string]any{"country": "CA"}},
			result{"enabled", "enabled", openfeature.TargetingMatchReason, "", "everyone"}},
		{"nested attributes by dotted name", evaluation{flag: "nested", user: "x", attrs: map[string]any{"geo": map[string]any{"country": "CA"}}},
			result{"enabled", "enabled", openfeature.TargetingMatchReason, "", "everyone"}},
		{"targeting key is not an attribute", evaluation{flag: "byKey", user: "alice"},
			result{"fallback", "", openfeature.DefaultReason, "", "targeting"}},
		{"an attribute named targetingKey is the user id", evaluation{flag: "staffOnly", attrs: map[string]any{"targetingKey": "alice"}},
			result{"staff", "staff", openfeature.TargetingMatchReason, "", "user-id"}},
		{"no targeting key is the empty user id", evaluation{flag: "staffOnly"},
			result{"fallback", "", openfeature.DefaultReason, "", "no-match"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.typ, tt.def = openfeature.String, "fallback"
			got, _, _ := evaluate(t, tt.evaluation)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("StringValueDetails(%q, key %q, %v) (-want +got):\n%s", tt.flag, tt.user, tt.attrs, diff)
			}
		})
	}
}

func TestFlagMetadata(t *testing.T) {
	tests := []struct {
		name string
		evaluation
		want openfeature.FlagMetadata
	}{
		{"config version and environment", evaluation{typ: openfeature.Boolean, flag: "split", user: "alice", def: false},
			openfeature.FlagMetadata{MetadataVersion: "7", MetadataEnvironment: "prod", MetadataReason: "split"}},
		{"on an error", evaluation{typ: openfeature.Int, flag: "str", user: "alice", def: int64(0)},
			openfeature.FlagMetadata{MetadataVersion: "7", MetadataEnvironment: "prod", MetadataReason: "everyone"}},
		{"flag not found", evaluation{typ: openfeature.String, flag: "nope", user: "alice", def: ""},
			openfeature.FlagMetadata{MetadataVersion: "7", MetadataEnvironment: "prod", MetadataReason: "unknown"}},
		{"no environment", evaluation{typ: openfeature.Float, config: "json", flag: "exp", user: "alice", def: 0.0},
			openfeature.FlagMetadata{MetadataVersion: "2", MetadataEnvironment: "", MetadataReason: "everyone"}},
		{"snapshot", evaluation{typ: openfeature.Object, config: "snapshot", flag: "orphan", user: "alice", def: nil},
			openfeature.FlagMetadata{MetadataVersion: "3", MetadataEnvironment: "staging", MetadataReason: "no-variant"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got, _ := evaluate(t, tt.evaluation)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("flag metadata of %q (-want +got):\n%s", tt.flag, diff)
			}
			v, err := got.GetString(MetadataVersion) // a string, as OpenTelemetry's feature_flag.version
			if err != nil || v != tt.want[MetadataVersion] {
				t.Errorf("GetString(%q) = %v, %v", MetadataVersion, v, err)
			}
		})
	}
}

package experiment

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExplain(t *testing.T) {
	r := mustParse(t, `
salt: top
groups: {qa: [tester], half: 50%}
audiences: {pro: [{conditions: [{attribute: plan, operator: eq, value: pro}]}]}
experiments:
  all: true
  none: false
  paused: {status: paused, variants: {on: 100%}}
  byGroup: {red: qa, green: half}
  split: {a: 0-50%, b: 50-100%}
  gated:
    audience: pro
    targeting:
      - conditions: [{attribute: country, operator: eq, value: US}]
      - conditions: [{attribute: country, operator: in, value: [CA, MX]}]
    variants: {on: 100%}
`)
	userLow, userHigh := userIn(t, "split", 10), userIn(t, "split", 9000)
	groupIn, groupOut := userIn(t, "top", 20), userIn(t, "top", 7000)
	tests := []struct {
		name  string
		exp   string
		user  string
		attrs map[string]any
		want  Explanation
	}{
		{name: "unknown", exp: "nope", user: "u", want: Explanation{Name: "nope", Reason: ReasonUnknown, Detail: `no experiment is named "nope"`, Rule: -1, Bucket: -1}},
		{name: "everyone", exp: "all", user: "u", want: Explanation{Name: "all", Experiment: "all", Variant: "default", Reason: ReasonEveryone, Detail: "the variant is for everyone", Rule: -1, Bucket: -1, Salt: "all"}},
		{name: "false", exp: "none", user: "u", want: Explanation{Name: "none", Experiment: "none", Reason: ReasonDisabled, Detail: "the experiment is off for everyone (false)", Rule: -1, Bucket: -1, Salt: "none"}},
		{name: "paused", exp: "paused", user: "u", want: Explanation{Name: "paused", Experiment: "paused", Reason: ReasonDisabled, Detail: "the experiment's status is not running", Rule: -1, Bucket: -1, Salt: "paused"}},
		{name: "user id", exp: "byGroup", user: "tester", want: Explanation{Name: "byGroup", Experiment: "byGroup", Variant: "red", Reason: ReasonUserID, Detail: `group "qa" lists the user`, Rule: -1, Bucket: -1, Salt: "byGroup"}},
		{name: "group percentage", exp: "byGroup", user: groupIn, want: Explanation{Name: "byGroup", Experiment: "byGroup", Variant: "green", Reason: ReasonGroup, Detail: `group "half": bucket 20 under the top-level salt "top" is in 0-50%`, Rule: -1, Bucket: -1, Salt: "byGroup"}},
		{name: "no group matches", exp: "byGroup", user: groupOut, want: Explanation{Name: "byGroup", Experiment: "byGroup", Reason: ReasonNoMatch, Detail: "no variant's allocation holds the user", Rule: -1, Bucket: -1, Salt: "byGroup"}},
		{name: "split", exp: "split", user: userHigh, want: Explanation{Name: "split", Experiment: "split", Variant: "b", Reason: ReasonSplit, Detail: `bucket 9000 under salt "split" is in 50-100%`, Rule: -1, Bucket: 9000, Salt: "split"}},
		{name: "other variant", exp: "split/b", user: userLow, want: Explanation{Name: "split/b", Experiment: "split", Reason: ReasonOtherVariant, Detail: `the user has variant "a", not "b" (bucket 10 under salt "split" is in 0-50%)`, Rule: -1, Bucket: 10, Salt: "split"}},
		{name: "audience fails", exp: "gated", user: "u", attrs: map[string]any{"plan": "free"}, want: Explanation{Name: "gated", Experiment: "gated", Reason: ReasonAudience, Detail: `audience "pro" did not match: rule 0: plan eq "pro" is false (plan is "free")`, Rule: -1, Bucket: -1, Salt: "gated"}},
		{name: "targeting fails", exp: "gated", user: "u", attrs: map[string]any{"plan": "pro"}, want: Explanation{Name: "gated", Experiment: "gated", Reason: ReasonTargeting, Detail: `no targeting rule matched: rule 0: country eq "US" is false (country is missing); rule 1: country in ["CA", "MX"] is false (country is missing)`, Rule: -1, Bucket: -1, Salt: "gated"}},
		{name: "second rule matches", exp: "gated", user: "u", attrs: map[string]any{"plan": "pro", "country": "MX"}, want: Explanation{Name: "gated", Experiment: "gated", Variant: "on", Reason: ReasonEveryone, Detail: "the variant is for everyone", Targeted: true, Rule: 1, Bucket: -1, Salt: "gated"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.Explain(tt.exp, ContextFor(tt.user).With(tt.attrs))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Explain (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExplainAgrees checks that Explain decides as the hot path does, for
// every experiment of every test config and snapshot, across users.
func TestExplainAgrees(t *testing.T) {
	files := []string{"testdata/seed.yaml", "testdata/assign/longform.yaml", "testdata/snapshots/quirks.json"}
	var contexts []map[string]any
	_ = json.Unmarshal([]byte(`[{}, {"country": "US", "plan": "pro", "age": 30, "app": {"version": "2.1"}}, {"country": "FR", "tags": ["beta"]}]`), &contexts)
	for _, file := range files {
		r, err := Load(file)
		if err != nil {
			t.Fatal(err)
		}
		names := r.Names()
		for _, e := range r.Experiments() {
			for _, v := range e.Variants {
				names = append(names, e.Key+"/"+v.Key)
			}
		}
		for i := range 300 {
			c := ContextFor(fmt.Sprint("u", i)).With(contexts[i%len(contexts)])
			for _, name := range names {
				ex := r.Explain(name, c)
				if ex.Variant != r.Feature(name, c) || ex.Reason.On() != r.VariantFor(name, c) {
					t.Fatalf("%s %s user %d: Explain says %q (%s), Feature %q", file, name, i, ex.Variant, ex.Reason, r.Feature(name, c))
				}
			}
		}
	}
}

func TestExperiments(t *testing.T) {
	r := mustParse(t, `
salt: top
groups: {qa: [a, b], half: [10-60%]}
experiments:
  f: {red: [qa, 0-20%], green: 20-100%}
  g: true
`)
	want := []ExperimentInfo{
		{Key: "f", ID: "f", Salt: "f", Running: true, Variants: []VariantInfo{{"red", "red", json.RawMessage("null")}, {"green", "green", json.RawMessage("null")}},
			Arms: []ArmInfo{
				{Variant: 0, Ranges: []Range{{0, 2000}}, Groups: []GroupInfo{{Name: "qa", Users: 2}}},
				{Variant: 1, Ranges: []Range{{2000, 10000}}},
			}},
		{Key: "g", ID: "g", Salt: "g", Running: true, Variants: []VariantInfo{{"default", "default", json.RawMessage("null")}}, Arms: []ArmInfo{{Variant: 0, Everyone: true}}},
	}
	if diff := cmp.Diff(want, r.Experiments()); diff != "" {
		t.Errorf("Experiments (-want +got):\n%s", diff)
	}
	if r.GroupSalt() != "top" || (Range{2000, 10000}).String() != "20-100%" {
		t.Errorf("GroupSalt %q, Range.String %q", r.GroupSalt(), Range{2000, 10000}.String())
	}
}

func TestCheck(t *testing.T) {
	errs, warns := Check([]byte(`
groups: {unused: [1]}
experiments:
  a: [nogroup]
  b: 5
  c: {x: 0-20%, y: 21-100%}
`), WithName("c.yaml"))
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	for _, w := range warns {
		got = append(got, "warning: "+w.String())
	}
	want := []string{
		`experiment: c.yaml:4:7: experiments.a[0]: unknown group "nogroup"; defined: "unused"`,
		`experiment: c.yaml:5:6: experiments.b: expected true, false, 1 or 0, found the number 5`,
		`warning: c.yaml:2:10: groups.unused: group "unused" is not used by any experiment`,
		`warning: c.yaml:6:6: experiments.c: variants "x" (0-20%) and "y" (21-100%) leave 20-21% unassigned; ranges are half-open, so 20-100% would follow 0-20% without a gap`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Check (-want +got):\n%s", diff)
	}
}

func TestExperimentsRules(t *testing.T) {
	r := mustParse(t, `{"experiments": [{"id": "e", "key": "k", "audienceRules": [{"conditions": [{"attribute": "plan", "operator": "eq"}]}],
		"targetingRules": [{"conditions": [{"attribute": "country", "operator": "in", "value": ["US", 1, null, true]}]}]}]}`)
	got := r.Experiments()[0]
	want := []RuleInfo{{Conditions: []ConditionInfo{{Attribute: "country", Operator: "in", Value: []any{"US", 1.0, nil, true}}}}}
	if diff := cmp.Diff(want, got.TargetingRules); diff != "" {
		t.Errorf("TargetingRules (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]RuleInfo{{Conditions: []ConditionInfo{{Attribute: "plan", Operator: "eq", NoValue: true}}}}, got.AudienceRules); diff != "" {
		t.Errorf("AudienceRules (-want +got):\n%s", diff)
	}
}

func TestExplainSnapshotNames(t *testing.T) {
	r := mustParse(t, `{"experiments": [{"id": "e", "key": "k", "audienceRules": [{"conditions": [{"attribute": "age", "operator": "gte", "value": 18}]}],
		"variants": [{"id": "v", "key": "on"}], "allocations": [{"variantId": "v", "rangeStart": 0, "rangeEnd": 9999}]}]}`)
	ex := r.Explain("k", ContextFor("u").With(map[string]any{"age": 30}))
	if want := `no audience rule matched: rule 0: age gte 18 is false (age is 30)`; ex.Detail != want {
		t.Errorf("Detail = %q; want %q", ex.Detail, want)
	}
	if op := r.Experiments()[0].AudienceRules[0].Conditions[0].Operator; op != "gte" {
		t.Errorf("Operator = %q; want gte", op)
	}
}

// TestHandleAgrees checks that a Handle answers as the name-based methods
// do, for every experiment and "exp/variant" name of three configs.
func TestHandleAgrees(t *testing.T) {
	for _, file := range []string{"testdata/seed.yaml", "testdata/assign/longform.yaml", "testdata/snapshots/quirks.json"} {
		r, err := Load(file)
		if err != nil {
			t.Fatal(err)
		}
		names := append(r.Names(), "nope", "featureThree/nope")
		for _, e := range r.Experiments() {
			for _, v := range e.Variants {
				names = append(names, e.Key+"/"+v.Key)
			}
		}
		for _, name := range names {
			h := r.Lookup(name)
			if _, found := r.lookup(name); h.Found() != found {
				t.Errorf("%s %s: Found = %v", file, name, h.Found())
			}
			for i := range 200 {
				c := ContextFor(fmt.Sprint("u", i)).With(map[string]any{"country": "US", "plan": "pro"})
				if h.VariantFor(c) != r.VariantFor(name, c) || h.Feature(c) != r.Feature(name, c) || string(h.Payload(c)) != string(r.Payload(name, c)) {
					t.Fatalf("%s %s user %d: the Handle disagrees with the Ruleset", file, name, i)
				}
			}
		}
	}
	var zero Handle
	if zero.VariantFor(ContextFor("u")) || zero.Found() {
		t.Error("the zero Handle must be off")
	}
}

func TestSplitDetail(t *testing.T) {
	for v := 0; v <= Buckets; v++ {
		if got, want := string(appendHundredths(nil, uint16(v))), formatHundredths(uint16(v)); got != want {
			t.Fatalf("appendHundredths(%d) = %q; want %q", v, got, want)
		}
	}
	tests := []struct {
		name   string
		bucket int
		salt   string
		s      span
	}{
		{"plain", 1234, "x", span{1000, 2000}},
		{"fractions", 0, "flag-0042", span{3333, 6666}},
		{"salt to quote", 9999, "a \"b\"\n\u00e9\x00", span{5, 10000}},
		{"backslash and tilde", 1, "a\\b~", span{0, 1}},
		{"DEL", 2, "a\x7f", span{0, 1}},
		{"empty salt", 3, "", span{0, 1}},
		{"every printable byte", 10000, " !\"#$%&'()*+,-./0123456789:;<=>?@AZ[\\]^_`az{|}~", span{0, 10000}},
		{"negative bucket", -1, "s", span{0, 1}},
		{"large bucket", 123456, "s", span{0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := fmt.Sprintf("bucket %d under salt %q is in %s", tt.bucket, tt.salt, formatSpan(tt.s))
			if diff := cmp.Diff(want, splitDetail(tt.bucket, tt.salt, plainString(tt.salt), tt.s)); diff != "" {
				t.Errorf("splitDetail (-Sprintf +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, splitDetail(tt.bucket, tt.salt, false, tt.s)); diff != "" {
				t.Errorf("splitDetail, salt not plain (-Sprintf +got):\n%s", diff)
			}
		})
	}
}

// TestAppendDecimal checks appendDecimal against strconv over every
// bucket and percentage, and around its fast range's ends.
func TestAppendDecimal(t *testing.T) {
	vals := []int{-100000, -1, 99999, 100000, 1 << 40}
	for v := range 10001 {
		vals = append(vals, v)
	}
	for _, v := range vals {
		if got, want := string(appendDecimal([]byte("x"), v)), "x"+strconv.Itoa(v); got != want {
			t.Fatalf("appendDecimal(%d) = %q; want %q", v, got, want)
		}
	}
}

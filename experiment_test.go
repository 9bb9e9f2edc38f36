package experiment

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustParse(t testing.TB, config string, opts ...Option) *Ruleset {
	t.Helper()
	r, err := Parse([]byte(config), opts...)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, config)
	}
	return r
}

var bucketUsers sync.Map // "salt\x00bucket" -> user id

// userIn returns a user id whose bucket under salt is exactly b, so that
// tests can sit on the edges of ranges.
func userIn(t testing.TB, salt string, b int) string {
	t.Helper()
	key := fmt.Sprintf("%s\x00%d", salt, b)
	if u, ok := bucketUsers.Load(key); ok {
		return u.(string)
	}
	for i := 0; i < 2_000_000; i++ {
		u := fmt.Sprintf("user-%d", i)
		if Bucket(u, salt) == b {
			bucketUsers.Store(key, u)
			return u
		}
	}
	t.Fatalf("no user with bucket %d under salt %q", b, salt)
	return ""
}

func TestBucketVectors(t *testing.T) {
	// The platform seed's public vectors (doc.go's "Percentages and buckets").
	tests := []struct {
		user, salt string
		want       int
	}{
		{"user-1", "salt-1", 2865},
		{"alice", "exp-abc", 663},
		{"", "", 7430},
		{"user:with:colon", "salt:with:colon", 6663},
		{"A", "B", 3590},
	}
	for _, tt := range tests {
		if got := Bucket(tt.user, tt.salt); got != tt.want {
			t.Errorf("Bucket(%q, %q) = %d; want %d", tt.user, tt.salt, got, tt.want)
		}
	}
}

func TestBucketLongInput(t *testing.T) {
	// Inputs past the stack buffer are streamed; the hash must not change
	// at the boundary.
	for _, n := range []int{hashBufSize - 2, hashBufSize - 1, hashBufSize, hashBufSize + 1, 5000} {
		user := strings.Repeat("u", n)
		want := hash32Ref(user + ":" + "salt")
		if got := hash32(user, "salt"); got != want {
			t.Errorf("hash32 of %d-byte user = %d; want %d", n, got, want)
		}
	}
}

// hash32Ref is MurmurHash3 x86_32 with seed 0, written out from the
// reference algorithm, to check the library's use of murmur3.
func hash32Ref(s string) uint32 {
	const c1, c2 = 0xcc9e2d51, 0x1b873593
	var h uint32
	b := []byte(s)
	for len(b) >= 4 {
		k := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
		k *= c1
		k = k<<15 | k>>17
		k *= c2
		h ^= k
		h = h<<13 | h>>19
		h = h*5 + 0xe6546b64
		b = b[4:]
	}
	var k uint32
	switch len(b) {
	case 3:
		k ^= uint32(b[2]) << 16
		fallthrough
	case 2:
		k ^= uint32(b[1]) << 8
		fallthrough
	case 1:
		k ^= uint32(b[0])
		k *= c1
		k = k<<15 | k>>17
		k *= c2
		h ^= k
	}
	h ^= uint32(len(s))
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

func TestParsePercent(t *testing.T) {
	tests := []struct {
		in     string
		want   span
		wantOK bool
	}{
		{"10%", span{0, 1000}, true},
		{"20-30%", span{2000, 3000}, true},
		{"0%", span{0, 0}, true},
		{"100%", span{0, 10000}, true},
		{"0-100%", span{0, 10000}, true},
		{"50-50%", span{5000, 5000}, true},
		{"33.33%", span{0, 3333}, true},
		{"0.5-99.5%", span{50, 9950}, true},
		{"12.3%", span{0, 1230}, true},
		{" 20 - 30 %", span{2000, 3000}, true},
		{"\t5 %", span{0, 500}, true},
		{"100.00%", span{0, 10000}, true},
		{"007%", span{0, 700}, true},
		{"33.333%", span{}, false},
		{"100.01%", span{}, false},
		{"101%", span{}, false},
		{"30-20%", span{}, false},
		{"-5%", span{}, false},
		{"5.%", span{}, false},
		{".5%", span{}, false},
		{"%", span{}, false},
		{"5", span{}, false},
		{"1e2%", span{}, false},
		{"10-%", span{}, false},
		{"10-20-30%", span{}, false},
		{"10 20%", span{}, false},
		{"ten%", span{}, false},
		{"5%%", span{}, false},
		{"+5%", span{}, false},
		{"99999999999999999999%", span{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, msg := parsePercent(tt.in)
			if ok := msg == ""; ok != tt.wantOK || got != tt.want {
				t.Errorf("parsePercent(%q) = %v, %q; want %v, ok=%v", tt.in, got, msg, tt.want, tt.wantOK)
			}
		})
	}
}

// TestEvaluate covers doc.go's "Config", "Percentages and buckets" and "Evaluation order" through Feature: each case is a
// config, a user and the variant it must get ("" for off).
func TestEvaluate(t *testing.T) {
	type tc struct {
		name   string
		config string
		exp    string
		user   string
		attrs  map[string]any
		want   string
	}
	tests := []tc{
		// doc.go's "Config": booleans and 1/0.
		{name: "true is everyone", config: "experiments: {f: true}", exp: "f", user: "x", want: "default"},
		{name: "false is nobody", config: "experiments: {f: false}", exp: "f", user: "x", want: ""},
		{name: "1 is on", config: "experiments: {f: 1}", exp: "f", user: "x", want: "default"},
		{name: "0 is off", config: "experiments: {f: 0}", exp: "f", user: "x", want: ""},
		{name: "JSON true", config: `{"experiments": {"f": true}}`, exp: "f", user: "x", want: "default"},
		// doc.go's "Config": groups of user ids.
		{name: "group of ids contains the user", config: "groups: {fs: [1, 2, 3, 4]}\nexperiments: {f: fs}", exp: "f", user: "3", want: "default"},
		{name: "group of ids lacks the user", config: "groups: {fs: [1, 2, 3, 4]}\nexperiments: {f: fs}", exp: "f", user: "5", want: ""},
		{name: "integer and string user ids are the same", config: "groups: {g: [22, \"23\"]}\nexperiments: {f: g, h: g}", exp: "f", user: "23", want: "default"},
		{name: "integer user id matches its string", config: "groups: {g: 22}\nexperiments: {f: g}", exp: "f", user: "22", want: "default"},
		{name: "group name with spaces", config: "groups: {family search: alice}\nexperiments: {f: family search}", exp: "f", user: "alice", want: "default"},
		{name: "a string in a group is a user id, not a group", config: "groups: {a: bob, b: [a]}\nexperiments: {f: b}", exp: "f", user: "a", want: "default"},
		{name: "a group's string naming another group is not expanded", config: "groups: {a: bob, b: [a]}\nexperiments: {f: b}", exp: "f", user: "bob", want: ""},
		{name: "unknown experiment is off", config: "experiments: {f: true}", exp: "g", user: "x", want: ""},
		// doc.go's "Config": short form: first variant in config order wins.
		{name: "short form first match wins", config: "groups: {qa: [tester]}\nexperiments: {f: {red: qa, green: 100%}}", exp: "f", user: "tester", want: "red"},
		{name: "short form later variant", config: "groups: {qa: [tester]}\nexperiments: {f: {red: qa, green: 100%}}", exp: "f", user: "other", want: "green"},
		{name: "short form list allocation", config: "groups: {qa: [tester]}\nexperiments: {f: {red: [qa, 0%], green: 0%}}", exp: "f", user: "tester", want: "red"},
		{name: "empty short form assigns nobody", config: "experiments: {f: {}}", exp: "f", user: "x", want: ""},
		// doc.go's "Config": long form.
		{name: "long form running", config: "experiments: {f: {status: running, variants: {on: 100%}}}", exp: "f", user: "x", want: "on"},
		{name: "long form RUNNING", config: "experiments: {f: {status: RUNNING, variants: {on: 100%}}}", exp: "f", user: "x", want: "on"},
		{name: "long form default status is running", config: "experiments: {f: {variants: {on: 100%}}}", exp: "f", user: "x", want: "on"},
		{name: "draft assigns nobody", config: "experiments: {f: {status: draft, variants: {on: 100%}}}", exp: "f", user: "x", want: ""},
		{name: "PAUSED assigns nobody", config: "experiments: {f: {status: PAUSED, variants: {on: 100%}}}", exp: "f", user: "x", want: ""},
		{name: "archived assigns nobody", config: "experiments: {f: {status: archived, variants: {on: 100%}}}", exp: "f", user: "x", want: ""},
		{name: "long form variant map", config: "groups: {qa: [t]}\nexperiments: {f: {variants: {a: {allocation: qa}, b: {allocation: [0%, 100%]}}}}", exp: "f", user: "u", want: "b"},
		{name: "long form variant group", config: "groups: {qa: [t]}\nexperiments: {f: {variants: {a: {allocation: qa}, b: {allocation: [0%, 100%]}}}}", exp: "f", user: "t", want: "a"},
		{name: "long form empty variants", config: "experiments: {f: {variants: {}}}", exp: "f", user: "u", want: ""},
		// targeting via the evaluation order: audience then targeting.
		{name: "targeting matches", config: "experiments: {f: {targeting: [{conditions: [{attribute: country, operator: in, value: [US, CA]}]}], variants: {on: 100%}}}", exp: "f", user: "u", attrs: map[string]any{"country": "CA"}, want: "on"},
		{name: "targeting fails", config: "experiments: {f: {targeting: [{conditions: [{attribute: country, operator: in, value: [US, CA]}]}], variants: {on: 100%}}}", exp: "f", user: "u", attrs: map[string]any{"country": "FR"}, want: ""},
		{name: "audience and targeting both match", config: "audiences: {pro: [{conditions: [{attribute: plan, operator: eq, value: pro}]}]}\nexperiments: {f: {audience: pro, targeting: [{conditions: [{attribute: country, operator: eq, value: US}]}], variants: {on: 100%}}}", exp: "f", user: "u", attrs: map[string]any{"plan": "pro", "country": "US"}, want: "on"},
		{name: "audience fails", config: "audiences: {pro: [{conditions: [{attribute: plan, operator: eq, value: pro}]}]}\nexperiments: {f: {audience: pro, targeting: [{conditions: [{attribute: country, operator: eq, value: US}]}], variants: {on: 100%}}}", exp: "f", user: "u", attrs: map[string]any{"plan": "free", "country": "US"}, want: ""},
		{name: "targeting fails with audience", config: "audiences: {pro: [{conditions: [{attribute: plan, operator: eq, value: pro}]}]}\nexperiments: {f: {audience: pro, targeting: [{conditions: [{attribute: country, operator: eq, value: US}]}], variants: {on: 100%}}}", exp: "f", user: "u", attrs: map[string]any{"plan": "pro", "country": "FR"}, want: ""},
		{name: "not running wins over targeting", config: "experiments: {f: {status: paused, targeting: [], variants: {on: 100%}}}", exp: "f", user: "u", want: ""},
		// doc.go's "Evaluation order": exp/variant names.
		{name: "exp/variant held", config: "groups: {qa: [t]}\nexperiments: {f: {a: qa, b: 100%}}", exp: "f/a", user: "t", want: "a"},
		{name: "exp/variant not held", config: "groups: {qa: [t]}\nexperiments: {f: {a: qa, b: 100%}}", exp: "f/a", user: "u", want: ""},
		{name: "exp/default", config: "experiments: {f: true}", exp: "f/default", user: "u", want: "default"},
		{name: "exp/unknown variant", config: "experiments: {f: true}", exp: "f/nope", user: "u", want: ""},
		{name: "whole name with a slash wins", config: "experiments: {a/b: true, a: {b: 0%, c: 100%}}", exp: "a/b", user: "u", want: "default"},
		{name: "split at the last slash", config: "experiments: {a/b: {c: 100%}, a: {b/c: 100%}}", exp: "a/b/c", user: "u", want: "c"},
	}
	// doc.go's "Percentages and buckets": half-open ranges, salts. Users sit on range edges.
	edge := func(name, config, exp, salt string, bucket int, want string) tc {
		return tc{name: name, config: config, exp: exp, user: userIn(t, salt, bucket), want: want}
	}
	tests = append(tests,
		edge("20-30% excludes 1999", "experiments: {f: 20-30%}", "f", "f", 1999, ""),
		edge("20-30% includes 2000", "experiments: {f: 20-30%}", "f", "f", 2000, "default"),
		edge("20-30% includes 2999", "experiments: {f: 20-30%}", "f", "f", 2999, "default"),
		edge("20-30% excludes 3000", "experiments: {f: 20-30%}", "f", "f", 3000, ""),
		edge("10% includes 0", "experiments: {f: 10%}", "f", "f", 0, "default"),
		edge("10% excludes 1000", "experiments: {f: 10%}", "f", "f", 1000, ""),
		edge("100% includes 9999", "experiments: {f: 100%}", "f", "f", 9999, "default"),
		edge("0% excludes 0", "experiments: {f: 0%}", "f", "f", 0, ""),
		edge("0.01% includes 0", "experiments: {f: 0.01%}", "f", "f", 0, "default"),
		edge("0.01% excludes 1", "experiments: {f: 0.01%}", "f", "f", 1, ""),
		edge("0-50% gives 4999 the first half", "experiments: {f: {a: 0-50%, b: 50-100%}}", "f", "f", 4999, "a"),
		edge("50-100% gives 5000 the second half", "experiments: {f: {a: 0-50%, b: 50-100%}}", "f", "f", 5000, "b"),
		edge("the seed's 0-20%/21-100% leaves 2000 out", "experiments: {f: {a: 0-20%, b: 21-100%}}", "f", "f", 2050, ""),
		edge("experiment percentage uses the experiment name", "salt: top\nexperiments: {f: 50%}", "f", "f", 4999, "default"),
		edge("experiment percentage ignores the top salt", "salt: top\nexperiments: {f: 50%}", "f", "f", 5000, ""),
		edge("long-form salt replaces the name", "experiments: {f: {salt: s1, variants: {on: 50%}}}", "f", "s1", 4999, "on"),
		edge("long-form salt: out above the range", "experiments: {f: {salt: s1, variants: {on: 50%}}}", "f", "s1", 5000, ""),
		edge("group percentage uses the top salt", "salt: top\ngroups: {g: 50%}\nexperiments: {f: g}", "f", "top", 4999, "default"),
		edge("group percentage: out above the range", "salt: top\ngroups: {g: 50%}\nexperiments: {f: g}", "f", "top", 5000, ""),
		edge("group percentage without salt uses the empty salt", "groups: {g: 50%}\nexperiments: {f: g}", "f", "", 4999, "default"),
		edge("group percentage in a list", "groups: {g: [alice, 20-30%]}\nexperiments: {f: g}", "f", "", 2500, "default"),
		edge("long-form salt does not change group buckets", "salt: top\ngroups: {g: 50%}\nexperiments: {f: {salt: s1, variants: {on: g}}}", "f", "top", 4999, "on"),
		edge("experiment list percentage", "groups: {fs: [1]}\nexperiments: {featureTwo: [fs, 3-5%]}", "featureTwo", "featureTwo", 300, "default"),
		edge("experiment list percentage: out", "groups: {fs: [1]}\nexperiments: {featureTwo: [fs, 3-5%]}", "featureTwo", "featureTwo", 500, ""),
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustParse(t, tt.config)
			c := ContextFor(tt.user).With(tt.attrs)
			if got := r.Feature(tt.exp, c); got != tt.want {
				t.Errorf("Feature(%q) for %q = %q; want %q", tt.exp, tt.user, got, tt.want)
			}
			if got := r.VariantFor(tt.exp, c); got != (tt.want != "") {
				t.Errorf("VariantFor(%q) for %q = %v; want %v", tt.exp, tt.user, got, tt.want != "")
			}
		})
	}
}

// TestGroupNesting checks the phased-rollout pattern of doc.go's "Percentages and buckets": groups with
// the same lower bound nest, as they share the top-level salt.
func TestGroupNesting(t *testing.T) {
	r := mustParse(t, `
groups: {phase 1: 20-30%, phase 2: 20-50%, phase 3: 20-60%}
experiments: {one: phase 1, two: phase 2, three: phase 3}
`)
	counts := map[string]int{}
	for i := range 20000 {
		c := ContextFor(fmt.Sprint(i))
		one, two, three := r.VariantFor("one", c), r.VariantFor("two", c), r.VariantFor("three", c)
		if (one && !two) || (two && !three) {
			t.Fatalf("user %d: phase 1 %v, phase 2 %v, phase 3 %v: phases must nest", i, one, two, three)
		}
		for name, on := range map[string]bool{"one": one, "two": two, "three": three} {
			if on {
				counts[name]++
			}
		}
	}
	// 10%, 30% and 40% of 20,000 users, within 1.5 points.
	for name, share := range map[string]float64{"one": .10, "two": .30, "three": .40} {
		if got := float64(counts[name]) / 20000; got < share-0.015 || got > share+0.015 {
			t.Errorf("%s: share %.3f; want %.2f", name, got, share)
		}
	}
}

func TestEnvs(t *testing.T) {
	const config = `
DEPLOYMENT_ENV_VARIABLE: APP_ENV
experiments:
  a: true
  b: true
  c: false
envs:
  prod:
    a: false
    d: true
  dev:
`
	env := func(vars map[string]string) Option {
		return WithLookupEnv(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	}
	tests := []struct {
		name    string
		opts    []Option
		wantEnv string
		want    []string // the experiments "u" is in, in order
	}{
		{name: "no env", opts: []Option{env(nil)}, wantEnv: "", want: []string{"a", "b"}},
		{name: "WithEnv prod", opts: []Option{env(nil), WithEnv("prod")}, wantEnv: "prod", want: []string{"b", "d"}},
		{name: "WithEnv beats the variable", opts: []Option{env(map[string]string{"APP_ENV": "dev"}), WithEnv("prod")}, wantEnv: "prod", want: []string{"b", "d"}},
		{name: "WithEnv empty is not given", opts: []Option{env(map[string]string{"APP_ENV": "prod"}), WithEnv("")}, wantEnv: "prod", want: []string{"b", "d"}},
		{name: "DEPLOYMENT_ENV_VARIABLE names the variable", opts: []Option{env(map[string]string{"APP_ENV": "prod", "TARGET_ENV": "dev"})}, wantEnv: "prod", want: []string{"b", "d"}},
		{name: "TARGET_ENV ignored when renamed", opts: []Option{env(map[string]string{"TARGET_ENV": "prod"})}, wantEnv: "", want: []string{"a", "b"}},
		{name: "env without overrides", opts: []Option{env(nil), WithEnv("dev")}, wantEnv: "dev", want: []string{"a", "b"}},
		{name: "env not in envs is still reported", opts: []Option{env(nil), WithEnv("staging")}, wantEnv: "staging", want: []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustParse(t, config, tt.opts...)
			if r.Env() != tt.wantEnv {
				t.Errorf("Env() = %q; want %q", r.Env(), tt.wantEnv)
			}
			var got []string
			for _, a := range r.Assignments(ContextFor("u")) {
				got = append(got, a.ExperimentKey)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("assigned experiments (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDefaultEnvVariable(t *testing.T) {
	t.Setenv("TARGET_ENV", "prod")
	r := mustParse(t, "experiments: {a: true}\nenvs: {prod: {a: false}}")
	if r.Env() != "prod" || r.VariantFor("a", ContextFor("u")) {
		t.Errorf("with TARGET_ENV=prod: Env() = %q, a on = %v; want prod, false", r.Env(), r.VariantFor("a", ContextFor("u")))
	}
}

func TestEnvOverrideKeepsOrder(t *testing.T) {
	r := mustParse(t, `
experiments: {a: true, b: {x: 0%}, c: true}
envs: {prod: {z: true, b: {y: 100%}}}
`, WithEnv("prod"))
	var got []string
	for _, a := range r.Assignments(ContextFor("u")) {
		got = append(got, a.ExperimentKey+"/"+a.VariantKey)
	}
	want := []string{"a/default", "b/y", "c/default", "z/default"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("assignments (-want +got):\n%s", diff)
	}
}

func TestWarnings(t *testing.T) {
	r := mustParse(t, `
groups:
  used: [1]
  unused: [2]
audiences:
  nobody: []
experiments:
  gap: {a: 0-20%, b: 21-100%}
  nogap: {a: 0-20%, b: 20-100%}
  f: used
  empty: {}
  cond:
    targeting:
      - conditions:
          - {attribute: age, operator: gt, value: "21"}
    variants: {on: 100%}
envs:
  prod:
    typo: true
`, WithName("w.yaml"))
	var got []string
	for _, w := range r.Warnings() {
		got = append(got, w.String())
	}
	want := []string{
		`w.yaml:4:3: groups.unused: group "unused" is not used by any experiment`,
		`w.yaml:6:3: audiences.nobody: audience "nobody" is not used by any experiment`,
		`w.yaml:8:8: experiments.gap: variants "a" (0-20%) and "b" (21-100%) leave 20-21% unassigned; ranges are half-open, so 20-100% would follow 0-20% without a gap`,
		`w.yaml:11:10: experiments.empty: the experiment has no variants: nobody is assigned`,
		`w.yaml:15:51: experiments.cond.targeting[0].conditions[0].value: gt expects a number, found "21": the condition is false for every user`,
		`w.yaml:19:5: envs.prod.typo: experiment "typo" is not in experiments: this environment adds it`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func TestPayload(t *testing.T) {
	r := mustParse(t, `
experiments:
  checkout:
    id: exp-42
    variants:
      control:
        id: var-1
        allocation: 100%
        payload: {color: "#0066cc", sizes: [1, 2.5, -3], nested: {b: true, a: null}, html: "<b>&</b>"}
  bare:
    variants:
      on: 100%
  explicitNull:
    variants:
      on: {allocation: 100%, payload: null}
  short: {on: 100%}
  off: false
`)
	c := ContextFor("u")
	tests := []struct {
		name string
		exp  string
		want string // "" for nil
	}{
		{name: "object payload keeps key order", exp: "checkout", want: `{"color":"#0066cc","sizes":[1,2.5,-3],"nested":{"b":true,"a":null},"html":"<b>&</b>"}`},
		{name: "long form without payload is null", exp: "bare", want: "null"},
		{name: "explicit null", exp: "explicitNull", want: "null"},
		{name: "short form is null", exp: "short", want: "null"},
		{name: "exp/variant", exp: "checkout/control", want: `{"color":"#0066cc","sizes":[1,2.5,-3],"nested":{"b":true,"a":null},"html":"<b>&</b>"}`},
		{name: "off is nil", exp: "off", want: ""},
		{name: "unknown is nil", exp: "nope", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.Payload(tt.exp, c)
			if tt.want == "" {
				if got != nil {
					t.Errorf("Payload(%q) = %s; want nil", tt.exp, got)
				}
				return
			}
			if string(got) != tt.want {
				t.Errorf("Payload(%q) = %s; want %s", tt.exp, got, tt.want)
			}
			if !json.Valid(got) {
				t.Errorf("Payload(%q) is not valid JSON: %s", tt.exp, got)
			}
		})
	}
	got, err := json.Marshal(r.Assignments(c))
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"experiment_key":"checkout","experiment_id":"exp-42","variant_key":"control","variant_id":"var-1","payload":{"color":"#0066cc","sizes":[1,2.5,-3],"nested":{"b":true,"a":null},"html":"<b>&</b>"}},` +
		`{"experiment_key":"bare","experiment_id":"bare","variant_key":"on","variant_id":"on","payload":null},` +
		`{"experiment_key":"explicitNull","experiment_id":"explicitNull","variant_key":"on","variant_id":"on","payload":null},` +
		`{"experiment_key":"short","experiment_id":"short","variant_key":"on","variant_id":"on","payload":null}]`
	// encoding/json escapes HTML in RawMessage on output; compare decoded.
	var gotV, wantV any
	_ = json.Unmarshal(got, &gotV)
	_ = json.Unmarshal([]byte(want), &wantV)
	if diff := cmp.Diff(wantV, gotV); diff != "" {
		t.Errorf("Assignments JSON (-want +got):\n%s", diff)
	}
}

func TestAssignmentsEmpty(t *testing.T) {
	r := mustParse(t, "experiments: {a: false}")
	got := r.Assignments(ContextFor("u"))
	if got == nil || len(got) != 0 {
		t.Errorf("Assignments = %#v; want an empty non-nil slice", got)
	}
	if b, _ := json.Marshal(got); string(b) != "[]" {
		t.Errorf("Assignments JSON = %s; want []", b)
	}
}

// TestAssignmentsManyExperiments checks Assignments and AppendAssignments
// beyond 1,024 experiments, where Assignments' index of variants leaves the
// stack and AppendAssignments works 1,024 experiments at a time: both must
// give, in config order, what Feature gives experiment by experiment, for
// every shape (the group split shares one group bucket across the chunks).
func TestAssignmentsManyExperiments(t *testing.T) {
	var b strings.Builder
	b.WriteString("groups: {beta: [u3, 30-60%]}\nexperiments:\n")
	for i := range 2500 {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, "  e%04d: %v\n", i, i%8 != 0)
		case 1:
			fmt.Fprintf(&b, "  e%04d: 50%%\n", i)
		case 2:
			fmt.Fprintf(&b, "  e%04d: {a: 0-30%%, b: 30-70%%}\n", i)
		default:
			fmt.Fprintf(&b, "  e%04d: [beta, 10-20%%]\n", i)
		}
	}
	r := mustParse(t, b.String())
	for _, id := range []string{"u1", "u2", "u3", "u4", "u5"} {
		c := ContextFor(id)
		var want []string
		for _, name := range r.Names() {
			if v := r.Feature(name, c); v != "" {
				want = append(want, name+"/"+v)
			}
		}
		if diff := cmp.Diff(want, assignedKeys(r.Assignments(c))); diff != "" {
			t.Errorf("%s: Assignments (-Feature +Assignments):\n%s", id, diff)
		}
		prefix := []Assignment{{ExperimentKey: "kept"}}
		got := r.AppendAssignments(prefix, c)
		if diff := cmp.Diff(append([]string{"kept/"}, want...), assignedKeys(got)); diff != "" {
			t.Errorf("%s: AppendAssignments (-Feature +AppendAssignments):\n%s", id, diff)
		}
	}
}

// assignedKeys is each assignment as experiment/variant.
func assignedKeys(as []Assignment) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.ExperimentKey+"/"+a.VariantKey)
	}
	return out
}

func TestSelectProtect(t *testing.T) {
	r := mustParse(t, `
groups: {qa: [tester]}
experiments:
  f: {one: qa, two: 100%}
  off: false
`)
	var ran []string
	fns := map[string]func(){
		"one":      func() { ran = append(ran, "one") },
		"fallback": func() { ran = append(ran, "fallback") },
	}
	noFallback := map[string]func(){"one": func() { ran = append(ran, "one") }}
	tests := []struct {
		name    string
		exp     string
		user    string
		fns     map[string]func()
		wantRan bool
		want    []string
	}{
		{name: "variant callback", exp: "f", user: "tester", fns: fns, wantRan: true, want: []string{"one"}},
		{name: "variant without callback gets fallback", exp: "f", user: "other", fns: fns, wantRan: true, want: []string{"fallback"}},
		{name: "off gets fallback", exp: "off", user: "tester", fns: fns, wantRan: true, want: []string{"fallback"}},
		{name: "unknown gets fallback", exp: "nope", user: "tester", fns: fns, wantRan: true, want: []string{"fallback"}},
		{name: "off without fallback runs nothing", exp: "off", user: "tester", fns: noFallback, wantRan: false},
		{name: "no callback and no fallback", exp: "f", user: "other", fns: noFallback, wantRan: false},
		{name: "exp/variant held", exp: "f/one", user: "tester", fns: fns, wantRan: true, want: []string{"one"}},
		{name: "exp/variant not held gets fallback", exp: "f/one", user: "other", fns: fns, wantRan: true, want: []string{"fallback"}},
		{name: "exp/variant only chooses that variant", exp: "f/one", user: "other", fns: map[string]func(){"two": func() { ran = append(ran, "two") }}, wantRan: false},
		{name: "nil map", exp: "f", user: "tester", fns: nil, wantRan: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ran = nil
			fn := r.Select(tt.exp, ContextFor(tt.user), tt.fns)
			if (fn != nil) != tt.wantRan {
				t.Errorf("Select returned nil = %v; want %v", fn == nil, !tt.wantRan)
			}
			if ran != nil {
				t.Errorf("Select ran %v; it must not call the callback", ran)
			}
			if got := r.Protect(tt.exp, ContextFor(tt.user), tt.fns); got != tt.wantRan {
				t.Errorf("Protect = %v; want %v", got, tt.wantRan)
			}
			if diff := cmp.Diff(tt.want, ran); diff != "" {
				t.Errorf("ran (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNilRuleset(t *testing.T) {
	var r *Ruleset
	c := ContextFor("u")
	if r.VariantFor("a", c) || r.Feature("a", c) != "" || r.Payload("a", c) != nil ||
		len(r.Assignments(c)) != 0 || r.Env() != "" || r.Version() != 0 || r.Warnings() != nil ||
		r.Select("a", c, map[string]func(){"fallback": func() {}}) == nil {
		t.Error("a nil *Ruleset must be empty: every evaluation off, fallback chosen")
	}
	var zero Ruleset
	if zero.VariantFor("a", c) || len(zero.Assignments(c)) != 0 {
		t.Error("the zero Ruleset must be empty")
	}
}

func TestVersionAndSalt(t *testing.T) {
	r := mustParse(t, "version: 7\nsalt: abc\nexperiments: {}")
	if r.Version() != 7 {
		t.Errorf("Version() = %d; want 7", r.Version())
	}
	if r.groupSalt != "abc" {
		t.Errorf("salt = %q; want abc", r.groupSalt)
	}
	if r := mustParse(t, "experiments: {}"); r.Version() != 0 {
		t.Errorf("default Version() = %d; want 0", r.Version())
	}
}

// TestGoldenAssignments evaluates the configs in testdata/assign for a
// fixed set of users and compares every user's Assignments with the
// golden file beside the config (rewrite with -update).
func TestGoldenAssignments(t *testing.T) {
	files, _ := filepath.Glob("testdata/assign/*.yaml")
	if len(files) == 0 {
		t.Fatal("no configs in testdata/assign")
	}
	attrs := []map[string]any{
		nil,
		{"country": "US", "plan": "pro", "app": map[string]any{"version": "2.3.1"}},
		{"country": "FR", "plan": "free", "age": 30},
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			for _, env := range []string{"", "prod"} {
				r, err := Load(file, WithEnv(env), WithLookupEnv(nil))
				if err != nil {
					t.Fatal(err)
				}
				var b strings.Builder
				for i := range 60 {
					c := ContextFor(fmt.Sprint(i)).With(attrs[i%len(attrs)])
					line, _ := json.Marshal(r.Assignments(c))
					fmt.Fprintf(&b, "%d %s\n", i, line)
				}
				golden := strings.TrimSuffix(file, ".yaml") + ".golden"
				if env != "" {
					golden = strings.TrimSuffix(file, ".yaml") + "." + env + ".golden"
				}
				checkGolden(t, golden, b.String())
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/does-not-exist.yaml")
	var ce *ConfigError
	if !errors.As(err, &ce) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load of a missing file = %v; want a *ConfigError wrapping fs.ErrNotExist", err)
	}
	if want := "experiment: testdata/does-not-exist.yaml: open: no such file or directory"; err.Error() != want {
		t.Errorf("error = %q; want %q", err, want)
	}
}

func TestNames(t *testing.T) {
	r := mustParse(t, "experiments: {b: true, a: false}\nenvs: {prod: {c: true, a: true}}", WithEnv("prod"))
	if diff := cmp.Diff([]string{"b", "a", "c"}, r.Names()); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inprocess/experiment"
)

func parse(t testing.TB, config string) *experiment.Ruleset {
	t.Helper()
	rs, err := experiment.Parse([]byte(config), experiment.WithLookupEnv(noLookupEnv))
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func experimentInfo(t testing.TB, rs *experiment.Ruleset, key string) experiment.ExperimentInfo {
	t.Helper()
	for _, e := range rs.Experiments() {
		if e.Key == key {
			return e
		}
	}
	t.Fatalf("no experiment %q", key)
	return experiment.ExperimentInfo{}
}

// shareCases are configs whose configured shares are known by hand; the
// last share is off. want nil means n/a.
var shareCases = []struct {
	name, config, exp string
	want              []float64
}{
	{"percentage", "experiments: {a: 10%}", "a", []float64{0.1, 0.9}},
	{"everyone", "experiments: {a: true}", "a", []float64{1, 0}},
	{"written false", "experiments: {a: false}", "a", []float64{0, 1}},
	{"paused", "experiments: {a: {status: paused, variants: {on: 100%}}}", "a", []float64{0, 1}},
	{"gap between variants", "experiments: {a: {one: 0-20%, two: 21-100%}}", "a", []float64{0.2, 0.79, 0.01}},
	{"list of percentages", "experiments: {a: [0-10%, 50-55%]}", "a", []float64{0.15, 0.85}},
	{"group percentage", "groups: {g: 20-30%}\nexperiments: {a: g}", "a", []float64{0.1, 0.9}},
	{"user ids count as nobody", "groups: {g: [1, 2, alice]}\nexperiments: {a: g}", "a", []float64{0, 1}},
	{"empty variants", "experiments: {a: {}}", "a", []float64{1}},
	{
		// The group bucket (top-level salt) and the experiment bucket are
		// independent: b gets half of the users a leaves.
		"group first, independent salts",
		"groups: {g: 0-10%}\nexperiments: {a: {variants: {x: {allocation: g}, y: {allocation: 0-50%}}}}", "a",
		[]float64{0.1, 0.45, 0.45},
	},
	{
		// y: its own 50-60%, plus the group's 10% of the 40% left.
		"group after a range",
		"groups: {g: 0-10%}\nexperiments: {a: {x: 0-50%, y: [g, 50-60%]}}", "a",
		[]float64{0.5, 0.1 + 0.4*0.1, 0.36},
	},
	{
		// The same salt: the group's 0-10% and x's 5-20% are the same
		// buckets, x first.
		"group under the experiment's salt",
		"salt: s\ngroups: {g: 0-10%}\nexperiments: {a: {salt: s, variants: {x: {allocation: 5-20%}, y: {allocation: g}}}}", "a",
		[]float64{0.15, 0.05, 0.8},
	},
	{"targeting is n/a", "experiments: {a: {targeting: [{conditions: [{attribute: c, operator: eq, value: US}]}], variants: {on: 100%}}}", "a", nil},
	{"audience is n/a", "audiences: {x: [{conditions: [{attribute: c, operator: eq, value: US}]}]}\nexperiments: {a: {audience: x, variants: {on: 100%}}}", "a", nil},
	{"an empty audience matches everyone", "audiences: {x: []}\nexperiments: {a: {audience: x, variants: {on: 100%}}}", "a", []float64{1, 0}},
	{
		"snapshot: overlapping allocations, the first wins",
		`{"experiments": [{"id": "e", "key": "e", "salt": "s", "variants": [{"id": "1", "key": "one"}, {"id": "2", "key": "two"}],
		  "allocations": [{"variantId": "1", "rangeStart": 0, "rangeEnd": 5999}, {"variantId": "2", "rangeStart": 3000, "rangeEnd": 9999}]}]}`, "e",
		[]float64{0.6, 0.4, 0},
	},
	{
		"snapshot: an allocation naming no variant",
		`{"experiments": [{"id": "e", "key": "e", "salt": "s", "variants": [{"id": "2", "key": "two"}],
		  "allocations": [{"variantId": "x", "rangeStart": 0, "rangeEnd": 4999}, {"variantId": "2", "rangeStart": 0, "rangeEnd": 9999}]}]}`, "e",
		[]float64{0.5, 0.5},
	},
}

func TestConfiguredShares(t *testing.T) {
	for _, tc := range shareCases {
		t.Run(tc.name, func(t *testing.T) {
			rs := parse(t, tc.config)
			got, ok := configuredShares(experimentInfo(t, rs, tc.exp), rs.GroupSalt())
			if tc.want == nil {
				if ok {
					t.Fatalf("shares %v, want n/a", got)
				}
				return
			}
			if !ok {
				t.Fatal("n/a, want shares")
			}
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-12 })); diff != "" {
				t.Errorf("shares (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDistAgreesWithConfiguredShares simulates every case with many users:
// none may be flagged, which checks the model of configuredShares (the
// independence of group and experiment buckets above all) against
// evaluation. The users are fixed, so the test is deterministic.
func TestDistAgreesWithConfiguredShares(t *testing.T) {
	for _, tc := range shareCases {
		t.Run(tc.name, func(t *testing.T) {
			n := 200000
			if raceEnabled {
				n = 40000 // the race detector is slow
			}
			rep := dist(parse(t, tc.config), population{n: n}, time.Now(), nil)
			if rep.Flagged > 0 {
				b, _ := json.MarshalIndent(rep, "", "  ")
				t.Errorf("%d shares flagged:\n%s", rep.Flagged, b)
			}
		})
	}
}

// TestSimulateSameOnAnyProcs checks that splitting users across goroutines
// does not change the counts.
func TestSimulateSameOnAnyProcs(t *testing.T) {
	chdirRoot(t)
	attrs, err := readAttrs("testdata/cli/attrs.json")
	if err != nil {
		t.Fatal(err)
	}
	pop := population{n: 3001, attrs: attrs}
	oldRS, newRS := mustLoad(t, "testdata/cli/diff-old.yaml", ""), mustLoad(t, "testdata/cli/diff-new.yaml", "")
	longform := mustLoad(t, "testdata/assign/longform.yaml", "prod")
	var dists []distReport
	var diffs []diffReport
	for _, procs := range []int{1, 3, 8} {
		prev := runtime.GOMAXPROCS(procs)
		dists = append(dists, dist(longform, pop, time.Now(), nil))
		diffs = append(diffs, diff(oldRS, newRS, pop, nil))
		runtime.GOMAXPROCS(prev)
	}
	for i := 1; i < len(dists); i++ {
		if d := cmp.Diff(dists[0], dists[i]); d != "" {
			t.Errorf("dist differs with more goroutines (-1 +more):\n%s", d)
		}
		if d := cmp.Diff(diffs[0], diffs[i]); d != "" {
			t.Errorf("diff differs with more goroutines (-1 +more):\n%s", d)
		}
	}
}

func mustLoad(t testing.TB, path, env string) *experiment.Ruleset {
	t.Helper()
	rs, err := load(path, env)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestSimulateAllocsPerUser checks that a simulated user costs one
// allocation, its id, in dist and diff.
func TestSimulateAllocsPerUser(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	chdirRoot(t)
	attrs, err := readAttrs("testdata/cli/attrs.json")
	if err != nil {
		t.Fatal(err)
	}
	rs := mustLoad(t, "testdata/assign/longform.yaml", "")
	oldRS, newRS := mustLoad(t, "testdata/cli/diff-old.yaml", ""), mustLoad(t, "testdata/cli/diff-new.yaml", "")
	perUser := func(f func(n int)) float64 {
		small := testing.AllocsPerRun(3, func() { f(1000) })
		large := testing.AllocsPerRun(3, func() { f(11000) })
		return (large - small) / 10000
	}
	if got := perUser(func(n int) { dist(rs, population{n: n, attrs: attrs}, time.Now(), nil) }); got > 1.01 {
		t.Errorf("dist: %.3f allocations per user, want 1", got)
	}
	if got := perUser(func(n int) { diff(oldRS, newRS, population{n: n}, nil) }); got > 1.01 {
		t.Errorf("diff: %.3f allocations per user, want 1", got)
	}
}

func TestReadAttrs(t *testing.T) {
	chdirRoot(t)
	fromArray, err := readAttrs("testdata/cli/attrs.json")
	if err != nil {
		t.Fatal(err)
	}
	fromLines, err := readAttrs("testdata/cli/attrs.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fromArray, fromLines); diff != "" {
		t.Errorf("JSON lines differ from the array (-array +lines):\n%s", diff)
	}
	if got := fromArray[0]["age"]; got != json.Number("31") {
		t.Errorf("age = %#v, want json.Number(31)", got)
	}
	dir := t.TempDir()
	for _, bad := range []struct{ name, data string }{
		{"not-objects", `[1, 2]`},
		{"empty-array", `[]`},
		{"empty-file", ""},
		{"bad-line", "{\"a\": 1}\nnope\n"},
		{"array-in-lines", "{\"a\": 1}\n[1]\n"},
	} {
		path := filepath.Join(dir, bad.name)
		if err := os.WriteFile(path, []byte(bad.data), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := readAttrs(path); err == nil {
			t.Errorf("%s: no error", bad.name)
		}
	}
}

func TestProgress(t *testing.T) {
	if isTerminal(&bytes.Buffer{}) {
		t.Error("a buffer is a terminal")
	}
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Error("a regular file is a terminal")
	}
	if p := startProgress(f, "x", 10); p != nil {
		t.Error("a progress bar on a regular file")
	}
	var nilProgress *progress
	nilProgress.finish() // does nothing

	// On a "terminal", the bar is drawn and erased.
	var out bytes.Buffer
	p := &progress{w: &out, total: 4, stop: make(chan struct{})}
	p.add(1)
	p.draw("simulating")
	if got, want := out.String(), "\rsimulating [########                      ]  25%"; got != want {
		t.Errorf("bar %q, want %q", got, want)
	}
	for _, tc := range []struct {
		share float64
		want  string
	}{{0, "[    ]"}, {0.5, "[##  ]"}, {1, "[####]"}, {1.5, "[####]"}, {-1, "[    ]"}} {
		if got := bar(tc.share, 4); got != tc.want {
			t.Errorf("bar(%v) = %q, want %q", tc.share, got, tc.want)
		}
	}
}

// BenchmarkDist1M runs experiment dist on 1,000,000 users, in process, as
//
//	go test -run '^$' -bench Dist1M -benchtime 3x ./cmd/experiment/
//
// longform: testdata/assign/longform.yaml with the attribute sets of
// testdata/cli/attrs.json (targeting, audiences, semver, groups); quirks:
// the 42 experiments of testdata/snapshots/quirks.json.
func BenchmarkDist1M(b *testing.B) {
	chdirRoot(b)
	for _, bc := range []struct {
		name string
		args []string
	}{
		{"longform", []string{"dist", "-config", "testdata/assign/longform.yaml", "-attrs", "testdata/cli/attrs.json", "-users", "1000000"}},
		{"quirks", []string{"dist", "-config", "testdata/snapshots/quirks.json", "-users", "1000000"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if code := run(bc.args, io.Discard, io.Discard); code != 0 {
					b.Fatalf("exit %d", code)
				}
			}
		})
	}
}

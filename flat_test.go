package experiment

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// TestFlatMatchesDecide checks that every experiment with flat steps
// gives each user what decide's full walk gives, over the configs and
// snapshots in testdata, the benchmark configs and edgeConfig, for 500
// users, with and without a hashed prefix, without attributes and with
// random ones built every way (randomContext), so that experiments with
// an audience or targeting before their steps are checked on users who
// pass and who fail them; the first 20 user ids are 0 to 19, which the
// groups list.
func TestFlatMatchesDecide(t *testing.T) {
	flat, gated := 0, 0
	for name, data := range condConfigs(t) {
		t.Run(name, func(t *testing.T) {
			r, err := Parse(data)
			if err != nil {
				t.Skipf("does not load: %v", err)
			}
			cands := candidates(r)
			rng := rand.New(rand.NewPCG(3, 4))
			for _, e := range r.exps {
				if e.flat == nil {
					continue
				}
				flat++
				if e.gated {
					gated++
				}
				for u := range 500 {
					id := fmt.Sprint("user-", u)
					if u < 20 {
						id = fmt.Sprint(u) // the group's listed ids are among these
					}
					withAttrs := randomContext(rng, id, cands)
					unhashed := withAttrs
					unhashed.hashed = false
					for _, c := range []Context{ContextFor(id), {userID: id}, withAttrs, unhashed} {
						gbFlat, gbWalk := -1, -1
						got, want := r.choose(e, &c, &gbFlat), r.decide(e, &c, &gbWalk, nil)
						if got != want || gbFlat != gbWalk && gbFlat >= 0 {
							t.Fatalf("%s, user %q: flat %d (group bucket %d), decide %d (%d)", e.key, id, got, gbFlat, want, gbWalk)
						}
					}
				}
			}
		})
	}
	if flat < 100 || gated < 5 {
		t.Errorf("only %d experiments have flat steps (the benchmark config alone has 100), %d after an audience or targeting", flat, gated)
	}
}

func TestFlatten(t *testing.T) {
	tests := []struct {
		name   string
		config string
		steps  int // -1: no flat steps
	}{
		{"rollout", "experiments:\n  a: 50%\n", 1},
		{"three-way split", "experiments:\n  a: {red: 0-33%, green: 33-66%, blue: 66-100%}\n", 3},
		{"group and percentage", "groups:\n  beta: [1, 2, 10-20%]\nexperiments:\n  a: [beta, 40-60%]\n", 3},
		{"everyone", "experiments:\n  a: true\n", 1},
		{"off", "experiments:\n  a: false\n", -1},
		{"targeted: audience and targeting before the steps", targetedConfig, 2},
		{"designed", "experiments:\n  a:\n    start: 2020-01-01T00:00:00Z\n    variants: {on: {allocation: 50%}}\n", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustParse(t, tt.config)
			e := r.exps[0]
			got := len(e.flat)
			if e.flat == nil {
				got = -1
			}
			if got != tt.steps {
				t.Errorf("%d flat steps; want %d", got, tt.steps)
			}
		})
	}
}

// TestEvaluateFlat checks that Evaluate, which follows the flat steps for
// a percentages-only experiment, gives what Explain (decide's full walk)
// says, for every experiment of the benchmark config and the snapshots.
func TestEvaluateFlat(t *testing.T) {
	snaps, _ := filepath.Glob("testdata/snapshots/*.json")
	configs := map[string][]byte{"genConfig(100)": []byte(genConfig(100))}
	for _, f := range snaps {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		configs[f] = data
	}
	for name, data := range configs {
		t.Run(name, func(t *testing.T) {
			r, err := Parse(data)
			if err != nil {
				t.Skipf("does not load: %v", err)
			}
			for _, e := range r.exps {
				for u := range 200 {
					c := ContextFor(fmt.Sprint("user-", u))
					ev, ex := r.Evaluate(e.key, c), r.Explain(e.key, c)
					if ev.Variant != ex.Variant || ev.Reason != ex.Reason || ev.Targeted != ex.Targeted {
						t.Fatalf("%s, user-%d: Evaluate %q %s %v; Explain %q %s %v", e.key, u, ev.Variant, ev.Reason, ev.Targeted, ex.Variant, ex.Reason, ex.Targeted)
					}
				}
			}
		})
	}
}

// TestSplitAt checks splitAt, which tests its steps without branching on
// the bucket, against the rule it keeps: the first step that holds the
// bucket decides, for every bucket, on one step and several, on steps
// that overlap, leave gaps, are empty or name no variant (-1).
func TestSplitAt(t *testing.T) {
	many := make([][3]int, 9)
	for i := range many {
		many[i] = [3]int{i * 1000, i*1000 + 1500, i}
	}
	tests := []struct {
		name  string
		steps [][3]int // lo, hi, variant
	}{
		{"50% rollout", [][3]int{{0, 5000, -1}}},
		{"three-way split", [][3]int{{0, 3333, 0}, {3333, 6666, 1}, {6666, 10000, 2}}},
		{"overlapping: first wins", [][3]int{{2000, 8000, 1}, {0, 10000, 0}}},
		{"gaps", [][3]int{{100, 200, 0}, {9000, 9999, 1}}},
		{"empty step", [][3]int{{500, 500, 0}, {0, 1, 1}}},
		{"whole space", [][3]int{{0, Buckets, 3}}},
		{"nine overlapping steps", many},
		{"one step at the top", [][3]int{{9999, 10000, 0}}},
		{"one empty step", [][3]int{{0, 0, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &experiment{}
			for _, s := range tt.steps {
				e.flat = append(e.flat, flatStep{kind: stepSplit, lo: uint16(s[0]), hi: uint16(s[1]), variant: int32(s[2])})
			}
			for b := range Buckets {
				wantV, wantHeld := -1, false
				for _, s := range tt.steps {
					if s[0] <= b && b < s[1] {
						wantV, wantHeld = s[2], true
						break
					}
				}
				v, held := e.splitAt(b)
				if v != wantV || held != wantHeld {
					t.Fatalf("bucket %d: splitAt = (%d, %t); want (%d, %t)", b, v, held, wantV, wantHeld)
				}
			}
		})
	}
}

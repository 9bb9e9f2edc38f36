package experiment

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// edgeConfig has fast conditions on names and strings around the
// lengths where nameKey changes how it reads them (7, 8, 255 bytes), with
// NUL bytes, and a long name.
var edgeConfig = func() string {
	long := strings.Repeat("x", 255)
	longer := strings.Repeat("x", 300)
	return fmt.Sprintf(`
experiments:
  edge:
    targeting:
      - conditions:
          - {attribute: abcdefg, operator: in, value: ["", a, ab, abc, abcd, abcdefg, abcdefgh, abcdefghi, "a\0", "%s", "%s"]}
          - {attribute: abcdefgh, operator: eq, value: abcdefgh}
      - conditions:
          - {attribute: a, operator: eq, value: "ab\0\0\0\0\0\x02"}
      - conditions:
          - {attribute: plan, operator: in, value: [pro, pro, team]}
          - {attribute: country.code, operator: eq, value: FR}
      - conditions:
          - {attribute: n, operator: in, value: [1, "1"]}
    variants:
      on: {allocation: 0-50%%}
      off: {allocation: 50-100%%}
`, long, longer)
}()

// condConfigs returns every config and snapshot in testdata, the
// benchmark configs and edgeConfig, by name.
func condConfigs(t *testing.T) map[string][]byte {
	t.Helper()
	files, _ := filepath.Glob("testdata/*.yaml")
	more, _ := filepath.Glob("testdata/*/*.yaml")
	snaps, _ := filepath.Glob("testdata/snapshots/*.json")
	configs := map[string][]byte{"genConfig(100)": []byte(genConfig(100)), "targeted": []byte(targetedConfig), "edge": []byte(edgeConfig)}
	for _, f := range append(append(files, more...), snaps...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		configs[f] = data
	}
	return configs
}

// candidates returns, for every attribute a condition of r reads, the
// string values its conditions name and near misses of them (a byte
// more, a byte less, the last byte changed), plus values of other types.
func candidates(r *Ruleset) map[string][]any {
	out := map[string][]any{}
	add := func(d *cond) {
		vals := out[d.attr]
		var strs []string
		if d.val.kind == kString {
			strs = append(strs, d.val.s)
		}
		for _, v := range d.val.list {
			if v.kind == kString {
				strs = append(strs, v.s)
			}
		}
		for _, s := range strs {
			vals = append(vals, s, s+"x", s+"\x00")
			if s != "" {
				vals = append(vals, s[:len(s)-1], s[:len(s)-1]+string(s[len(s)-1]^1))
			}
		}
		out[d.attr] = append(vals, 1, true, nil, "")
	}
	for _, e := range r.exps {
		for _, rs := range []rules{e.audience, e.targeting} {
			for _, rule := range rs {
				for i := range rule {
					add(&rule[i])
				}
			}
		}
	}
	return out
}

// randomContext builds a Context for user id with some of the attributes
// of cands, in one of the ways a Context is built: typed setters, a small
// map (held inline), a larger map (not), setters then a map.
func randomContext(rng *rand.Rand, id string, cands map[string][]any) Context {
	names := make([]string, 0, len(cands))
	for n := range cands {
		names = append(names, n)
	}
	// map order is random; sort for a reproducible pick
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			if names[j] < names[i] {
				names[i], names[j] = names[j], names[i]
			}
		}
	}
	m := map[string]any{}
	for _, n := range names {
		if rng.IntN(4) > 0 {
			vs := cands[n]
			m[n] = vs[rng.IntN(len(vs))]
		}
	}
	c := ContextFor(id)
	switch rng.IntN(4) {
	case 0: // setters, for the string values
		for _, n := range names {
			if s, ok := m[n].(string); ok {
				c = c.WithString(n, s)
			}
		}
	case 1: // at most two entries: mirrored inline
		small := map[string]any{}
		for k, v := range m {
			if len(small) < 2 {
				small[k] = v
			}
		}
		c = c.With(small)
	case 2:
		m["extra1"], m["extra2"], m["extra3"] = "a", "b", "c"
		c = c.With(m)
	default:
		for _, n := range names {
			if s, ok := m[n].(string); ok {
				c = c.WithString(n, s)
				delete(m, n)
				break
			}
		}
		if len(m) > 0 {
			c = c.With(m)
		}
	}
	return c
}

// TestFastCondMatchesAny checks that match and holds, which take the
// common shapes a fast way (fastcond.go), give matchAny's answer for every
// condition and rule of every config in testdata, the benchmark configs
// and edgeConfig, over random Contexts built every way.
func TestFastCondMatchesAny(t *testing.T) {
	fast := 0
	for name, data := range condConfigs(t) {
		t.Run(name, func(t *testing.T) {
			r, err := Parse(data)
			if err != nil {
				t.Skipf("does not load: %v", err)
			}
			cands := candidates(r)
			rng := rand.New(rand.NewPCG(1, 2))
			for u := range 300 {
				c := randomContext(rng, fmt.Sprint("user-", u), cands)
				for _, e := range r.exps {
					for _, rs := range []rules{e.audience, e.targeting} {
						for _, rule := range rs {
							want := true
							for i := range rule {
								d := &rule[i]
								if d.fast != fastNone {
									fast++
								}
								got, any := d.match(&c), d.matchAny(&c)
								if got != any {
									t.Fatalf("%s: condition %s %s %v, context %+v: match %v, matchAny %v", e.key, d.attr, d.op.name(), d.val, c, got, any)
								}
								want = want && any
							}
							if got := c.holds(rule); got != want {
								t.Fatalf("%s: rule %v, context %+v: holds %v, matchAny %v", e.key, rule, c, got, want)
							}
						}
					}
				}
			}
		})
	}
	if fast == 0 {
		t.Error("no condition was laid out for the fast path")
	}
}

func TestNameKey(t *testing.T) {
	// nameKey of a string shorter than 8 bytes is the string: it must
	// equal the bytes, zero-padded, with the length on top.
	slow := func(s string) uint64 {
		var k uint64
		for i := 0; i < len(s) && i < 7; i++ {
			k |= uint64(s[i]) << (8 * i)
		}
		return k | uint64(min(len(s), 255))<<56
	}
	var strs []string
	for n := range 20 {
		strs = append(strs, strings.Repeat("a", n), strings.Repeat("\x00", n), strings.Repeat("\xff", n))
		b := []byte(strings.Repeat("q", n))
		for i := range b {
			b[i] = byte('a' + i)
		}
		strs = append(strs, string(b))
	}
	strs = append(strs, strings.Repeat("z", 254), strings.Repeat("z", 255), strings.Repeat("z", 256))
	for _, s := range strs {
		if got, want := nameKey(s), slow(s); got != want {
			t.Errorf("nameKey(%q) = %#x; want %#x", s, got, want)
		}
	}
	// Strings shorter than 8 bytes: equal words exactly when equal.
	for _, a := range strs {
		for _, b := range strs {
			if len(a) < 8 && (nameKey(a) == nameKey(b)) != (a == b) {
				t.Errorf("nameKey(%q) == nameKey(%q) is %v", a, b, nameKey(a) == nameKey(b))
			}
		}
	}
}

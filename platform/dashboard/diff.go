package dashboard

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/inprocess/experiment"
)

// DiffUsers is how many users the comparison of two published versions
// evaluates: the ids "user-0" to "user-9999", the population the
// experiment CLI's diff command uses by default, so its figures and the
// dashboard's agree. Shares are therefore exact to 0.01%.
const DiffUsers = 10000

// versionDiff is, for each experiment of two snapshots, the share of users
// whose variant changes from the old one to the new one.
type versionDiff struct {
	Users       int
	Reshuffles  int // experiments in both whose users switch between two variants
	Experiments []experimentDiff
}

type experimentDiff struct {
	Key         string
	Status      string  // "changed", "unchanged", "added" (only in the new) or "removed"
	Changed     float64 // share of users whose variant changes (off counts as a variant)
	Reshuffled  float64 // share switching from one variant to another
	Transitions []transitionShare
}

type transitionShare struct {
	From, To string // "" is off: no variant
	Share    float64
}

// diffSnapshots parses two published snapshots with the library and
// evaluates DiffUsers deterministic users, with attrs (may be nil) as
// their targeting attributes, on both. Experiments are compared by key
// (for a key a snapshot repeats, the first experiment with it, as
// evaluation by name does) and variants by key.
func diffSnapshots(oldJSON, newJSON []byte, attrs map[string]any) (versionDiff, error) {
	oldRS, err := experiment.Parse(oldJSON)
	if err != nil {
		return versionDiff{}, fmt.Errorf("dashboard: the older version does not parse: %w", err)
	}
	newRS, err := experiment.Parse(newJSON)
	if err != nil {
		return versionDiff{}, fmt.Errorf("dashboard: the newer version does not parse: %w", err)
	}
	return diffRulesets(oldRS, newRS, DiffUsers, attrs), nil
}

// diffTarget is one experiment compared, with its variant keys in each
// ruleset (nil when absent). Variant index 0 is off, i+1 is keys[i].
type diffTarget struct {
	key              string
	inOld, inNew     bool
	oldKeys, newKeys []string
	counts           []int // (len(oldKeys)+1) x (len(newKeys)+1)
}

func diffRulesets(oldRS, newRS *experiment.Ruleset, users int, attrs map[string]any) versionDiff {
	var targets []*diffTarget
	byKey := map[string]*diffTarget{}
	add := func(rs *experiment.Ruleset, old bool) {
		for _, e := range rs.Experiments() {
			t := byKey[e.Key]
			if t == nil {
				t = &diffTarget{key: e.Key}
				byKey[e.Key] = t
				targets = append(targets, t)
			}
			keys := make([]string, 0, len(e.Variants))
			for _, v := range e.Variants {
				keys = append(keys, v.Key)
			}
			switch {
			case old && !t.inOld:
				t.inOld, t.oldKeys = true, keys
			case !old && !t.inNew:
				t.inNew, t.newKeys = true, keys
			}
		}
	}
	add(oldRS, true)
	add(newRS, false)
	for _, t := range targets {
		t.counts = make([]int, (len(t.oldKeys)+1)*(len(t.newKeys)+1))
	}
	buf := []byte("user-")
	for i := range users {
		buf = strconv.AppendInt(buf[:len("user-")], int64(i), 10)
		c := experiment.ContextFor(string(buf))
		if attrs != nil {
			c = c.With(attrs)
		}
		for _, t := range targets {
			o, n := 0, 0
			if t.inOld {
				o = slices.Index(t.oldKeys, oldRS.Feature(t.key, c)) + 1
			}
			if t.inNew {
				n = slices.Index(t.newKeys, newRS.Feature(t.key, c)) + 1
			}
			t.counts[o*(len(t.newKeys)+1)+n]++
		}
	}
	out := versionDiff{Users: users}
	for _, t := range targets {
		out.Experiments = append(out.Experiments, t.result(users))
		if t.reshuffles() {
			out.Reshuffles++
		}
	}
	return out
}

func (t *diffTarget) result(users int) experimentDiff {
	d := experimentDiff{Key: t.key}
	var changed, reshuffled int
	for o := 0; o <= len(t.oldKeys); o++ {
		for n := 0; n <= len(t.newKeys); n++ {
			count := t.counts[o*(len(t.newKeys)+1)+n]
			from, to := keyAt(t.oldKeys, o), keyAt(t.newKeys, n)
			if count == 0 || from == to {
				continue
			}
			changed += count
			if from != "" && to != "" {
				reshuffled += count
			}
			d.Transitions = append(d.Transitions, transitionShare{From: from, To: to, Share: float64(count) / float64(users)})
		}
	}
	slices.SortStableFunc(d.Transitions, func(a, b transitionShare) int { return cmp.Compare(b.Share, a.Share) })
	d.Changed, d.Reshuffled = float64(changed)/float64(users), float64(reshuffled)/float64(users)
	switch {
	case !t.inNew:
		d.Status = "removed"
	case !t.inOld:
		d.Status = "added"
	case changed > 0:
		d.Status = "changed"
	default:
		d.Status = "unchanged"
	}
	return d
}

func (t *diffTarget) reshuffles() bool {
	for o := 1; o <= len(t.oldKeys); o++ {
		for n := 1; n <= len(t.newKeys); n++ {
			if t.counts[o*(len(t.newKeys)+1)+n] > 0 && t.oldKeys[o-1] != t.newKeys[n-1] {
				return true
			}
		}
	}
	return false
}

// keyAt is "" (off) for 0 and keys[i-1] otherwise.
func keyAt(keys []string, i int) string {
	if i == 0 {
		return ""
	}
	return keys[i-1]
}

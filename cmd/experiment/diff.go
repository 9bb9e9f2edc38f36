package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/inprocess/experiment"
)

var diffCmd = &command{
	name:     "diff",
	synopsis: "diff [-env ENV] [-users N] [-attrs FILE] [-at TIME] [-strict] [-json] OLD NEW",
	summary:  "show which users change variant between two configs",
	help: `Diff evaluates two versions of a config for N simulated users (ids user-0
.. user-(N-1)) and prints, for each experiment, the share of users whose
variant changes and the transitions, as "control -> treatment: 1.20%"
("off" is no variant). Users who switch between two variants of an
experiment in both files are a reshuffle: a running experiment's results
are mixed. Experiments only in one file are listed as added or removed,
with the share of users they gain or lose. Variants are matched by name.

Each experiment is evaluated by name (Feature), so for a key that a
snapshot repeats only the first experiment with it is compared. -attrs
gives users targeting attributes, as for dist. -at compares both configs
at that instant (start, end and ramps), by default now.

Exit status 1 when a config does not load, or, with -strict, when an
experiment reshuffles users.

Examples:
  experiment diff experiments.yaml experiments.new.yaml
  git show main:experiments.yaml > /tmp/old.yaml && experiment diff -env prod -strict /tmp/old.yaml experiments.yaml
  experiment diff -users 1000000 -json old.yaml new.yaml
`,
	run: runDiff,
}

type diffReport struct {
	Old           string           `json:"old"`
	New           string           `json:"new"`
	Environment   string           `json:"environment"`
	At            string           `json:"at,omitempty"` // -at, when given
	Users         int              `json:"users"`
	AttributeSets int              `json:"attribute_sets"`
	Reshuffles    int              `json:"reshuffles"` // experiments whose users switch between variants
	Experiments   []diffExperiment `json:"experiments"`
}

type diffExperiment struct {
	Experiment string `json:"experiment_key"`
	// Status is "changed" (some users change variant), "unchanged",
	// "added" (only in NEW) or "removed" (only in OLD).
	Status      string       `json:"status"`
	Changed     float64      `json:"changed"`    // share of users whose variant changes
	Reshuffled  float64      `json:"reshuffled"` // share switching between two variants
	Transitions []transition `json:"transitions"`
}

type transition struct {
	From  *string `json:"from"` // null: off
	To    *string `json:"to"`   // null: off
	Users int64   `json:"users"`
	Share float64 `json:"share"`
}

// diffTarget is one experiment compared: its variant names in each config
// (nil when absent from it). Variant index 0 is off, i+1 is keys[i].
type diffTarget struct {
	name             string
	inOld, inNew     bool
	oldKeys, newKeys []string
}

func (t *diffTarget) cells() int { return (len(t.oldKeys) + 1) * (len(t.newKeys) + 1) }

func runDiff(c *cli, args []string) int {
	fl := c.flags()
	env := envFlag(fl)
	users := usersFlag(fl)
	attrsFile := attrsFlag(fl)
	atText := atFlag(fl)
	strict := fl.Bool("strict", false, "exit 1 when an experiment in both files reshuffles users between variants")
	asJSON := jsonFlag(fl)
	pos, code, ok := c.parse(fl, args)
	if !ok {
		return code
	}
	if len(pos) != 2 {
		return c.usageError("want two config files, OLD and NEW; got %d arguments", len(pos))
	}
	if code, ok := c.checkUsers(*users); !ok {
		return code
	}
	at, code, ok := c.parseAt(*atText)
	if !ok {
		return code
	}
	oldRS, err := loadAt(pos[0], *env, at)
	if err != nil {
		return c.fail(err)
	}
	newRS, err := loadAt(pos[1], *env, at)
	if err != nil {
		return c.fail(err)
	}
	pop := population{n: *users}
	if *attrsFile != "" {
		if pop.attrs, err = readAttrs(*attrsFile); err != nil {
			return c.fail(err)
		}
	}
	rep := diff(oldRS, newRS, pop, startProgress(c.stderr, "simulating", pop.n))
	rep.Old, rep.New, rep.Environment, rep.At = pos[0], pos[1], *env, *atText
	if *asJSON {
		if err := c.writeJSON(rep); err != nil {
			return c.fail(err)
		}
	} else {
		writeDiffText(c.stdout, rep, pop)
	}
	if *strict && rep.Reshuffles > 0 {
		return exitFindings
	}
	return exitOK
}

// diffTargets lists the experiments of both configs: OLD's in order, then
// those only in NEW, each key once.
func diffTargets(oldRS, newRS *experiment.Ruleset) []*diffTarget {
	var out []*diffTarget
	byName := map[string]*diffTarget{}
	keys := func(e experiment.ExperimentInfo) []string {
		ks := []string{}
		for _, v := range e.Variants {
			ks = append(ks, v.Key)
		}
		return ks
	}
	for _, e := range oldRS.Experiments() {
		if byName[e.Key] == nil {
			t := &diffTarget{name: e.Key, inOld: true, oldKeys: keys(e)}
			byName[e.Key] = t
			out = append(out, t)
		}
	}
	for _, e := range newRS.Experiments() {
		t := byName[e.Key]
		if t == nil {
			t = &diffTarget{name: e.Key}
			byName[e.Key] = t
			out = append(out, t)
		}
		if !t.inNew {
			t.inNew, t.newKeys = true, keys(e)
		}
	}
	return out
}

// variantIndex returns 0 for off ("") and 1+i for keys[i].
func variantIndex(keys []string, key string) int {
	if key == "" {
		return 0
	}
	for i, k := range keys {
		if k == key {
			return i + 1
		}
	}
	return 0
}

// diff simulates pop on both configs and collects the transitions.
func diff(oldRS, newRS *experiment.Ruleset, pop population, prog *progress) diffReport {
	targets := diffTargets(oldRS, newRS)
	offsets := make([]int, len(targets)+1)
	for i, t := range targets {
		offsets[i+1] = offsets[i] + t.cells()
	}
	states := simulate(pop, prog, func() []int64 {
		return make([]int64, offsets[len(targets)])
	}, func(counts []int64, c experiment.Context) {
		for i, t := range targets {
			o, n := 0, 0
			if t.inOld {
				o = variantIndex(t.oldKeys, oldRS.Feature(t.name, c))
			}
			if t.inNew {
				n = variantIndex(t.newKeys, newRS.Feature(t.name, c))
			}
			counts[offsets[i]+o*(len(t.newKeys)+1)+n]++
		}
	})
	prog.finish()

	rep := diffReport{Users: pop.n, AttributeSets: len(pop.attrs), Experiments: []diffExperiment{}}
	total := float64(pop.n)
	for i, t := range targets {
		de := diffExperiment{Experiment: t.name, Transitions: []transition{}}
		var changed, reshuffled int64
		for o := 0; o <= len(t.oldKeys); o++ {
			for n := 0; n <= len(t.newKeys); n++ {
				var users int64
				for _, s := range states {
					users += s[offsets[i]+o*(len(t.newKeys)+1)+n]
				}
				from, to := variantName(t.oldKeys, o), variantName(t.newKeys, n)
				if users == 0 || (from == nil && to == nil) || (from != nil && to != nil && *from == *to) {
					continue
				}
				changed += users
				if from != nil && to != nil {
					reshuffled += users
				}
				de.Transitions = append(de.Transitions, transition{From: from, To: to, Users: users, Share: float64(users) / total})
			}
		}
		slices.SortStableFunc(de.Transitions, func(a, b transition) int { return cmp.Compare(b.Users, a.Users) })
		de.Changed, de.Reshuffled = float64(changed)/total, float64(reshuffled)/total
		switch {
		case !t.inNew:
			de.Status = "removed"
		case !t.inOld:
			de.Status = "added"
		case changed > 0:
			de.Status = "changed"
		default:
			de.Status = "unchanged"
		}
		if reshuffled > 0 {
			rep.Reshuffles++
		}
		rep.Experiments = append(rep.Experiments, de)
	}
	return rep
}

func variantName(keys []string, i int) *string {
	if i == 0 {
		return nil
	}
	return &keys[i-1]
}

func writeDiffText(w io.Writer, rep diffReport, pop population) {
	env := strconv.Quote(rep.Environment)
	if rep.Environment == "" {
		env = "none"
	}
	at := ""
	if rep.At != "" {
		at = ", at " + rep.At
	}
	fmt.Fprintf(w, "%s -> %s: %s; environment %s%s\n\n", rep.Old, rep.New, pop.describe(), env, at)
	name := func(s *string) string {
		if s == nil {
			return "off"
		}
		return *s
	}
	for _, e := range rep.Experiments {
		switch e.Status {
		case "added", "removed":
			fmt.Fprintf(w, "%s: %s\n", e.Experiment, e.Status)
		case "unchanged":
			fmt.Fprintf(w, "%s: no user changes variant\n", e.Experiment)
		default:
			line := fmt.Sprintf("%s: %.2f%% of users change variant", e.Experiment, 100*e.Changed)
			if e.Reshuffled > 0 {
				line += fmt.Sprintf("; RESHUFFLE: %.2f%% switch between variants", 100*e.Reshuffled)
			}
			fmt.Fprintln(w, line)
		}
		width := 0
		for _, t := range e.Transitions {
			width = max(width, len(name(t.From))+len(" -> ")+len(name(t.To)))
		}
		for _, t := range e.Transitions {
			fmt.Fprintf(w, "  %-*s %7.2f%%\n", width+1, name(t.From)+" -> "+name(t.To)+":", 100*t.Share)
		}
	}
	fmt.Fprintln(w)
	switch rep.Reshuffles {
	case 0:
		fmt.Fprintln(w, "no experiment reshuffles users between variants")
	case 1:
		fmt.Fprintln(w, "1 experiment reshuffles users between variants")
	default:
		fmt.Fprintf(w, "%d experiments reshuffle users between variants\n", rep.Reshuffles)
	}
}

package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/inprocess/experiment"
)

var distCmd = &command{
	name:     "dist",
	synopsis: "dist -config FILE [-env ENV] [-users N] [-attrs FILE] [-at TIME] [-json]",
	summary:  "simulate users and compare each variant's share with the config",
	help: `Dist evaluates a config for N simulated users, with ids user-0 .. user-(N-1),
and prints each experiment's share of users per variant (and off) next to
the share the config gives it, with a bar. A share is flagged with "!" when
it is more than 4 standard errors of a binomial, sqrt(p(1-p)/N), from the
configured share p; a configured share of exactly 0 or 1 is flagged on any
difference.

The configured share of a variant is the share of its own bucket ranges,
the first matching variant winning where ranges overlap; a group's
percentages count their range (they use the top-level salt, independent of
the experiment's); users listed by id in groups count as nobody. It is
"n/a" when audience or targeting rules make it depend on attributes.

Experiments are evaluated at -at (default now), and the configured share
follows the design: none outside the start and end, times the ramp's share
at that instant, the layer's share and one minus each holdout's (their
salts are independent); it is "n/a" for an experiment with prerequisites,
or whose gates hash under the same salt.
-attrs gives users attributes: a JSON array of objects, or one JSON object
per line, assigned round-robin (user i gets object i mod count).

A progress bar is drawn on stderr when it is a terminal. The simulation
uses every CPU (GOMAXPROCS).

Exit status 1 when the config does not load or a share is flagged.

Examples:
  experiment dist -config experiments.yaml
  experiment dist -config experiments.yaml -env prod -users 1000000
  experiment dist -config experiments.yaml -attrs users.jsonl -json
  experiment dist -config experiments.yaml -at 2026-03-08T00:00:00Z
`,
	run: runDist,
}

// thresholdSE is how many standard errors away from the configured share
// an observed share must be to be flagged.
const thresholdSE = 4

type distReport struct {
	Config        string           `json:"config"`
	Environment   string           `json:"environment"`
	ConfigVersion int64            `json:"config_version"`
	At            string           `json:"at,omitempty"` // -at, when given
	Users         int              `json:"users"`
	AttributeSets int              `json:"attribute_sets"`
	ThresholdSE   float64          `json:"threshold_se"`
	Flagged       int              `json:"flagged"` // shares flagged, over all experiments
	Experiments   []distExperiment `json:"experiments"`
}

type distExperiment struct {
	Experiment  string      `json:"experiment_key"`
	ID          string      `json:"experiment_id"`
	Running     bool        `json:"running"`
	Conditional bool        `json:"conditional"` // audience or targeting: configured shares are null
	Variants    []distShare `json:"variants"`
	Off         distShare   `json:"off"` // users who get no variant
	Why         string      `json:"-"`   // why the configured shares are n/a, for the text
}

type distShare struct {
	Variant    string   `json:"variant,omitempty"` // "" for off
	VariantID  string   `json:"variant_id,omitempty"`
	Users      int64    `json:"users"`
	Share      float64  `json:"share"`
	Configured *float64 `json:"configured"`   // null when conditional
	Deviation  *float64 `json:"deviation_se"` // (share - configured) / stderr; null when conditional or stderr is 0
	Flagged    bool     `json:"flagged"`
}

// distState is one simulation goroutine's counts: counts[e][v] users of
// experiment e in variant v.
type distState struct {
	counts [][]int64
	dst    []experiment.Assignment
}

func runDist(c *cli, args []string) int {
	fl := c.flags()
	config := configFlag(fl)
	env := envFlag(fl)
	users := usersFlag(fl)
	attrsFile := attrsFlag(fl)
	atText := atFlag(fl)
	asJSON := jsonFlag(fl)
	pos, code, ok := c.parse(fl, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return c.usageError("unexpected arguments %q", pos)
	}
	if *config == "" {
		return c.usageError("-config is required")
	}
	if code, ok := c.checkUsers(*users); !ok {
		return code
	}
	at, code, ok := c.parseAt(*atText)
	if !ok {
		return code
	}
	rs, err := loadAt(*config, *env, at)
	if err != nil {
		return c.fail(err)
	}
	pop := population{n: *users}
	if *attrsFile != "" {
		if pop.attrs, err = readAttrs(*attrsFile); err != nil {
			return c.fail(err)
		}
	}
	rep := dist(rs, pop, at, startProgress(c.stderr, "simulating", pop.n))
	rep.Config, rep.At = *config, *atText
	if *asJSON {
		if err := c.writeJSON(rep); err != nil {
			return c.fail(err)
		}
	} else {
		writeDistText(c.stdout, rep, pop)
	}
	if rep.Flagged > 0 {
		return exitFindings
	}
	return exitOK
}

// dist simulates pop on rs and compares with the configured shares.
func dist(rs *experiment.Ruleset, pop population, at time.Time, prog *progress) distReport {
	exps := rs.Experiments()
	states := simulate(pop, prog, func() *distState {
		s := &distState{counts: make([][]int64, len(exps)), dst: make([]experiment.Assignment, 0, len(exps))}
		for i, e := range exps {
			s.counts[i] = make([]int64, len(e.Variants))
		}
		return s
	}, func(s *distState, c experiment.Context) {
		s.dst = rs.AppendAssignments(s.dst[:0], c)
		countAssignments(exps, s.dst, s.counts)
	})
	prog.finish()

	rep := distReport{
		Environment: rs.Env(), ConfigVersion: rs.Version(), Users: pop.n, AttributeSets: len(pop.attrs),
		ThresholdSE: thresholdSE, Experiments: []distExperiment{},
	}
	n := float64(pop.n)
	for i, e := range exps {
		conf, why := designShares(e, rs.GroupSalt(), at)
		known := why == ""
		de := distExperiment{Experiment: e.Key, ID: e.ID, Running: e.Running, Conditional: !known, Why: why}
		var on int64
		for v, vi := range e.Variants {
			var users int64
			for _, s := range states {
				users += s.counts[i][v]
			}
			on += users
			de.Variants = append(de.Variants, compareShare(distShare{Variant: vi.Key, VariantID: vi.ID, Users: users, Share: float64(users) / n}, conf, v, known, n))
		}
		de.Off = compareShare(distShare{Users: int64(pop.n) - on, Share: float64(int64(pop.n)-on) / n}, conf, len(e.Variants), known, n)
		for _, s := range append(de.Variants, de.Off) {
			if s.Flagged {
				rep.Flagged++
			}
		}
		rep.Experiments = append(rep.Experiments, de)
	}
	return rep
}

// countAssignments adds one user's assignments, in config order, to
// counts. Assignments name experiments by key and id, so a key and id that
// a snapshot repeats are counted for the first such experiment the user is
// not yet counted in.
func countAssignments(exps []experiment.ExperimentInfo, as []experiment.Assignment, counts [][]int64) {
	j := 0
	for k := range as {
		a := &as[k]
		for j < len(exps) && (exps[j].Key != a.ExperimentKey || exps[j].ID != a.ExperimentID) {
			j++
		}
		if j == len(exps) {
			return
		}
		vs := exps[j].Variants
		for v := range vs {
			if vs[v].Key == a.VariantKey && vs[v].ID == a.VariantID {
				counts[j][v]++
				break
			}
		}
		j++
	}
}

// compareShare fills in the configured share of s (index v of conf) and
// whether the observed share is too far from it.
func compareShare(s distShare, conf []float64, v int, known bool, n float64) distShare {
	if !known {
		return s
	}
	p := conf[v]
	s.Configured = &p
	se := math.Sqrt(p * (1 - p) / n)
	diff := s.Share - p
	if se == 0 {
		s.Flagged = math.Abs(diff) > 1e-12
		return s
	}
	z := diff / se
	s.Deviation = &z
	s.Flagged = math.Abs(z) > thresholdSE
	return s
}

// configuredShares returns the share of users the config gives each
// variant of e, and at index len(e.Variants) the share that gets none. It
// returns false when audience or targeting rules make the shares depend on
// attributes.
//
// Each arm's share is experiment.ExperimentInfo.Reach's: the experiment
// bucket and the group bucket are taken as independent and uniform, unless
// the salts are the same string, and the first arm that holds a user
// decides. Users listed by id count as nobody.
func configuredShares(e experiment.ExperimentInfo, groupSalt string) ([]float64, bool) {
	shares := make([]float64, len(e.Variants)+1)
	off := len(e.Variants)
	if !e.Running {
		shares[off] = 1
		return shares, true
	}
	if e.HasAudience || e.HasTargeting {
		return nil, false
	}
	// Shares are whole multiples of 1/cells, so the share that gets no
	// variant is counted in cells too, exact for 0 and 1.
	const cells = experiment.Buckets * experiment.Buckets
	undecided := int64(cells)
	for i, r := range e.Reach(groupSalt) {
		if v := e.Arms[i].Variant; v >= 0 {
			shares[v] += r.Share
			undecided -= int64(math.Round(r.Share * cells))
		}
	}
	shares[off] = float64(undecided) / cells
	return shares, true
}

func writeDistText(w io.Writer, rep distReport, pop population) {
	env := strconv.Quote(rep.Environment)
	if rep.Environment == "" {
		env = "none"
	}
	at := ""
	if rep.At != "" {
		at = ", at " + rep.At
	}
	fmt.Fprintf(w, "%s: %s; environment %s, config version %d%s\n", rep.Config, pop.describe(), env, rep.ConfigVersion, at)
	fmt.Fprintf(w, "! marks a share more than %d standard errors, sqrt(p(1-p)/N), from the configured share p\n", thresholdSE)
	for _, e := range rep.Experiments {
		fmt.Fprintln(w)
		title := e.Experiment
		switch {
		case !e.Running:
			title += " (not running)"
		case e.Conditional:
			title += " (" + e.Why + ": configured shares are n/a)"
		}
		fmt.Fprintln(w, title)
		width := len("off")
		for _, v := range e.Variants {
			width = max(width, len(v.Variant))
		}
		for _, s := range append(e.Variants, e.Off) {
			name := s.Variant
			if name == "" {
				name = "off"
			}
			conf := "n/a"
			if s.Configured != nil {
				conf = fmt.Sprintf("%.2f%%", 100**s.Configured)
			}
			line := fmt.Sprintf("  %-*s  %6.2f%%  configured %7s  %s", width, name, 100*s.Share, conf, bar(s.Share, 40))
			if s.Flagged {
				if s.Deviation != nil {
					line += fmt.Sprintf("  ! %+.1f standard errors", *s.Deviation)
				} else {
					line += fmt.Sprintf("  ! expected exactly %s", conf)
				}
			}
			fmt.Fprintln(w, strings.TrimRight(line, " "))
		}
	}
	fmt.Fprintln(w)
	if rep.Flagged == 0 {
		fmt.Fprintf(w, "no share is more than %d standard errors from its configured share\n", thresholdSE)
	} else {
		fmt.Fprintf(w, "%s more than %d standard errors from the configured share\n", plural(rep.Flagged, "share"), thresholdSE)
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/internal/wire"
)

// This file is render -format snapshot: a compiled config written as the
// platform seed's published snapshot (doc.go's "Published snapshots").

type snapshotRule struct {
	Conditions []snapshotCondition `json:"conditions"`
}

type snapshotCondition struct {
	Attribute string `json:"attribute"`
	Operator  string `json:"operator"`
	Value     any    `json:"value"`
}

// platformOperators are the operators a published snapshot can use.
var platformOperators = func() map[string]bool {
	m := map[string]bool{}
	for _, name := range experiment.PlatformOperators() {
		m[name] = true
	}
	return m
}()

func renderSnapshot(c *cli, rs *experiment.Ruleset, env string, published time.Time) int {
	doc := wire.Snapshot{
		Version:     rs.Version(),
		Environment: env,
		PublishedAt: wire.FormatTime(published),
		Experiments: []wire.Experiment{},
	}
	failed, omitted := 0, 0
	infos := rs.Experiments()
	for _, e := range infos {
		if !e.Running {
			// Explain says whether the status or a false value is why.
			why := rs.Explain(e.Key, experiment.ContextFor("")).Detail
			fmt.Fprintf(c.stderr, "experiment render: %s: omitted: %s; the platform publishes only running experiments\n", e.Key, why)
			omitted++
			continue
		}
		se, problems := snapshotExperiment(e, rs.GroupSalt())
		problems = append(problems, designProblems(e.Design)...) // design.go
		if len(problems) > 0 {
			fmt.Fprintf(c.stderr, "experiment render: %s: not written: %s\n", e.Key, strings.Join(problems, "; "))
			failed++
			continue
		}
		if note := designNote(e.Design); note != "" {
			fmt.Fprintf(c.stderr, "experiment render: %s: %s\n", e.Key, note)
		}
		doc.Experiments = append(doc.Experiments, se)
	}
	if err := c.writeJSON(doc); err != nil {
		return c.fail(err)
	}
	if failed > 0 {
		fmt.Fprintf(c.stderr, "experiment render: %d of %d experiments could not be written as a snapshot (%d written, %d omitted as not running)\n",
			failed, len(infos), len(doc.Experiments), omitted)
		return exitFindings
	}
	return exitOK
}

// snapshotExperiment converts a running experiment, or says why it cannot
// be: the platform has only bucket ranges of the experiment's own salt and
// seven operators.
func snapshotExperiment(e experiment.ExperimentInfo, groupSalt string) (wire.Experiment, []string) {
	var problems []string
	se := wire.Experiment{ID: e.ID, Key: e.Key, Salt: e.Salt, Variants: []wire.Variant{}, Allocations: []wire.Allocation{}}
	rules := func(where string, rs []experiment.RuleInfo) json.RawMessage {
		out := []snapshotRule{}
		for i, r := range rs {
			sr := snapshotRule{Conditions: []snapshotCondition{}}
			for j, cond := range r.Conditions {
				if !platformOperators[cond.Operator] {
					problems = append(problems, fmt.Sprintf("%s[%d].conditions[%d] uses the operator %q, which the platform does not have (it has %s)", where, i, j, cond.Operator, strings.Join(experiment.PlatformOperators(), ", ")))
				}
				sr.Conditions = append(sr.Conditions, snapshotCondition{Attribute: cond.Attribute, Operator: cond.Operator, Value: cond.Value})
			}
			out = append(out, sr)
		}
		raw, err := json.Marshal(out)
		if err != nil { // a condition value from a parsed config always encodes
			problems = append(problems, fmt.Sprintf("%s: %v", where, err))
		}
		return raw
	}
	audience := "audience"
	if e.Audience != "" {
		audience = fmt.Sprintf("audience %q", e.Audience)
	}
	se.AudienceRules = rules(audience, e.AudienceRules)
	se.TargetingRules = rules("targeting", e.TargetingRules)

	ids := map[string]string{}
	for _, v := range e.Variants {
		if other, dup := ids[v.ID]; dup {
			problems = append(problems, fmt.Sprintf("variants %q and %q have the same id %q, and the platform finds a variant by id", other, v.Key, v.ID))
		}
		ids[v.ID] = v.Key
		se.Variants = append(se.Variants, wire.Variant{ID: v.ID, Key: v.Key, Payload: v.Payload})
	}
	for _, a := range e.Arms {
		if a.Variant < 0 { // only in snapshots, which render does not read
			continue
		}
		v := e.Variants[a.Variant]
		add := func(r experiment.Range) {
			if r.Start < r.End {
				se.Allocations = append(se.Allocations, wire.Allocation{VariantID: v.ID, RangeStart: r.Start, RangeEnd: r.End - 1})
			}
		}
		if a.Everyone {
			add(experiment.Range{Start: 0, End: experiment.Buckets})
			continue
		}
		for _, r := range a.Ranges {
			add(r)
		}
		for _, g := range a.Groups {
			if g.Users > 0 {
				problems = append(problems, fmt.Sprintf("variant %q uses group %q, which lists user ids", v.Key, g.Name))
			}
			if len(g.Ranges) == 0 {
				continue
			}
			if e.Salt != groupSalt {
				var rs []string
				for _, r := range g.Ranges {
					rs = append(rs, r.String())
				}
				problems = append(problems, fmt.Sprintf("variant %q uses group %q, whose percentages (%s) are buckets under the top-level salt %q, not the experiment's salt %q",
					v.Key, g.Name, strings.Join(rs, ", "), groupSalt, e.Salt))
				continue
			}
			for _, r := range g.Ranges {
				add(r)
			}
		}
	}
	return se, problems
}

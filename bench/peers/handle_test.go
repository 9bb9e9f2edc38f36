package peers

import (
	"testing"

	"github.com/inprocess/experiment"
)

// This library through Handles: each flag's name resolved once with
// Ruleset.Lookup before the loop, so an evaluation skips the name's map
// lookup (issue 7's second idea). The same configs and users as
// "experiment". Scenario 5 looks no name up either way; in this column it
// is AppendAssignments into a slice reused across calls, where the column
// experiment measures the default call, Assignments.
type experimentHandleSDK struct{ *experimentSDK }

func openExperimentHandle(tb testing.TB) sdk {
	return experimentHandleSDK{openExperiment(tb).(*experimentSDK)}
}

func (p experimentHandleSDK) flag(id string) bool {
	return p.rs.Lookup(boolFlag).VariantFor(experiment.ContextFor(id))
}

func (p experimentHandleSDK) split(id string) string {
	return p.rs.Lookup(splitFlag).Feature(experiment.ContextFor(id))
}

func (p experimentHandleSDK) targeted(id, country, plan string) string {
	return p.targetedRS.Lookup(targetedFlag).Feature(experiment.ContextFor(id).With(experimentAttrs(country, plan)))
}

func (p experimentHandleSDK) benchOneFlag(b *testing.B) {
	h, c := p.rs.Lookup(boolFlag), experiment.ContextFor(benchUser)
	for b.Loop() {
		sink.b = h.VariantFor(c)
	}
}

func (p experimentHandleSDK) benchSplit(b *testing.B) {
	h, c := p.rs.Lookup(splitFlag), experiment.ContextFor(benchUser)
	for b.Loop() {
		sink.s = h.Feature(c)
	}
}

func (p experimentHandleSDK) benchTargeted(b *testing.B) {
	h := p.targetedRS.Lookup(targetedFlag)
	c := experiment.ContextFor(benchUser).With(map[string]any{"country": "FR", "plan": "pro"})
	for b.Loop() {
		sink.s = h.Feature(c)
	}
}

func (p experimentHandleSDK) benchRotating(b *testing.B) {
	users := make([]experiment.Context, rotatingUsers)
	for i := range users {
		users[i] = experiment.ContextFor(userID(i))
	}
	h, i := p.rs.Lookup(boolFlag), 0
	for b.Loop() {
		sink.b = h.VariantFor(users[i%rotatingUsers])
		i++
	}
}

func (p experimentHandleSDK) benchRotatingNewUser(b *testing.B, ids []string) {
	h, i := p.rs.Lookup(boolFlag), 0
	for b.Loop() {
		sink.b = h.VariantFor(experiment.ContextFor(ids[i%rotatingUsers]))
		i++
	}
}

func (p experimentHandleSDK) fromMap(id string, attrs map[string]any) string {
	return p.targetedRS.Lookup(targetedFlag).Feature(experimentFromMap(id, attrs))
}

func (p experimentHandleSDK) benchFreshMap(b *testing.B, reqs []request) {
	h, i := p.targetedRS.Lookup(targetedFlag), 0
	for b.Loop() {
		r := &reqs[i%len(reqs)]
		attrs := map[string]any{"country": r.country, "plan": r.plan}
		sink.s = h.Feature(experimentFromMap(r.id, attrs))
		i++
	}
	if sink.s == "" {
		b.Fatal("fresh map: off")
	}
}

func (p experimentHandleSDK) all(id string) map[string]string {
	return experimentValues(p.rs.AppendAssignments(nil, experiment.ContextFor(id)))
}

func (p experimentHandleSDK) benchAll(b *testing.B) {
	c := experiment.ContextFor(benchUser)
	dst := make([]experiment.Assignment, 0, numFlags)
	for b.Loop() {
		dst = p.rs.AppendAssignments(dst[:0], c)
	}
	checkAssignments(b, dst)
}

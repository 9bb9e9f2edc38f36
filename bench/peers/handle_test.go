package peers

import (
	"testing"

	"github.com/inprocess/experiment"
)

// This library through Handles: each flag's name resolved once with
// Ruleset.Lookup before the loop, so an evaluation skips the name's map
// lookup (issue 7's second idea). The same configs and users as
// "experiment"; scenario 5 is the same as there (AppendAssignments looks
// no name up).
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

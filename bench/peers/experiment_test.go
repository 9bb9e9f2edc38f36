package peers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/inprocess/experiment"
)

// This library: a YAML config parsed once into a *Ruleset. A Context is a
// user id, an attribute map, and the hash of the user's part of the bucket
// input, computed once by ContextFor so that each evaluation hashes only
// the experiment's salt. Building one allocates nothing; scenario 4 builds
// its users before the loop, as for every SDK, and
// BenchmarkRotating1024NewUser builds them in the loop.
//
//   - 50% rollout: `flag-000: 50%` (VariantFor).
//   - 3-variant split: `flag-001: {a: 0-33%, b: 33-66%, c: 66-100%}` (Feature).
//   - targeted: a long-form experiment with a targeting rule of two
//     conditions (`in` over five countries, `eq` "pro") and two variants,
//     0-50% and 50-100% (Feature), as the root's BenchmarkTargeted.
//   - a request's map: ContextFor(id).With(attrs) (experimentFromMap).
//   - all flags: Assignments, the default all-flags call (a new slice per
//     call); it lists the experiments the user is in (every split, and the
//     rollouts that are on), with their ids and payloads. The column
//     experiment-handle measures AppendAssignments into a reused slice.
type experimentSDK struct {
	rs, targetedRS *experiment.Ruleset
}

// experimentConfig is the YAML config of the given flags, each in the short
// form.
func experimentConfig(keys []string) string {
	var b strings.Builder
	b.WriteString("experiments:\n")
	for i, k := range keys {
		if isBool(i) {
			fmt.Fprintf(&b, "  %s: 50%%\n", k)
		} else {
			fmt.Fprintf(&b, "  %s: {a: 0-33%%, b: 33-66%%, c: 66-100%%}\n", k)
		}
	}
	return b.String()
}

// experimentJSON is the same config as experimentConfig, in JSON.
func experimentJSON(keys []string) string {
	exps := make(map[string]any, len(keys))
	for i, k := range keys {
		if isBool(i) {
			exps[k] = "50%"
		} else {
			exps[k] = map[string]string{"a": "0-33%", "b": "33-66%", "c": "66-100%"}
		}
	}
	return mustJSON(map[string]any{"experiments": exps})
}

// This library reads YAML and JSON (the same Parse).
func experimentColdDoc(format string, keys []string) []byte {
	if format == "yaml" {
		return []byte(experimentConfig(keys))
	}
	return []byte(experimentJSON(keys))
}

func experimentColdLoad(_ testing.TB, _ string, doc []byte) func(testing.TB) coldClient {
	return func(tb testing.TB) coldClient {
		rs, err := experiment.Parse(doc)
		if err != nil {
			tb.Fatal(err)
		}
		return coldClient{
			eval: func(key, id string) string {
				c := experiment.ContextFor(id)
				if isBool(flagIndex(key)) {
					return valueText(rs.VariantFor(key, c))
				}
				return rs.Feature(key, c)
			},
			close: func() {},
		}
	}
}

const experimentTargetedConfig = `
experiments:
  targeted:
    targeting:
      - conditions:
          - {attribute: country, operator: in, value: [US, CA, GB, DE, FR]}
          - {attribute: plan, operator: eq, value: pro}
    variants:
      control: {allocation: 0-50%}
      treatment: {allocation: 50-100%}
`

func openExperiment(tb testing.TB) sdk {
	rs, err := experiment.Parse([]byte(experimentConfig(flagKeys)))
	if err != nil {
		tb.Fatal(err)
	}
	trs, err := experiment.Parse([]byte(experimentTargetedConfig))
	if err != nil {
		tb.Fatal(err)
	}
	return &experimentSDK{rs: rs, targetedRS: trs}
}

func experimentAttrs(country, plan string) map[string]any {
	attrs := map[string]any{}
	if country != "" {
		attrs["country"] = country
	}
	if plan != "" {
		attrs["plan"] = plan
	}
	return attrs
}

func (p *experimentSDK) flag(id string) bool {
	return p.rs.VariantFor(boolFlag, experiment.ContextFor(id))
}

func (p *experimentSDK) split(id string) string {
	return p.rs.Feature(splitFlag, experiment.ContextFor(id))
}

func (p *experimentSDK) targeted(id, country, plan string) string {
	return p.targetedRS.Feature(targetedFlag, experiment.ContextFor(id).With(experimentAttrs(country, plan)))
}

func (p *experimentSDK) fromMap(id string, attrs map[string]any) string {
	return p.targetedRS.Feature(targetedFlag, experimentFromMap(id, attrs))
}

// experimentFromMap is a request's user: ContextFor(id).With(attrs). With
// keeps the map as it is (no copy), and the evaluation methods do not keep
// it, so a map literal built per request can stay on the caller's stack.
func experimentFromMap(id string, attrs map[string]any) experiment.Context {
	return experiment.ContextFor(id).With(attrs)
}

func (p *experimentSDK) all(id string) map[string]string {
	return experimentValues(p.rs.Assignments(experiment.ContextFor(id)))
}

// experimentValues is the value of each of the 100 flags, from the
// assignments of one user: a rollout the user is not in is "false".
func experimentValues(as []experiment.Assignment) map[string]string {
	out := make(map[string]string, numFlags)
	for i, k := range flagKeys {
		if isBool(i) {
			out[k] = "false"
		}
	}
	for _, a := range as {
		if a.VariantKey == "default" {
			out[a.ExperimentKey] = "true"
		} else {
			out[a.ExperimentKey] = a.VariantKey
		}
	}
	return out
}

func (p *experimentSDK) benchOneFlag(b *testing.B) {
	c := experiment.ContextFor(benchUser)
	for b.Loop() {
		sink.b = p.rs.VariantFor(boolFlag, c)
	}
}

func (p *experimentSDK) benchSplit(b *testing.B) {
	c := experiment.ContextFor(benchUser)
	for b.Loop() {
		sink.s = p.rs.Feature(splitFlag, c)
	}
}

func (p *experimentSDK) benchTargeted(b *testing.B) {
	c := experiment.ContextFor(benchUser).With(map[string]any{"country": "FR", "plan": "pro"})
	for b.Loop() {
		sink.s = p.targetedRS.Feature(targetedFlag, c)
	}
}

func (p *experimentSDK) benchRotating(b *testing.B) {
	users := make([]experiment.Context, rotatingUsers)
	for i := range users {
		users[i] = experiment.ContextFor(userID(i))
	}
	i := 0
	for b.Loop() {
		sink.b = p.rs.VariantFor(boolFlag, users[i%rotatingUsers])
		i++
	}
}

func (p *experimentSDK) benchRotatingNewUser(b *testing.B, ids []string) {
	i := 0
	for b.Loop() {
		sink.b = p.rs.VariantFor(boolFlag, experiment.ContextFor(ids[i%rotatingUsers]))
		i++
	}
}

func (p *experimentSDK) benchFreshMap(b *testing.B, reqs []request) {
	i := 0
	for b.Loop() {
		r := &reqs[i%len(reqs)]
		attrs := map[string]any{"country": r.country, "plan": r.plan}
		sink.s = p.targetedRS.Feature(targetedFlag, experimentFromMap(r.id, attrs))
		i++
	}
	if sink.s == "" {
		b.Fatal("fresh map: off")
	}
}

func (p *experimentSDK) benchAll(b *testing.B) {
	c := experiment.ContextFor(benchUser)
	var as []experiment.Assignment
	for b.Loop() {
		as = p.rs.Assignments(c)
	}
	checkAssignments(b, as)
}

func checkAssignments(b *testing.B, as []experiment.Assignment) {
	if n := len(as); n < numFlags/2 {
		b.Fatalf("%d assignments; want at least %d", n, numFlags/2)
	}
	sink.n = len(as)
}

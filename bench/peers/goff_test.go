package peers

import (
	"testing"
	"time"

	ffclient "github.com/thomaspoignant/go-feature-flag"
	"github.com/thomaspoignant/go-feature-flag/ffcontext"
	"github.com/thomaspoignant/go-feature-flag/retriever/fileretriever"
)

// go-feature-flag (GO Feature Flag, "goff"): a flags file in JSON, read
// once by the file retriever at New. The poll interval is 24 hours, so the
// retriever's goroutine never polls during a run; no exporter and no
// notifier are configured. Every flag has trackEvents: false: with the
// default (true) each evaluation starts a goroutine to hand an event to the
// exporter, even when there is none.
//
// A user is an ffcontext.EvaluationContext (a key and a map of custom
// attributes), built before the loop.
//
//   - 50% rollout: variations on/off, defaultRule percentage 50/50
//     (BoolVariation).
//   - 3-variant split: defaultRule percentage a 33, b 33, c 34
//     (StringVariation).
//   - targeted: one targeting rule with the query
//     `country in ["US", ...] and plan eq "pro"` (goff's default query
//     language) and percentage control 50, treatment 50; defaultRule off ("").
//   - all flags: AllFlagsState, which evaluates every flag into a map of
//     flag states.
type goffSDK struct {
	ff, targetedFF *ffclient.GoFeatureFlag
}

// goffFlags is the flags file of the given flags, as a value to encode in
// JSON or YAML.
func goffFlags(keys []string) map[string]any {
	flags := map[string]any{}
	for i, k := range keys {
		if isBool(i) {
			flags[k] = map[string]any{
				"variations":  map[string]any{"on": true, "off": false},
				"defaultRule": map[string]any{"percentage": map[string]float64{"on": 50, "off": 50}},
				"trackEvents": false,
			}
		} else {
			flags[k] = map[string]any{
				"variations":  map[string]any{"a": "a", "b": "b", "c": "c"},
				"defaultRule": map[string]any{"percentage": map[string]float64{"a": 33, "b": 33, "c": 34}},
				"trackEvents": false,
			}
		}
	}
	return flags
}

func goffTargetedFlags() string {
	return mustJSON(map[string]any{
		targetedFlag: map[string]any{
			"variations": map[string]any{"control": "control", "treatment": "treatment", "off": ""},
			"targeting": []any{map[string]any{
				"name":       "pro-in-five-countries",
				"query":      `country in ["US", "CA", "GB", "DE", "FR"] and plan eq "pro"`,
				"percentage": map[string]float64{"control": 50, "treatment": 50},
			}},
			"defaultRule": map[string]any{"variation": "off"},
			"trackEvents": false,
		},
	})
}

func openGoff(tb testing.TB) sdk {
	dir := tb.TempDir()
	open := func(name, flags string) *ffclient.GoFeatureFlag {
		ff := newGoff(tb, writeFile(tb, dir, name, []byte(flags)), "json")
		tb.Cleanup(ff.Close)
		return ff
	}
	return &goffSDK{
		ff:         open("flags.json", mustJSON(goffFlags(flagKeys))),
		targetedFF: open("targeted.json", goffTargetedFlags()),
	}
}

// newGoff is a client of the flags file at path, in the format ("json" or
// "yaml"); the caller closes it.
func newGoff(tb testing.TB, path, format string) *ffclient.GoFeatureFlag {
	ff, err := ffclient.New(ffclient.Config{
		PollingInterval:       24 * time.Hour,
		Retriever:             &fileretriever.Retriever{Path: path},
		FileFormat:            format,
		DisableNotifierOnInit: true,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return ff
}

// goff reads JSON, YAML and TOML; the benchmarks use the first two.
func goffColdDoc(format string, keys []string) []byte {
	return encode(format, goffFlags(keys))
}

func goffColdLoad(tb testing.TB, format string, doc []byte) func(testing.TB) coldClient {
	path := writeFile(tb, tb.TempDir(), "flags."+format, doc)
	return func(tb testing.TB) coldClient {
		ff := newGoff(tb, path, format)
		return coldClient{
			eval: func(key, id string) string {
				u := ffcontext.NewEvaluationContext(id)
				var v any
				var err error
				if isBool(flagIndex(key)) {
					v, err = ff.BoolVariation(key, u, false)
				} else {
					v, err = ff.StringVariation(key, u, "")
				}
				if err != nil {
					tb.Fatal(err)
				}
				return valueText(v)
			},
			close: ff.Close,
		}
	}
}

func goffUser(id, country, plan string) ffcontext.EvaluationContext {
	b := ffcontext.NewEvaluationContextBuilder(id)
	if country != "" {
		b.AddCustom("country", country)
	}
	if plan != "" {
		b.AddCustom("plan", plan)
	}
	return b.Build()
}

func (p *goffSDK) flag(id string) bool {
	v, err := p.ff.BoolVariation(boolFlag, goffUser(id, "", ""), false)
	if err != nil {
		panic(err)
	}
	return v
}

func (p *goffSDK) split(id string) string {
	v, err := p.ff.StringVariation(splitFlag, goffUser(id, "", ""), "")
	if err != nil {
		panic(err)
	}
	return v
}

func (p *goffSDK) targeted(id, country, plan string) string {
	v, err := p.targetedFF.StringVariation(targetedFlag, goffUser(id, country, plan), "default")
	if err != nil {
		panic(err)
	}
	return v
}

func (p *goffSDK) all(id string) map[string]string {
	state := p.ff.AllFlagsState(goffUser(id, "", ""))
	if !state.IsValid() {
		panic("goff: AllFlagsState is not valid")
	}
	out := map[string]string{}
	for k, f := range state.GetFlags() {
		out[k] = valueText(f.Value)
	}
	return out
}

func (p *goffSDK) benchOneFlag(b *testing.B) {
	u := goffUser(benchUser, "", "")
	for b.Loop() {
		v, err := p.ff.BoolVariation(boolFlag, u, false)
		if err != nil {
			b.Fatal(err)
		}
		sink.b = v
	}
}

func (p *goffSDK) benchSplit(b *testing.B) {
	u := goffUser(benchUser, "", "")
	for b.Loop() {
		v, err := p.ff.StringVariation(splitFlag, u, "")
		if err != nil {
			b.Fatal(err)
		}
		sink.s = v
	}
}

func (p *goffSDK) benchTargeted(b *testing.B) {
	u := goffUser(benchUser, "FR", "pro")
	for b.Loop() {
		v, err := p.targetedFF.StringVariation(targetedFlag, u, "")
		if err != nil {
			b.Fatal(err)
		}
		sink.s = v
	}
	if sink.s == "" {
		b.Fatal("targeted: off")
	}
}

func (p *goffSDK) benchRotating(b *testing.B) {
	users := make([]ffcontext.EvaluationContext, rotatingUsers)
	for i := range users {
		users[i] = goffUser(userID(i), "", "")
	}
	i := 0
	for b.Loop() {
		v, err := p.ff.BoolVariation(boolFlag, users[i%rotatingUsers], false)
		if err != nil {
			b.Fatal(err)
		}
		sink.b = v
		i++
	}
}

func (p *goffSDK) benchRotatingNewUser(b *testing.B, ids []string) {
	i := 0
	for b.Loop() {
		v, err := p.ff.BoolVariation(boolFlag, ffcontext.NewEvaluationContext(ids[i%rotatingUsers]), false)
		if err != nil {
			b.Fatal(err)
		}
		sink.b = v
		i++
	}
}

func (p *goffSDK) benchAll(b *testing.B) {
	u := goffUser(benchUser, "", "")
	for b.Loop() {
		state := p.ff.AllFlagsState(u)
		if !state.IsValid() {
			b.Fatal("AllFlagsState is not valid")
		}
		sink.any = state
	}
}

// goffFromMap is a request's user: an evaluation context with each
// attribute of the map added as a custom attribute (AddCustomAttribute).
func goffFromMap(id string, attrs map[string]any) ffcontext.EvaluationContext {
	u := ffcontext.NewEvaluationContext(id)
	for k, v := range attrs {
		u.AddCustomAttribute(k, v)
	}
	return u
}

func (p *goffSDK) fromMap(id string, attrs map[string]any) string {
	v, err := p.targetedFF.StringVariation(targetedFlag, goffFromMap(id, attrs), "default")
	if err != nil {
		panic(err)
	}
	return v
}

func (p *goffSDK) benchFreshMap(b *testing.B, reqs []request) {
	i := 0
	for b.Loop() {
		r := &reqs[i%len(reqs)]
		attrs := map[string]any{"country": r.country, "plan": r.plan}
		v, err := p.targetedFF.StringVariation(targetedFlag, goffFromMap(r.id, attrs), "")
		if err != nil {
			b.Fatal(err)
		}
		sink.s = v
		i++
	}
	if sink.s == "" {
		b.Fatal("fresh map: off")
	}
}

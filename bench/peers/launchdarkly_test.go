package peers

import (
	"testing"
	"time"

	"github.com/launchdarkly/go-sdk-common/v3/ldcontext"
	"github.com/launchdarkly/go-sdk-common/v3/ldvalue"
	ld "github.com/launchdarkly/go-server-sdk/v7"
	"github.com/launchdarkly/go-server-sdk/v7/ldcomponents"
	"github.com/launchdarkly/go-server-sdk/v7/ldfiledata"
)

// LaunchDarkly: full flag definitions (the JSON of the SDK's streaming and
// polling payloads) in a file read by the file data source (ldfiledata,
// no reloader) into the in-memory store. Events are off
// (ldcomponents.NoEvents, so nothing is queued, summarised or sent),
// diagnostics opted out, logging off. The client is not in Offline mode,
// which would serve only default values.
//
// A user is an ldcontext.Context, built before the loop.
//
//   - 50% rollout: variations [false, true], fallthrough a rollout of
//     50,000/50,000 (weights are in 1/100,000) (BoolVariation).
//   - 3-variant split: variations a, b, c, fallthrough rollout 33,000,
//     33,000, 34,000 (StringVariation).
//   - targeted: one rule with the clauses country in [US, CA, GB, DE, FR]
//     and plan in [pro], serving a rollout of control and treatment at
//     50,000 each; fallthrough "" (off).
//   - all flags: AllFlagsState, which evaluates every flag into a map of
//     flag states (values and metadata for front-end bootstrapping).
type launchDarklySDK struct {
	client, targetedClient *ld.LDClient
}

func ldRollout(weights ...int) map[string]any {
	var vs []any
	for i, w := range weights {
		vs = append(vs, map[string]any{"variation": i, "weight": w})
	}
	return map[string]any{"rollout": map[string]any{"variations": vs}}
}

// launchDarklyFlags is the flag data of the given flags, as a value to
// encode in JSON or YAML.
func launchDarklyFlags(keys []string) map[string]any {
	flags := map[string]any{}
	for i, k := range keys {
		f := map[string]any{"key": k, "version": 1, "on": true, "offVariation": 0, "salt": k}
		if isBool(i) {
			// Variation 0 (false) for the first 50,000, 1 (true) for the rest.
			f["variations"] = []any{false, true}
			f["fallthrough"] = ldRollout(50000, 50000)
		} else {
			f["variations"] = []any{"a", "b", "c"}
			f["fallthrough"] = ldRollout(33000, 33000, 34000)
		}
		flags[k] = f
	}
	return map[string]any{"flags": flags}
}

func launchDarklyTargetedFlags() string {
	return mustJSON(map[string]any{"flags": map[string]any{
		targetedFlag: map[string]any{
			"key": targetedFlag, "version": 1, "on": true, "salt": targetedFlag,
			"variations":   []any{"", "control", "treatment"},
			"offVariation": 0,
			"fallthrough":  map[string]any{"variation": 0},
			"rules": []any{map[string]any{
				"id": "pro-in-five-countries",
				"clauses": []any{
					map[string]any{"attribute": "country", "op": "in", "values": countries},
					map[string]any{"attribute": "plan", "op": "in", "values": []string{"pro"}},
				},
				"rollout": map[string]any{"variations": []any{
					map[string]any{"variation": 1, "weight": 50000},
					map[string]any{"variation": 2, "weight": 50000},
				}},
			}},
		},
	}})
}

func openLaunchDarkly(tb testing.TB) sdk {
	dir := tb.TempDir()
	open := func(name, flags string) *ld.LDClient {
		c := newLaunchDarkly(tb, writeFile(tb, dir, name, []byte(flags)))
		tb.Cleanup(func() { c.Close() })
		return c
	}
	return &launchDarklySDK{
		client:         open("flags.json", mustJSON(launchDarklyFlags(flagKeys))),
		targetedClient: open("targeted.json", launchDarklyTargetedFlags()),
	}
}

// newLaunchDarkly is a client of the flag data file at path (JSON, or YAML
// when its first character is not '{'); the caller closes it.
func newLaunchDarkly(tb testing.TB, path string) *ld.LDClient {
	c, err := ld.MakeCustomClient("sdk-offline", ld.Config{
		DataSource:       ldfiledata.DataSource().FilePaths(path),
		Events:           ldcomponents.NoEvents(),
		DiagnosticOptOut: true,
		Logging:          ldcomponents.NoLogging(),
	}, 5*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	if !c.Initialized() {
		c.Close()
		tb.Fatal("launchdarkly: the client did not initialise")
	}
	return c
}

// The file data source reads JSON and YAML.
func launchDarklyColdDoc(format string, keys []string) []byte {
	return encode(format, launchDarklyFlags(keys))
}

func launchDarklyColdLoad(tb testing.TB, format string, doc []byte) func(testing.TB) coldClient {
	path := writeFile(tb, tb.TempDir(), "flags."+format, doc)
	return func(tb testing.TB) coldClient {
		c := newLaunchDarkly(tb, path)
		return coldClient{
			eval: func(key, id string) string {
				u := ldcontext.New(id)
				var v any
				var err error
				if isBool(flagIndex(key)) {
					v, err = c.BoolVariation(key, u, false)
				} else {
					v, err = c.StringVariation(key, u, "")
				}
				if err != nil {
					tb.Fatal(err)
				}
				return valueText(v)
			},
			close: func() { c.Close() },
		}
	}
}

func launchDarklyUser(id, country, plan string) ldcontext.Context {
	b := ldcontext.NewBuilder(id)
	if country != "" {
		b.SetString("country", country)
	}
	if plan != "" {
		b.SetString("plan", plan)
	}
	return b.Build()
}

func (p *launchDarklySDK) flag(id string) bool {
	v, err := p.client.BoolVariation(boolFlag, launchDarklyUser(id, "", ""), false)
	if err != nil {
		panic(err)
	}
	return v
}

func (p *launchDarklySDK) split(id string) string {
	v, err := p.client.StringVariation(splitFlag, launchDarklyUser(id, "", ""), "")
	if err != nil {
		panic(err)
	}
	return v
}

func (p *launchDarklySDK) targeted(id, country, plan string) string {
	v, err := p.targetedClient.StringVariation(targetedFlag, launchDarklyUser(id, country, plan), "default")
	if err != nil {
		panic(err)
	}
	return v
}

func (p *launchDarklySDK) all(id string) map[string]string {
	state := p.client.AllFlagsState(launchDarklyUser(id, "", ""))
	if !state.IsValid() {
		panic("launchdarkly: AllFlagsState is not valid")
	}
	out := map[string]string{}
	for k, v := range state.ToValuesMap() {
		switch v.Type() {
		case ldvalue.BoolType:
			out[k] = valueText(v.BoolValue())
		default:
			out[k] = v.StringValue()
		}
	}
	return out
}

func (p *launchDarklySDK) benchOneFlag(b *testing.B) {
	u := launchDarklyUser(benchUser, "", "")
	for b.Loop() {
		v, err := p.client.BoolVariation(boolFlag, u, false)
		if err != nil {
			b.Fatal(err)
		}
		sink.b = v
	}
}

func (p *launchDarklySDK) benchSplit(b *testing.B) {
	u := launchDarklyUser(benchUser, "", "")
	for b.Loop() {
		v, err := p.client.StringVariation(splitFlag, u, "")
		if err != nil {
			b.Fatal(err)
		}
		sink.s = v
	}
}

func (p *launchDarklySDK) benchTargeted(b *testing.B) {
	u := launchDarklyUser(benchUser, "FR", "pro")
	for b.Loop() {
		v, err := p.targetedClient.StringVariation(targetedFlag, u, "")
		if err != nil {
			b.Fatal(err)
		}
		sink.s = v
	}
	if sink.s == "" {
		b.Fatal("targeted: off")
	}
}

func (p *launchDarklySDK) benchRotating(b *testing.B) {
	users := make([]ldcontext.Context, rotatingUsers)
	for i := range users {
		users[i] = launchDarklyUser(userID(i), "", "")
	}
	i := 0
	for b.Loop() {
		v, err := p.client.BoolVariation(boolFlag, users[i%rotatingUsers], false)
		if err != nil {
			b.Fatal(err)
		}
		sink.b = v
		i++
	}
}

func (p *launchDarklySDK) benchRotatingNewUser(b *testing.B, ids []string) {
	i := 0
	for b.Loop() {
		v, err := p.client.BoolVariation(boolFlag, ldcontext.New(ids[i%rotatingUsers]), false)
		if err != nil {
			b.Fatal(err)
		}
		sink.b = v
		i++
	}
}

func (p *launchDarklySDK) benchAll(b *testing.B) {
	u := launchDarklyUser(benchUser, "", "")
	for b.Loop() {
		state := p.client.AllFlagsState(u)
		if !state.IsValid() {
			b.Fatal("AllFlagsState is not valid")
		}
		sink.any = state
	}
}

// launchDarklyFromMap is a request's user: a context builder with each
// attribute of the map converted by ldvalue.CopyArbitraryValue, the SDK's
// conversion of a Go value of any type.
func launchDarklyFromMap(id string, attrs map[string]any) ldcontext.Context {
	b := ldcontext.NewBuilder(id)
	for k, v := range attrs {
		b.SetValue(k, ldvalue.CopyArbitraryValue(v))
	}
	return b.Build()
}

func (p *launchDarklySDK) fromMap(id string, attrs map[string]any) string {
	v, err := p.targetedClient.StringVariation(targetedFlag, launchDarklyFromMap(id, attrs), "default")
	if err != nil {
		panic(err)
	}
	return v
}

func (p *launchDarklySDK) benchFreshMap(b *testing.B, reqs []request) {
	i := 0
	for b.Loop() {
		r := &reqs[i%len(reqs)]
		attrs := map[string]any{"country": r.country, "plan": r.plan}
		v, err := p.targetedClient.StringVariation(targetedFlag, launchDarklyFromMap(r.id, attrs), "")
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

package peers

import (
	"testing"

	"github.com/optimizely/go-sdk/v2/pkg/client"
	"github.com/optimizely/go-sdk/v2/pkg/config"
	"github.com/optimizely/go-sdk/v2/pkg/decide"
	"github.com/optimizely/go-sdk/v2/pkg/event"
	"github.com/optimizely/go-sdk/v2/pkg/logging"
)

// Optimizely Feature Experimentation: a version 4 datafile given as bytes
// to a static config manager (no SDK key, so nothing is fetched or
// polled). Decision events are off (the DisableDecisionEvent decide
// option, Optimizely's way of not sending an impression), and the event
// processor is a no-op one, so the batch processor's queue and HTTP
// dispatcher are never created; ODP (the customer data platform, which
// would send identify events) is disabled. The SDK's logger is set to
// Warning, to keep its Info lines about loading the datafile out of the
// benchmark output; it prints nothing during evaluation at the default
// level either, and the decision path formats its Debug messages whatever
// the level.
//
// A user is an OptimizelyUserContext (CreateUserContext copies the
// attributes), built before the loop.
//
//   - 50% rollout: the flag's rollout has one "everyone else" rule whose
//     traffic allocation gives the enabled variation "on" the buckets
//     0–4999 of 10,000 (Decide(...).Enabled).
//   - 3-variant split: an A/B test on the flag with variations a, b, c at
//     0–3299, 3300–6599, 6600–9999 (Decide(...).VariationKey).
//   - targeted: an A/B test with an audience
//     ["and", ["or", country = US, …, country = FR], ["or", plan = "pro"]]
//     (Optimizely's conditions have no "in a list" match, so the list is
//     five "exact" matches) and control/treatment at 50% each. A user
//     outside the audience falls to the flag's empty rollout: off.
//   - all flags: DecideAll, which decides every flag into a map.
type optimizelySDK struct {
	client, targetedClient *client.OptimizelyClient
}

func optimizelyVariations(flag string, names ...string) []any {
	var vs []any
	for _, n := range names {
		vs = append(vs, map[string]any{"id": n + "-" + flag, "key": n, "featureEnabled": true, "variables": []any{}})
	}
	return vs
}

func optimizelyTraffic(flag string, ends map[string]int, names ...string) []any {
	var ts []any
	for _, n := range names {
		ts = append(ts, map[string]any{"entityId": n + "-" + flag, "endOfRange": ends[n]})
	}
	return ts
}

func optimizelyExperiment(id, key, layer string, audiences []string, variations, traffic []any) map[string]any {
	if audiences == nil {
		audiences = []string{}
	}
	return map[string]any{
		"id": id, "key": key, "layerId": layer, "status": "Running",
		"audienceIds": audiences, "forcedVariations": map[string]any{},
		"variations": variations, "trafficAllocation": traffic,
	}
}

func optimizelyDatafile(flags, rollouts, experiments, typedAudiences []any) []byte {
	return []byte(mustJSON(map[string]any{
		"version": "4", "projectId": "1", "accountId": "1", "revision": "1",
		"anonymizeIP": true, "botFiltering": false, "sendFlagDecisions": false,
		"attributes": []any{
			map[string]any{"id": "attr-country", "key": "country"},
			map[string]any{"id": "attr-plan", "key": "plan"},
		},
		"audiences": []any{}, "typedAudiences": typedAudiences,
		"events": []any{}, "groups": []any{}, "integrations": []any{},
		"featureFlags": flags, "rollouts": rollouts, "experiments": experiments,
	}))
}

// optimizelyFlags is the datafile of the given flags.
func optimizelyFlags(keys []string) []byte {
	var flags, rollouts, experiments []any
	for i, k := range keys {
		flag := map[string]any{"id": "flag-" + k, "key": k, "rolloutId": "rollout-" + k, "variables": []any{}, "experimentIds": []any{}}
		rollout := map[string]any{"id": "rollout-" + k, "experiments": []any{}}
		if isBool(i) {
			rollout["experiments"] = []any{optimizelyExperiment("everyone-else-"+k, "everyone-else-"+k, "rollout-"+k, nil,
				optimizelyVariations(k, "on"), optimizelyTraffic(k, map[string]int{"on": 5000}, "on"))}
		} else {
			experiments = append(experiments, optimizelyExperiment("ab-"+k, k, "layer-"+k, nil,
				optimizelyVariations(k, "a", "b", "c"),
				optimizelyTraffic(k, map[string]int{"a": 3300, "b": 6600, "c": 10000}, "a", "b", "c")))
			flag["experimentIds"] = []any{"ab-" + k}
		}
		flags, rollouts = append(flags, flag), append(rollouts, rollout)
	}
	return optimizelyDatafile(flags, rollouts, experiments, []any{})
}

func optimizelyTargetedFlags() []byte {
	k := targetedFlag
	countryConditions := []any{"or"}
	for _, c := range countries {
		countryConditions = append(countryConditions, map[string]any{"type": "custom_attribute", "name": "country", "match": "exact", "value": c})
	}
	audience := map[string]any{
		"id": "pro-in-five-countries", "name": "pro in five countries",
		"conditions": []any{"and", countryConditions,
			[]any{"or", map[string]any{"type": "custom_attribute", "name": "plan", "match": "exact", "value": "pro"}}},
	}
	flag := map[string]any{"id": "flag-" + k, "key": k, "rolloutId": "rollout-" + k, "variables": []any{}, "experimentIds": []any{"ab-" + k}}
	rollout := map[string]any{"id": "rollout-" + k, "experiments": []any{}}
	experiment := optimizelyExperiment("ab-"+k, k, "layer-"+k, []string{"pro-in-five-countries"},
		optimizelyVariations(k, "control", "treatment"),
		optimizelyTraffic(k, map[string]int{"control": 5000, "treatment": 10000}, "control", "treatment"))
	return optimizelyDatafile([]any{flag}, []any{rollout}, []any{experiment}, []any{audience})
}

// noEvents is an event processor that drops every event.
type noEvents struct{}

func (noEvents) ProcessEvent(event.UserEvent) bool                 { return false }
func (noEvents) OnEventDispatch(func(event.LogEvent)) (int, error) { return 0, nil }
func (noEvents) RemoveOnEventDispatch(int) error                   { return nil }

func openOptimizely(tb testing.TB) sdk {
	logging.SetLogLevel(logging.LogLevelWarning)
	open := func(datafile []byte) *client.OptimizelyClient {
		c := newOptimizely(tb, datafile)
		tb.Cleanup(c.Close)
		return c
	}
	return &optimizelySDK{
		client:         open(optimizelyFlags(flagKeys)),
		targetedClient: open(optimizelyTargetedFlags()),
	}
}

// newOptimizely is a client of the datafile; the caller closes it.
func newOptimizely(tb testing.TB, datafile []byte) *client.OptimizelyClient {
	cm := config.NewStaticProjectConfigManagerWithOptions("", config.WithInitialDatafile(datafile))
	if cm == nil {
		tb.Fatal("optimizely: the datafile did not load")
	}
	c, err := (&client.OptimizelyFactory{}).Client(
		client.WithConfigManager(cm),
		client.WithEventProcessor(noEvents{}),
		client.WithOdpDisabled(true),
		client.WithDefaultDecideOptions([]decide.OptimizelyDecideOptions{decide.DisableDecisionEvent}),
	)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// A datafile is JSON only.
func optimizelyColdDoc(format string, keys []string) []byte {
	if format != "json" {
		return nil
	}
	return optimizelyFlags(keys)
}

func optimizelyColdLoad(_ testing.TB, _ string, doc []byte) func(testing.TB) coldClient {
	logging.SetLogLevel(logging.LogLevelWarning)
	return func(tb testing.TB) coldClient {
		c := newOptimizely(tb, doc)
		return coldClient{
			eval: func(key, id string) string {
				u := c.CreateUserContext(id, nil)
				d := optimizelyDecide(&u, key)
				if isBool(flagIndex(key)) {
					return valueText(d.Enabled)
				}
				return d.VariationKey
			},
			close: c.Close,
		}
	}
}

func optimizelyAttrs(country, plan string) map[string]any {
	attrs := map[string]any{}
	if country != "" {
		attrs["country"] = country
	}
	if plan != "" {
		attrs["plan"] = plan
	}
	return attrs
}

// optimizelyDecide decides a flag and panics on an error decision (an
// unknown flag, a config that did not load).
func optimizelyDecide(u *client.OptimizelyUserContext, key string) client.OptimizelyDecision {
	d := u.Decide(key, nil)
	if d.FlagKey != key || len(d.Reasons) > 0 {
		panic("optimizely: " + key + ": " + mustJSON(d.Reasons))
	}
	return d
}

func (p *optimizelySDK) flag(id string) bool {
	u := p.client.CreateUserContext(id, nil)
	return optimizelyDecide(&u, boolFlag).Enabled
}

func (p *optimizelySDK) split(id string) string {
	u := p.client.CreateUserContext(id, nil)
	return optimizelyDecide(&u, splitFlag).VariationKey
}

func (p *optimizelySDK) targeted(id, country, plan string) string {
	u := p.targetedClient.CreateUserContext(id, optimizelyAttrs(country, plan))
	return optimizelyDecide(&u, targetedFlag).VariationKey
}

func (p *optimizelySDK) all(id string) map[string]string {
	u := p.client.CreateUserContext(id, nil)
	out := map[string]string{}
	for k, d := range u.DecideAll(nil) {
		if isBool(flagIndex(k)) {
			out[k] = valueText(d.Enabled)
		} else {
			out[k] = d.VariationKey
		}
	}
	return out
}

func (p *optimizelySDK) benchOneFlag(b *testing.B) {
	u := p.client.CreateUserContext(benchUser, nil)
	var d client.OptimizelyDecision
	for b.Loop() {
		d = u.Decide(boolFlag, nil)
		sink.b = d.Enabled
	}
	checkOptimizely(b, d, boolFlag)
}

func (p *optimizelySDK) benchSplit(b *testing.B) {
	u := p.client.CreateUserContext(benchUser, nil)
	var d client.OptimizelyDecision
	for b.Loop() {
		d = u.Decide(splitFlag, nil)
		sink.s = d.VariationKey
	}
	checkOptimizely(b, d, splitFlag)
}

func (p *optimizelySDK) benchTargeted(b *testing.B) {
	u := p.targetedClient.CreateUserContext(benchUser, optimizelyAttrs("FR", "pro"))
	var d client.OptimizelyDecision
	for b.Loop() {
		d = u.Decide(targetedFlag, nil)
		sink.s = d.VariationKey
	}
	checkOptimizely(b, d, targetedFlag)
	if d.VariationKey == "" {
		b.Fatal("targeted: off")
	}
}

func (p *optimizelySDK) benchRotating(b *testing.B) {
	users := make([]client.OptimizelyUserContext, rotatingUsers)
	for i := range users {
		users[i] = p.client.CreateUserContext(userID(i), nil)
	}
	var d client.OptimizelyDecision
	i := 0
	for b.Loop() {
		d = users[i%rotatingUsers].Decide(boolFlag, nil)
		sink.b = d.Enabled
		i++
	}
	checkOptimizely(b, d, boolFlag)
}

func (p *optimizelySDK) benchRotatingNewUser(b *testing.B, ids []string) {
	var d client.OptimizelyDecision
	i := 0
	for b.Loop() {
		u := p.client.CreateUserContext(ids[i%rotatingUsers], nil)
		d = u.Decide(boolFlag, nil)
		sink.b = d.Enabled
		i++
	}
	checkOptimizely(b, d, boolFlag)
}

func (p *optimizelySDK) benchAll(b *testing.B) {
	u := p.client.CreateUserContext(benchUser, nil)
	var all map[string]client.OptimizelyDecision
	for b.Loop() {
		all = u.DecideAll(nil)
	}
	if len(all) != numFlags {
		b.Fatalf("DecideAll: %d decisions; want %d", len(all), numFlags)
	}
	sink.any = all
}

func checkOptimizely(b *testing.B, d client.OptimizelyDecision, key string) {
	if d.FlagKey != key || len(d.Reasons) > 0 {
		b.Fatalf("optimizely: %s: %v", key, d.Reasons)
	}
}

// A request's user is CreateUserContext(id, attrs): Optimizely takes the
// map as it is (and copies it).
func (p *optimizelySDK) fromMap(id string, attrs map[string]any) string {
	u := p.targetedClient.CreateUserContext(id, attrs)
	return optimizelyDecide(&u, targetedFlag).VariationKey
}

func (p *optimizelySDK) benchFreshMap(b *testing.B, reqs []request) {
	var d client.OptimizelyDecision
	i := 0
	for b.Loop() {
		r := &reqs[i%len(reqs)]
		attrs := map[string]any{"country": r.country, "plan": r.plan}
		u := p.targetedClient.CreateUserContext(r.id, attrs)
		d = u.Decide(targetedFlag, nil)
		sink.s = d.VariationKey
		i++
	}
	checkOptimizely(b, d, targetedFlag)
	if d.VariationKey == "" {
		b.Fatal("fresh map: off")
	}
}

package peers

import (
	"context"
	"encoding/json"
	"testing"

	gb "github.com/growthbook/growthbook-golang"
)

// GrowthBook: the features JSON of the SDK's API response, given to
// NewClient with WithJsonFeatures and no data source, so the client never
// starts a poll or an SSE stream. No tracking callback, event logger or
// plugin is set, so evaluations record no exposures.
//
// A user is a child client (Client.WithAttributes), which copies the client
// and converts the attributes: built before the loop, once per user.
//
//   - 50% rollout: a force rule {force: true, coverage: 0.5} over a
//     default of false (EvalFeature(...).On).
//   - 3-variant split: an experiment rule with variations a, b, c and
//     weights 0.33, 0.33, 0.34 (EvalFeature(...).Value).
//   - targeted: an experiment rule with the condition
//     {country: {$in: [...]}, plan: "pro"} and weights 0.5, 0.5.
//   - all flags: the SDK has no all-flags call: EvalFeature in a loop.
type growthBookSDK struct {
	client, targetedClient *gb.Client
}

// growthBookFeatures is the features JSON of the given flags.
func growthBookFeatures(keys []string) string {
	features := map[string]any{}
	for i, k := range keys {
		if isBool(i) {
			features[k] = map[string]any{
				"defaultValue": false,
				"rules":        []any{map[string]any{"id": "rollout-" + k, "force": true, "coverage": 0.5}},
			}
		} else {
			features[k] = map[string]any{
				"defaultValue": "",
				"rules": []any{map[string]any{
					"id": "split-" + k, "key": k,
					"variations": []any{"a", "b", "c"},
					"weights":    []float64{0.33, 0.33, 0.34},
				}},
			}
		}
	}
	return mustJSON(features)
}

func growthBookTargetedFeatures() string {
	return mustJSON(map[string]any{
		targetedFlag: map[string]any{
			"defaultValue": "",
			"rules": []any{map[string]any{
				"id": "targeted", "key": targetedFlag,
				"condition":  map[string]any{"country": map[string]any{"$in": countries}, "plan": "pro"},
				"variations": []any{"control", "treatment"},
				"weights":    []float64{0.5, 0.5},
			}},
		},
	})
}

func mustJSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(data)
}

func openGrowthBook(tb testing.TB) sdk {
	open := func(features string) *gb.Client {
		c := newGrowthBook(tb, features)
		tb.Cleanup(func() { c.Close() })
		return c
	}
	return &growthBookSDK{
		client:         open(growthBookFeatures(flagKeys)),
		targetedClient: open(growthBookTargetedFeatures()),
	}
}

// newGrowthBook is a client of the features JSON; the caller closes it.
func newGrowthBook(tb testing.TB, features string) *gb.Client {
	c, err := gb.NewClient(context.Background(), gb.WithJsonFeatures(features))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// GrowthBook reads JSON only.
func growthBookColdDoc(format string, keys []string) []byte {
	if format != "json" {
		return nil
	}
	return []byte(growthBookFeatures(keys))
}

func growthBookColdLoad(_ testing.TB, _ string, doc []byte) func(testing.TB) coldClient {
	return func(tb testing.TB) coldClient {
		c := newGrowthBook(tb, string(doc))
		return coldClient{
			eval: func(key, id string) string {
				u := growthBookUser(tb, c, gb.Attributes{"id": id})
				return valueText(growthBookEval(u, key).Value)
			},
			close: func() { c.Close() },
		}
	}
}

func growthBookUser(tb testing.TB, c *gb.Client, attrs gb.Attributes) *gb.Client {
	u, err := c.WithAttributes(attrs)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// growthBookEval evaluates a feature the config has, and panics if the SDK
// does not know it.
func growthBookEval(u *gb.Client, key string) *gb.FeatureResult {
	r := u.EvalFeature(context.Background(), key)
	if r.Source == gb.UnknownFeatureResultSource {
		panic("growthbook: unknown feature " + key)
	}
	return r
}

func (p *growthBookSDK) flag(id string) bool {
	u, _ := p.client.WithAttributes(gb.Attributes{"id": id})
	return growthBookEval(u, boolFlag).On
}

func (p *growthBookSDK) split(id string) string {
	u, _ := p.client.WithAttributes(gb.Attributes{"id": id})
	s, _ := growthBookEval(u, splitFlag).Value.(string)
	return s
}

func (p *growthBookSDK) targeted(id, country, plan string) string {
	attrs := gb.Attributes{"id": id}
	if country != "" {
		attrs["country"] = country
	}
	if plan != "" {
		attrs["plan"] = plan
	}
	u, _ := p.targetedClient.WithAttributes(attrs)
	s, _ := growthBookEval(u, targetedFlag).Value.(string)
	return s
}

func (p *growthBookSDK) all(id string) map[string]string {
	u, _ := p.client.WithAttributes(gb.Attributes{"id": id})
	out := make(map[string]string, numFlags)
	for _, k := range flagKeys {
		out[k] = valueText(growthBookEval(u, k).Value)
	}
	return out
}

func (p *growthBookSDK) benchOneFlag(b *testing.B) {
	u := growthBookUser(b, p.client, gb.Attributes{"id": benchUser})
	ctx := context.Background()
	var r *gb.FeatureResult
	for b.Loop() {
		r = u.EvalFeature(ctx, boolFlag)
		sink.b = r.On
	}
	checkGrowthBook(b, r)
}

func (p *growthBookSDK) benchSplit(b *testing.B) {
	u := growthBookUser(b, p.client, gb.Attributes{"id": benchUser})
	ctx := context.Background()
	var r *gb.FeatureResult
	for b.Loop() {
		r = u.EvalFeature(ctx, splitFlag)
		sink.s, _ = r.Value.(string)
	}
	checkGrowthBook(b, r)
}

func (p *growthBookSDK) benchTargeted(b *testing.B) {
	u := growthBookUser(b, p.targetedClient, gb.Attributes{"id": benchUser, "country": "FR", "plan": "pro"})
	ctx := context.Background()
	var r *gb.FeatureResult
	for b.Loop() {
		r = u.EvalFeature(ctx, targetedFlag)
		sink.s, _ = r.Value.(string)
	}
	checkGrowthBook(b, r)
	if r.Source != gb.ExperimentResultSource {
		b.Fatalf("targeted: source %q; want experiment", r.Source)
	}
}

func (p *growthBookSDK) benchRotating(b *testing.B) {
	users := make([]*gb.Client, rotatingUsers)
	for i := range users {
		users[i] = growthBookUser(b, p.client, gb.Attributes{"id": userID(i)})
	}
	ctx := context.Background()
	var r *gb.FeatureResult
	i := 0
	for b.Loop() {
		r = users[i%rotatingUsers].EvalFeature(ctx, boolFlag)
		sink.b = r.On
		i++
	}
	checkGrowthBook(b, r)
}

func (p *growthBookSDK) benchRotatingNewUser(b *testing.B, ids []string) {
	ctx := context.Background()
	var r *gb.FeatureResult
	i := 0
	for b.Loop() {
		u, err := p.client.WithAttributes(gb.Attributes{"id": ids[i%rotatingUsers]})
		if err != nil {
			b.Fatal(err)
		}
		r = u.EvalFeature(ctx, boolFlag)
		sink.b = r.On
		i++
	}
	checkGrowthBook(b, r)
}

func (p *growthBookSDK) benchAll(b *testing.B) {
	u := growthBookUser(b, p.client, gb.Attributes{"id": benchUser})
	ctx := context.Background()
	values := make([]gb.FeatureValue, numFlags)
	var r *gb.FeatureResult
	for b.Loop() {
		for i, k := range flagKeys {
			r = u.EvalFeature(ctx, k)
			values[i] = r.Value
		}
	}
	checkGrowthBook(b, r)
	sink.any = values
}

func checkGrowthBook(b *testing.B, r *gb.FeatureResult) {
	if r == nil || r.Source == gb.UnknownFeatureResultSource {
		b.Fatalf("growthbook: %+v", r)
	}
}

// valueText is a flag value as the tests compare it.
func valueText(v any) string {
	switch v := v.(type) {
	case bool:
		if v {
			return "true"
		}
		return "false"
	case string:
		return v
	}
	return mustJSON(v)
}

// growthBookFromMap is a request's user: GrowthBook's attributes are a
// map[string]any with the id in it, so the request's map gets the id and
// becomes the child client's attributes (WithAttributes converts them).
func growthBookFromMap(c *gb.Client, id string, attrs map[string]any) (*gb.Client, error) {
	attrs["id"] = id
	return c.WithAttributes(gb.Attributes(attrs))
}

func (p *growthBookSDK) fromMap(id string, attrs map[string]any) string {
	u, err := growthBookFromMap(p.targetedClient, id, attrs)
	if err != nil {
		panic(err)
	}
	s, _ := growthBookEval(u, targetedFlag).Value.(string)
	return s
}

func (p *growthBookSDK) benchFreshMap(b *testing.B, reqs []request) {
	ctx := context.Background()
	var r *gb.FeatureResult
	i := 0
	for b.Loop() {
		q := &reqs[i%len(reqs)]
		attrs := map[string]any{"country": q.country, "plan": q.plan}
		u, err := growthBookFromMap(p.targetedClient, q.id, attrs)
		if err != nil {
			b.Fatal(err)
		}
		r = u.EvalFeature(ctx, targetedFlag)
		sink.s, _ = r.Value.(string)
		i++
	}
	checkGrowthBook(b, r)
	if r.Source != gb.ExperimentResultSource {
		b.Fatalf("fresh map: source %q; want experiment", r.Source)
	}
}

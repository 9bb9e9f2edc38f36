package peers

import (
	"bytes"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Unleash/unleash-client-go/v4"
	ucontext "github.com/Unleash/unleash-client-go/v4/context"
)

// Unleash: the toggles of the client API response, loaded from bytes by
// BootstrapStorage. The client still fetches from its URL at start and
// every refresh interval; here its HTTP client fails every request without
// touching the network (offlineTransport), the refresh interval is 24
// hours, metrics are disabled (WithDisableMetrics, so IsEnabled counts
// nothing and nothing is sent) and the backup file goes to a temporary
// directory, so a backup left by another run cannot replace the bootstrap.
//
// A user is an unleash.WithContext option (and WithVariantContext for
// GetVariant) holding a context.Context with the user id and properties,
// built before the loop. Built in the loop, each adds one allocation.
//
//   - 50% rollout: a flexibleRollout strategy with rollout 50, default
//     stickiness (the user id), groupId the flag name (IsEnabled).
//   - 3-variant split: flexibleRollout at 100 with strategy variants a, b,
//     c weighted 330, 330, 340 of 1000 (GetVariant(...).Name).
//   - targeted: flexibleRollout at 100 with the constraints country IN
//     [US, CA, GB, DE, FR] and plan IN [pro] (Unleash has no equality
//     operator for strings), and variants control, treatment at 500 each.
//   - all flags: the SDK evaluates one toggle at a time: IsEnabled or
//     GetVariant in a loop.
type unleashSDK struct {
	client, targetedClient *unleash.Client
}

// unleashFeatures is the client API response of the given flags.
func unleashFeatures(keys []string) []byte {
	var features []any
	for i, k := range keys {
		if isBool(i) {
			features = append(features, map[string]any{
				"name": k, "type": "release", "enabled": true,
				"strategies": []any{map[string]any{
					"name":       "flexibleRollout",
					"parameters": map[string]any{"rollout": "50", "stickiness": "default", "groupId": k},
				}},
			})
		} else {
			features = append(features, map[string]any{
				"name": k, "type": "experiment", "enabled": true,
				"strategies": []any{map[string]any{
					"name":       "flexibleRollout",
					"parameters": map[string]any{"rollout": "100", "stickiness": "default", "groupId": k},
					"variants": []any{
						map[string]any{"name": "a", "weight": 330, "weightType": "variable", "stickiness": "default"},
						map[string]any{"name": "b", "weight": 330, "weightType": "variable", "stickiness": "default"},
						map[string]any{"name": "c", "weight": 340, "weightType": "variable", "stickiness": "default"},
					},
				}},
			})
		}
	}
	return []byte(mustJSON(map[string]any{"version": 2, "features": features}))
}

func unleashTargetedFeatures() []byte {
	return []byte(mustJSON(map[string]any{"version": 2, "features": []any{map[string]any{
		"name": targetedFlag, "type": "experiment", "enabled": true,
		"strategies": []any{map[string]any{
			"name":       "flexibleRollout",
			"parameters": map[string]any{"rollout": "100", "stickiness": "default", "groupId": targetedFlag},
			"constraints": []any{
				map[string]any{"contextName": "country", "operator": "IN", "values": countries},
				map[string]any{"contextName": "plan", "operator": "IN", "values": []string{"pro"}},
			},
			"variants": []any{
				map[string]any{"name": "control", "weight": 500, "weightType": "variable", "stickiness": "default"},
				map[string]any{"name": "treatment", "weight": 500, "weightType": "variable", "stickiness": "default"},
			},
		}},
	}}}))
}

// offlineTransport fails every request before it reaches the network.
type offlineTransport struct{ requests atomic.Int64 }

func (t *offlineTransport) RoundTrip(*http.Request) (*http.Response, error) {
	t.requests.Add(1)
	return nil, errOffline
}

var errOffline = errors.New("offline: no network in these benchmarks")

// unleashListener counts what the client reports, and ignores it.
type unleashListener struct{ errors atomic.Int64 }

func (l *unleashListener) OnError(error)   { l.errors.Add(1) }
func (l *unleashListener) OnWarning(error) {}

func openUnleash(tb testing.TB) sdk {
	open := func(features []byte) *unleash.Client {
		c := newUnleash(tb, features, tb.TempDir())
		tb.Cleanup(func() { c.Close() })
		return c
	}
	return &unleashSDK{
		client:         open(unleashFeatures(flagKeys)),
		targetedClient: open(unleashTargetedFeatures()),
	}
}

// newUnleash is a client of the features JSON, with its backup file in dir;
// the caller closes it.
func newUnleash(tb testing.TB, features []byte, dir string) *unleash.Client {
	c, err := unleash.NewClient(
		unleash.WithAppName("peers-bench"),
		unleash.WithUrl("http://127.0.0.1:9/api/"), // never dialled: see offlineTransport
		unleash.WithHttpClient(&http.Client{Transport: &offlineTransport{}}),
		unleash.WithStorage(&unleash.BootstrapStorage{Reader: bytes.NewReader(features)}),
		unleash.WithBackupPath(dir),
		unleash.WithRefreshInterval(24*time.Hour),
		unleash.WithDisableMetrics(true),
		unleash.WithListener(&unleashListener{}),
	)
	if err != nil {
		tb.Fatal(err)
	}
	if n := len(c.ListFeatures()); n == 0 {
		c.Close()
		tb.Fatal("unleash: the bootstrap loaded no toggles")
	}
	return c
}

// Unleash's bootstrap reads JSON only.
func unleashColdDoc(format string, keys []string) []byte {
	if format != "json" {
		return nil
	}
	return unleashFeatures(keys)
}

func unleashColdLoad(tb testing.TB, _ string, doc []byte) func(testing.TB) coldClient {
	dir := tb.TempDir()
	return func(tb testing.TB) coldClient {
		c := newUnleash(tb, doc, dir)
		return coldClient{
			eval: func(key, id string) string {
				u := ucontext.Context{UserId: id}
				if isBool(flagIndex(key)) {
					return valueText(c.IsEnabled(key, unleash.WithContext(u)))
				}
				return c.GetVariant(key, unleash.WithVariantContext(u)).Name
			},
			close: func() { c.Close() },
		}
	}
}

func unleashUser(id, country, plan string) ucontext.Context {
	c := ucontext.Context{UserId: id}
	if country != "" || plan != "" {
		c.Properties = map[string]string{}
		if country != "" {
			c.Properties["country"] = country
		}
		if plan != "" {
			c.Properties["plan"] = plan
		}
	}
	return c
}

func (p *unleashSDK) flag(id string) bool {
	return p.client.IsEnabled(boolFlag, unleash.WithContext(unleashUser(id, "", "")))
}

func (p *unleashSDK) split(id string) string {
	return p.client.GetVariant(splitFlag, unleash.WithVariantContext(unleashUser(id, "", ""))).Name
}

func (p *unleashSDK) targeted(id, country, plan string) string {
	v := p.targetedClient.GetVariant(targetedFlag, unleash.WithVariantContext(unleashUser(id, country, plan)))
	if !v.Enabled {
		return ""
	}
	return v.Name
}

func (p *unleashSDK) all(id string) map[string]string {
	u := unleashUser(id, "", "")
	opt, vopt := unleash.WithContext(u), unleash.WithVariantContext(u)
	out := make(map[string]string, numFlags)
	for i, k := range flagKeys {
		if isBool(i) {
			out[k] = valueText(p.client.IsEnabled(k, opt))
		} else {
			out[k] = p.client.GetVariant(k, vopt).Name
		}
	}
	return out
}

func (p *unleashSDK) benchOneFlag(b *testing.B) {
	opt := unleash.WithContext(unleashUser(benchUser, "", ""))
	for b.Loop() {
		sink.b = p.client.IsEnabled(boolFlag, opt)
	}
}

func (p *unleashSDK) benchSplit(b *testing.B) {
	opt := unleash.WithVariantContext(unleashUser(benchUser, "", ""))
	for b.Loop() {
		sink.s = p.client.GetVariant(splitFlag, opt).Name
	}
	if sink.s != "a" && sink.s != "b" && sink.s != "c" {
		b.Fatalf("split: variant %q", sink.s)
	}
}

func (p *unleashSDK) benchTargeted(b *testing.B) {
	opt := unleash.WithVariantContext(unleashUser(benchUser, "FR", "pro"))
	for b.Loop() {
		sink.s = p.targetedClient.GetVariant(targetedFlag, opt).Name
	}
	if sink.s != "control" && sink.s != "treatment" {
		b.Fatalf("targeted: variant %q", sink.s)
	}
}

func (p *unleashSDK) benchRotating(b *testing.B) {
	opts := make([]unleash.FeatureOption, rotatingUsers)
	for i := range opts {
		opts[i] = unleash.WithContext(unleashUser(userID(i), "", ""))
	}
	i := 0
	for b.Loop() {
		sink.b = p.client.IsEnabled(boolFlag, opts[i%rotatingUsers])
		i++
	}
}

func (p *unleashSDK) benchRotatingNewUser(b *testing.B, ids []string) {
	i := 0
	for b.Loop() {
		sink.b = p.client.IsEnabled(boolFlag, unleash.WithContext(ucontext.Context{UserId: ids[i%rotatingUsers]}))
		i++
	}
}

func (p *unleashSDK) benchAll(b *testing.B) {
	u := unleashUser(benchUser, "", "")
	opt, vopt := unleash.WithContext(u), unleash.WithVariantContext(u)
	values := make([]string, numFlags)
	for b.Loop() {
		for i, k := range flagKeys {
			if isBool(i) {
				if p.client.IsEnabled(k, opt) {
					values[i] = "true"
				} else {
					values[i] = "false"
				}
			} else {
				values[i] = p.client.GetVariant(k, vopt).Name
			}
		}
	}
	sink.any = values
}

// unleashFromMap is a request's user: Unleash's properties are strings, so
// each string attribute of the map is copied into a new properties map
// (the others would need a conversion; this scenario has none).
func unleashFromMap(id string, attrs map[string]any) ucontext.Context {
	c := ucontext.Context{UserId: id, Properties: make(map[string]string, len(attrs))}
	for k, v := range attrs {
		if s, ok := v.(string); ok {
			c.Properties[k] = s
		}
	}
	return c
}

func (p *unleashSDK) fromMap(id string, attrs map[string]any) string {
	v := p.targetedClient.GetVariant(targetedFlag, unleash.WithVariantContext(unleashFromMap(id, attrs)))
	if !v.Enabled {
		return ""
	}
	return v.Name
}

func (p *unleashSDK) benchFreshMap(b *testing.B, reqs []request) {
	i := 0
	for b.Loop() {
		r := &reqs[i%len(reqs)]
		attrs := map[string]any{"country": r.country, "plan": r.plan}
		sink.s = p.targetedClient.GetVariant(targetedFlag, unleash.WithVariantContext(unleashFromMap(r.id, attrs))).Name
		i++
	}
	if sink.s != "control" && sink.s != "treatment" {
		b.Fatalf("fresh map: variant %q", sink.s)
	}
}

package experimentprovider

import (
	"context"
	"testing"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/memprovider"

	"github.com/inprocess/experiment"
)

// benchClient returns a client of a provider named for the benchmark.
func benchClient(b *testing.B, p openfeature.FeatureProvider) *openfeature.Client {
	b.Helper()
	b.Cleanup(openfeature.Shutdown)
	if err := openfeature.SetNamedProviderAndWait(b.Name(), p); err != nil {
		b.Fatal(err)
	}
	return openfeature.NewClient(b.Name())
}

// BenchmarkClientBoolean is one Boolean evaluation of a 50 % rollout
// through the OpenFeature client and this provider.
func BenchmarkClientBoolean(b *testing.B) {
	rs, err := experiment.Parse([]byte("experiments:\n  rollout: 50%\n"))
	if err != nil {
		b.Fatal(err)
	}
	client := benchClient(b, New(rs))
	ec := openfeature.NewEvaluationContext("user-1", map[string]any{"country": "US"})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = client.BooleanValueDetails(ctx, "rollout", false, ec)
	}
}

// BenchmarkClientBooleanInMemory is the same call through the SDK's own
// in-memory provider: the cost of the SDK with a trivial provider.
func BenchmarkClientBooleanInMemory(b *testing.B) {
	p := memprovider.NewInMemoryProvider(map[string]memprovider.InMemoryFlag{
		"rollout": {Key: "rollout", State: memprovider.Enabled, DefaultVariant: "on", Variants: map[string]any{"on": true, "off": false}},
	})
	client := benchClient(b, p)
	ec := openfeature.NewEvaluationContext("user-1", map[string]any{"country": "US"})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = client.BooleanValueDetails(ctx, "rollout", false, ec)
	}
}

// TestClientAllocs checks that a Boolean evaluation through the client
// and this provider allocates no more than through the SDK's in-memory
// provider (skipped under -race, which allocates on its own).
func TestClientAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	rs, err := experiment.Parse([]byte("experiments:\n  rollout: 50%\n"))
	if err != nil {
		t.Fatal(err)
	}
	mem := memprovider.NewInMemoryProvider(map[string]memprovider.InMemoryFlag{
		"rollout": {Key: "rollout", State: memprovider.Enabled, DefaultVariant: "on", Variants: map[string]any{"on": true, "off": false}},
	})
	t.Cleanup(openfeature.Shutdown)
	allocs := map[string]float64{}
	for name, p := range map[string]openfeature.FeatureProvider{"experiment": New(rs), "memprovider": mem} {
		if err := openfeature.SetNamedProviderAndWait(t.Name()+name, p); err != nil {
			t.Fatal(err)
		}
		client := openfeature.NewClient(t.Name() + name)
		ec := openfeature.NewEvaluationContext("user-1", map[string]any{"country": "US"})
		ctx := context.Background()
		allocs[name] = testing.AllocsPerRun(200, func() { _, _ = client.BooleanValueDetails(ctx, "rollout", false, ec) })
	}
	if allocs["experiment"] > allocs["memprovider"] {
		t.Errorf("allocations per Boolean evaluation: %v with this provider, %v with the in-memory one; want at most as many", allocs["experiment"], allocs["memprovider"])
	}
	t.Logf("allocations per evaluation: %v", allocs)
}

package experiment

import (
	"context"
	"testing"
	"time"
)

// designBenchConfig has one experiment per design feature, and plain,
// which has none, for comparison.
const designBenchConfig = `
holdout: {share: 5%, salt: h}
layers:
  L: {experiments: {layered: 30%}}
experiments:
  plain: {variants: {control: 0-50%, treatment: 50-100%}}
  checkout: {variants: {old: 0-50%, new: 50-100%}}
  dependent:
    requires: {experiment: checkout, variant: new}
    variants: {on: 100%}
  scheduled:
    start: 2026-01-01T00:00:00Z
    end: 2027-01-01T00:00:00Z
    variants: {control: 0-50%, treatment: 50-100%}
  ramped:
    ramp: {from: 10%, to: 90%, start: 2026-01-01T00:00:00Z, end: 2026-02-01T00:00:00Z, steps: 8}
    variants: {control: 0-50%, treatment: 50-100%}
  layered: {variants: {control: 0-50%, treatment: 50-100%}}
`

// designUser is a user who is on in every experiment of designBenchConfig
// at designBenchTime, so that each benchmark runs the whole gate.
func designUser(t testing.TB, r *Ruleset, at time.Time) Context {
	t.Helper()
	for i := range 100000 {
		c := ContextFor("user-" + itoa(i)).At(at)
		all := true
		for _, name := range []string{"plain", "dependent", "scheduled", "ramped", "layered"} {
			all = all && r.VariantFor(name, c)
		}
		if all {
			return c
		}
	}
	t.Fatal("no user is on everywhere")
	return Context{}
}

var designBenchTime = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// TestDesignAllocs checks that the design features keep evaluation
// allocation-free, and sticky evaluation too when no store is set or the
// store already holds the user (skipped under -race, which allocates).
func TestDesignAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	r := mustParse(t, designBenchConfig)
	c := designUser(t, r, designBenchTime)
	store := NewMemoryStore(10)
	sr := mustParse(t, designBenchConfig, WithSticky(store), WithClock(func() time.Time { return designBenchTime }))
	ctx := context.Background()
	sr.StickyFeature(ctx, "plain", c) // recorded once
	clocked := mustParse(t, designBenchConfig, WithClock(func() time.Time { return designBenchTime }))
	noAt := c.At(time.Time{})
	dst := make([]Assignment, 0, 8)
	tests := []struct {
		name string
		fn   func()
	}{
		{"prerequisite", func() { sink.s = r.Feature("dependent", c) }},
		{"schedule, At", func() { sink.s = r.Feature("scheduled", c) }},
		{"schedule, WithClock", func() { sink.s = clocked.Feature("scheduled", noAt) }},
		{"schedule, time.Now", func() { sink.s = r.Feature("scheduled", noAt) }},
		{"ramp", func() { sink.s = r.Feature("ramped", c) }},
		{"layer and holdout", func() { sink.s = r.Feature("layered", c) }},
		{"AppendAssignments with room", func() { sink.a = r.AppendAssignments(dst[:0], c) }},
		{"StickyFeature without a store", func() { sink.s, _ = r.StickyFeature(ctx, "plain", c) }},
		{"StickyFeature, the store holds the user", func() { sink.s, _ = sr.StickyFeature(ctx, "plain", c) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(200, tt.fn); got != 0 {
				t.Errorf("%s: %v allocations per run; want 0", tt.name, got)
			}
		})
	}
}

// The benchmarks of one experiment per design feature, next to plain, the
// same split without design: go test -bench Design -benchmem.

func benchDesign(b *testing.B, name string) {
	r := mustParse(b, designBenchConfig)
	c := designUser(b, r, designBenchTime)
	for b.Loop() {
		sink.s = r.Feature(name, c)
	}
}

func BenchmarkDesignPlain(b *testing.B)        { benchDesign(b, "plain") }
func BenchmarkDesignPrerequisite(b *testing.B) { benchDesign(b, "dependent") }
func BenchmarkDesignSchedule(b *testing.B)     { benchDesign(b, "scheduled") }
func BenchmarkDesignRamp(b *testing.B)         { benchDesign(b, "ramped") }
func BenchmarkDesignLayer(b *testing.B)        { benchDesign(b, "layered") }

// BenchmarkDesignScheduleClock reads time.Now, as a service without
// WithClock or At does.
func BenchmarkDesignScheduleClock(b *testing.B) {
	r := mustParse(b, designBenchConfig)
	c := designUser(b, r, time.Now()).At(time.Time{})
	for b.Loop() {
		sink.s = r.Feature("scheduled", c)
	}
}

func BenchmarkStickyFeatureNoStore(b *testing.B) {
	r := mustParse(b, designBenchConfig)
	c := ContextFor("user-12345678")
	ctx := context.Background()
	for b.Loop() {
		sink.s, _ = r.StickyFeature(ctx, "plain", c)
	}
}

func BenchmarkStickyFeatureMemoryStore(b *testing.B) {
	r := mustParse(b, designBenchConfig, WithSticky(NewMemoryStore(10)))
	c := ContextFor("user-12345678")
	ctx := context.Background()
	for b.Loop() {
		sink.s, _ = r.StickyFeature(ctx, "plain", c)
	}
}

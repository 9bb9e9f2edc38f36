package experiment

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/murmur3"
	"gopkg.in/yaml.v3"
)

// genConfig returns a config of n experiments in the short forms: 50%
// boolean rollouts and three-way splits, alternating.
func genConfig(n int) string {
	var b strings.Builder
	b.WriteString("salt: bench\ngroups:\n  beta: [1, 2, 3, 10-20%]\nexperiments:\n")
	for i := range n {
		switch i % 3 {
		case 0:
			fmt.Fprintf(&b, "  flag-%04d: 50%%\n", i)
		case 1:
			fmt.Fprintf(&b, "  flag-%04d: {red: 0-33.33%%, green: 33.33-66.66%%, blue: 66.66-100%%}\n", i)
		default:
			fmt.Fprintf(&b, "  flag-%04d: [beta, 40-60%%]\n", i)
		}
	}
	return b.String()
}

const targetedConfig = `
experiments:
  targeted:
    targeting:
      - conditions:
          - {attribute: country, operator: in, value: [US, CA, GB, DE, FR]}
          - {attribute: plan, operator: eq, value: pro}
    variants:
      control: {allocation: 0-50%, payload: {color: "#0066cc"}}
      treatment: {allocation: 50-100%, payload: {color: "#00cc66"}}
`

var sink struct {
	b bool
	s string
	u uint32
	p []byte
	n int
	a []Assignment
	f func()
	r *Ruleset
	c Context
}

// floorMap is the map of the Floor benchmark: 100 keys.
var floorMap = func() map[string]*experiment {
	m := make(map[string]*experiment, 100)
	for i := range 100 {
		m[fmt.Sprintf("flag-%04d", i)] = &experiment{salt: fmt.Sprintf("flag-%04d", i)}
	}
	return m
}()

// BenchmarkFloor is the irreducible work of one evaluation (issue 7): one
// lookup in a map of 100 keys and MurmurHash3 of userID:salt built in a
// stack buffer.
func BenchmarkFloor(b *testing.B) {
	user, name := "user-12345678", "flag-0042"
	for b.Loop() {
		e := floorMap[name]
		var buf [64]byte
		n := copy(buf[:], user)
		buf[n] = ':'
		n++
		n += copy(buf[n:], e.salt)
		sink.u = murmur3.Sum32(buf[:n])
	}
}

func benchRuleset(b *testing.B, n int) *Ruleset {
	b.Helper()
	r, err := Parse([]byte(genConfig(n)))
	if err != nil {
		b.Fatal(err)
	}
	return r
}

func BenchmarkVariantFor(b *testing.B) {
	r := benchRuleset(b, 100)
	c := ContextFor("user-12345678")
	for b.Loop() {
		sink.b = r.VariantFor("flag-0042", c)
	}
}

func BenchmarkFeature(b *testing.B) {
	r := benchRuleset(b, 100)
	c := ContextFor("user-12345678")
	for b.Loop() {
		sink.s = r.Feature("flag-0043", c)
	}
}

// benchUsers is the Contexts of 1,024 users, for the benchmarks that take
// them in turn. With one user every branch on the user's bucket is
// predicted after the first call, which real traffic does not allow.
func benchUsers() []Context {
	users := make([]Context, 1024)
	for i := range users {
		users[i] = ContextFor(fmt.Sprintf("user-%08d", i))
	}
	return users
}

func BenchmarkVariantForUsers(b *testing.B) {
	r, users := benchRuleset(b, 100), benchUsers()
	i := 0
	for b.Loop() {
		sink.b = r.VariantFor("flag-0042", users[i%len(users)])
		i++
	}
}

func BenchmarkFeatureUsers(b *testing.B) {
	r, users := benchRuleset(b, 100), benchUsers()
	i := 0
	for b.Loop() {
		sink.s = r.Feature("flag-0043", users[i%len(users)])
		i++
	}
}

func BenchmarkVariantForSlash(b *testing.B) {
	r := benchRuleset(b, 100)
	c := ContextFor("user-12345678")
	for b.Loop() {
		sink.b = r.VariantFor("flag-0043/green", c)
	}
}

func BenchmarkTargeted(b *testing.B) {
	r, err := Parse([]byte(targetedConfig))
	if err != nil {
		b.Fatal(err)
	}
	c := ContextFor("user-12345678").With(map[string]any{"country": "FR", "plan": "pro"})
	for b.Loop() {
		sink.s = r.Feature("targeted", c)
	}
}

func BenchmarkPayload(b *testing.B) {
	r, _ := Parse([]byte(targetedConfig))
	c := ContextFor("user-12345678").With(map[string]any{"country": "FR", "plan": "pro"})
	for b.Loop() {
		sink.p = r.Payload("targeted", c)
	}
}

func BenchmarkSelect(b *testing.B) {
	r := benchRuleset(b, 100)
	c := ContextFor("user-12345678")
	fns := map[string]func(){"red": func() {}, "green": func() {}, "fallback": func() {}}
	for b.Loop() {
		sink.f = r.Select("flag-0043", c, fns)
	}
}

func BenchmarkProtect(b *testing.B) {
	r := benchRuleset(b, 100)
	c := ContextFor("user-12345678")
	fns := map[string]func(){"red": func() {}, "green": func() {}, "fallback": func() {}}
	for b.Loop() {
		sink.b = r.Protect("flag-0043", c, fns)
	}
}

func BenchmarkContextFor(b *testing.B) {
	attrs := map[string]any{"country": "US", "plan": "pro"}
	for b.Loop() {
		sink.c = ContextFor("user-12345678").With(attrs)
	}
}

func BenchmarkAppendAssignments100(b *testing.B) {
	r := benchRuleset(b, 100)
	c := ContextFor("user-12345678")
	dst := make([]Assignment, 0, 100)
	for b.Loop() {
		sink.a = r.AppendAssignments(dst[:0], c)
	}
}

func BenchmarkAssignments100(b *testing.B) {
	r := benchRuleset(b, 100)
	c := ContextFor("user-12345678")
	for b.Loop() {
		sink.a = r.Assignments(c)
	}
}

func BenchmarkParse10000(b *testing.B) {
	data := []byte(genConfig(10000))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		sink.r = r
	}
}

// TestAllocs guards the allocation-free hot paths (skipped under -race,
// which allocates on its own).
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	r := mustParse(t, genConfig(100))
	tr := mustParse(t, targetedConfig)
	c := ContextFor("user-12345678")
	tc := ContextFor("user-12345678").With(map[string]any{"country": "FR", "plan": "pro"})
	wide := ContextFor("user-12345678").With(map[string]any{"country": "FR", "plan": "pro", "age": 30}) // read from a copy (wideAttrs)
	tdst := make([]Assignment, 0, 4)
	attrs := map[string]any{"country": "US"}
	fns := map[string]func(){"red": func() {}, "fallback": func() {}}
	dst := make([]Assignment, 0, 100)
	big := mustParse(t, genConfig(2500)) // AppendAssignments goes 1,024 experiments at a time
	bigDst := make([]Assignment, 0, 2500)
	th := tr.Lookup("targeted")
	tl, err := Watch(t.Context(), SourceFunc(func(context.Context) ([]byte, error) { return []byte(targetedConfig), nil }),
		&WatchOptions{Interval: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Close()
	tests := []struct {
		name string
		max  float64
		fn   func()
	}{
		{"VariantFor", 0, func() { sink.b = r.VariantFor("flag-0042", c) }},
		{"VariantFor exp/variant", 0, func() { sink.b = r.VariantFor("flag-0043/red", c) }},
		{"Feature", 0, func() { sink.s = r.Feature("flag-0043", c) }},
		{"Feature targeted", 0, func() { sink.s = tr.Feature("targeted", tc) }},
		{"Feature unknown", 0, func() { sink.s = r.Feature("nope", c) }},
		{"Payload", 0, func() { sink.p = tr.Payload("targeted", tc) }},
		{"Select", 0, func() { sink.f = r.Select("flag-0043", c, fns) }},
		{"Protect", 0, func() { sink.b = r.Protect("flag-0043", c, fns) }},
		{"ContextFor", 0, func() { sink.c = ContextFor("user-12345678") }},
		{"ContextFor.With", 0, func() { sink.c = ContextFor("user-12345678").With(attrs) }},
		{"Bucket", 0, func() { sink.n = Bucket("user-12345678", "some-salt") }},
		{"Handle.VariantFor", 0, func() { sink.b = r.Lookup("flag-0042").VariantFor(c) }},
		{"AppendAssignments with room", 0, func() { sink.a = r.AppendAssignments(dst[:0], c) }},
		{"AppendAssignments beyond 1,024 experiments", 0, func() { sink.a = big.AppendAssignments(bigDst[:0], c) }},
		{"AppendAssignments, three attributes", 0, func() { sink.a = tr.AppendAssignments(tdst[:0], wide) }},
		{"Assignments", 1, func() { sink.a = r.Assignments(c) }},
		{"Assignments of 150", 1, func() { sink.a = mustParseCached(t, 150).Assignments(c) }},
		{"request: ContextFor + WithString x2 + Feature targeted", 0, func() {
			in := &requestInputs[1]
			sink.s = tr.Feature("targeted", ContextFor(in.id).WithString("country", in.country).WithString("plan", in.plan))
		}},
		{"request: ContextFor + With(map literal) + Feature targeted", 2, func() {
			in := &requestInputs[0]
			sink.s = tr.Feature("targeted", ContextFor(in.id).With(map[string]any{"country": in.country, "plan": in.plan}))
		}},
		{"request: With(map literal) + AppendAssignments", 2, func() {
			in := &requestInputs[0]
			sink.a = r.AppendAssignments(dst[:0], ContextFor(in.id).With(map[string]any{"country": in.country, "plan": in.plan}))
		}},
		{"request: setters + Handle", 0, func() {
			in := &requestInputs[0]
			sink.b = th.VariantFor(ContextFor(in.id).WithString("country", in.country).WithString("plan", in.plan))
		}},
		{"request: setters + Live", 0, func() {
			in := &requestInputs[0]
			sink.b = tl.VariantFor("targeted", ContextFor(in.id).WithString("country", in.country).WithString("plan", in.plan))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(200, tt.fn); got > tt.max {
				t.Errorf("%s: %v allocations per run; want at most %v", tt.name, got, tt.max)
			}
		})
	}
}

var cached = map[int]*Ruleset{}

func mustParseCached(t *testing.T, n int) *Ruleset {
	if r, ok := cached[n]; ok {
		return r
	}
	cached[n] = mustParse(t, genConfig(n))
	return cached[n]
}

// BenchmarkYAMLNode10000 is the baseline for BenchmarkParse10000: yaml.v3
// alone decoding the same file into a yaml.Node.
func BenchmarkYAMLNode10000(b *testing.B) {
	data := []byte(genConfig(10000))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var n yaml.Node
		if err := yaml.Unmarshal(data, &n); err != nil {
			b.Fatal(err)
		}
	}
}

func benchLive(b *testing.B, n int) *Live {
	b.Helper()
	data := []byte(genConfig(n))
	live, err := Watch(b.Context(), SourceFunc(func(context.Context) ([]byte, error) { return data, nil }),
		&WatchOptions{Interval: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { live.Close() })
	return live
}

// BenchmarkLiveVariantFor is BenchmarkVariantFor through a Live.
func BenchmarkLiveVariantFor(b *testing.B) {
	live := benchLive(b, 100)
	c := ContextFor("user-12345678")
	for b.Loop() {
		sink.b = live.VariantFor("flag-0042", c)
	}
}

// BenchmarkLiveVariantForParallel evaluates from GOMAXPROCS goroutines.
func BenchmarkLiveVariantForParallel(b *testing.B) {
	live := benchLive(b, 100)
	b.RunParallel(func(pb *testing.PB) {
		c := ContextFor("user-12345678")
		var on bool
		for pb.Next() {
			on = live.VariantFor("flag-0042", c)
		}
		_ = on
	})
}

// BenchmarkVariantForExposed is BenchmarkVariantFor with an exposure hook
// set (WithExposures), for comparison; without one the cost is that of
// BenchmarkVariantFor.
func BenchmarkVariantForExposed(b *testing.B) {
	var n atomic.Int64
	r, err := Parse([]byte(genConfig(100)), WithExposures(func(Exposure) { n.Add(1) }))
	if err != nil {
		b.Fatal(err)
	}
	c := ContextFor("user-12345678")
	for b.Loop() {
		sink.b = r.VariantFor("flag-0042", c)
	}
}

// shortForm is a config of n short-form experiments, each a 50% rollout.
func shortForm(n int) []byte {
	var b strings.Builder
	b.WriteString("experiments:\n")
	for i := range n {
		fmt.Fprintf(&b, "  flag-%05d: 50%%\n", i)
	}
	return []byte(b.String())
}

// TestRetainedMemory measures the heap a parsed config keeps per
// short-form experiment (issue 7: at most 1 KiB), from runtime.MemStats
// after a GC before and after Parse, with the Ruleset still reachable.
func TestRetainedMemory(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("needs a quiet heap: not under -race or -short")
	}
	const n = 10000
	data := shortForm(n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perExp := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / n
	t.Logf("retained %.0f bytes per short-form experiment (%d experiments, HeapAlloc %d -> %d)", perExp, n, before.HeapAlloc, after.HeapAlloc)
	if perExp > 1024 {
		t.Errorf("retained %.0f bytes per experiment; want at most 1024", perExp)
	}
	runtime.KeepAlive(r)
}

// BenchmarkLiveReloading is BenchmarkLiveVariantForParallel while the
// config is reloaded 100 times a second: each Reload fetches, parses and
// validates the 100-experiment config and swaps it in.
func BenchmarkLiveReloading(b *testing.B) {
	live := benchLive(b, 100)
	stop := make(chan struct{})
	done := make(chan struct{})
	reloads := 0
	go func() {
		defer close(done)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if err := live.Reload(context.Background()); err != nil {
					panic(err)
				}
				reloads++
			}
		}
	}()
	b.RunParallel(func(pb *testing.PB) {
		c := ContextFor("user-12345678")
		var on bool
		for pb.Next() {
			on = live.VariantFor("flag-0042", c)
		}
		_ = on
	})
	close(stop)
	<-done
	b.ReportMetric(float64(reloads)/b.Elapsed().Seconds(), "reloads/s")
}

// BenchmarkHandleVariantFor is BenchmarkVariantFor through a Handle
// resolved once: no map lookup per call.
func BenchmarkHandleVariantFor(b *testing.B) {
	h := benchRuleset(b, 100).Lookup("flag-0042")
	c := ContextFor("user-12345678")
	for b.Loop() {
		sink.b = h.VariantFor(c)
	}
}

// requestInputs are attribute values not known at compile time, for the
// per-request benchmarks: the compiler cannot fold them into constants.
var requestInputs = []struct{ id, country, plan string }{
	{"user-12345678", "FR", "pro"},
	{"user-23456789", "US", "pro"},
}

// BenchmarkRequestSetters is one request the fast way: ContextFor, two
// typed attributes from values not known at compile time, one targeted
// evaluation.
func BenchmarkRequestSetters(b *testing.B) {
	r, err := Parse([]byte(targetedConfig))
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		in := &requestInputs[i&1]
		i++
		c := ContextFor(in.id).WithString("country", in.country).WithString("plan", in.plan)
		sink.s = r.Feature("targeted", c)
	}
}

// BenchmarkRequestMap is BenchmarkRequestSetters with the attributes in a
// map literal given to With.
func BenchmarkRequestMap(b *testing.B) {
	r, err := Parse([]byte(targetedConfig))
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		in := &requestInputs[i&1]
		i++
		c := ContextFor(in.id).With(map[string]any{"country": in.country, "plan": in.plan})
		sink.s = r.Feature("targeted", c)
	}
}

// BenchmarkExplain is Explain on BenchmarkVariantFor's flag and user, to
// compare with it (issue 15: at most 4 times the plain evaluation).
func BenchmarkExplain(b *testing.B) {
	r := benchRuleset(b, 100)
	c := ContextFor("user-12345678")
	for b.Loop() {
		sink.s = r.Explain("flag-0042", c).Detail
	}
}

// BenchmarkExplainTargeted is Explain on BenchmarkTargeted's experiment.
func BenchmarkExplainTargeted(b *testing.B) {
	r, err := Parse([]byte(targetedConfig))
	if err != nil {
		b.Fatal(err)
	}
	c := ContextFor("user-12345678").With(map[string]any{"country": "FR", "plan": "pro"})
	for b.Loop() {
		sink.s = r.Explain("targeted", c).Detail
	}
}

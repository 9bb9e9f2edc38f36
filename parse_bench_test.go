package experiment

import (
	"encoding/json"
	"fmt"
	"runtime"
	"testing"

	"gopkg.in/yaml.v3"
)

// parseBenchConfig is a config of n experiments in the forms a real one
// mixes: rollouts, three-way splits, group-or-percentage lists, and long
// forms with targeting, a status and payloads. The same document is
// returned as YAML and as JSON, for the cold-Parse benchmarks.
func parseBenchConfig(n int) (yamlDoc, jsonDoc []byte) {
	exps := map[string]any{}
	for i := range n {
		name := fmt.Sprintf("flag-%04d", i)
		switch i % 4 {
		case 0:
			exps[name] = "50%"
		case 1:
			exps[name] = map[string]any{"red": "0-33.33%", "green": "33.33-66.66%", "blue": "66.66-100%"}
		case 2:
			exps[name] = []any{"beta", "40-60%"}
		default:
			exps[name] = map[string]any{
				"status": "running",
				"salt":   name + "-salt",
				"targeting": []any{map[string]any{"conditions": []any{
					map[string]any{"attribute": "country", "operator": "in", "value": []any{"US", "CA", "GB"}},
					map[string]any{"attribute": "plan", "operator": "eq", "value": "pro"},
				}}},
				"variants": map[string]any{
					"control":   map[string]any{"allocation": "0-50%", "payload": map[string]any{"color": "#0066cc"}},
					"treatment": map[string]any{"allocation": "50-100%", "payload": map[string]any{"color": "#00cc66"}},
				},
			}
		}
	}
	doc := map[string]any{"salt": "bench", "groups": map[string]any{"beta": []any{1, 2, 3, "10-20%"}}, "experiments": exps}
	y, err := yaml.Marshal(doc)
	if err != nil {
		panic(err)
	}
	j, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return y, j
}

func benchParse(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		sink.r = r
	}
}

// BenchmarkParse1000YAML and BenchmarkParse1000JSON are a cold Parse of
// 1,000 experiments; BenchmarkYAMLDecode1000 is yaml.v3's own decode of
// the same YAML into a yaml.Node, the floor of the YAML path.
func BenchmarkParse1000YAML(b *testing.B) {
	y, _ := parseBenchConfig(1000)
	benchParse(b, y)
}

func BenchmarkParse1000JSON(b *testing.B) {
	_, j := parseBenchConfig(1000)
	benchParse(b, j)
}

// BenchmarkParse10YAML and BenchmarkParse10JSON are the same for a
// small config, of 10 experiments.
func BenchmarkParse10YAML(b *testing.B) {
	y, _ := parseBenchConfig(10)
	benchParse(b, y)
}

func BenchmarkParse10JSON(b *testing.B) {
	_, j := parseBenchConfig(10)
	benchParse(b, j)
}

// BenchmarkParse1000JSONFirst is BenchmarkParse1000JSON as the first
// Parse of a process: two collections before each (not timed) empty the
// pool of node blocks that later Parses reuse, so each Parse allocates
// its tree.
func BenchmarkParse1000JSONFirst(b *testing.B) {
	_, j := parseBenchConfig(1000)
	b.SetBytes(int64(len(j)))
	b.ReportAllocs()
	for range b.N {
		b.StopTimer()
		runtime.GC()
		runtime.GC()
		b.StartTimer()
		r, err := Parse(j)
		if err != nil {
			b.Fatal(err)
		}
		sink.r = r
	}
}

func BenchmarkYAMLDecode1000(b *testing.B) {
	y, _ := parseBenchConfig(1000)
	b.SetBytes(int64(len(y)))
	b.ReportAllocs()
	for b.Loop() {
		var n yaml.Node
		if err := yaml.Unmarshal(y, &n); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParseBenchConfig checks that the benchmarks' config loads, in both
// syntaxes, to the same experiments.
func TestParseBenchConfig(t *testing.T) {
	y, j := parseBenchConfig(40)
	ry, err := Parse(y)
	if err != nil {
		t.Fatal(err)
	}
	rj, err := Parse(j)
	if err != nil {
		t.Fatal(err)
	}
	if len(ry.Names()) != 40 || len(rj.Names()) != 40 {
		t.Fatalf("got %d (YAML) and %d (JSON) experiments; want 40", len(ry.Names()), len(rj.Names()))
	}
	c := ContextFor("u1").With(map[string]any{"country": "US", "plan": "pro"})
	for _, name := range ry.Names() {
		if gy, gj := ry.Feature(name, c), rj.Feature(name, c); gy != gj {
			t.Errorf("%s: YAML gives %q, JSON %q", name, gy, gj)
		}
	}
}

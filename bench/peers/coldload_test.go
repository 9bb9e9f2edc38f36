package peers

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

// coldFlags is the number of flags of the cold-load documents: flag-000 …
// flag-999, the pattern of the 100 flags (even: 50% rollouts, odd: 3-way
// splits) extended, so that their first 100 are the configs' 100.
const coldFlags = 1000

// A coldClient is an SDK freshly loaded from a document. eval is the value
// of one of its flags for one user, as text ("true", "false", "a", "b",
// "c"), and fails the test or benchmark on an SDK error; close releases the
// client (its goroutines, its file watchers).
type coldClient struct {
	eval  func(key, id string) string
	close func()
}

// A coldLoader loads one SDK's document.
type coldLoader struct {
	name string
	// doc is the SDK's own document of the flags with the given keys, in
	// the format ("json" or "yaml"), deterministic; nil when the SDK does
	// not read that format.
	doc func(format string, keys []string) []byte
	// prepare puts doc where the SDK reads it from (it keeps the bytes, or
	// writes a file) and returns the load: each call builds a new client
	// from it, as a process does at start.
	prepare func(tb testing.TB, format string, doc []byte) func(testing.TB) coldClient
}

// coldLoaders are the SDKs of sdks, once each: a Handle changes nothing in
// loading.
var coldLoaders = []coldLoader{
	{"experiment", experimentColdDoc, experimentColdLoad},
	{"growthbook", growthBookColdDoc, growthBookColdLoad},
	{"goff", goffColdDoc, goffColdLoad},
	{"unleash", unleashColdDoc, unleashColdLoad},
	{"launchdarkly", launchDarklyColdDoc, launchDarklyColdLoad},
	{"optimizely", optimizelyColdDoc, optimizelyColdLoad},
}

var coldFormats = []string{"json", "yaml"}

// encode is v in the format: JSON (encoding/json, keys sorted) or YAML
// (yaml.v3, keys sorted), so that each document is the same from run to
// run.
func encode(format string, v any) []byte {
	if format == "json" {
		return []byte(mustJSON(v))
	}
	data, err := yaml.Marshal(v)
	if err != nil {
		panic(err)
	}
	return data
}

// writeFile writes data to dir/name and returns the path.
func writeFile(tb testing.TB, dir, name string, data []byte) string {
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// BenchmarkColdLoad1000JSON is scenario 7: a new client (a Ruleset for
// this library) from the 1,000-flag document in JSON, then one evaluation,
// so that an SDK that defers work to its first evaluation pays for it here.
// File-based SDKs (goff, LaunchDarkly) read the document from a file,
// written once before the loop; the others take the bytes. Closing each
// client is not timed.
func BenchmarkColdLoad1000JSON(b *testing.B) { benchCold(b, "json") }

// BenchmarkColdLoad1000YAML is scenario 7 from YAML, for the SDKs that read
// it: this library, goff and LaunchDarkly.
func BenchmarkColdLoad1000YAML(b *testing.B) { benchCold(b, "yaml") }

func benchCold(b *testing.B, format string) {
	ks := keys(coldFlags)
	last := ks[len(ks)-1] // a split
	for _, l := range coldLoaders {
		doc := l.doc(format, ks)
		if doc == nil {
			continue
		}
		b.Run("sdk="+l.name, func(b *testing.B) {
			load := l.prepare(b, format, doc)
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				c := load(b)
				sink.s = c.eval(last, benchUser)
				b.StopTimer()
				c.close()
				b.StartTimer()
			}
			if v := sink.s; v != "a" && v != "b" && v != "c" {
				b.Fatalf("%s for %s = %q; want a, b or c", last, benchUser, v)
			}
		})
	}
}

// TestColdLoad checks that every SDK really loads the 1,000 flags from each
// of its formats: over 4 users the rollouts are on for 50% ± 5% of the
// 2,000 (flag, user) pairs (4.5 standard deviations) and each split variant
// gets its share ± 5%; the YAML document gives the values of the JSON one;
// and the first 100 flags give the values of the 100-flag config (all).
func TestColdLoad(t *testing.T) {
	ks := keys(coldFlags)
	users := []string{userID(0), userID(1), userID(2), userID(3)}
	for _, l := range coldLoaders {
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			byFormat := map[string][]string{}
			for _, format := range coldFormats {
				doc := l.doc(format, ks)
				if doc == nil {
					continue
				}
				if string(doc) != string(l.doc(format, ks)) {
					t.Fatalf("%s: the document differs from one call to the next", format)
				}
				c := l.prepare(t, format, doc)(t)
				var values []string
				for _, k := range ks {
					for _, id := range users {
						values = append(values, c.eval(k, id))
					}
				}
				c.close()
				checkColdValues(t, format, values, len(users))
				byFormat[format] = values
			}
			json := byFormat["json"]
			if json == nil {
				t.Fatal("no JSON document")
			}
			if yaml, ok := byFormat["yaml"]; ok {
				if diff := cmp.Diff(json, yaml); diff != "" {
					t.Errorf("YAML differs from JSON (-json +yaml):\n%s", diff)
				}
			}
			p := openSDK(t, l.name)
			var want, got []string
			for j, id := range users {
				all := p.all(id)
				for i, k := range flagKeys {
					want = append(want, all[k])
					got = append(got, json[i*len(users)+j])
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("the first 100 cold flags differ from the 100-flag config (-config +cold):\n%s", diff)
			}
		})
	}
}

// checkColdValues checks the values of the cold flags, users values per
// flag in key order.
func checkColdValues(t *testing.T, format string, values []string, users int) {
	t.Helper()
	counts := map[string]int{}
	for n, v := range values {
		i := n / users
		ok := v == "a" || v == "b" || v == "c"
		if isBool(i) {
			ok = v == "true" || v == "false"
		}
		if !ok {
			t.Fatalf("%s: %s = %q", format, flagKey(i), v)
		}
		counts[v]++
	}
	half := len(values) / 2
	checkShare(t, format+" rollouts on", counts["true"], half, 0.5, 0.05)
	for _, s := range splits {
		checkShare(t, format+" split "+s.name, counts[s.name], half, s.share, 0.05)
	}
}

// openSDK opens the SDK of sdks with the name.
func openSDK(tb testing.TB, name string) sdk {
	for _, s := range sdks {
		if s.name == name {
			return s.open(tb)
		}
	}
	tb.Fatalf("no SDK %q", name)
	return nil
}

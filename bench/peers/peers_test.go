package peers

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

// The flags every SDK is set up with, each in its own format:
//
//   - flag-000 … flag-099, the 100 flags of scenario 5: even ones are 50%
//     boolean rollouts (true for half the users, false for the others),
//     odd ones 3-variant splits ("a" 33%, "b" 33%, "c" 34%). Scenarios 1
//     and 4 use flag-000, scenario 2 flag-001.
//   - targeted, alone in a second config (scenario 3): users whose country
//     is one of US, CA, GB, DE, FR and whose plan is "pro" are split 50/50
//     between "control" and "treatment"; everyone else is off ("").
const (
	numFlags     = 100
	boolFlag     = "flag-000"
	splitFlag    = "flag-001"
	targetedFlag = "targeted"
)

var (
	flagKeys  = keys(numFlags)
	countries = []string{"US", "CA", "GB", "DE", "FR"}
	splits    = []struct {
		name  string
		share float64
	}{{"a", 0.33}, {"b", 0.33}, {"c", 0.34}}
)

func flagKey(i int) string { return fmt.Sprintf("flag-%03d", i) }

// keys is flagKey(0) … flagKey(n-1): the 100 flags of the configs, or the
// 1,000 of the cold-load documents (coldload_test.go), which extend the
// same pattern.
func keys(n int) []string {
	k := make([]string, n)
	for i := range k {
		k[i] = flagKey(i)
	}
	return k
}

// flagIndex is i for the key flagKey(i), and -1 for any other string.
func flagIndex(key string) int {
	i, err := strconv.Atoi(strings.TrimPrefix(key, "flag-"))
	if err != nil || i < 0 || flagKey(i) != key {
		return -1
	}
	return i
}

// isBool reports whether flag i is a boolean rollout (else it is a
// 3-variant split).
func isBool(i int) bool { return i%2 == 0 }

// benchUser is the user of scenarios 1, 2, 3 and 5. It is one for whom
// flag-000 is on in every SDK (TestBenchUserIsOn), so that no benchmark of
// scenario 1 takes a shorter "off" path for one SDK than for another.
const benchUser = "user-12345752"

// rotatingUsers is the number of users of scenario 4; the ids are
// userID(0) … userID(rotatingUsers-1).
const rotatingUsers = 1024

func userID(i int) string { return "user-" + strconv.Itoa(i) }

// An sdk is one library under comparison, loaded with the flags above.
//
// The evaluation methods are for the tests: they take plain ids and build
// the SDK's user (context, evaluation context, child client …) on each
// call. The bench methods run one scenario each; they build their users
// before the timed loop, and call the SDK's concrete types inside it.
type sdk interface {
	// flag is the value of flag-000 for the user.
	flag(id string) bool
	// split is the variant of flag-001 for the user: "a", "b" or "c".
	split(id string) string
	// targeted is the variant of the targeted flag for a user with the
	// given country and plan: "control", "treatment", or "" when off.
	targeted(id, country, plan string) string
	// fromMap is the variant of the targeted flag for a user whose
	// attributes arrive as a map[string]any (a request's), converted to the
	// SDK's user the way benchFreshMap converts them (freshmap_test.go).
	fromMap(id string, attrs map[string]any) string
	// all evaluates the 100 flags through the path benchAll measures and
	// returns each flag's value as text: "true", "false", "a", "b", "c".
	all(id string) map[string]string

	benchOneFlag(b *testing.B)
	benchSplit(b *testing.B)
	benchTargeted(b *testing.B)
	benchRotating(b *testing.B)
	benchRotatingNewUser(b *testing.B, ids []string)
	benchFreshMap(b *testing.B, reqs []request)
	benchAll(b *testing.B)
}

// sdks lists the libraries in the order of the columns of the results:
// this library first, as the baseline.
var sdks = []struct {
	name string
	open func(testing.TB) sdk
}{
	{"experiment", openExperiment},
	{"experiment-handle", openExperimentHandle},
	{"growthbook", openGrowthBook},
	{"goff", openGoff},
	{"unleash", openUnleash},
	{"launchdarkly", openLaunchDarkly},
	{"optimizely", openOptimizely},
}

// sink keeps the results of benchmarked calls alive.
var sink struct {
	b   bool
	s   string
	n   int
	any any
}

func runBench(b *testing.B, f func(sdk, *testing.B)) {
	for _, s := range sdks {
		b.Run("sdk="+s.name, func(b *testing.B) {
			f(s.open(b), b)
		})
	}
}

// BenchmarkOneFlag is scenario 1: flag-000 (a 50% boolean rollout) for one
// user, again and again.
func BenchmarkOneFlag(b *testing.B) { runBench(b, sdk.benchOneFlag) }

// BenchmarkSplit3 is scenario 2: flag-001 (33/33/34 between "a", "b" and
// "c") for one user.
func BenchmarkSplit3(b *testing.B) { runBench(b, sdk.benchSplit) }

// BenchmarkTargeted is scenario 3: the targeted flag for a user in FR on
// the pro plan, who matches both conditions and gets one of the two
// variants.
func BenchmarkTargeted(b *testing.B) { runBench(b, sdk.benchTargeted) }

// BenchmarkRotating1024 is scenario 4: flag-000 for 1,024 users in turn,
// from users built before the loop.
func BenchmarkRotating1024(b *testing.B) { runBench(b, sdk.benchRotating) }

// BenchmarkRotating1024NewUser is scenario 4 with the SDK's user built from
// the id in the loop, as when a request evaluates a single flag. No SDK
// needs this: each can keep a user and evaluate it again.
func BenchmarkRotating1024NewUser(b *testing.B) {
	ids := make([]string, rotatingUsers)
	for i := range ids {
		ids[i] = userID(i)
	}
	runBench(b, func(s sdk, b *testing.B) { s.benchRotatingNewUser(b, ids) })
}

// BenchmarkAllFlags100 is scenario 5: all 100 flags for one user, through
// the SDK's default "all flags" call where it has one, else a loop. For
// this library the default call is Ruleset.Assignments (a new slice per
// call, column experiment); the column experiment-handle measures
// AppendAssignments into a slice reused across calls.
func BenchmarkAllFlags100(b *testing.B) { runBench(b, sdk.benchAll) }

// TestShares checks that every SDK really evaluates: over 10,000 users the
// 50% flag is on for 50% ± 2% of them (4 standard deviations), each variant
// of the split gets its share ± 2%, and the targeted flag splits matching
// users 50/50 ± 2% and is off for everyone else. Under the race detector it
// checks 2,000 users, within ± 5% (4.5 standard deviations).
func TestShares(t *testing.T) {
	n, tol := 10000, 0.02
	if raceEnabled {
		n, tol = 2000, 0.05
	}
	for _, s := range sdks {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			p := s.open(t)
			on, variants, control := 0, map[string]int{}, 0
			for i := range n {
				id := userID(i)
				if p.flag(id) {
					on++
				}
				variants[p.split(id)]++
				switch v := p.targeted(id, countries[i%len(countries)], "pro"); v {
				case "control":
					control++
				case "treatment":
				default:
					t.Fatalf("targeted(%s, %s, pro) = %q; want control or treatment", id, countries[i%len(countries)], v)
				}
			}
			checkShare(t, "flag-000 on", on, n, 0.5, tol)
			checkShare(t, "targeted control", control, n, 0.5, tol)
			for _, v := range splits {
				checkShare(t, "flag-001 "+v.name, variants[v.name], n, v.share, tol)
				delete(variants, v.name)
			}
			if len(variants) != 0 {
				t.Errorf("flag-001 gave other variants: %v", variants)
			}

			// Not targeted: the wrong country, the wrong plan, or neither
			// attribute.
			for i := range n / 10 {
				id := userID(i)
				for _, a := range [][2]string{{"JP", "pro"}, {"FR", "free"}, {"", ""}} {
					if v := p.targeted(id, a[0], a[1]); v != "" {
						t.Fatalf("targeted(%s, %q, %q) = %q; want off", id, a[0], a[1], v)
					}
				}
			}
		})
	}
}

func checkShare(t *testing.T, what string, got, n int, want, tol float64) {
	t.Helper()
	if share := float64(got) / float64(n); math.Abs(share-want) > tol {
		t.Errorf("%s: %d of %d users (%.4f); want %.2f ± %.2f", what, got, n, share, want, tol)
	}
}

// TestAll checks that the all-flags path of each SDK returns the 100 flags
// with the values single evaluations give, and a plausible value for each.
func TestAll(t *testing.T) {
	for _, s := range sdks {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			p := s.open(t)
			on := make([]int, numFlags)
			const n = 200
			for u := range n {
				id := userID(u)
				all := p.all(id)
				if len(all) != numFlags {
					t.Fatalf("all(%s): %d flags; want %d: %v", id, len(all), numFlags, all)
				}
				if got, want := all[boolFlag], strconv.FormatBool(p.flag(id)); got != want {
					t.Errorf("all(%s)[%s] = %q; flag gives %q", id, boolFlag, got, want)
				}
				if got, want := all[splitFlag], p.split(id); got != want {
					t.Errorf("all(%s)[%s] = %q; split gives %q", id, splitFlag, got, want)
				}
				for i, k := range flagKeys {
					v := all[k]
					switch {
					case isBool(i) && (v == "true" || v == "false"):
						if v == "true" {
							on[i]++
						}
					case !isBool(i) && (v == "a" || v == "b" || v == "c"):
					default:
						t.Fatalf("all(%s)[%s] = %q", id, k, v)
					}
				}
			}
			// Each boolean flag is on for some users and off for others: the
			// flags are all evaluated, not read from a default.
			for i, c := range on {
				if isBool(i) && (c == 0 || c == n) {
					t.Errorf("%s is on for %d of %d users", flagKey(i), c, n)
				}
			}
		})
	}
}

// TestBenchUserIsOn checks that benchUser gets flag-000 in every SDK, and
// that the benchmarks' users are the tests' users.
func TestBenchUserIsOn(t *testing.T) {
	for _, s := range sdks {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			p := s.open(t)
			if !p.flag(benchUser) {
				t.Errorf("flag-000 is off for %s", benchUser)
			}
			if v := p.targeted(benchUser, "FR", "pro"); v == "" {
				t.Errorf("targeted is off for %s in FR on pro", benchUser)
			}
		})
	}
}

// Package peers compares this library with the Go SDKs of other feature
// flag and experimentation systems, side by side, on the same scenarios
// (issues 7 and 15). It is a separate module so that the root module does
// not depend on any of them.
//
// Every SDK runs fully offline: flags come from a local JSON or YAML
// document (a file or bytes), polling is off or far in the future, and no
// event, metric, impression or diagnostic is sent. The package has no code
// of its own; its tests check that each SDK really evaluates (the right
// share of users in each variant, the right variant for targeted users,
// the same values from a request's map, from the all-flags call and from
// the 1,000-flag documents), and its benchmarks measure the scenarios:
//
//  1. BenchmarkOneFlag: one flag, 50% boolean rollout, one user, warm.
//  2. BenchmarkSplit3: a 3-variant split (33/33/34), one user.
//  3. BenchmarkTargeted: country in [US, CA, GB, DE, FR] and plan == "pro",
//     then a 50/50 split, for a user who matches.
//  4. BenchmarkRotating1024: the 50% flag for 1,024 users in turn, built
//     before the loop; BenchmarkRotating1024NewUser builds each user (the
//     SDK's context, evaluation context or child client) in the loop.
//  5. BenchmarkAllFlags100: all 100 flags of the config for one user,
//     through each SDK's default all-flags call (a loop where it has none);
//     for this library Assignments, and AppendAssignments into a reused
//     slice in the column experiment-handle.
//  6. BenchmarkFreshMap: a request's attributes arrive as a new
//     map[string]any (country and plan, for 1,024 users in turn); the SDK's
//     user is built from it in the loop, then the targeted flag of 3.
//     BenchmarkFreshMapLiteral is the map literal alone, which every
//     SDK's row includes and none can make cheaper.
//  7. BenchmarkColdLoad1000JSON and BenchmarkColdLoad1000YAML: a new
//     client from a document of 1,000 flags (the pattern of the 100,
//     extended) in the SDK's own format, then one evaluation. Only this
//     library, goff and LaunchDarkly read YAML; the others have JSON only.
//
// Each benchmark has one sub-benchmark per SDK, named sdk=NAME, so that
//
//	go test -c -o peers.test .
//	for r in 1 2 3 4 5 6 7 8; do
//		./peers.test -test.run '^$' -test.bench . -test.benchmem >> peers.txt
//	done
//	benchstat -col /sdk peers.txt
//
// runs every scenario of every SDK in each round, interleaved (the rounds
// of `go test -count` would run each sub-benchmark back to back), and
// prints one row per scenario and one column per SDK, compared with this
// library's column. See BENCHMARKS.md in the repository root for figures.
package peers

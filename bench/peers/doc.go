// Package peers compares this library with the Go SDKs of other feature
// flag and experimentation systems, side by side, on the same scenarios
// (issue 7). It is a separate module so that the root module does not
// depend on any of them.
//
// Every SDK runs fully offline: flags come from a local JSON or YAML
// document (a file or bytes), polling is off or far in the future, and no
// event, metric, impression or diagnostic is sent. The package has no code
// of its own; its tests check that each SDK really evaluates (the right
// share of users in each variant, the right variant for targeted users),
// and its benchmarks measure the five scenarios:
//
//  1. BenchmarkOneFlag: one flag, 50% boolean rollout, one user, warm.
//  2. BenchmarkSplit3: a 3-variant split (33/33/34), one user.
//  3. BenchmarkTargeted: country in [US, CA, GB, DE, FR] and plan == "pro",
//     then a 50/50 split, for a user who matches.
//  4. BenchmarkRotating1024: the 50% flag for 1,024 users in turn, built
//     before the loop; BenchmarkRotating1024NewUser builds each user (the
//     SDK's context, evaluation context or child client) in the loop.
//  5. BenchmarkAllFlags100: all 100 flags of the config for one user.
//
// Each benchmark has one sub-benchmark per SDK, named sdk=NAME, so that
//
//	go test -run '^$' -bench . -benchmem -count 10 . > peers.txt
//	benchstat -col /sdk peers.txt
//
// prints one row per scenario and one column per SDK, compared with this
// library's column. See BENCHMARKS.md in the repository root for figures.
package peers

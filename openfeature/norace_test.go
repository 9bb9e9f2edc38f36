//go:build !race

package experimentprovider

// raceEnabled reports whether the race detector is on; allocation tests are
// skipped under it, as it makes allocations of its own.
const raceEnabled = false

//go:build !race

package decide

// raceEnabled reports whether the race detector is on; allocation tests are
// skipped under it, as it makes allocations of its own.
const raceEnabled = false

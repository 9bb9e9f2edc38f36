//go:build race

package stats

// raceEnabled reports whether the race detector is on; the simulations
// shrink under it, as it slows the numerics twentyfold.
const raceEnabled = true

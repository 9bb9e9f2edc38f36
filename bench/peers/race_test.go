//go:build race

package peers

// raceEnabled reports whether the race detector is on: it makes the SDKs
// 5 to 20 times slower, so TestShares checks fewer users under it.
const raceEnabled = true

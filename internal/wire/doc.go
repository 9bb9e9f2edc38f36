// Package wire holds the experiment platform's wire formats in one place:
// the published environment snapshot, the version index beside it, the
// storage keys they are published under, the /decide response, and the
// JavaScript-compatible JSON encoding all of them are written in.
//
// The platform's publisher writes a snapshot with JavaScript's
// JSON.stringify: keys in a fixed order, no spaces, numbers printed the way
// JavaScript prints them, and only the characters JSON requires escaped
// (no \u003c for "<", no \u2028). Encode writes the same bytes, so a
// snapshot written here is byte-identical to one the platform writes for
// the same data. encoding/json cannot do that: it escapes U+2028 and
// U+2029 whatever the options.
//
// The storage layout of one environment, under a bucket or directory:
//
//	configs/{env}/snapshots/{N}.json   every published version N
//	configs/{env}/snapshots/latest.json  the newest snapshot, the same bytes
//	configs/{env}/version.json          {"version":N}
//
// {env} is the environment's name, inserted as it is. A writer stores the
// numbered snapshot first and the two others after it, so that a reader
// that sees version N in version.json finds snapshot N.
//
// Everything here is plain data and pure functions, safe for concurrent
// use.
package wire

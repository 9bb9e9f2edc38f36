// Package wire holds the experiment platform's wire formats in one place:
// the published environment snapshot, the version index beside it, the
// storage keys they are published under, the /decide response, the
// JavaScript-compatible JSON encoding all of them are written in, and the
// exposure and event records the library's sinks write and the analysis
// and the platform server read.
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
//
// # Records
//
// An exposure (a user assigned a variant) is
//
//	{"type":"exposure","user_key":"u1","experiment_key":"checkout","variant_key":"blue","config_version":7,"timestamp":"2026-03-01T12:00:00.5Z"}
//
// and an event (a conversion) is
//
//	{"type":"event","user_key":"u1","event":"purchase","value":9.99,"timestamp":"2026-03-01T12:03:10Z"}
//
// Every key shown is required, except an event's "value", which may be
// null or absent for an event without a value. Timestamps are RFC 3339;
// the sinks write them in UTC with as many fractional digits as needed
// (time.RFC3339Nano). Keys may come in any order; a key not shown is
// ignored (so records may grow), a key given twice is an error. Strings
// are JSON strings: a user key or name containing quotes or non-ASCII
// characters round-trips. An encoded record is at most MaxRecordBytes.
//
// # Batches
//
// A sink posting to a platform server sends
//
//	POST {base}/events
//	Content-Type: application/json
//
//	{"batch_id":"5f0c…","exposures":[EXPOSURE…],"events":[EVENT…]}
//
// where each element is a record exactly as above ("type" included, and
// matching its array). batch_id is chosen by the client, unique per
// batch and the same on every retry of it, so the server can store a
// batch once however often it arrives: a server that has stored a batch
// id answers a repeat with success and stores nothing. A batch holds at
// most MaxBatchRecords records and its body is at most MaxBatchBytes; a
// server should accept at least that. Any 2xx status acknowledges the
// batch; 408, 429 and 5xx (and network errors) make the client retry
// with backoff; any other status is final and the batch is dropped.
//
// Batch, Exposure and Event implement json.Marshaler and
// json.Unmarshaler with exactly these rules, so a server decodes a batch
// with encoding/json and gets every record validated.
package wire

// Limits on what a sink sends and a server must accept.
const (
	// MaxRecordBytes bounds one encoded record; a longer one (a very long
	// user key) is refused by the sinks.
	MaxRecordBytes = 4096
	// MaxBatchRecords bounds the records of one batch, exposures and
	// events together.
	MaxBatchRecords = 1000
	// MaxBatchBytes bounds the JSON body of one batch.
	MaxBatchBytes = 1 << 20
)

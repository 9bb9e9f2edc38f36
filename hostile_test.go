package experiment

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestHostileInput feeds inputs built to hurt a parser. Each must fail with
// a clear error of the expected kind, allocating at most a constant times
// its size plus a fixed allowance (never in proportion to what it claims to
// expand to). There is no time bound: allocation is the measure, because
// it does not depend on how loaded the machine is.
func TestHostileInput(t *testing.T) {
	// Nine levels of ten aliases each: 10^9 values if expanded.
	laughs := "{a: &a [x, x, x, x, x, x, x, x, x, x]"
	for i := 'b'; i <= 'i'; i++ {
		prev := "*" + string(i-1)
		laughs += fmt.Sprintf(", %c: &%c [%s]", i, i, strings.TrimSuffix(strings.Repeat(prev+", ", 10), ", "))
	}
	laughs += "}"
	bombPayload := "experiments:\n  e:\n    variants:\n      v: {allocation: 100%, payload: " + laughs + "}\n"
	bombCondition := "experiments:\n  e:\n    targeting: [{conditions: [{attribute: a, operator: in, value: [" + laughs + "]}]}]\n    variants: {v: 100%}\n"
	deep := func(open, close string, n int) string { return strings.Repeat(open, n) + strings.Repeat(close, n) }
	tests := []struct {
		name    string
		input   string
		want    error
		wantMsg string
	}{
		{name: "alias bomb in a payload", input: bombPayload, want: ErrTooLarge, wantMsg: "YAML aliases expand the config"},
		{name: "alias bomb in a condition", input: bombCondition, want: ErrTooLarge, wantMsg: "YAML aliases expand the config"},
		{name: "YAML list nested 10,000 deep", input: "experiments:\n  e:\n    variants:\n      v: {allocation: 100%, payload: " + deep("[", "]", 10000) + "}\n", want: ErrSyntax},
		{name: "JSON payload nested 10,000 deep", input: `{"experiments": {"e": {"variants": {"v": {"allocation": "100%", "payload": ` + deep("[", "]", 10000) + `}}}}}`, want: ErrSyntax, wantMsg: "nested deeper than 1000"},
		{name: "JSON document nested 1,000,000 deep", input: "{" + `"a":` + deep("[", "]", 1_000_000) + "}", want: ErrSyntax},
		{name: "payload nested 200 deep", input: `{"experiments": {"e": {"variants": {"v": {"allocation": "100%", "payload": ` + deep("[", "]", 200) + `}}}}}`, want: ErrTooLarge, wantMsg: "nest deeper than 100"},
		{name: "config over MaxConfigSize", input: "experiments: {}\n#" + strings.Repeat("x", MaxConfigSize), want: ErrTooLarge, wantMsg: "MaxConfigSize"},
		{name: "invalid UTF-8", input: "experiments:\n  caf\xe9: true\n", want: ErrSyntax, wantMsg: "invalid UTF-8 (byte 0xe9 at offset 18)"},
		{name: "invalid UTF-8 in JSON", input: "{\"experiments\": {\"caf\xe9\": true}}", want: ErrSyntax, wantMsg: "invalid UTF-8"},
		{name: "duplicate keys", input: "experiments: {a: true, a: false}", want: ErrDuplicateKey},
		{name: "NaN as an experiment", input: "experiments: {a: .nan}", want: ErrInvalidValue},
		{name: "infinity as an experiment", input: "experiments: {a: .inf}", want: ErrInvalidValue},
		{name: "NaN in a condition", input: "experiments: {a: {targeting: [{conditions: [{attribute: x, operator: gt, value: .nan}]}], variants: {v: 100%}}}", want: ErrInvalidValue, wantMsg: "must be finite"},
		{name: "infinity in a payload", input: "experiments: {a: {variants: {v: {allocation: 100%, payload: {n: -.inf}}}}}", want: ErrInvalidValue, wantMsg: "must be finite"},
		{name: "enormous version", input: "version: 99999999999999999999999999\nexperiments: {}", want: ErrInvalidValue},
		{name: "enormous user id", input: "groups: {g: [99999999999999999999999999]}\nexperiments: {a: g}", want: ErrInvalidValue},
		{name: "enormous percentage", input: "experiments: {a: 1000000000000000000000%}", want: ErrPercentage},
		{name: "100 KB regular expression", input: "experiments: {a: {targeting: [{conditions: [{attribute: x, operator: matches, value: '" + strings.Repeat("(a|b)", 20000) + "'}]}], variants: {v: 100%}}}", want: ErrRegexp, wantMsg: "the limit is 4096"},
		{name: "10 MB payload", input: "experiments: {a: {variants: {v: {allocation: 100%, payload: '" + strings.Repeat("x", 10<<20) + "'}}}}", want: ErrTooLarge, wantMsg: "MaxPayloadSize"},
		{name: "a million experiments in a snapshot", input: `{"experiments": [` + strings.Repeat(`{"id": 1},`, 200000) + `{"id": 1}]}`, want: ErrMissingKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := Parse([]byte(tt.input))
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse = %v; want %v", err, tt.want)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), "experiment: ") || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q; want a ConfigError containing %q", err, tt.wantMsg)
			}
			allocated := after.TotalAlloc - before.TotalAlloc
			if bound := hostileAllocBound(len(tt.input)); allocated > bound {
				t.Errorf("allocated %d bytes for %d bytes of input; the bound is %d", allocated, len(tt.input), bound)
			}
			t.Logf("%v: %d bytes allocated, %v", err.(*ConfigError).Err, after.TotalAlloc-before.TotalAlloc, elapsed.Round(time.Millisecond))
		})
	}
}

// hostileAllocBound is what Parse may allocate for n bytes of hostile
// input: a constant per byte plus a fixed allowance. The constant is that
// of the YAML node tree both decoders build (a yaml.Node is ~170 bytes, and
// `{"id": 1},` is five of them in ten bytes).
func hostileAllocBound(n int) uint64 { return 128*uint64(n) + 64<<20 }

package control

import (
	"math"
	"strconv"
	"testing"

	"github.com/inprocess/experiment/platform/internal/fastify"
	"github.com/inprocess/experiment/platform/internal/jsvalue"
)

func TestStringToNumber(t *testing.T) {
	// Each want is JavaScript's Number(in).
	nan := math.NaN()
	tests := []struct {
		in   string
		want float64
	}{
		{"5", 5}, {" 5 ", 5}, {"\t\n5\u00a0", 5}, {"+5", 5}, {"-5", -5}, {"5.0", 5}, {".5e1", 5}, {"5.", 5}, {"007", 7},
		{"0x10", 16}, {"0X1f", 31}, {"0b11", 3}, {"0o17", 15}, {"1e3", 1000}, {"1E-2", 0.01},
		{"", 0}, {" ", 0}, {"Infinity", math.Inf(1)}, {"+Infinity", math.Inf(1)}, {"-Infinity", math.Inf(-1)}, {"1e400", math.Inf(1)},
		{"abc", nan}, {"1_000", nan}, {"true", nan}, {".", nan}, {"e5", nan}, {"1e", nan}, {"-0x1", nan}, {"0x", nan}, {"0b2", nan},
		{"inf", nan}, {"NaN", nan}, {"infinity", nan}, {"1,2", nan}, {"0x1p3", nan}, {"１", nan},
	}
	for _, tt := range tests {
		got := stringToNumber(tt.in)
		if !(got == tt.want || math.IsNaN(got) && math.IsNaN(tt.want)) {
			t.Errorf("Number(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestJSNumberOfArrays(t *testing.T) {
	one := jsvalue.Value{Kind: jsvalue.Array, Arr: []jsvalue.Value{{Kind: jsvalue.String, Str: "5"}}}
	two := jsvalue.Value{Kind: jsvalue.Array, Arr: []jsvalue.Value{{Kind: jsvalue.String, Str: "1"}, {Kind: jsvalue.String, Str: "2"}}}
	if got := jsNumber(one); got != 5 {
		t.Errorf("Number([\"5\"]) = %v, want 5", got)
	}
	if got := jsNumber(two); !math.IsNaN(got) {
		t.Errorf("Number([\"1\",\"2\"]) = %v, want NaN", got)
	}
}

func TestHeaderSafe(t *testing.T) {
	long := ""
	for range 600 {
		long += "é"
	}
	tests := []struct{ in, want string }{
		{"Stub failure injected", "Stub failure injected"},
		{"\nInvalid `prisma.x()`\r\n\r\n  at line 1\n", "Invalid `prisma.x()`   at line 1"},
		{"a\x00b", "a b"},
		{long, long[:512]},
	}
	for _, tt := range tests {
		if got := headerSafe(tt.in); got != tt.want {
			t.Errorf("headerSafe(%.30q) = %.40q, want %.40q", tt.in, got, tt.want)
		}
	}
}

// FuzzQueryNumbers checks the query parser and Number() never panic and
// that Number agrees with strconv on plain decimal integers.
func FuzzQueryNumbers(f *testing.F) {
	for _, s := range []string{"page=1&pageSize=20", "page=%zz&page=0x1f", "a=+1e3&&b", "page=%E2%80%A8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q := fastify.ParseQuery(raw)
		var c checker
		c.page(q)
		for _, v := range q {
			_ = jsNumber(v)
		}
		if n, err := strconv.ParseInt(raw, 10, 32); err == nil && raw[0] != '+' {
			if got := stringToNumber(raw); got != float64(n) {
				t.Fatalf("Number(%q) = %v, want %d", raw, got, n)
			}
		}
	})
}

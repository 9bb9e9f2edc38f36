package wire

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAppendNumber(t *testing.T) {
	tenth, fifth := 0.1, 0.2 // variables, so that the sum is a float64 one
	// Each want is what JavaScript's String(x) prints for the same double.
	tests := []struct {
		name string
		in   float64
		want string
	}{
		{"zero", 0, "0"},
		{"negative zero", math.Copysign(0, -1), "0"},
		{"integer", 100, "100"},
		{"negative fraction", -1.5, "-1.5"},
		{"decimal", 123.456, "123.456"},
		{"shortest round trip", tenth + fifth, "0.30000000000000004"},
		{"largest plain integer form", 1e20, "100000000000000000000"},
		{"digits padded with zeros", 123456789012345678901, "123456789012345680000"},
		{"first exponent form", 1e21, "1e+21"},
		{"exponent with fraction", 1.5e300, "1.5e+300"},
		{"max float", math.MaxFloat64, "1.7976931348623157e+308"},
		{"smallest plain fraction", 0.000001, "0.000001"},
		{"plain fraction with many digits", 1.2345678901234568e-5, "0.000012345678901234568"},
		{"plain fraction", 1.5e-6, "0.0000015"},
		{"first negative exponent", 1e-7, "1e-7"},
		{"negative exponent with fraction", -1.5e-7, "-1.5e-7"},
		{"smallest denormal", 5e-324, "5e-324"},
		{"exponent normalised", 123e-20, "1.23e-18"},
		{"2^53", 9007199254740992, "9007199254740992"},
		{"decimal with many digits", 12345.678, "12345.678"},
		{"beyond 2^53 rounds", 9007199254740993, "9007199254740992"},
		{"NaN", math.NaN(), "null"},
		{"infinity", math.Inf(1), "null"},
		{"minus infinity", math.Inf(-1), "null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, string(AppendNumber(nil, tt.in))); diff != "" {
				t.Errorf("AppendNumber(%v) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestAppendString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "prod", `"prod"`},
		{"empty", "", `""`},
		{"quote and backslash", `a"b\c`, `"a\"b\\c"`},
		{"short escapes", "\b\f\n\r\t", `"\b\f\n\r\t"`},
		{"other controls in lower-case hex", "\x00\x01\x1f", `"\u0000\u0001\u001f"`},
		{"DEL is not escaped", "\x7f", "\"\x7f\""},
		{"html characters are not escaped", "<a href='x'>&</a>", `"<a href='x'>&</a>"`},
		{"line and paragraph separators are not escaped", "a\u2028b\u2029c", "\"a\u2028b\u2029c\""},
		{"non-ASCII", "café 日本 🎉", `"café 日本 🎉"`},
		{"invalid UTF-8 becomes U+FFFD", "a\xffb", "\"a\uFFFDb\""},
		{"slash is not escaped", "a/b", `"a/b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, string(AppendString(nil, tt.in))); diff != "" {
				t.Errorf("AppendString(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestAppendValue(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty is null", "", "null"},
		{"spaces only is null", "  \n", "null"},
		{"compacted", `{ "a" : [ 1 , 2 ] , "b" : { } }`, `{"a":[1,2],"b":{}}`},
		{"key order kept", `{"z":1,"a":2,"m":3}`, `{"z":1,"a":2,"m":3}`},
		{"duplicate keys kept", `{"a":1,"a":2}`, `{"a":1,"a":2}`},
		{"numbers re-spelled", `[1.0,1e3,1E-7,-0,0.50,1e400,-1e400]`, `[1,1000,1e-7,0,0.5,null,null]`},
		{"strings re-escaped", `["\u003c\/script\u003e","\u2028","\ud83c\udf89"]`, "[\"</script>\",\"\u2028\",\"🎉\"]"},
		{"scalars", `[true,false,null,"x"]`, `[true,false,null,"x"]`},
		{"nested empty", `[[],{},[{}]]`, `[[],{},[{}]]`},
		{"top-level scalar", ` 42 `, `42`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AppendValue([]byte("prefix:"), []byte(tt.in))
			if err != nil {
				t.Fatalf("AppendValue(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff("prefix:"+tt.want, string(got)); diff != "" {
				t.Errorf("AppendValue(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestAppendValueErrors(t *testing.T) {
	for _, in := range []string{`{`, `[1,]`, `{"a"}`, `1 2`, `{} []`, `nul`, `"unterminated`, `{"a":1,}`, `'x'`} {
		t.Run(in, func(t *testing.T) {
			got, err := AppendValue([]byte("keep"), []byte(in))
			if err == nil {
				t.Fatalf("AppendValue(%q) = %q, want an error", in, got)
			}
			if !strings.HasPrefix(err.Error(), "wire: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			if string(got) != "keep" {
				t.Errorf("dst after an error = %q, want it unchanged", got)
			}
		})
	}
}

// FuzzAppendValue checks that re-spelling keeps the value, is valid JSON
// and is idempotent.
func FuzzAppendValue(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5e-9,"x\u2028"],"b":null}`, `[1e400]`, `"\ud800"`, `{}`, `0`, `-0.0`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := AppendValue(nil, in)
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("AppendValue(%q) = %q, not valid JSON", in, out)
		}
		again, err := AppendValue(nil, out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", in, out, again, err)
		}
		if bytes.Contains(in, []byte("e")) || bytes.Contains(in, []byte("E")) || !json.Valid(in) {
			return // huge exponents become null, and invalid UTF-8 may be repaired
		}
		var a, b any
		if json.Unmarshal(in, &a) == nil && json.Unmarshal(out, &b) == nil && !reflect.DeepEqual(a, b) {
			t.Fatalf("value changed: %q -> %q", in, out)
		}
	})
}

// FuzzAppendNumber checks that what AppendNumber writes reads back as
// the same number.
func FuzzAppendNumber(f *testing.F) {
	for _, x := range []float64{0, 1, 1e21, 1e-7, 0.1, math.MaxFloat64, 5e-324} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return
		}
		s := string(AppendNumber(nil, x))
		back, err := strconv.ParseFloat(s, 64)
		if err != nil || back != x && !(x == 0 && back == 0) {
			t.Fatalf("AppendNumber(%v) = %q, which reads back as %v (%v)", x, s, back, err)
		}
	})
}

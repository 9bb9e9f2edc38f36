package jsvalue

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseNormalizeEncode(t *testing.T) {
	tests := []struct {
		name, in, parsed, normalized string
	}{
		{"duplicate keys: last value at the first position", `{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`, `{"a":3,"b":2}`},
		{"array-index keys first, in numeric order", `{"b":1,"10":2,"2":3,"01":4}`, `{"2":3,"10":2,"b":1,"01":4}`, `{"2":3,"10":2,"b":1,"01":4}`},
		{"JSONB order: shorter keys first, then bytewise", `{"attribute":"a","operator":"eq","value":1}`, `{"attribute":"a","operator":"eq","value":1}`, `{"value":1,"operator":"eq","attribute":"a"}`},
		{"bytewise: upper case before lower", `{"b":1,"B":2,"aa":3}`, `{"b":1,"B":2,"aa":3}`, `{"B":2,"b":1,"aa":3}`},
		{"numbers as JavaScript prints them", `[1.0,1e3,-0,1e21,1e-7,123456789012345678901]`, `[1,1000,0,1e+21,1e-7,123456789012345680000]`, `[1,1000,0,1e+21,1e-7,123456789012345680000]`},
		{"1e400 is Infinity, stored as null", `{"x":1e400}`, `{"x":null}`, `{"x":null}`},
		{"nested", `{"z":{"b":[{"d":1,"c":2}],"a":true}}`, `{"z":{"b":[{"d":1,"c":2}],"a":true}}`, `{"z":{"a":true,"b":[{"c":2,"d":1}]}}`},
		{"strings not escaped beyond JSON", `["<>&","\u2028","\u0001"]`, "[\"<>&\",\"\u2028\",\"\\u0001\"]", "[\"<>&\",\"\u2028\",\"\\u0001\"]"},
		{"a lone surrogate becomes U+FFFD", `"\ud800"`, "\"\uFFFD\"", "\"\uFFFD\""},
		{"scalars", `null`, `null`, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.parsed, string(Encode(v))); diff != "" {
				t.Errorf("Encode(Parse) (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.normalized, string(Encode(Normalize(v)))); diff != "" {
				t.Errorf("Encode(Normalize(Parse)) (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	deep := ""
	for range MaxDepth + 1 {
		deep += "["
	}
	for _, in := range []string{``, ` `, `{`, `{"a":1,}`, `[1 2]`, `1 2`, `{"__proto__":1}`, `{"a":{"__proto__":{}}}`, `{"constructor":{"prototype":1}}`, `'a'`, deep} {
		if _, err := Parse([]byte(in)); !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%.20q) = %v, want ErrInvalid", in, err)
		}
	}
	for _, in := range []string{`{"constructor":1}`, `{"constructor":{"x":1}}`, `{"prototype":{}}`, `{"proto":1}`} {
		if _, err := Parse([]byte(in)); err != nil {
			t.Errorf("Parse(%s) = %v, want it accepted", in, err)
		}
	}
}

func TestTypeName(t *testing.T) {
	for in, want := range map[string]string{`null`: "null", `true`: "boolean", `1`: "number", `"s"`: "string", `[]`: "array", `{}`: "object"} {
		v, _ := Parse([]byte(in))
		if got := v.TypeName(); got != want {
			t.Errorf("TypeName(%s) = %s, want %s", in, got, want)
		}
	}
	if got := (Value{}).TypeName(); got != "undefined" {
		t.Errorf("zero Value: %s, want undefined", got)
	}
}

// FuzzParse checks Parse never panics, and that what it accepts encodes
// to valid JSON that parses back to the same encoding, with Normalize
// idempotent.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":[1,{"b":null}],"10":"x","2":true}`, `[1e400,-0,0.1]`, `{"__proto__":1}`, `"\ud83c\udf89"`, `[[[]]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		v, err := Parse(in)
		if err != nil {
			return
		}
		enc := Encode(v)
		if !json.Valid(enc) {
			t.Fatalf("Encode(Parse(%q)) = %q, not JSON", in, enc)
		}
		again, err := Parse(enc)
		if err != nil || string(Encode(again)) != string(enc) {
			t.Fatalf("round trip of %q: %q, %v", enc, Encode(again), err)
		}
		n := Encode(Normalize(v))
		if string(Encode(Normalize(Normalize(v)))) != string(n) {
			t.Fatalf("Normalize is not idempotent on %q", in)
		}
		if c, err := Canonical(n); err != nil || string(c) != string(n) {
			t.Fatalf("Canonical(%q) = %q, %v", n, c, err)
		}
	})
}

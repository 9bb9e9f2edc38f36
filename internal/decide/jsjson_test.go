package decide

import (
	"encoding/json"
	"math"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestAppendJSString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "abc", `"abc"`},
		{"quote and backslash", `a"b\c`, `"a\"b\\c"`},
		{"short escapes", "\b\f\n\r\t", `"\b\f\n\r\t"`},
		{"other controls in lower-case hex", "\x00\x1f\x7f", `"\u0000\u001f` + "\x7f" + `"`},
		{"HTML characters raw", "<a&b>", `"<a&b>"`},
		{"U+2028 and U+2029 raw", "a\u2028b\u2029c", "\"a\u2028b\u2029c\""},
		{"non-ASCII raw", "café 😀", `"café 😀"`},
		{"a lone surrogate, held as WTF-8", "a\xed\xa0\x80b", `"a\ud800b"`},
		{"invalid UTF-8", "a\xffb", `"a\ufffdb"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(appendJSString(nil, tt.in)); got != tt.want {
				t.Errorf("appendJSString(%q) = %s; want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseJSON(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    any
		wantErr error
	}{
		{name: "object", in: ` {"a": 1, "b": [true, false, null], "c": {"d": "e"}} `,
			want: map[string]any{"a": 1.0, "b": []any{true, false, nil}, "c": map[string]any{"d": "e"}}},
		{name: "the last of duplicate keys wins", in: `{"a":1,"a":2}`, want: map[string]any{"a": 2.0}},
		{name: "__proto__ is a key like another", in: `{"__proto__":{"x":1}}`, want: map[string]any{"__proto__": map[string]any{"x": 1.0}}},
		{name: "escapes", in: `"\"\\\/\b\f\n\r\t\u00e9"`, want: "\"\\/\b\f\n\r\té"},
		{name: "a surrogate pair", in: `"\ud83d\ude00"`, want: "😀"},
		{name: "a lone surrogate", in: `"\ud800x"`, want: "\xed\xa0\x80x"},
		{name: "a high surrogate before another escape", in: `"\ud800\u0041"`, want: "\xed\xa0\x80A"},
		{name: "numbers", in: `[0, -0, 1.5e3, -2E-2, 1e-400]`, want: []any{0.0, math.Copysign(0, -1), 1500.0, -0.02, 0.0}},
		{name: "a number beyond float64", in: `{"logins":1e400}`, wantErr: errJSONRange},
		{name: "a leading zero", in: `01`, wantErr: errJSON},
		{name: "a bare dot", in: `1.`, wantErr: errJSON},
		{name: "a plus sign", in: `+1`, wantErr: errJSON},
		{name: "single quotes", in: `{'a':1}`, wantErr: errJSON},
		{name: "a trailing comma", in: `[1,]`, wantErr: errJSON},
		{name: "a raw control character in a string", in: "\"a\nb\"", wantErr: errJSON},
		{name: "an unknown escape", in: `"\x41"`, wantErr: errJSON},
		{name: "a short \\u escape", in: `"\u12"`, wantErr: errJSON},
		{name: "data after the value", in: `{} {}`, wantErr: errJSON},
		{name: "a byte order mark", in: "\ufeff{}", wantErr: errJSON},
		{name: "empty", in: ``, wantErr: errJSON},
		{name: "unterminated", in: `{"a":`, wantErr: errJSON},
		{name: "a literal cut short", in: `tru`, wantErr: errJSON},
		{name: "too deep", in: strings512("[") + "[" + strings512("]") + "]", wantErr: errJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseJSON(tt.in, false)
			if err != tt.wantErr {
				t.Fatalf("parseJSON(%q) error %v; want %v", tt.in, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); err == nil && diff != "" {
				t.Errorf("parseJSON(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func strings512(s string) string {
	b := make([]byte, 0, 512*len(s))
	for range maxJSONDepth {
		b = append(b, s...)
	}
	return string(b)
}

func TestJSPayload(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"numbers as JavaScript prints them", `{"a":1.0,"b":1e3,"c":12345678901234567890}`, `{"a":1,"b":1000,"c":12345678901234567000}`},
		{"index keys first, ascending", `{"b":1,"2":2,"a":3,"1":4,"01":5,"4294967295":6,"4294967294":7}`, `{"1":4,"2":2,"4294967294":7,"b":1,"a":3,"01":5,"4294967295":6}`},
		{"a repeated key keeps its place and its last value", `{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`},
		{"escapes become characters", `{"s":"\u2028\u003c\/"}`, "{\"s\":\"\u2028</\"}"},
		{"null", `null`, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(jsPayload([]byte(tt.in))); got != tt.want {
				t.Errorf("jsPayload(%s) = %s; want %s", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzParseJSON checks parseJSON against encoding/json: on valid UTF-8
// they accept the same texts (but for numbers beyond float64, which both
// refuse, and nesting past maxJSONDepth), read the same values, and what
// parseJSON reads writes back, through appendJSValue, as JSON that
// encoding/json reads as the same value.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[1,"x",null,true,{"b":[]}]`, `"\ud800"`, `1e400`, `{"a":1,"a":2}`, `-0.5e-3`, `"\u2028"`, ` 0 `} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseJSON(s, false)
		if !utf8.ValidString(s) || hasSurrogateEscape(s) {
			return // encoding/json replaces what JavaScript keeps
		}
		var want any
		werr := json.Unmarshal([]byte(s), &want)
		if werr != nil && err == nil && !tooDeep(s) {
			t.Fatalf("parseJSON accepts %q, which encoding/json refuses: %v", s, werr)
		}
		if werr == nil && err != nil && err != errJSONRange && !tooDeep(s) {
			t.Fatalf("parseJSON refuses %q (%v), which encoding/json accepts", s, err)
		}
		if err != nil || werr != nil {
			return
		}
		if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b float64) bool { return a == b })); diff != "" {
			t.Fatalf("parseJSON(%q) (-encoding/json +ours):\n%s", s, diff)
		}
		var back any
		if err := json.Unmarshal(appendJSValue(nil, got), &back); err != nil {
			t.Fatalf("appendJSValue wrote invalid JSON for %q: %v", s, err)
		}
		if diff := cmp.Diff(want, back); diff != "" {
			t.Fatalf("round trip of %q (-want +got):\n%s", s, diff)
		}
	})
}

// hasSurrogateEscape reports whether s may hold a \uD800-\uDFFF escape.
func hasSurrogateEscape(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '\\' && s[i+1] == 'u' && (s[i+2] == 'd' || s[i+2] == 'D') {
			return true
		}
	}
	return false
}

func tooDeep(s string) bool {
	depth, most := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[', '{':
			depth++
			most = max(most, depth)
		case ']', '}':
			depth--
		}
	}
	return most > maxJSONDepth
}

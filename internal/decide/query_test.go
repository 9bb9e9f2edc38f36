package decide

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestPlatformDecode(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"plain", "plain"},
		{"a+b", "a b"},
		{"a%2Bb", "a+b"},
		{"%41%42", "AB"},
		{"%e2%82%ac", "€"},
		{"%F0%9F%98%80", "😀"},
		{"%zz", "%zz"},
		{"%FF", "%FF"},
		{"%", "%"},
		{"%4", "%4"},
		{"a%4", "a%4"},
		{"%41%", "A%"},
		{"%C3", "%C3"},
		{"%C3%A", "%C3%A"},
		{"%C3%A9%", "é%"},
		{"%E2%41", "%E2A"},
		{"%E2%82%zz", "%E2%82%zz"},
		{"%E2%82x", "%E2%82x"},
		{"%C0%80", "%C0%80"},             // overlong
		{"%ED%A0%80", "%ED%A0%80"},       // a surrogate
		{"%F4%90%80%80", "%F4%90%80%80"}, // past U+10FFFF
		{"%F5%80%80%80", "%F5%80%80%80"},
		{"a%20b%zz%C3%A9", "a b%zzé"},
		{"%%41", "%A"},
		{"+%2B+", " + "},
		{"caf\xe9", "café"}, // a raw byte is Latin-1
		{"\xc3\xa9", "Ã©"},
		{"%00", "\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := platformDecode(tt.in); got != tt.want {
				t.Errorf("platformDecode(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseDecideQuery(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want decideQuery
	}{
		{name: "all three", raw: "user_key=u&env=prod&context=%7B%7D",
			want: decideQuery{userKey: queryParam{"u", 1}, env: queryParam{"prod", 1}, context: queryParam{"{}", 1}, contextBytes: 2}},
		{name: "empty pairs are skipped", raw: "&&user_key=u&&", want: decideQuery{userKey: queryParam{"u", 1}}},
		{name: "a key without a value", raw: "user_key", want: decideQuery{userKey: queryParam{"", 1}}},
		{name: "the first of repeats, counted", raw: "env=a&env=b&env=c", want: decideQuery{env: queryParam{"a", 3}}},
		{name: "an = in a value", raw: "user_key=a=b", want: decideQuery{userKey: queryParam{"a=b", 1}}},
		{name: "an escaped key", raw: "us%65r_key=u", want: decideQuery{userKey: queryParam{"u", 1}}},
		{name: "other keys are ignored", raw: "x=1&USER_KEY=2", want: decideQuery{}},
		{name: "the longest context counts", raw: "context=ab&context=abcd", want: decideQuery{context: queryParam{"ab", 2}, contextBytes: 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseDecideQuery(tt.raw)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(decideQuery{}, queryParam{})); diff != "" {
				t.Errorf("parseDecideQuery(%q) (-want +got):\n%s", tt.raw, diff)
			}
		})
	}
}

// referenceDecode is fast-decode-uri-component's algorithm, restated
// independently of platformDecode, on a string whose bytes are Latin-1
// characters and after '+' has become a space: a scan from each '%' with
// a UTF-8 state machine, which on a bad byte goes back to the next '%'
// after the one it started at, and which reads an escape only where '%'
// is followed by two more bytes. It returns the decoded code points.
func referenceDecode(s string) []rune {
	s = strings.ReplaceAll(s, "+", " ")
	var out []rune
	last := 0
	p := strings.IndexByte(s, '%')
	start := p
	var cp rune
	need := 0 // continuation bytes still needed
	lower, upper := byte(0x80), byte(0xBF)
	for p > -1 && p < len(s)-2 {
		hi, ok1 := hexDigit(s[p+1])
		lo, ok2 := hexDigit(s[p+2])
		b := hi<<4 | lo
		ok := ok1 && ok2
		accept, reject := false, false
		switch {
		case !ok:
			reject = true
		case need == 0 && b < 0x80:
			cp, accept = rune(b), true
		case need == 0 && b >= 0xC2 && b <= 0xDF:
			cp, need = rune(b&0x1F), 1
		case need == 0 && b >= 0xE0 && b <= 0xEF:
			cp, need = rune(b&0x0F), 2
			switch b {
			case 0xE0:
				lower = 0xA0
			case 0xED:
				upper = 0x9F
			}
		case need == 0 && b >= 0xF0 && b <= 0xF4:
			cp, need = rune(b&0x07), 3
			switch b {
			case 0xF0:
				lower = 0x90
			case 0xF4:
				upper = 0x8F
			}
		case need == 0:
			reject = true
		case b < lower || b > upper:
			reject = true
		default:
			cp, need = cp<<6|rune(b&0x3F), need-1
			lower, upper = 0x80, 0xBF
			accept = need == 0
		}
		switch {
		case accept:
			for _, c := range []byte(s[last:start]) {
				out = append(out, rune(c))
			}
			out = append(out, cp)
			last = p + 3
			p = indexFrom(s, last)
			start, cp, need = p, 0, 0
		case reject:
			cp, need, lower, upper = 0, 0, 0x80, 0xBF
			p = indexFrom(s, start+1)
			start = p
		default: // in the middle of a character
			p += 3
			if p < len(s) && s[p] == '%' {
				continue
			}
			cp, need, lower, upper = 0, 0, 0x80, 0xBF
			p = indexFrom(s, start+1)
			start = p
		}
	}
	for _, c := range []byte(s[last:]) {
		out = append(out, rune(c))
	}
	return out
}

func indexFrom(s string, i int) int {
	if i >= len(s) {
		return -1
	}
	if j := strings.IndexByte(s[i:], '%'); j >= 0 {
		return i + j
	}
	return -1
}

// FuzzPlatformDecode checks platformDecode against referenceDecode, and
// that it always returns valid UTF-8.
func FuzzPlatformDecode(f *testing.F) {
	for _, s := range []string{"%zz", "%FF", "%E2%82%AC", "%E2%41", "a+b%2B", "%F0%9F%98", "caf\xe9", "%%C3%A9%", "%ED%A0%80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := platformDecode(s)
		if !utf8.ValidString(got) {
			t.Fatalf("platformDecode(%q) = %q, not UTF-8", s, got)
		}
		if want := string(referenceDecode(s)); got != want {
			t.Fatalf("platformDecode(%q) = %q; the reference decodes %q", s, got, want)
		}
	})
}

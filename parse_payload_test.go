package experiment

import (
	"bytes"
	"encoding/json"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// jsonNumberGrammar is the grammar of a JSON number, as a regular
// expression: what isJSONNumber must accept, exactly.
var jsonNumberGrammar = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// payloadStrings are strings for the payload writers: numbers and
// not-quite-numbers, and strings with every kind of byte JSON escapes.
var payloadStrings = []string{
	"", "0", "-0", "1", "-", "01", "10", "1.", "1.5", ".5", "1e", "1e5", "1E+5", "1e-05", "-1.25e+10", "1e+",
	"12a", " 1", "1 ", "0x10", "+1", "--1", "1.2.3", "1ee2", "9223372036854775808",
	"plain", "#0066cc", `quote"d`, `back\slash`, "tab\tnew\nline", "\x00\x1f", "\x7f", "é ü", "\u2028\u2029",
	"<html>&amp;", "\xff\xfe", "a\xc3", "😀",
}

// TestIsJSONNumber checks isJSONNumber against the grammar.
func TestIsJSONNumber(t *testing.T) {
	for _, s := range payloadStrings {
		t.Run(s, func(t *testing.T) {
			if want, got := jsonNumberGrammar.MatchString(s), isJSONNumber(s); want != got {
				t.Errorf("isJSONNumber(%q) = %v; the grammar says %v", s, got, want)
			}
		})
	}
}

// TestAppendJSONString checks appendJSONString against encoding/json.
func TestAppendJSONString(t *testing.T) {
	for _, s := range payloadStrings {
		t.Run(s, func(t *testing.T) { checkAppendJSONString(t, s) })
	}
}

// FuzzPayloadWriters checks isJSONNumber and appendJSONString against
// the grammar and encoding/json on any string.
func FuzzPayloadWriters(f *testing.F) {
	for _, s := range payloadStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if want, got := jsonNumberGrammar.MatchString(s), isJSONNumber(s); want != got {
			t.Fatalf("isJSONNumber(%q) = %v; the grammar says %v", s, got, want)
		}
		checkAppendJSONString(t, s)
	})
}

func checkAppendJSONString(t *testing.T, s string) {
	t.Helper()
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	got.WriteString("x") // appended to, not replaced
	appendJSONString(&got, s)
	if diff := cmp.Diff("x"+want.String()[:want.Len()-1], got.String()); diff != "" {
		t.Errorf("appendJSONString(%q) (-encoding/json +got):\n%s", s, diff)
	}
}

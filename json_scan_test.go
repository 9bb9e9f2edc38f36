package experiment

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

// jsonScanCases are documents scanJSON must read as readJSON does, or
// leave to it: valid ones of every kind of value and position, and
// invalid ones of every way JSON can be wrong.
var jsonScanCases = []string{
	`{}`, `[]`, `{"a": 1}`, ` {"a":[1,2.5,-3e2,0,-0,1E+2,9223372036854775807,9223372036854775808]} `,
	`{"s": "plain", "e": "a\"b\\c\/d\b\f\n\r\t", "u": "\u00e9\ud83d\ude00\ud800x", "é": "ü"}`,
	"{\n  \"a\": {\"b\": [true, false, null]},\n\t\"c\": []\n}\n",
	`{"dup": 1, "dup": 2}`, `{"": ""}`, `[[[[]]]]`,
	// invalid
	``, ` `, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{"a":1}x`, `{"a":1}{}`, `{a:1}`,
	`{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{"a":-}`, `{"a":tru}`, `{"a":truex}`, `{"a":nul}`,
	"{\"a\":\"x\ny\"}", `{"a":"\x"}`, `{"a":"\u12"}`, `{"a":"unterminated}`, "\xef\xbb\xbf{}", `{"a":+1}`,
	`{"a":[1}`, `{"a":1]`, `{1:2}`, `'{}'`, `{"a":NaN}`,
}

// TestScanJSON checks scanJSON against readJSON on jsonScanCases and on
// nesting at and past maxJSONDepth.
func TestScanJSON(t *testing.T) {
	cases := append([]string{}, jsonScanCases...)
	cases = append(cases, strings.Repeat("[", maxJSONDepth)+strings.Repeat("]", maxJSONDepth),
		strings.Repeat("[", maxJSONDepth+1)+strings.Repeat("]", maxJSONDepth+1))
	for _, c := range cases {
		name := c
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) { checkScanJSON(t, []byte(c)) })
	}
}

// FuzzScanJSON checks that scanJSON reads exactly the documents readJSON
// reads, into the same nodes.
func FuzzScanJSON(f *testing.F) {
	for _, c := range jsonScanCases {
		f.Add([]byte(c))
	}
	_, j := parseBenchConfig(8)
	f.Add(j)
	f.Fuzz(func(t *testing.T, data []byte) {
		if !utf8.Valid(data) { // decode rejects it before JSON is read
			return
		}
		checkScanJSON(t, data)
	})
}

func checkScanJSON(t *testing.T, data []byte) {
	t.Helper()
	var arena nodeArena
	defer arena.release()
	fast, ok := scanJSON(data, &arena)
	slow, err := readJSON(data)
	switch {
	case ok && err != nil:
		t.Fatalf("scanJSON read %q, which readJSON rejects: %v", data, err)
	case !ok && err == nil:
		t.Fatalf("scanJSON rejected %q, which readJSON reads", data)
	case ok:
		if diff := cmp.Diff(slow, fast, cmp.Comparer(func(a, b *yaml.Node) bool { return nodesEqual(a, b) })); diff != "" {
			t.Fatalf("scanJSON and readJSON disagree on %q (-readJSON +scanJSON):\n%s", data, diff)
		}
	}
}

// nodesEqual compares node trees field by field (Content deeply), without
// recursion on the Go stack beyond the tree's depth.
func nodesEqual(a, b *yaml.Node) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Kind != b.Kind || a.Style != b.Style || a.Tag != b.Tag || a.Value != b.Value || a.Line != b.Line || a.Column != b.Column ||
		(a.Content == nil) != (b.Content == nil) || len(a.Content) != len(b.Content) || a.Alias != nil || b.Alias != nil {
		return false
	}
	for i := range a.Content {
		if !nodesEqual(a.Content[i], b.Content[i]) {
			return false
		}
	}
	return true
}

package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inprocess/experiment"
)

func TestParseAttrValue(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want any
	}{
		{"US", "US"},
		{`"US"`, "US"},
		{`"42"`, "42"},
		{"42", json.Number("42")},
		{"9007199254740993", json.Number("9007199254740993")}, // exact, not a float64
		{"-1.5e3", json.Number("-1.5e3")},
		{"true", true},
		{"false", false},
		{"null", nil},
		{"", ""},
		{" 42 ", json.Number("42")},
		{"1 2", "1 2"}, // two JSON values: a string
		{"[1, \"a\"]", []any{json.Number("1"), "a"}},
		{`{"version": "2.1"}`, map[string]any{"version": "2.1"}},
		{"{not json", "{not json"},
		{"True", "True"},
		{"a=b", "a=b"},
	} {
		if diff := cmp.Diff(tc.want, parseAttrValue(tc.in)); diff != "" {
			t.Errorf("parseAttrValue(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

// TestFlagsAnywhere checks that flags may follow positional arguments, and
// that "--" ends them.
func TestFlagsAnywhere(t *testing.T) {
	chdirRoot(t)
	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string // in stdout or stderr
	}{
		{"flag after files", []string{"lint", "testdata/seed.yaml", "-strict"}, 1, "(-strict: warnings fail)"},
		{"flag between files", []string{"lint", "testdata/seed.yaml", "-json", "testdata/cli/diff-old.yaml"}, 0, `"files": 2`},
		{"double dash", []string{"lint", "--", "-strict"}, 1, "-strict: error: open"},
		{"flag value after files", []string{"diff", "testdata/cli/diff-old.yaml", "testdata/cli/diff-new.yaml", "-users", "10"}, 0, "10 users"},
		{"help after files", []string{"diff", "a", "b", "-h"}, 0, "Usage:"},
		{"extra argument", []string{"eval", "-config", "testdata/seed.yaml", "-user", "1", "extra"}, 2, `unexpected arguments ["extra"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String()+stderr.String(), tc.out) {
				t.Errorf("output does not contain %q\nstdout: %s\nstderr: %s", tc.out, stdout.String(), stderr.String())
			}
		})
	}
}

// TestEvalMatchesAssignments checks eval -json against the library for
// users and attributes of every kind.
func TestEvalMatchesAssignments(t *testing.T) {
	chdirRoot(t)
	rs := mustLoad(t, "testdata/assign/longform.yaml", "prod")
	for _, user := range []string{"7", "user-1", "user-42", "", "ü:x"} {
		var stdout, stderr bytes.Buffer
		code := run([]string{"eval", "-config", "testdata/assign/longform.yaml", "-env", "prod", "-user", user,
			"-attr", "plan=pro", "-context", `{"country": "CA", "app": {"version": "2.0.1"}}`, "-json"}, &stdout, &stderr)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		var got decideResponse
		if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		want := decideResponse{UserKey: user, Environment: "prod", ConfigVersion: 3, Assignments: rs.Assignments(contextFor(user, map[string]any{
			"plan": "pro", "country": "CA", "app": map[string]any{"version": "2.0.1"},
		}))}
		if diff := cmp.Diff(want, got, cmp.Comparer(jsonEqual)); diff != "" {
			t.Errorf("user %q (-want +got):\n%s", user, diff)
		}
	}
}

func contextFor(user string, attrs map[string]any) experiment.Context {
	return experiment.ContextFor(user).With(attrs)
}

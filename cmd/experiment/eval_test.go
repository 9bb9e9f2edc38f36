package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/inprocess/experiment/internal/wire"

	"github.com/google/go-cmp/cmp"

	"github.com/inprocess/experiment"
)

// TestAttrFlags checks what -attr and -attr-json make of a value: -attr
// always a string, -attr-json the JSON value or an error.
func TestAttrFlags(t *testing.T) {
	tests := []struct {
		name    string
		typed   bool
		in      string
		want    any
		wantErr string
	}{
		{"string", false, "country=US", "US", ""},
		{"a version stays a string", false, "app.version=2.4", "2.4", ""},
		{"a number stays a string", false, "age=42", "42", ""},
		{"quotes are kept", false, `id="42"`, `"42"`, ""},
		{"true stays a string", false, "beta=true", "true", ""},
		{"empty", false, "k=", "", ""},
		{"an equals sign in the value", false, "a=b=c", "b=c", ""},
		{"no equals sign", false, "country", nil, `want KEY=VALUE, got "country"`},
		{"no key", false, "=US", nil, `want KEY=VALUE, got "=US"`},
		{"json number", true, "age=42", json.Number("42"), ""},
		{"json exact integer", true, "n=9007199254740993", json.Number("9007199254740993"), ""},
		{"json version is a number", true, "app.version=2.4", json.Number("2.4"), ""},
		{"json string", true, `id="42"`, "42", ""},
		{"json boolean", true, "beta=true", true, ""},
		{"json null", true, "plan=null", nil, ""},
		{"json list", true, `tags=[1, "a"]`, []any{json.Number("1"), "a"}, ""},
		{"json object", true, `app={"version": "2.1"}`, map[string]any{"version": "2.1"}, ""},
		{"json spaces", true, "n= 42 ", json.Number("42"), ""},
		{"not json", true, "country=US", nil, "country: the value is not JSON"},
		{"two json values", true, "n=1 2", nil, "n: the value is not JSON"},
		{"json without equals", true, "n", nil, `want KEY=JSON, got "n"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a attrs
			err := attrFlag{to: &a, typed: tt.typed}.Set(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Set(%q) error %v; want one containing %q", tt.in, err, tt.wantErr)
				}
				if len(a.keys) != 0 {
					t.Errorf("a failed Set kept %v", a.keys)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(a.values) != 1 {
				t.Fatalf("%d values; want 1", len(a.values))
			}
			if diff := cmp.Diff(tt.want, a.values[0]); diff != "" {
				t.Errorf("Set(%q) value (-want +got):\n%s", tt.in, diff)
			}
		})
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
		want := decideResponse{Decision: wire.Decision{UserKey: user, Environment: "prod", ConfigVersion: 3, Assignments: wireAssignments(rs.Assignments(contextFor(user, map[string]any{
			"plan": "pro", "country": "CA", "app": map[string]any{"version": "2.0.1"},
		})))}}
		if diff := cmp.Diff(want, got, cmp.Comparer(jsonEqual)); diff != "" {
			t.Errorf("user %q (-want +got):\n%s", user, diff)
		}
	}
}

func contextFor(user string, attrs map[string]any) experiment.Context {
	return experiment.ContextFor(user).With(attrs)
}

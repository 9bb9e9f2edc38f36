package experiment

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// sentinels names every sentinel, for the "# want:" line of testdata/errors.
var sentinels = map[string]error{
	"ErrSyntax": ErrSyntax, "ErrDuplicateKey": ErrDuplicateKey, "ErrUnknownKey": ErrUnknownKey,
	"ErrMissingKey": ErrMissingKey, "ErrInvalidValue": ErrInvalidValue, "ErrPercentage": ErrPercentage,
	"ErrOverlap": ErrOverlap, "ErrUnknownGroup": ErrUnknownGroup, "ErrUnknownAudience": ErrUnknownAudience,
	"ErrStatus": ErrStatus, "ErrOperator": ErrOperator, "ErrRegexp": ErrRegexp, "ErrTooLarge": ErrTooLarge,
}

// TestLoadErrors loads every config in testdata/errors. Each starts with
// "# want: SENTINEL [PATH]": the error must wrap that sentinel, be a
// *ConfigError with that key path and a position, and read as recorded in
// testdata/errors.golden (rewrite with -update).
func TestLoadErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test configs: %v", err)
	}
	var got strings.Builder
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(string(data), "\n")
			want := strings.Fields(strings.TrimPrefix(first, "# want:"))
			sentinel, ok := sentinels[want[0]]
			if !ok {
				t.Fatalf("%s: unknown sentinel in %q", file, first)
			}
			_, err = Load(file)
			if err == nil {
				t.Fatalf("Load(%s) succeeded; want %s", file, want[0])
			}
			got.WriteString(name + ": " + err.Error() + "\n")
			if !errors.Is(err, sentinel) {
				t.Errorf("error %q does not wrap %s", err, want[0])
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T is not a *ConfigError", err)
			}
			if !strings.HasPrefix(err.Error(), "experiment: "+file+":") {
				t.Errorf("error %q does not start with %q", err, "experiment: "+file+":")
			}
			if ce.File != file {
				t.Errorf("File = %q; want %q", ce.File, file)
			}
			wantPath := ""
			if len(want) > 1 {
				wantPath = strings.Join(want[1:], " ")
			}
			if ce.Path != wantPath {
				t.Errorf("Path = %q; want %q (error %q)", ce.Path, wantPath, err)
			}
			if ce.Line == 0 && name != "empty" {
				t.Errorf("Line = 0; want the line of the problem (error %q)", err)
			}
		})
	}
	checkGolden(t, "testdata/errors.golden", got.String())
}

// checkGolden compares got with the golden file, or rewrites it with -update.
func checkGolden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", file, diff)
	}
}

// TestJSON checks configs written in JSON, which encoding/json reads so
// that all of JSON works (yaml.v3 rejects surrogate pair escapes).
func TestJSON(t *testing.T) {
	tests := []struct {
		name        string
		in          string
		wantPayload string
		wantErr     string
	}{
		{name: "surrogate pair escape", in: `{"experiments": {"a": {"variants": {"on": {"allocation": "100%", "payload": {"e": "\ud83d\ude00"}}}}}}`, wantPayload: `{"e":"😀"}`},
		{name: "numbers kept as written", in: `{"experiments": {"a": {"variants": {"on": {"allocation": "100%", "payload": [1.50, 12345678901234567890, -0, 1e3]}}}}}`, wantPayload: `[1.50,12345678901234567890,-0,1e3]`},
		{name: "tab indented", in: "{\n\t\"experiments\": {\n\t\t\"a\": true\n\t}\n}", wantPayload: `null`},
		{name: "YAML flow style starting with a brace", in: `{experiments: {a: true}}`, wantPayload: `null`},
		{name: "error position in JSON", in: "{\n  \"experiments\": {\n    \"a\": 5\n  }\n}", wantErr: "experiment: 3:10: experiments.a: expected true, false, 1 or 0, found the number 5"},
		{name: "duplicate key in JSON", in: `{"experiments": {"a": true, "a": false}}`, wantErr: `experiment: 1:29: experiments.a: duplicate key "a" (first at line 1)`},
		{name: "trailing data", in: `{"experiments": {"a": true}} x`, wantErr: "experiment: 1:30: invalid JSON: invalid character 'x' looking for beginning of value"},
		{name: "truncated JSON", in: `{"experiments": {"a": tr`, wantErr: "experiment: 1:23: invalid JSON: unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Parse error = %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := string(r.Payload("a", ContextFor("u"))); got != tt.wantPayload {
				t.Errorf("payload = %s; want %s", got, tt.wantPayload)
			}
		})
	}
}

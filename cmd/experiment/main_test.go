package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/cli")

// cliCase is a command line and the golden file holding what it writes:
// testdata/cli/NAME.golden, with the exit code, stdout and stderr. Paths
// are relative to the repository root, where the tests run; an argument
// with a '*' is a glob, expanded in sorted order.
type cliCase struct {
	name string
	why  string
	args []string
}

var cliCases = []cliCase{
	// experiment
	{"help", "the command list and exit codes", []string{"-h"}},
	{"help-command", "help COMMAND is COMMAND -h", []string{"help", "diff"}},
	{"no-args", "no command is a usage error", nil},
	{"unknown-command", "a usage error, exit 2", []string{"frobnicate"}},

	// lint
	{"lint-help", "flags, examples and exit codes", []string{"lint", "-h"}},
	{"lint-clean", "nothing is written for a clean file", []string{"lint", "testdata/cli/diff-new.yaml"}},
	{"lint-warnings", "warnings alone exit 0", []string{"lint", "testdata/seed.yaml", "testdata/assign/longform.yaml"}},
	{"lint-strict", "-strict fails on warnings", []string{"lint", "-strict", "testdata/seed.yaml"}},
	{"lint-flags-after-files", "flags may follow the files", []string{"lint", "testdata/seed.yaml", "-strict"}},
	{"lint-broken", "every error and warning of one file, in line order, not only the first", []string{"lint", "testdata/cli/broken.yaml"}},
	{"lint-errors", "the load-error corpus: one error per file, with position, key path and what was expected", []string{"lint", "testdata/errors/*.yaml"}},
	{"lint-json", "-json: findings with severity and kind", []string{"lint", "-json", "testdata/cli/broken.yaml", "testdata/seed.yaml"}},
	{"lint-json-clean", "-json for a clean file: ok and no findings", []string{"lint", "-json", "testdata/cli/diff-old.yaml"}},
	{"lint-snapshot", "a published snapshot is linted too", []string{"lint", "testdata/snapshots/quirks.json"}},
	{"lint-missing-file", "an unreadable file is an error in the input, exit 1", []string{"lint", "testdata/cli/missing.yaml", "testdata/cli/diff-old.yaml"}},
	{"lint-no-files", "a usage error", []string{"lint"}},
	{"lint-bad-flag", "an unknown flag is a usage error", []string{"lint", "-strcit", "testdata/seed.yaml"}},
	{"lint-design", "layers, holdouts, prerequisites and schedules: overlaps, over-allocation, cycles, unknown names and bad times are errors; packed shares and shared salts warn", []string{"lint", "testdata/cli/design-lint.yaml"}},
	{"lint-design-clean", "the design test config is clean", []string{"lint", "-strict", "testdata/design/design.yaml", "testdata/cli/design-new.yaml"}},

	// eval
	{"eval-help", "flags, examples and exit codes", []string{"eval", "-h"}},
	{"eval-seed", "the assignments of one user", []string{"eval", "-config", "testdata/seed.yaml", "-user", "3"}},
	{"eval-seed-prod-json", "-json is the platform's decide response; -env applies envs.prod", []string{"eval", "-config", "testdata/seed.yaml", "-env", "prod", "-user", "3", "-json"}},
	{"eval-explain", "-explain: why each experiment is on or off, in config order", []string{"eval", "-config", "testdata/assign/longform.yaml", "-env", "prod", "-user", "7",
		"-attr", "country=US", "-attr", "plan=pro", "-context", `{"app": {"version": "2.1"}}`, "-explain"}},
	{"eval-explain-json", "-explain -json adds explanations to the decide response", []string{"eval", "-config", "testdata/assign/longform.yaml", "-user", "user-42",
		"-attr-json", "age=31", "-attr", "plan=pro", "-explain", "-json"}},
	{"eval-attr-string", `-attr age=31 is a string, and gte needs a number (-attr-json)`, []string{"eval", "-config", "testdata/assign/longform.yaml", "-user", "user-42",
		"-attr", "age=31", "-explain"}},
	{"eval-attr-version", "-attr app.version=2.4 is a string, which semverGte compares as a version", []string{"eval", "-config", "testdata/assign/longform.yaml", "-env", "prod", "-user", "7",
		"-attr", "country=US", "-attr", "plan=pro", "-attr", "app.version=2.4", "-explain"}},
	{"eval-attr-json-version", "-attr-json app.version=2.4 is a number, which semverGte does not compare", []string{"eval", "-config", "testdata/assign/longform.yaml", "-env", "prod", "-user", "7",
		"-attr", "country=US", "-attr", "plan=pro", "-attr-json", "app.version=2.4", "-explain"}},
	{"eval-bad-attr-json", "-attr-json needs JSON", []string{"eval", "-config", "testdata/seed.yaml", "-user", "1", "-attr-json", "country=US"}},
	{"eval-attr-over-context", "-attr replaces the -context key", []string{"eval", "-config", "testdata/assign/longform.yaml", "-user", "user-42",
		"-context", `{"country": "US", "plan": "pro"}`, "-attr", "country=FR", "-explain"}},
	{"eval-snapshot-explain", "a snapshot, with its repeated key noted", []string{"eval", "-config", "testdata/snapshots/quirks.json", "-user", "u1",
		"-context", `{"country": "US", "age": 30, "tags": ["a", "b"]}`, "-explain"}},
	{"eval-no-assignments", "a user off everywhere", []string{"eval", "-config", "testdata/assign/longform.yaml", "-env", "prod", "-user", "user-1"}},
	{"eval-broken-config", "a config that does not load: its first error, exit 1", []string{"eval", "-config", "testdata/cli/broken.yaml", "-user", "1"}},
	{"eval-missing-config", "a file that cannot be read, exit 1", []string{"eval", "-config", "testdata/cli/missing.yaml", "-user", "1"}},
	{"eval-missing-user", "-user is required", []string{"eval", "-config", "testdata/seed.yaml"}},
	{"eval-bad-attr", "-attr needs KEY=VALUE", []string{"eval", "-config", "testdata/seed.yaml", "-user", "1", "-attr", "country"}},
	{"eval-bad-context", "-context must be a JSON object", []string{"eval", "-config", "testdata/seed.yaml", "-user", "1", "-context", "[1, 2]"}},
	{"eval-design-at", "-at: schedules and ramps at that instant; user 0 is in the config's holdout, so out of everything, and -explain says so", []string{"eval", "-config", "testdata/design/design.yaml", "-user", "0",
		"-attr", "plan=pro", "-at", "2026-03-06T00:00:00Z", "-explain"}},
	{"eval-design-before", "before the schedule: -explain says schedule, ramp, layer and prerequisite", []string{"eval", "-config", "testdata/design/design.yaml", "-user", "4", "-at", "2026-02-15T00:00:00+01:00", "-explain"}},
	{"eval-design-prod-json", "a prerequisite switched off in prod", []string{"eval", "-config", "testdata/design/design.yaml", "-env", "prod", "-user", "3", "-at", "2026-03-06T00:00:00Z", "-explain", "-json"}},
	{"eval-bad-at", "-at must be RFC 3339", []string{"eval", "-config", "testdata/design/design.yaml", "-user", "1", "-at", "yesterday"}},

	// dist
	{"dist-help", "flags, examples and exit codes", []string{"dist", "-h"}},
	{"dist-seed", "shares next to configured shares, group percentages included", []string{"dist", "-config", "testdata/seed.yaml", "-users", "2000"}},
	{"dist-seed-prod-json", "-json", []string{"dist", "-config", "testdata/seed.yaml", "-env", "prod", "-users", "2000", "-json"}},
	{"dist-attrs", "-attrs: a JSON array given round-robin; targeted shares are n/a", []string{"dist", "-config", "testdata/assign/longform.yaml", "-users", "2000", "-attrs", "testdata/cli/attrs.json"}},
	{"dist-attrs-jsonl", "-attrs: JSON lines, the same users as attrs.json", []string{"dist", "-config", "testdata/assign/longform.yaml", "-users", "2000", "-attrs", "testdata/cli/attrs.jsonl"}},
	{"dist-snapshot", "a snapshot: inclusive ranges, first match, an allocation naming no variant", []string{"dist", "-config", "testdata/snapshots/quirks.json", "-users", "2000"}},
	{"dist-flagged", "users listed by id count as nobody, so listing the simulated ids is flagged: exit 1", []string{"dist", "-config", "testdata/cli/userlist.yaml", "-users", "50"}},
	{"dist-flagged-json", "the same, as JSON", []string{"dist", "-config", "testdata/cli/userlist.yaml", "-users", "50", "-json"}},
	{"dist-bad-users", "-users must be at least 1", []string{"dist", "-config", "testdata/seed.yaml", "-users", "0"}},
	{"dist-bad-attrs", "an -attrs file that is not objects, exit 1", []string{"dist", "-config", "testdata/seed.yaml", "-users", "10", "-attrs", "testdata/seed.yaml"}},
	{"dist-design-at", "configured shares follow the schedule, ramp, layer and holdouts at -at; prerequisites are n/a", []string{"dist", "-config", "testdata/design/design.yaml", "-users", "20000", "-at", "2026-03-06T00:00:00Z"}},
	{"dist-design-after-json", "-json, after the sale ended and the ramp finished", []string{"dist", "-config", "testdata/design/design.yaml", "-users", "2000", "-at", "2026-04-01T00:00:00Z", "-json"}},

	// diff
	{"diff-help", "flags, examples and exit codes", []string{"diff", "-h"}},
	{"diff", "transitions per experiment; reshuffles, ramp-ups, added and removed", []string{"diff", "testdata/cli/diff-old.yaml", "testdata/cli/diff-new.yaml", "-users", "2000"}},
	{"diff-json", "-json", []string{"diff", "-users", "2000", "-json", "testdata/cli/diff-old.yaml", "testdata/cli/diff-new.yaml"}},
	{"diff-strict", "-strict fails on a reshuffle", []string{"diff", "-strict", "-users", "2000", "testdata/cli/diff-old.yaml", "testdata/cli/diff-new.yaml"}},
	{"diff-ramp-only", "-strict passes when users only join", []string{"diff", "-strict", "-users", "2000", "testdata/seed.yaml", "testdata/cli/diff-old.yaml"}},
	{"diff-same", "a config against itself, with -env", []string{"diff", "-env", "prod", "-users", "2000", "testdata/assign/longform.yaml", "testdata/assign/longform.yaml"}},
	{"diff-one-file", "two files are needed", []string{"diff", "testdata/cli/diff-old.yaml"}},
	{"diff-broken", "a config that does not load, exit 1", []string{"diff", "-users", "10", "testdata/cli/diff-old.yaml", "testdata/cli/broken.yaml"}},
	{"diff-design-at", "a layer's new experiment in its free space and a raised ramp only add users: -strict passes", []string{"diff", "-strict", "-users", "20000", "-at", "2026-03-06T00:00:00Z", "testdata/design/design.yaml", "testdata/cli/design-new.yaml"}},

	// render
	{"render-help", "flags, examples and exit codes", []string{"render", "-h"}},
	{"render-prod", "overrides replace values in place, new experiments are appended, envs dropped, comments and anchors kept", []string{"render", "-config", "testdata/cli/render.yaml", "-env", "prod"}},
	{"render-staging", "an experiment switched off in one environment", []string{"render", "-config", "testdata/cli/render.yaml", "-env", "staging"}},
	{"render-no-overrides", "an environment envs does not name: the base config, with a note", []string{"render", "-config", "testdata/cli/render.yaml", "-env", "dev"}},
	{"render-longform-prod", "the long-form test config", []string{"render", "-config", "testdata/assign/longform.yaml", "-env", "prod"}},
	{"render-json-input", "a JSON config is written as block YAML", []string{"render", "-config", "testdata/cli/render.json", "-env", "prod"}},
	{"render-seed-json", "-json writes the effective config as JSON", []string{"render", "-config", "testdata/seed.yaml", "-env", "prod", "-json"}},
	{"render-snapshot", "a snapshot of every experiment, a same-salt group as ranges, exit 0", []string{"render", "-config", "testdata/cli/render.yaml", "-env", "prod", "-format", "snapshot", "-published-at", "2026-02-20T12:00:00Z"}},
	{"render-snapshot-staging", "an experiment that is off is omitted with a note, exit 0", []string{"render", "-config", "testdata/cli/render.yaml", "-env", "staging", "-format", "snapshot", "-published-at", "2026-02-20T13:00:00+01:00"}},
	{"render-snapshot-longform", "experiments a snapshot cannot express are named with the reasons, exit 1", []string{"render", "-config", "testdata/assign/longform.yaml", "-env", "prod", "-format", "snapshot", "-published-at", "2026-02-20T12:00:00.5Z"}},
	{"render-from-snapshot", "a snapshot has no environments to render", []string{"render", "-config", "testdata/snapshots/quirks.json", "-env", "prod"}},
	{"render-broken", "a config that does not load, exit 1", []string{"render", "-config", "testdata/cli/broken.yaml", "-env", "prod"}},
	{"render-no-env", "-env is required", []string{"render", "-config", "testdata/seed.yaml"}},
	{"render-bad-format", "an unknown -format", []string{"render", "-config", "testdata/seed.yaml", "-env", "prod", "-format", "toml"}},
	{"render-bad-time", "-published-at must be RFC 3339", []string{"render", "-config", "testdata/seed.yaml", "-env", "prod", "-format", "snapshot", "-published-at", "yesterday"}},
	{"render-snapshot-design-version", "a bucketing version is dropped with a note; a prerequisite is not written, exit 1", []string{"render", "-config", "testdata/cli/render-design.yaml", "-env", "prod", "-format", "snapshot", "-published-at", "2026-03-06T00:00:00Z"}},
	{"render-snapshot-design", "requires, schedules, ramps, layers and holdouts are named as what a snapshot cannot express, exit 1", []string{"render", "-config", "testdata/design/design.yaml", "-env", "prod", "-format", "snapshot", "-published-at", "2026-03-06T00:00:00Z"}},
}

// chdirRoot makes the repository root the working directory for the
// test, so that paths in outputs read as users type them.
func chdirRoot(t testing.TB) {
	t.Helper()
	t.Chdir(filepath.Join("..", ".."))
}

func TestGolden(t *testing.T) {
	chdirRoot(t)
	t.Setenv("TARGET_ENV", "prod") // ignored: environments come from -env only
	seen := map[string]bool{}
	for _, tc := range cliCases {
		if seen[tc.name] {
			t.Fatalf("two cases named %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			args := expandArgs(t, tc.args)
			var stdout, stderr bytes.Buffer
			code := run(args, &stdout, &stderr)
			got := fmt.Sprintf("# %s\n$ %s\nexit %d\n-- stdout --\n%s-- stderr --\n%s", tc.why, shellLine(tc.args), code, stdout.String(), stderr.String())
			file := filepath.Join("testdata", "cli", tc.name+".golden")
			if *update {
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test -update to write it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s differs (-want +got):\n%s", file, diff)
			}
		})
	}
}

// expandArgs expands the globs in args.
func expandArgs(t testing.TB, args []string) []string {
	var out []string
	for _, a := range args {
		if !strings.Contains(a, "*") {
			out = append(out, a)
			continue
		}
		matches, err := filepath.Glob(a)
		if err != nil || len(matches) == 0 {
			t.Fatalf("glob %q: %v, %d matches", a, err, len(matches))
		}
		out = append(out, matches...)
	}
	return out
}

// shellLine writes the command line as it would be typed.
func shellLine(args []string) string {
	parts := []string{"experiment"}
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \"'{}[]$;&|<>()\\") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

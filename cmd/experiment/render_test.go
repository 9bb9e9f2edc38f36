package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inprocess/experiment"
)

var renderConfigs = []string{
	"testdata/seed.yaml",
	"testdata/assign/longform.yaml",
	"testdata/cli/render.yaml",
	"testdata/cli/diff-old.yaml",
	"testdata/cli/render.json",
}

// TestRenderRoundTrip checks that the rendered YAML and JSON, loaded with
// no environment, are the config loaded with -env: the same experiments in
// the same order, with the same rules, variants and allocations.
func TestRenderRoundTrip(t *testing.T) {
	chdirRoot(t)
	for _, config := range renderConfigs {
		for _, env := range []string{"prod", "staging", "dev"} {
			want := mustLoad(t, config, env)
			for _, format := range []string{"yaml", "json"} {
				t.Run(config+"/"+env+"/"+format, func(t *testing.T) {
					var stdout, stderr bytes.Buffer
					if code := run([]string{"render", "-config", config, "-env", env, "-format", format}, &stdout, &stderr); code != 0 {
						t.Fatalf("exit %d: %s", code, stderr.String())
					}
					got, err := experiment.Parse(stdout.Bytes(), experiment.WithLookupEnv(noLookupEnv))
					if err != nil {
						t.Fatalf("the rendered config does not load: %v\n%s", err, stdout.String())
					}
					if diff := cmp.Diff(want.Experiments(), got.Experiments()); diff != "" {
						t.Errorf("experiments differ (-%s with -env +rendered):\n%s", config, diff)
					}
					if want.Version() != got.Version() || want.GroupSalt() != got.GroupSalt() {
						t.Errorf("version %d, salt %q; want %d, %q", got.Version(), got.GroupSalt(), want.Version(), want.GroupSalt())
					}
					if strings.Contains(stdout.String(), "envs") || strings.Contains(stdout.String(), "DEPLOYMENT_ENV_VARIABLE") {
						t.Errorf("envs or DEPLOYMENT_ENV_VARIABLE left in:\n%s", stdout.String())
					}
				})
			}
		}
	}
}

// TestRenderSnapshotParity checks that the published snapshot gives every
// user the assignments the config gives, for the experiments it holds.
func TestRenderSnapshotParity(t *testing.T) {
	chdirRoot(t)
	attrs, err := readAttrs("testdata/cli/attrs.json")
	if err != nil {
		t.Fatal(err)
	}
	attrs = append(attrs, nil, map[string]any{"country": "US", "plan": "pro", "age": 17})
	for _, config := range renderConfigs {
		for _, env := range []string{"prod", "staging"} {
			t.Run(config+"/"+env, func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				code := run([]string{"render", "-config", config, "-env", env, "-format", "snapshot", "-published-at", "2026-02-20T12:00:00Z"}, &stdout, &stderr)
				if code != 0 && code != 1 {
					t.Fatalf("exit %d: %s", code, stderr.String())
				}
				if (code == 1) != strings.Contains(stderr.String(), "could not be written") {
					t.Errorf("exit %d with stderr:\n%s", code, stderr.String())
				}
				snap, err := experiment.Parse(stdout.Bytes())
				if err != nil {
					t.Fatalf("the snapshot does not load: %v", err)
				}
				if w := snap.Warnings(); len(w) > 0 {
					t.Errorf("the snapshot has warnings: %v", w)
				}
				if snap.Env() != env {
					t.Errorf("environment %q, want %q", snap.Env(), env)
				}
				written := map[string]bool{}
				for _, name := range snap.Names() {
					written[name] = true
				}
				orig := mustLoad(t, config, env)
				users := 3000
				if raceEnabled {
					users = 400 // the race detector is slow
				}
				for i := range users {
					c := experiment.ContextFor("user-" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)).With(attrs[i%len(attrs)])
					var want []experiment.Assignment
					for _, a := range orig.Assignments(c) {
						if written[a.ExperimentKey] {
							want = append(want, a)
						}
					}
					got := snap.Assignments(c)
					if diff := cmp.Diff(want, got, cmp.Comparer(jsonEqual)); diff != "" && !(len(want) == 0 && len(got) == 0) {
						t.Fatalf("user %q, %v: assignments differ (-config +snapshot):\n%s", c.UserID(), attrs[i%len(attrs)], diff)
					}
				}
			})
		}
	}
}

func jsonEqual(a, b json.RawMessage) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return cmp.Equal(x, y)
}

func TestRenderPublishedAtDefault(t *testing.T) {
	chdirRoot(t)
	data, err := os.ReadFile("testdata/cli/render.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "render.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	mtime := time.Date(2026, 3, 1, 9, 30, 15, 250e6, time.FixedZone("CET", 3600))
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"render", "-config", path, "-env", "prod", "-format", "snapshot"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var doc struct{ PublishedAt string }
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if want := "2026-03-01T08:30:15.250Z"; doc.PublishedAt != want {
		t.Errorf("publishedAt %q, want %q (the file's mtime in UTC)", doc.PublishedAt, want)
	}
}

// TestApplyEnvAliases checks that an alias whose anchor an override
// replaced, or that lived under envs, becomes a copy of its value.
func TestApplyEnvAliases(t *testing.T) {
	for _, tc := range []struct{ name, config, env string }{
		{"anchor replaced", "experiments:\n  a: &p 20%\n  b: *p\nenvs:\n  prod:\n    a: true\n", "prod"},
		{"anchor under envs", "envs:\n  prod:\n    a: &p 30%\n    b: *p\nexperiments:\n  a: 10%\n  b: 10%\n  c: *p\n", "prod"},
		{"anchor redefined", "experiments:\n  a: &p 20%\n  b: &p 30%\n  c: *p\nenvs:\n  prod:\n    b: true\n", "prod"},
		{"no experiments", "envs:\n  prod:\n    a: 10%\n", "prod"},
		{"null experiments", "experiments:\nenvs:\n  prod:\n    a: 10%\n", "prod"},
		{"DEPLOYMENT_ENV_VARIABLE first, with the file's comment", "# top\nDEPLOYMENT_ENV_VARIABLE: X\nexperiments: {a: 10%}\n", "prod"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "c.yaml")
			if err := os.WriteFile(path, []byte(tc.config), 0o644); err != nil {
				t.Fatal(err)
			}
			want := mustLoad(t, path, tc.env)
			var stdout, stderr bytes.Buffer
			if code := run([]string{"render", "-config", path, "-env", tc.env}, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			got, err := experiment.Parse(stdout.Bytes(), experiment.WithLookupEnv(noLookupEnv))
			if err != nil {
				t.Fatalf("%v\n%s", err, stdout.String())
			}
			if diff := cmp.Diff(want.Experiments(), got.Experiments()); diff != "" {
				t.Errorf("experiments differ (-want +got):\n%s\n%s", diff, stdout.String())
			}
			if strings.HasPrefix(tc.config, "# top") && !strings.Contains(stdout.String(), "# top\nexperiments:") {
				t.Errorf("the file's comment is not on the first key kept:\n%s", stdout.String())
			}
		})
	}
}

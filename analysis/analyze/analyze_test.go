package analyze

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/inprocess/experiment/analysis/internal/gen"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// inputs writes generated records to dir: two experiments' worth, one
// with two variants and a 15 % lift, one with three.
func inputs(t *testing.T) (exposures, events, three string) {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, o gen.Options) (string, string) {
		ex, ev := filepath.Join(dir, name+"-exposures.jsonl"), filepath.Join(dir, name+"-events.jsonl")
		var a, b bytes.Buffer
		if _, err := gen.Write(&a, &b, o); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(ex, a.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(ev, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return ex, ev
	}
	exposures, events = write("two", gen.Options{Users: 8000, Lifts: []float64{0, 0.15}, Days: 10, Seed: 3})
	// Three variants in one file holding both kinds of record.
	ex3, ev3 := write("three", gen.Options{Users: 6000, Experiment: "layout", Variants: []string{"a", "b", "c"},
		Lifts: []float64{0, 0.3, -0.2}, Days: 5, Multiple: 0.0001, Seed: 4})
	both, err := os.ReadFile(ex3)
	if err != nil {
		t.Fatal(err)
	}
	more, err := os.ReadFile(ev3)
	if err != nil {
		t.Fatal(err)
	}
	three = filepath.Join(dir, "three.jsonl")
	if err := os.WriteFile(three, append(both, more...), 0o644); err != nil {
		t.Fatal(err)
	}
	return exposures, events, three
}

// TestGolden runs the command and compares its output with
// testdata/NAME (rewrite with -update). JSON is compared by value, with
// a tolerance for the last bits of floating point.
func TestGolden(t *testing.T) {
	ex, ev, three := inputs(t)
	tests := []struct {
		name string
		args []string
	}{
		{"default.txt", []string{"-exposures", ex, "-events", ev, "-experiment", "checkout",
			"-metric", "purchase:mean", "-metric", "purchase", "-metric", "pageview", "-metric", "refund", "-correction", "holm"}},
		{"bayesian-absolute.json", []string{"-exposures", ex, "-events", ev, "-experiment", "checkout",
			"-metric", "purchase:mean", "-bayesian", "-absolute", "-json"}},
		{"three-sequential.txt", []string{"-exposures", three, "-events", three, "-experiment", "layout", "-control", "b",
			"-metric", "purchase:mean", "-metric", "purchase:proportion", "-sequential", "-cuped", "336h", "-window", "72h",
			"-weights", "a=1,b=1,c=1", "-correction", "bh"}},
		{"one-sided.txt", []string{"-exposures", ex, "-events", ev, "-experiment", "checkout",
			"-metric", "purchase", "-alternative", "greater", "-alpha", "0.1"}},
		{"srm.txt", []string{"-exposures", ex, "-events", ev, "-experiment", "checkout",
			"-metric", "purchase", "-weights", "control=0.55,treatment=0.45"}},
		{"missing-variant.json", []string{"-exposures", ex, "-events", ev, "-experiment", "checkout",
			"-metric", "purchase", "-weights", "control=1,treatment=1,ghost=1", "-json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Run(tt.args, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			golden(t, tt.name, stdout.Bytes())
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(name, ".json") {
		var w, g any
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("output is not JSON: %v", err)
		}
		if diff := cmp.Diff(w, g, cmpopts.EquateApprox(1e-9, 1e-12)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", path, diff)
		}
		return
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

func TestHTMLGolden(t *testing.T) {
	ex, ev, _ := inputs(t)
	out := filepath.Join(t.TempDir(), "report.html")
	var stdout, stderr bytes.Buffer
	args := []string{"-exposures", ex, "-events", ev, "-experiment", "checkout", "-metric", "purchase:mean",
		"-metric", "purchase", "-metric", "refund", "-html", out}
	if code := Run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "report.html", page)
	for _, bad := range []string{"http://", "https://", "<script", "<link", "@import", "src="} {
		if bytes.Contains(bytes.ReplaceAll(page, []byte(`xmlns="http://www.w3.org/2000/svg"`), nil), []byte(bad)) {
			t.Errorf("the report contains %q: it must load nothing", bad)
		}
	}
}

func TestRunErrors(t *testing.T) {
	ex, ev, _ := inputs(t)
	base := []string{"-exposures", ex, "-events", ev, "-experiment", "checkout", "-metric", "purchase"}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"help", []string{"-h"}, 0, "usage: analyze"},
		{"nothing", nil, 2, "are required"},
		{"no metric", base[:6], 2, "at least one -metric"},
		{"bad metric", append(base, "-metric", "x:median"), 2, `kind "median"`},
		{"unknown flag", append(base, "-frobnicate"), 2, "flag provided but not defined"},
		{"extra argument", append(base, "extra"), 2, `unexpected argument "extra"`},
		{"bad alternative", append(base, "-alternative", "up"), 2, "-alternative"},
		{"bad correction", append(base, "-correction", "bonferroni"), 2, "-correction"},
		{"bad weights", append(base, "-weights", "control=half"), 2, "-weights"},
		{"negative window", append(base, "-window", "-1h"), 2, "negative"},
		{"bad alpha", append(base, "-alpha", "1.5"), 1, "alpha 1.5"},
		{"unknown control", append(base, "-control", "nope"), 1, `control "nope" is not among`},
		{"weight missing", append(base, "-weights", "control=1"), 1, `no weight for variant "treatment"`},
		{"zero weight", append(base, "-weights", "control=1,treatment=0"), 1, "is not positive"},
		{"bayesian correction", append(base, "-bayesian", "-correction", "holm"), 1, "frequentist"},
		{"bayesian one-sided", append(base, "-bayesian", "-alternative", "less"), 1, "one-sided"},
		{"no such file", []string{"-exposures", ex + ".missing", "-events", ev, "-experiment", "checkout", "-metric", "purchase"}, 1, "no such file"},
		{"no such experiment", []string{"-exposures", ex, "-events", ev, "-experiment", "nope", "-metric", "purchase"}, 1, `no exposures to experiment "nope"`},
		{"not JSON Lines", []string{"-exposures", "analyze.go", "-events", ev, "-experiment", "checkout", "-metric", "purchase"}, 1, "exposures line 1"},
		{"unwritable report", append(base, "-html", filepath.Join(t.TempDir(), "no", "dir", "r.html")), 1, "analyze: open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(tt.args, &stdout, &stderr)
			if code != tt.code || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr.String(), tt.code, tt.want)
			}
			if code != 0 && stdout.Len() != 0 {
				t.Errorf("stdout %q on failure", stdout.String())
			}
		})
	}
}

package experiment

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestGoldenDesignAssignments evaluates the configs in testdata/design,
// as TestGoldenAssignments does testdata/assign, at three instants (before,
// during and after their schedules), and compares every user's
// Assignments with the golden file beside the config (rewrite with
// -update).
func TestGoldenDesignAssignments(t *testing.T) {
	files, _ := filepath.Glob("testdata/design/*.yaml")
	if len(files) == 0 {
		t.Fatal("no configs in testdata/design")
	}
	instants := []string{"2026-02-15T00:00:00Z", "2026-03-06T00:00:00Z", "2026-04-01T00:00:00Z"}
	attrs := []map[string]any{nil, {"plan": "pro"}, {"plan": "free"}}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			for _, env := range []string{"", "prod"} {
				r, err := Load(file, WithEnv(env), WithLookupEnv(nil))
				if err != nil {
					t.Fatal(err)
				}
				var b strings.Builder
				for _, at := range instants {
					when := mustTime(t, at)
					for i := range 60 {
						c := ContextFor(fmt.Sprint(i)).With(attrs[i%len(attrs)]).At(when)
						line, _ := json.Marshal(r.Assignments(c))
						fmt.Fprintf(&b, "%s %d %s\n", at, i, line)
					}
				}
				golden := strings.TrimSuffix(file, ".yaml") + ".golden"
				if env != "" {
					golden = strings.TrimSuffix(file, ".yaml") + "." + env + ".golden"
				}
				checkGolden(t, golden, b.String())
			}
		})
	}
}

// TestDesignClockAgrees checks that WithClock and Context.At give the same
// assignments for the golden configs.
func TestDesignClockAgrees(t *testing.T) {
	when := time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC)
	at := MustLoad("testdata/design/design.yaml")
	clocked := MustLoad("testdata/design/design.yaml", WithClock(func() time.Time { return when }))
	for i := range 200 {
		c := ContextFor(fmt.Sprint(i)).With(map[string]any{"plan": "pro"})
		a, _ := json.Marshal(at.Assignments(c.At(when)))
		b, _ := json.Marshal(clocked.Assignments(c))
		if string(a) != string(b) {
			t.Fatalf("user %d: At gives %s, WithClock %s", i, a, b)
		}
	}
}

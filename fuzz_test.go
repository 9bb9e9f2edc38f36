package experiment

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse, seeded from every config in
// testdata. Parse must not panic; a failure must be a *ConfigError whose
// message starts with "experiment: "; a success must evaluate consistently.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.yaml")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(genConfig(5)))
	f.Add([]byte(targetedConfig))
	f.Add([]byte(`{"experiments": {"a": {"variants": {"x": {"allocation": "0-50%", "payload": [1, {"k": null}]}}}}}`))
	f.Add([]byte("a: &x [1]\nb: *x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data)
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T is not a *ConfigError: %v", err, err)
			}
			if !strings.HasPrefix(err.Error(), "experiment: ") || ce.Err == nil {
				t.Fatalf("malformed error: %q (kind %v)", err, ce.Err)
			}
			return
		}
		for _, user := range []string{"", "1", "user-42"} {
			c := ContextFor(user).With(map[string]any{"country": "US", "age": 30})
			n := 0
			for _, e := range r.exps {
				on, name := r.VariantFor(e.key, c), r.Feature(e.key, c)
				if on != (name != "") {
					t.Fatalf("%q: VariantFor = %v but Feature = %q", e.key, on, name)
				}
				if on {
					n++
				}
			}
			if got := len(r.Assignments(c)); got > len(r.exps) {
				t.Fatalf("%d assignments for %d experiments", got, len(r.exps))
			}
		}
	})
}

// FuzzParsePercent checks the percentage parser on arbitrary strings: a
// result is a valid span, and it survives formatting and parsing again.
func FuzzParsePercent(f *testing.F) {
	for _, s := range []string{"10%", "20-30%", "0%", "100%", "33.33%", " 20 - 30 %", "33.333%", "101%", "30-20%", "-5%", "5.%", "1e2%", "10-20-30%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, msg := parsePercent(s)
		if msg != "" {
			if sp != (span{}) {
				t.Fatalf("parsePercent(%q) failed but returned %v", s, sp)
			}
			return
		}
		if !isPercent(s) {
			t.Fatalf("parsePercent(%q) succeeded but isPercent is false", s)
		}
		if sp.lo > sp.hi || sp.hi > Buckets {
			t.Fatalf("parsePercent(%q) = %v: not a span within 0..10000", s, sp)
		}
		again, msg := parsePercent(formatSpan(sp))
		if msg != "" || again != sp {
			t.Fatalf("parsePercent(formatSpan(%v) = %q) = %v, %q", sp, formatSpan(sp), again, msg)
		}
	})
}

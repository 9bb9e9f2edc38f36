package main

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/inprocess/experiment"
)

var lintCmd = &command{
	name:     "lint",
	synopsis: "lint [-strict] [-json] FILE...",
	summary:  "report every error and warning in config files",
	help: `Lint loads each config file (YAML or JSON, or a published snapshot) and
reports every error and every warning in it, not only the first, as
FILE:LINE:COLUMN: error|warning: KEY.PATH: what was wrong and what was
expected. Every environment's overrides are checked. Made for CI and
pre-commit hooks: nothing is written for clean files.

Exit status 1 when a file has an error or cannot be read, or, with -strict,
when a file has a warning.

Examples:
  experiment lint experiments.yaml
  experiment lint -strict configs/*.yaml
  experiment lint -json experiments.yaml | jq '.findings[] | select(.severity == "error")'

pre-commit (.pre-commit-config.yaml):
  - repo: local
    hooks:
      - id: experiment-lint
        name: experiment lint
        entry: experiment lint -strict
        language: system
        files: ^experiments/.*\.(yaml|yml|json)$
`,
	run: runLint,
}

// finding is one error or warning, as -json writes it.
type finding struct {
	experiment.Position        // file, line, column, key path
	Severity            string `json:"severity"`
	Kind                string `json:"kind,omitempty"` // errors only: the sentinel's text, e.g. "unknown group"
	Message             string `json:"message"`
}

func (f finding) String() string {
	var parts []string
	if f.File != "" {
		parts = append(parts, f.File)
	}
	if f.Line > 0 {
		parts = append(parts, strconv.Itoa(f.Line))
		if f.Column > 0 {
			parts = append(parts, strconv.Itoa(f.Column))
		}
	}
	s := strings.Join(parts, ":") + ": " + f.Severity + ": "
	if f.Path != "" {
		s += f.Path + ": "
	}
	return s + f.Message
}

type lintReport struct {
	Files    int       `json:"files"`
	Errors   int       `json:"errors"`
	Warnings int       `json:"warnings"`
	Strict   bool      `json:"strict"`
	OK       bool      `json:"ok"` // the exit status is 0
	Findings []finding `json:"findings"`
}

func runLint(c *cli, args []string) int {
	fl := c.flags()
	strict := fl.Bool("strict", false, "exit 1 on warnings too")
	asJSON := jsonFlag(fl)
	files, code, ok := c.parse(fl, args)
	if !ok {
		return code
	}
	if len(files) == 0 {
		return c.usageError("no files to lint")
	}
	rep := lintReport{Files: len(files), Strict: *strict, Findings: []finding{}}
	for _, file := range files {
		rep.Findings = append(rep.Findings, lintFile(file)...)
	}
	for _, f := range rep.Findings {
		if f.Severity == "error" {
			rep.Errors++
		} else {
			rep.Warnings++
		}
	}
	rep.OK = rep.Errors == 0 && (!*strict || rep.Warnings == 0)
	if *asJSON {
		if err := c.writeJSON(rep); err != nil {
			return c.fail(err)
		}
	} else {
		for _, f := range rep.Findings {
			fmt.Fprintln(c.stdout, f)
		}
		if len(rep.Findings) > 0 {
			summary := fmt.Sprintf("experiment lint: %s and %s in %s", plural(rep.Errors, "error"), plural(rep.Warnings, "warning"), plural(rep.Files, "file"))
			if *strict && rep.Warnings > 0 {
				summary += " (-strict: warnings fail)"
			}
			fmt.Fprintln(c.stderr, summary)
		}
	}
	if !rep.OK {
		return exitFindings
	}
	return exitOK
}

// lintFile returns the findings in one file, errors and warnings merged in
// document order (an error first where both are at one position).
func lintFile(file string) []finding {
	data, err := os.ReadFile(file)
	if err != nil {
		msg := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = pe.Op + ": " + pe.Err.Error()
		}
		return []finding{{Position: experiment.Position{File: file}, Severity: "error", Kind: "read error", Message: msg}}
	}
	errs, warns := experiment.Check(data, append(loadOptions(""), experiment.WithName(file))...)
	var out []finding
	for _, e := range errs {
		f := finding{Position: e.Position, Severity: "error", Message: e.Msg}
		if e.Err != nil {
			f.Kind = e.Err.Error()
			if f.Message == "" {
				f.Message = f.Kind
			}
		}
		out = append(out, f)
	}
	for _, w := range warns {
		out = append(out, finding{Position: w.Position, Severity: "warning", Message: w.Msg})
	}
	slices.SortStableFunc(out, func(a, b finding) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return out
}

// plural writes "1 error", "2 errors".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

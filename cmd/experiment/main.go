// Command experiment checks, evaluates, simulates, compares and renders
// experiment configs (YAML or JSON configs, and published snapshots) from
// the command line: for CI, pre-commit hooks, and people debugging why a
// user got a variant.
//
// Usage:
//
//	experiment lint [-strict] [-json] FILE...
//	experiment eval -config FILE [-env ENV] -user ID [-attr KEY=VALUE ...] [-attr-json KEY=JSON ...] [-context JSON] [-explain] [-json]
//	experiment dist -config FILE [-env ENV] [-users N] [-attrs FILE] [-json]
//	experiment diff [-env ENV] [-users N] [-attrs FILE] [-strict] [-json] OLD NEW
//	experiment render -config FILE -env ENV [-format yaml|json|snapshot] [-published-at TIME]
//	experiment analyze -exposures FILE -events FILE -experiment KEY -metric EVENT[:mean|proportion] [-json] [-html FILE]
//
// Run "experiment COMMAND -h" for a command's flags and examples. Flags may
// come before or after file arguments.
//
// Exit status: 0 when all went well; 1 for findings or errors in the input
// (a config that does not load, lint errors, lint warnings with -strict, a
// dist share off by more than 4 standard errors, a diff reshuffle with
// -strict, experiments render could not write as a snapshot); 2 for usage
// errors (unknown command or flag, missing or malformed flag values).
//
// Environments are chosen only by -env: unlike a service loading a config,
// the command does not read the process variable named by
// DEPLOYMENT_ENV_VARIABLE (TARGET_ENV), so its output does not depend on the
// shell it runs in.
//
// Install it with
//
//	go install github.com/inprocess/experiment/cmd/experiment@latest
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/inprocess/experiment"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK       = 0 // all went well
	exitFindings = 1 // findings or errors in the input
	exitUsage    = 2 // the command line is wrong
)

// command is one subcommand of experiment.
type command struct {
	name     string
	synopsis string // the usage line after "experiment "
	summary  string // one line for the command list
	help     string // what it does, with examples
	run      func(c *cli, args []string) int
}

// commands are the subcommands, in the order -h lists them.
var commands = []*command{lintCmd, evalCmd, distCmd, diffCmd, renderCmd, analyzeCmd}

// cli is what a running command writes to.
type cli struct {
	cmd            *command
	stdout, stderr io.Writer
}

// run is the whole program: it runs the command in args and returns the
// exit code. Tests call it in process.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, topUsage())
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && args[0] == "help" {
			if cmd := lookupCommand(args[1]); cmd != nil {
				c := &cli{cmd: cmd, stdout: stdout, stderr: stderr}
				return c.cmd.run(c, []string{"-h"})
			}
			fmt.Fprintf(stderr, "experiment: unknown command %q\nRun 'experiment -h' for usage.\n", args[1])
			return exitUsage
		}
		fmt.Fprint(stdout, topUsage())
		return exitOK
	}
	cmd := lookupCommand(args[0])
	if cmd == nil {
		fmt.Fprintf(stderr, "experiment: unknown command %q\nRun 'experiment -h' for usage.\n", args[0])
		return exitUsage
	}
	return cmd.run(&cli{cmd: cmd, stdout: stdout, stderr: stderr}, args[1:])
}

func lookupCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func topUsage() string {
	var b strings.Builder
	b.WriteString(`experiment checks, evaluates, simulates, compares and renders experiment configs.

Usage:
  experiment COMMAND [flags] [files]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-8s %s\n", c.name, c.summary)
	}
	b.WriteString(`
Run 'experiment COMMAND -h' (or 'experiment help COMMAND') for a command's
flags and examples. Every command takes -json for output meant for programs.
` + exitCodesHelp)
	return b.String()
}

const exitCodesHelp = `
Exit status:
  0  all went well
  1  findings or errors in the input (see the command's help)
  2  usage error: unknown command or flag, missing or malformed flag value
`

// flags returns a flag set for the command. Its errors and -h are reported
// by parse, not by the flag package.
func (c *cli) flags() *flag.FlagSet {
	fs := flag.NewFlagSet(c.cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses args, whose flags may come before, between or after the
// positional arguments ("--" ends the flags), and returns the positional
// arguments. When it returns ok false, the command exits with code: 0 after
// printing the help for -h, 2 after a usage error.
func (c *cli) parse(fs *flag.FlagSet, args []string) (pos []string, code int, ok bool) {
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				c.printHelp(fs)
				return nil, exitOK, false
			}
			return nil, c.usageError("%v", err), false
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), 0, true
		}
		if len(rest) == 0 {
			return pos, 0, true
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// usageError reports a usage error and returns exitUsage.
func (c *cli) usageError(format string, args ...any) int {
	fmt.Fprintf(c.stderr, "experiment %s: %s\nRun 'experiment %s -h' for usage.\n", c.cmd.name, fmt.Sprintf(format, args...), c.cmd.name)
	return exitUsage
}

// fail reports an error in the input (a config that does not load, a file
// that cannot be read) and returns exitFindings.
func (c *cli) fail(err error) int {
	msg := err.Error()
	if !strings.HasPrefix(msg, "experiment: ") {
		msg = "experiment " + c.cmd.name + ": " + msg
	}
	fmt.Fprintln(c.stderr, msg)
	return exitFindings
}

func (c *cli) printHelp(fs *flag.FlagSet) {
	fmt.Fprintf(c.stdout, "Usage:\n  experiment %s\n\n%s\nFlags:\n", c.cmd.synopsis, c.cmd.help)
	fs.SetOutput(c.stdout)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	fmt.Fprint(c.stdout, exitCodesHelp)
}

// writeJSON writes v as indented JSON, without HTML escaping.
func (c *cli) writeJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Shared flags. Each command registers the ones it takes.

func jsonFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("json", false, "write JSON for programs instead of text for people")
}

func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", "", "the config `file`: YAML or JSON, or a published snapshot")
}

func envFlag(fs *flag.FlagSet) *string {
	return fs.String("env", "", "apply the overrides of environment `ENV` (envs.ENV); default none")
}

func usersFlag(fs *flag.FlagSet) *int {
	return fs.Int("users", 100000, "simulate `N` users, with ids user-0 .. user-(N-1)")
}

func attrsFlag(fs *flag.FlagSet) *string {
	return fs.String("attrs", "", "targeting attributes from `file`: a JSON array of objects, or one object per line, given to users round-robin")
}

// noLookupEnv stands in for os.LookupEnv: the command selects environments
// with -env only, never from the process environment.
func noLookupEnv(string) (string, bool) { return "", false }

// loadOptions are the options every command loads configs with.
func loadOptions(env string) []experiment.Option {
	return []experiment.Option{experiment.WithEnv(env), experiment.WithLookupEnv(noLookupEnv)}
}

// load loads a config for environment env.
func load(path, env string) (*experiment.Ruleset, error) {
	return experiment.Load(path, loadOptions(env)...)
}

// checkUsers validates -users.
func (c *cli) checkUsers(n int) (int, bool) {
	if n < 1 {
		return c.usageError("-users %d: want at least 1", n), false
	}
	return 0, true
}

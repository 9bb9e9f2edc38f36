package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// analyzeCmd runs the analysis, which lives in the nested module
// github.com/inprocess/experiment/analysis so that this command (and the
// library) keep their three dependencies: it needs gonum's distributions.
// Like git's subcommands, "experiment analyze ARGS" runs the program
// experiment-analyze from PATH with ARGS, and exits with its status.
var analyzeCmd = &command{
	name:     "analyze",
	synopsis: "analyze -exposures FILE -events FILE -experiment KEY -metric EVENT[:mean|proportion] [-json] [-html FILE]",
	summary:  "say who won: effects, intervals and SRM from exposure and event logs (runs experiment-analyze)",
	help: `analyze reads JSON Lines of exposures and events (as the library's sinks
write them) and prints, per metric, each variant against control: users,
mean, effect, confidence interval, p-value or chance to win, and the
sample-ratio check. It is the program experiment-analyze of the analysis
module, run from PATH; install it with

  go install github.com/inprocess/experiment/analysis/cmd/experiment-analyze@latest

or, from a clone of the repository,

  go -C analysis install ./cmd/experiment-analyze

Run "experiment-analyze -h" for its flags.
`,
	run: runAnalyze,
}

// analyzeProgram is the program analyze runs; tests replace it.
var analyzeProgram = "experiment-analyze"

func runAnalyze(c *cli, args []string) int {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		if path, err := exec.LookPath(analyzeProgram); err == nil {
			return runProgram(c, path, args)
		}
		fmt.Fprintf(c.stdout, "usage: experiment %s\n\n%s", c.cmd.synopsis, c.cmd.help)
		return exitOK
	}
	path, err := exec.LookPath(analyzeProgram)
	if err != nil {
		fmt.Fprintf(c.stderr, "experiment analyze: %s is not installed (%v).\n\n%s", analyzeProgram, err, c.cmd.help)
		return exitUsage
	}
	return runProgram(c, path, args)
}

// runProgram runs path with args, its output going to c's, and returns its
// exit status.
func runProgram(c *cli, path string, args []string) int {
	cmd := exec.Command(path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, c.stdout, c.stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &exit):
		return exit.ExitCode()
	}
	fmt.Fprintf(c.stderr, "experiment analyze: %v\n", err)
	return exitFindings
}

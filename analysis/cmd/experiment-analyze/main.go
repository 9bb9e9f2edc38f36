// Command experiment-analyze prints who won an experiment: it reads the
// exposure and event records a service wrote through the library's sinks
// and compares each variant with the control. See package analyze, or run
// it with -h.
package main

import (
	"os"

	"github.com/inprocess/experiment/analysis/analyze"
)

func main() {
	os.Exit(analyze.Run(os.Args[1:], os.Stdout, os.Stderr))
}

// Package analyze is the analyze command: it aggregates an experiment's
// exposures and events from JSON Lines files, runs the stats engine on the
// result, and prints a table per metric, JSON, or a self-contained HTML
// report with plots. Build, WriteText, WriteJSON and WriteHTML are the
// same steps for a caller that has its statistics already (from
// aggregate.QuerySQL, say).
package analyze

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/inprocess/experiment/analysis/aggregate"
	"github.com/inprocess/experiment/analysis/stats"
)

const usage = `usage: analyze -exposures FILE -events FILE -experiment KEY -metric EVENT[:mean|proportion]... [flags]

Reads exposure and event records (JSON Lines, as the library's sinks write
them; one file may hold both) and prints, per metric, each variant against
the control: users, mean, effect, interval, and p-value or chance to win,
with the sample ratio and multiple-exposure checks.

`

type metricsFlag []aggregate.Metric

func (m *metricsFlag) String() string { return fmt.Sprint(*m) }
func (m *metricsFlag) Set(s string) error {
	metric, err := aggregate.ParseMetric(s)
	if err != nil {
		return err
	}
	*m = append(*m, metric)
	return nil
}

// config is the parsed command line.
type config struct {
	exposures, events, html string
	json                    bool
	agg                     aggregate.Options
	opts                    Options
}

// Run runs the analyze command with args (without the program name),
// writing results to stdout and problems to stderr. It returns the exit
// status: 0 on success, 1 when the analysis failed (unreadable files,
// invalid records), 2 for a bad command line.
func Run(args []string, stdout, stderr io.Writer) int {
	c, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "analyze: %v\n", err)
		return 2
	}
	if err := c.run(stdout); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

func parse(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("analyze", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	c := &config{}
	var metrics metricsFlag
	var weights, alternative, correction string
	var window, cuped time.Duration
	fs.StringVar(&c.exposures, "exposures", "", "the exposures `file` (JSON Lines)")
	fs.StringVar(&c.events, "events", "", "the events `file` (JSON Lines; may be the exposures file)")
	fs.StringVar(&c.agg.Experiment, "experiment", "", "the experiment's `key`")
	fs.Var(&metrics, "metric", "a metric, `EVENT[:mean|proportion]` (repeatable; a bare EVENT is a proportion)")
	fs.BoolVar(&c.json, "json", false, "print JSON instead of tables")
	fs.StringVar(&c.html, "html", "", "also write a self-contained HTML report to `file`")
	fs.StringVar(&c.opts.Control, "control", "", "the control variant's `key` (default \"control\" if present, else the first in key order)")
	fs.StringVar(&weights, "weights", "", "configured traffic `weights` for the SRM check, as variant=weight,... (default equal)")
	fs.BoolVar(&c.opts.Stats.Absolute, "absolute", false, "report absolute effects instead of relative")
	fs.BoolVar(&c.opts.Stats.Bayesian, "bayesian", false, "use the Bayesian engine (chance to win) instead of the frequentist")
	fs.StringVar(&alternative, "alternative", "two-sided", "the frequentist test's `alternative`: two-sided, greater or less")
	fs.BoolVar(&c.opts.Stats.Sequential, "sequential", false, "sequential testing: intervals valid at every look")
	fs.Float64Var(&c.opts.Stats.Tuning, "tuning", stats.DefaultTuning, "the sequential test's tuning `N*`")
	fs.Float64Var(&c.opts.Stats.Alpha, "alpha", stats.DefaultAlpha, "the significance `level`; intervals cover 1 - alpha")
	fs.DurationVar(&window, "window", 0, "conversion window: count events up to this `duration` after first exposure (default: no limit)")
	fs.DurationVar(&cuped, "cuped", 0, "CUPED with the metric over this `duration` before first exposure as covariate (GrowthBook uses 336h)")
	fs.StringVar(&correction, "correction", "", "multiple-testing `correction` across metrics and variants: holm or bh")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.exposures == "" || c.events == "" || c.agg.Experiment == "" || len(metrics) == 0:
		return nil, errors.New("-exposures, -events, -experiment and at least one -metric are required (see -h)")
	case window < 0 || cuped < 0:
		return nil, errors.New("-window and -cuped must not be negative")
	}
	c.agg.Metrics, c.agg.Window, c.agg.PreWindow = metrics, window, cuped
	c.opts.CUPED = cuped > 0
	switch alternative {
	case "two-sided":
	case "greater":
		c.opts.Stats.Alternative = stats.Greater
	case "less":
		c.opts.Stats.Alternative = stats.Less
	default:
		return nil, fmt.Errorf("-alternative %q: want two-sided, greater or less", alternative)
	}
	switch Correction(correction) {
	case NoCorrection, Holm, BenjaminiHochberg:
		c.opts.Correction = Correction(correction)
	default:
		return nil, fmt.Errorf("-correction %q: want holm or bh", correction)
	}
	if weights != "" {
		w, err := parseWeights(weights)
		if err != nil {
			return nil, err
		}
		c.opts.Weights = w
	}
	return c, nil
}

// parseWeights reads "a=1,b=2".
func parseWeights(s string) (map[string]float64, error) {
	w := map[string]float64{}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(part, "=")
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		k = strings.TrimSpace(k)
		if !ok || k == "" || err != nil {
			return nil, fmt.Errorf("-weights %q: want variant=weight,... with numbers", s)
		}
		if _, dup := w[k]; dup {
			return nil, fmt.Errorf("-weights %q: variant %q twice", s, k)
		}
		w[k] = f
	}
	return w, nil
}

func (c *config) run(stdout io.Writer) error {
	ex, err := os.Open(c.exposures)
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	defer ex.Close()
	ev, err := os.Open(c.events)
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	defer ev.Close()
	res, err := aggregate.Aggregate(ex, ev, c.agg)
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	if len(res.Variants) == 0 {
		return fmt.Errorf("analyze: no exposures to experiment %q in %s", c.agg.Experiment, c.exposures)
	}
	r, err := Build(res, c.opts)
	if err != nil {
		return err
	}
	if c.html != "" {
		if err := writeFile(c.html, r); err != nil {
			return err
		}
	}
	if c.json {
		err = WriteJSON(stdout, r)
	} else {
		err = WriteText(stdout, r)
	}
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

func writeFile(path string, r *Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	if err := WriteHTML(f, r); err != nil {
		f.Close()
		return fmt.Errorf("analyze: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("analyze: writing %s: %w", path, err)
	}
	return nil
}

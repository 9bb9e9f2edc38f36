// Command gen writes synthetic exposure and event records for the
// analysis's benchmarks and demonstrations:
//
//	go run ./scripts/gen -users 1000000 -exposures ex.jsonl -events ev.jsonl
//
// The records are what the library's JSON Lines sink writes; the same
// flags always write the same files.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/inprocess/experiment/analysis/internal/gen"
)

func main() {
	var o gen.Options
	var exposures, events, variants, lifts string
	flag.IntVar(&o.Users, "users", 100000, "users exposed to the experiment")
	flag.StringVar(&exposures, "exposures", "exposures.jsonl", "the exposures file to write")
	flag.StringVar(&events, "events", "events.jsonl", "the events file to write")
	flag.StringVar(&variants, "variants", "control,treatment", "the variants, comma-separated")
	flag.StringVar(&lifts, "lifts", "0,0.1", "each variant's relative lift of the conversion rate")
	flag.Float64Var(&o.Rate, "rate", 0.1, "the control's conversion rate")
	flag.IntVar(&o.Days, "days", 14, "days over which users enter")
	flag.Float64Var(&o.Pageviews, "pageviews", 0.3, "mean pageview events per user")
	flag.Uint64Var(&o.Seed, "seed", 1, "the random seed")
	flag.Parse()
	o.Variants = strings.Split(variants, ",")
	for _, l := range strings.Split(lifts, ",") {
		f, err := strconv.ParseFloat(l, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen: -lifts:", err)
			os.Exit(2)
		}
		o.Lifts = append(o.Lifts, f)
	}
	if err := run(exposures, events, o); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(exposures, events string, o gen.Options) error {
	ex, err := os.Create(exposures)
	if err != nil {
		return err
	}
	defer ex.Close()
	ev, err := os.Create(events)
	if err != nil {
		return err
	}
	defer ev.Close()
	c, err := gen.Write(ex, ev, o)
	if err != nil {
		return err
	}
	if err := ex.Close(); err != nil {
		return err
	}
	if err := ev.Close(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen: %d exposure lines in %s, %d event lines in %s\n", c.Exposures, exposures, c.Events, events)
	return nil
}

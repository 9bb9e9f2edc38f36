package analyze

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteText writes r as the analyze command prints it: the traffic
// checks, then a table per metric.
func WriteText(w io.Writer, r *Report) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "experiment %s: %s users; %s\n", r.Experiment, count(r.Users), r.describe())
	for _, t := range r.Variants {
		fmt.Fprintf(tw, "  %s\t%s users\t%s of traffic\t(configured %s)\n", t.Variant, count(t.Users), share(t.Users, r.Users), percent(t.Weight))
	}
	fmt.Fprintf(tw, "sample ratio: %s\n", r.srmLine())
	fmt.Fprintf(tw, "multiple exposures: %s\n", r.multipleLine())
	for _, m := range r.Metrics {
		fmt.Fprintf(tw, "\n%s\n", m.Metric)
		last := "p-value"
		if r.Settings.Engine == "bayesian" {
			last = "chance to win"
		}
		fmt.Fprintf(tw, "  variant\tusers\tmean\teffect\t%s interval\t%s\n", r.level(), last)
		for i, a := range m.Arms {
			if i == 0 {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t(control)\t\t\n", a.Variant, count(a.Users), mean(a.Mean))
				continue
			}
			res := m.Results[i-1]
			if res.Problem != "" {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t-\t-\t%s\n", a.Variant, count(a.Users), mean(a.Mean), verdict(res))
				continue
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", a.Variant, count(a.Users), mean(a.Mean), r.effect(res.Effect), r.interval(res), verdict(res))
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(tw, "\n%s\n", n)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// The table's padding leaves spaces at the ends of lines.
	for line := range bytes.Lines(buf.Bytes()) {
		if _, err := w.Write(append(bytes.TrimRight(line, " \n"), '\n')); err != nil {
			return err
		}
	}
	return nil
}

func share(n, total int64) string {
	if total == 0 {
		return "-"
	}
	return percent(float64(n) / float64(total))
}

// WriteJSON writes r as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

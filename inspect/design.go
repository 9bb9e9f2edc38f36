package inspect

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/inprocess/experiment"
)

// This file shows an experiment's design (the config's requires, start,
// end, ramp, layers, holdout and version) on its card: one line each,
// with what it does at the instant the page is drawn for.

// designLines describes d, for the instant at.
func designLines(d experiment.DesignInfo, at time.Time) []string {
	var out []string
	for _, p := range d.Requires {
		if p.Variant == "" {
			out = append(out, fmt.Sprintf("requires %q: the user must be on in it", p.Experiment))
		} else {
			out = append(out, fmt.Sprintf("requires variant %q of %q", p.Variant, p.Experiment))
		}
	}
	if !d.Start.IsZero() || !d.End.IsZero() {
		now := "outside it now"
		if d.Active(at) {
			now = "inside it now"
		}
		out = append(out, "runs "+window(d.Start, d.End)+": "+now)
	}
	if r := d.Ramp; r != nil {
		how := "linearly"
		if r.Steps > 0 {
			how = "in " + plural(r.Steps, "step")
		}
		out = append(out, fmt.Sprintf("ramp from %s to %s, %s, %s: %s of users now, by their bucket under salt %q",
			pct(r.From), pct(r.To), window(r.Start, r.End), how, pct(r.ShareAt(at)), r.Salt))
	}
	if l := d.Layer; l != nil {
		ranges := make([]string, len(l.Ranges))
		for i, r := range l.Ranges {
			ranges[i] = rangeText(r)
		}
		if len(ranges) == 0 {
			ranges = []string{"none"}
		}
		out = append(out, fmt.Sprintf("layer %q: %s of the layer's buckets under salt %q; its other experiments have the rest", l.Name, strings.Join(ranges, ", "), l.Salt))
	}
	for _, h := range d.Holdouts {
		whose := "the config's holdout"
		if h.Layer != "" {
			whose = "layer " + strconv.Quote(h.Layer) + "'s holdout"
		}
		out = append(out, fmt.Sprintf("%s keeps %s of users out, by their bucket under salt %q", whose, pct(h.Share), h.Salt))
	}
	if d.BucketVersion != 0 {
		out = append(out, fmt.Sprintf("bucketing version %d: sticky assignments recorded under another version are ignored", d.BucketVersion))
	}
	return out
}

// window writes [start, end) with open bounds left out.
func window(start, end time.Time) string {
	const layout = "2006-01-02 15:04:05 UTC"
	switch {
	case !start.IsZero() && !end.IsZero():
		return "from " + start.UTC().Format(layout) + " until " + end.UTC().Format(layout)
	case !start.IsZero():
		return "from " + start.UTC().Format(layout)
	}
	return "until " + end.UTC().Format(layout)
}

// parseAt reads the at parameter: blank is the page's clock, anything
// else an RFC 3339 time.
func parseAt(s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, attrsError("at must be an RFC 3339 time, such as 2026-03-01T09:00:00Z")
	}
	return t, nil
}

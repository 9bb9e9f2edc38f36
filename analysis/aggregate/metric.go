package aggregate

import (
	"fmt"
	"strings"

	"github.com/inprocess/experiment/analysis/stats"
)

// Metric is what an analysis measures: an event and how users' events
// become a value.
type Metric struct {
	// Event is the event's name, as given to Track.
	Event string
	// Kind is stats.Mean (the sum of the values per user) or
	// stats.Proportion (converted or not). The zero Kind is Mean.
	Kind stats.Kind
}

// String returns the metric as ParseMetric reads it: "EVENT:mean" or
// "EVENT:proportion".
func (m Metric) String() string { return m.Event + ":" + m.Kind.String() }

// ParseMetric reads "EVENT", "EVENT:mean" or "EVENT:proportion". A bare
// EVENT is a proportion: the share of users who did it. The kind is what
// follows the last ':', so an event whose name contains ':' must be given
// with its kind; any other kind, or an empty event, is an error.
func ParseMetric(s string) (Metric, error) {
	name, kind, found := s, "proportion", false
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		name, kind, found = s[:i], s[i+1:], true
	}
	if name == "" {
		return Metric{}, fmt.Errorf("aggregate: metric %q has no event name", s)
	}
	switch kind {
	case "mean":
		return Metric{name, stats.Mean}, nil
	case "proportion":
		return Metric{name, stats.Proportion}, nil
	}
	if found {
		return Metric{}, fmt.Errorf("aggregate: metric %q: kind %q is not mean or proportion", s, kind)
	}
	return Metric{}, fmt.Errorf("aggregate: metric %q", s)
}

package dashboard

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// buckets is the number of buckets allocations divide: 0 to 9999.
const buckets = 10000

// colour is the colour class of the variant at index i.
func colour(i int) string { return "c" + strconv.Itoa(i%10) }

// bucketBar draws an experiment's allocations over the buckets 0-9999:
// one segment per allocation, placed and sized in percent of the bar.
type bucketBar struct {
	Segments    []segment
	Unallocated string // the share of buckets no allocation holds
	Dangling    bool   // an allocation names no variant of the experiment
}

type segment struct {
	X, Width   string // percentages, for the SVG rect
	Class      string
	Variant    string // the variant's key; "" for a variant that is gone
	Start, End int
	Share      string
	LabelX     string // where the label starts; "" when the segment is too narrow for one
}

func newBucketBar(e experimentRow) bucketBar {
	index := map[string]int{}
	for i, v := range e.Variants {
		index[v.ID] = i
	}
	as := append([]allocation(nil), e.Allocations...)
	sort.SliceStable(as, func(i, j int) bool { return as[i].RangeStart < as[j].RangeStart })
	var b bucketBar
	held := 0
	for _, a := range as {
		s := segment{
			X:     percent(a.RangeStart),
			Width: percent(a.RangeEnd - a.RangeStart + 1),
			Start: a.RangeStart, End: a.RangeEnd,
			Share: pct(a.RangeEnd - a.RangeStart + 1),
			Class: "cx",
		}
		if i, ok := index[a.VariantID]; ok {
			s.Class, s.Variant = colour(i), e.Variants[i].Key
		} else {
			b.Dangling = true
		}
		if a.RangeEnd-a.RangeStart+1 >= 800 { // room for a label
			s.LabelX = percent(a.RangeStart + 60)
		}
		held += max(0, a.RangeEnd-a.RangeStart+1)
		b.Segments = append(b.Segments, s)
	}
	if held < buckets {
		b.Unallocated = pct(buckets - held)
	}
	return b
}

// percent is n buckets as a percentage of the bar, for SVG coordinates.
func percent(n int) string {
	return strconv.FormatFloat(float64(n)/100, 'f', -1, 64) + "%"
}

// ruleView is a targeting or audience rule for people: its conditions as
// "attribute operator value", all of which must hold.
type ruleView struct {
	Conditions []string
}

// readableRules renders stored rules ([{conditions: [...]}]); nil for none
// or for JSON that is not that shape.
func readableRules(raw json.RawMessage) []ruleView {
	var rules []struct {
		Conditions []struct {
			Attribute string          `json:"attribute"`
			Operator  string          `json:"operator"`
			Value     json.RawMessage `json:"value"`
		} `json:"conditions"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &rules) != nil {
		return nil
	}
	out := make([]ruleView, 0, len(rules))
	for _, r := range rules {
		var rv ruleView
		for _, c := range r.Conditions {
			val := "(no value)"
			if c.Value != nil {
				var buf bytes.Buffer
				if json.Compact(&buf, c.Value) == nil {
					val = buf.String()
				}
			}
			rv.Conditions = append(rv.Conditions, strings.TrimSpace(c.Attribute+" "+c.Operator+" "+val))
		}
		out = append(out, rv)
	}
	return out
}

package inspect

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/inprocess/experiment"
)

// page is what the template renders. Every string in it is plain text:
// html/template escapes it for the context it lands in. The only
// template.CSS values are built here from numbers.
type page struct {
	Title       string
	Config      bool // a Ruleset is serving
	Env         string
	Version     int64
	GroupSalt   string
	Running     int
	Warnings    []string
	Status      *statusInfo
	Query       *queryView
	Experiments []expView
}

type statusInfo struct {
	Source      string
	LoadedAt    string // "" when never (a Fallback)
	Fallback    bool
	LastError   string
	LastErrorAt string
}

type queryView struct {
	User  string
	Attrs string
	At    string // the instant asked about, as written; "" for the page's clock
	Error string // the attrs could not be used; the page is a 400
	Shown string // the attrs as decoded, re-encoded; "" for none
	On    int    // experiments the user is in
}

type expView struct {
	Anchor    string // the element id, "exp-N": keys are not safe ids
	Key       string
	ID        string
	Salt      string
	Running   bool
	Duplicate bool // an earlier experiment has the same key (snapshots)
	Rules     []ruleGroup
	Variants  []variantView
	Bar       bar
	GroupBar  *bar // only when some allocation uses a group percentage
	Notes     []note
	Design    []string // requires, schedule, ramp, layer, holdouts, version (design.go)
	Shadowed  []string // ranges hidden by earlier allocations
	Gap       string   // the share of buckets no allocation holds, "" for none
	ByUser    bool     // some users are assigned by user id or group, not bucket
	Result    *resultView
}

// ruleGroup is an audience's or the targeting's rules.
type ruleGroup struct {
	Label string // "audience pro-users", "targeting"
	Rules []ruleView
}

type ruleView struct {
	Conds   []string // "attribute operator value"
	Matched bool     // the targeting rule Explain reports as matching
}

type variantView struct {
	Key     string
	ID      string // "" when the same as Key
	Class   string // colour class
	Payload string // JSON; "" for absent
	Share   string // e.g. "50%" of the experiment's buckets, "" for none
	GShare  string // the share of group buckets, "" for none
	Chosen  bool   // the queried user's variant
}

type note struct {
	Class string // the variant's colour class, "cx" for no variant
	Label string // the variant, or "no variant"
	Text  string
}

type bar struct {
	Label    string // what the buckets hash under
	Off      bool   // the experiment assigns nobody: drawn faded
	Segments []segment
	Marker   *marker
}

type segment struct {
	Class string
	Style template.CSS // left and width, in percent of the bar
	Label string       // written in the segment when it is wide enough
	Title string       // the tooltip: variant, range, buckets
	Wide  bool
}

type marker struct {
	Style  template.CSS
	Bucket int
	Right  bool // label to the left of the line, near the bar's right end
}

type resultView struct {
	On      bool
	Variant string
	Class   string
	Reason  string
	Detail  string
	Rule    string // the targeting rule that matched, written out
}

func statusView(s experiment.Status, now time.Time) *statusInfo {
	v := &statusInfo{Source: s.Source, Fallback: s.Fallback}
	if !s.LoadedAt.IsZero() {
		v.LoadedAt = formatTime(s.LoadedAt, now)
	}
	if s.LastError != nil {
		v.LastError = s.LastError.Error()
		if !s.LastErrorAt.IsZero() {
			v.LastErrorAt = formatTime(s.LastErrorAt, now)
		}
	}
	return v
}

// formatTime writes t in UTC with how long ago it was.
func formatTime(t, now time.Time) string {
	s := t.UTC().Format("2006-01-02 15:04:05 UTC")
	if d := now.Sub(t); d >= 0 {
		s += " (" + d.Round(time.Second).String() + " ago)"
	}
	return s
}

// fillConfig describes rs as of now, and if c is not nil evaluates every
// experiment for it (with rs's sticky store, read only, if it has one).
func fillConfig(ctx context.Context, p *page, rs *experiment.Ruleset, c *experiment.Context, now time.Time) {
	p.Env, p.Version, p.GroupSalt = rs.Env(), rs.Version(), rs.GroupSalt()
	for _, w := range rs.Warnings() {
		p.Warnings = append(p.Warnings, w.String())
	}
	seen := make(map[string]bool)
	for i, info := range rs.Experiments() {
		e := describe(i, info, rs.GroupSalt())
		e.Design = designLines(info.Design, now)
		e.Duplicate = seen[info.Key]
		seen[info.Key] = true
		if info.Running {
			p.Running++
		}
		if c != nil && !e.Duplicate {
			explain(ctx, &e, info, rs, *c)
			if e.Result.On {
				p.Query.On++
			}
		}
		p.Experiments = append(p.Experiments, e)
	}
}

// palette is the number of variant colour classes, c0 to c9.
const palette = 10

func colour(variant int) string {
	if variant < 0 {
		return "cx"
	}
	return "c" + strconv.Itoa(variant%palette)
}

func describe(i int, info experiment.ExperimentInfo, groupSalt string) expView {
	e := expView{
		Anchor: "exp-" + strconv.Itoa(i), Key: info.Key, Salt: info.Salt,
		Running: info.Running,
	}
	if info.ID != info.Key {
		e.ID = info.ID
	}
	if info.HasAudience {
		label := "audience"
		if info.Audience != "" {
			label += " " + strconv.Quote(info.Audience)
		}
		e.Rules = append(e.Rules, ruleGroup{Label: label, Rules: rulesView(info.AudienceRules)})
	}
	if info.HasTargeting {
		e.Rules = append(e.Rules, ruleGroup{Label: "targeting", Rules: rulesView(info.TargetingRules)})
	}
	for _, v := range info.Variants {
		vv := variantView{Key: v.Key}
		if v.ID != v.Key {
			vv.ID = v.ID
		}
		if v.Payload != nil {
			vv.Payload = string(v.Payload)
		}
		e.Variants = append(e.Variants, vv)
	}
	for j := range e.Variants {
		e.Variants[j].Class = colour(j)
	}
	variantName := func(v int) string {
		if v < 0 || v >= len(info.Variants) {
			return "no variant"
		}
		return info.Variants[v].Key
	}

	e.drawAllocations(info, groupSalt, variantName)
	return e
}

// drawAllocations fills the bars, shares, notes and shadowed ranges of e
// from info's allocations.
func (e *expView) drawAllocations(info experiment.ExperimentInfo, groupSalt string, variantName func(int) string) {
	// The experiment's own buckets, and a second bar for group
	// percentages (the top-level salt): each arm's ranges drawn less what
	// earlier arms hold (experiment.ExperimentInfo.Reach). An allocation for
	// everyone (true, 1, 100%, or a snapshot's 0-9999) takes every bucket
	// still free, drawn hatched.
	e.Bar = bar{Label: fmt.Sprintf("buckets 0-9999 under the experiment's salt %q", info.Salt), Off: !info.Running}
	gb := &bar{Label: fmt.Sprintf("group buckets 0-9999 under the top-level salt %q", groupSalt), Off: !info.Running}
	share := make([]int, len(info.Variants))
	gshare := make([]int, len(info.Variants))
	taken := 0
	byGroup := false // some allocation reached has group percentages
	for a, reach := range info.Reach(groupSalt) {
		arm := info.Arms[a]
		name := variantName(arm.Variant)
		if !reach.Reached {
			e.Shadowed = append(e.Shadowed, fmt.Sprintf("the allocation for %s comes after one for everyone: it is never reached", name))
			continue
		}
		if arm.Everyone {
			e.Notes = append(e.Notes, note{Class: colour(arm.Variant), Label: name,
				Text: "everyone: every user who reaches this allocation, without hashing"})
		}
		for _, g := range arm.Groups {
			if arm.Everyone {
				break // its groups are not looked at
			}
			if g.Users > 0 {
				e.Notes = append(e.Notes, note{Class: colour(arm.Variant), Label: name,
					Text: fmt.Sprintf("group %q lists %s", g.Name, plural(g.Users, "user id"))})
			}
			byGroup = byGroup || len(g.Ranges) > 0
			e.ByUser = e.ByUser || g.Users > 0 || len(g.Ranges) > 0
		}
		drawn := make([]int, len(arm.Ranges)) // buckets drawn of each own range
		for _, p := range reach.Pieces {
			switch {
			case p.Group >= 0:
				g, r := arm.Groups[p.Group], arm.Groups[p.Group].Ranges[p.From]
				title := fmt.Sprintf("%s: group %q %s, group buckets %d-%d", name, g.Name, rangeText(r), r.Start, r.End-1)
				s := newSegment(arm.Variant, p.Range, name, title, false)
				s.Label = g.Name // the colour is the variant
				gb.Segments = append(gb.Segments, s)
				addShare(gshare, arm.Variant, p.Len())
				continue
			case p.From < 0:
				e.Bar.Segments = append(e.Bar.Segments, newSegment(arm.Variant, p.Range, name, name+": everyone", true))
			default:
				r := arm.Ranges[p.From]
				e.Bar.Segments = append(e.Bar.Segments, newSegment(arm.Variant, p.Range, name, fmt.Sprintf("%s: %s, buckets %d-%d", name, rangeText(r), r.Start, r.End-1), false))
				drawn[p.From] += p.Len()
			}
			addShare(share, arm.Variant, p.Len())
			taken += p.Len()
		}
		for j, r := range arm.Ranges {
			if hidden := r.End - r.Start - drawn[j]; hidden > 0 && !arm.Everyone {
				e.Shadowed = append(e.Shadowed, fmt.Sprintf("%s of %s's range %s is held by an earlier allocation (the first that holds a bucket wins)",
					pct(hidden), name, rangeText(r)))
			}
		}
	}
	if free := experiment.Buckets - taken; free > 0 {
		e.Gap = pct(free)
	}
	for v, n := range share {
		if n > 0 {
			e.Variants[v].Share = pct(n)
		}
	}
	if byGroup {
		e.GroupBar = gb
		for v, n := range gshare {
			if n > 0 {
				e.Variants[v].GShare = pct(n)
			}
		}
	}
}

func newSegment(v int, r experiment.Range, label, title string, everyone bool) segment {
	s := segment{
		Class: colour(v),
		Style: template.CSS("left:" + pct(r.Start) + ";width:" + pct(r.End-r.Start)),
		Label: label,
		Title: title,
		Wide:  r.End-r.Start >= 600,
	}
	if everyone {
		s.Class += " all"
	}
	return s
}

// explain evaluates e's experiment for c and marks the user on its bars.
func explain(ctx context.Context, e *expView, info experiment.ExperimentInfo, rs *experiment.Ruleset, c experiment.Context) {
	ex, err := rs.ExplainSticky(ctx, info.Key, c)
	if err != nil {
		ex.Detail += " (" + err.Error() + ")"
	}
	res := &resultView{On: ex.Reason.On(), Variant: ex.Variant, Reason: string(ex.Reason), Detail: ex.Detail, Class: "cx"}
	for j := range e.Variants {
		if res.On && e.Variants[j].Key == ex.Variant {
			e.Variants[j].Chosen = true
			res.Class = e.Variants[j].Class
			break
		}
	}
	if ex.Rule >= 0 && ex.Rule < len(info.TargetingRules) {
		res.Rule = strings.Join(conditions(info.TargetingRules[ex.Rule]), " AND ")
		for g := range e.Rules {
			if e.Rules[g].Label == "targeting" {
				e.Rules[g].Rules[ex.Rule].Matched = true
			}
		}
	}
	e.Result = res
	// Explain computes a bucket only when it needs one; the bars show
	// where the user falls either way.
	e.Bar.Marker = newMarker(experiment.Bucket(c.UserID(), info.Salt))
	if e.GroupBar != nil {
		e.GroupBar.Marker = newMarker(experiment.Bucket(c.UserID(), rs.GroupSalt()))
	}
}

func newMarker(b int) *marker {
	return &marker{Style: template.CSS("left:" + pct(b)), Bucket: b, Right: b > 8500}
}

func rulesView(rules []experiment.RuleInfo) []ruleView {
	out := make([]ruleView, 0, len(rules))
	for _, r := range rules {
		out = append(out, ruleView{Conds: conditions(r)})
	}
	return out
}

// conditions writes a rule's conditions as "attribute operator value", the
// value as JSON.
func conditions(r experiment.RuleInfo) []string {
	out := make([]string, 0, len(r.Conditions))
	for _, c := range r.Conditions {
		val := "(no value)"
		if !c.NoValue {
			val = jsonText(c.Value)
		}
		out = append(out, c.Attribute+" "+c.Operator+" "+val)
	}
	return out
}

// jsonText writes v as JSON, without encoding/json's escaping of <, > and
// & (html/template escapes the page).
func jsonText(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// pct writes n buckets as a CSS percentage of the 10000 buckets.
func pct(n int) string {
	return strconv.FormatFloat(float64(n)/100, 'f', -1, 64) + "%"
}

// rangeText writes r as a percentage, e.g. 20-30%.
func rangeText(r experiment.Range) string {
	if r.Start == 0 && r.End == experiment.Buckets {
		return "0-100%"
	}
	return r.String()
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// addShare adds n buckets to variant v's share; v is -1 for an
// allocation naming no variant.
func addShare(share []int, v, n int) {
	if v >= 0 && v < len(share) {
		share[v] += n
	}
}

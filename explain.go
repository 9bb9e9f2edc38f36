package experiment

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Reason says why a user is on or off in an experiment; see Explain.
type Reason string

// The reasons Explain gives, in evaluation order (see doc.go).
const (
	ReasonUnknown      Reason = "unknown"       // no experiment has the name
	ReasonDisabled     Reason = "disabled"      // not running, or written as false or 0
	ReasonAudience     Reason = "audience"      // the audience's rules did not match
	ReasonTargeting    Reason = "targeting"     // the targeting rules did not match
	ReasonNoMatch      Reason = "no-match"      // no variant's allocation holds the user
	ReasonNoVariant    Reason = "no-variant"    // a snapshot allocation holding the user names no variant
	ReasonOtherVariant Reason = "other-variant" // "exp/variant", and the user has another variant
	ReasonForced       Reason = "forced"        // on: a QA override forces the variant
	ReasonEveryone     Reason = "everyone"      // on: the variant is for everyone (true, 1, 100%)
	ReasonUserID       Reason = "user-id"       // on: a group of the variant lists the user's id
	ReasonGroup        Reason = "group"         // on: the user's group bucket is in a group's percentage
	ReasonSplit        Reason = "split"         // on: the user's bucket is in the variant's percentage
)

// On reports whether the reason is one of a user who is assigned a variant.
func (r Reason) On() bool {
	switch r {
	case ReasonEveryone, ReasonUserID, ReasonGroup, ReasonSplit, ReasonForced:
		return true
	}
	return false
}

// Explanation is what a user gets from one experiment, and why.
type Explanation struct {
	Name       string // the name asked about, as given
	Experiment string // the experiment's key; "" when unknown
	Variant    string // the variant assigned; "" when off
	Reason     Reason
	Detail     string // one sentence for people, e.g. `bucket 1234 under salt "x" is in 10-20%`
	Targeted   bool   // the experiment has audience or targeting rules, and they matched
	Rule       int    // the index of the targeting rule that matched, -1 for none
	Bucket     int    // the user's bucket under the experiment's salt, -1 when not needed
	Salt       string // the experiment's salt
}

// Explain evaluates the experiment name for the user in c as VariantFor and
// Feature do, and says why the user is on or off: the rule that matched or
// failed, the group or percentage that decided, the user's bucket. It is
// meant for debugging, inspectors and command-line tools, not the hot path:
// it allocates.
func (r *Ruleset) Explain(name string, c Context) Explanation {
	ex := Explanation{Name: name, Rule: -1, Bucket: -1}
	f, ok := r.lookup(name)
	if !ok {
		ex.Reason, ex.Detail = ReasonUnknown, fmt.Sprintf("no experiment is named %q", name)
		return ex
	}
	e := f.exp
	ex.Experiment, ex.Salt = e.key, e.salt
	if c.req != nil && c.req.forced != nil {
		gb := -1
		if v := r.forcedOrChosen(e, &c, &gb); v >= 0 && c.req.forced[e.key] == e.variants[v].key {
			ex.Variant, ex.Reason, ex.Detail = e.variants[v].key, ReasonForced, "a QA override forces the variant"
			if f.variant >= 0 && f.variant != v {
				ex.Variant, ex.Reason = "", ReasonOtherVariant
				ex.Detail = fmt.Sprintf("a QA override forces variant %q, not %q", e.variants[v].key, e.variants[f.variant].key)
			}
			return ex
		}
	}
	switch {
	case !e.running:
		ex.Reason, ex.Detail = ReasonDisabled, "the experiment's status is not running"
		return ex
	case e.disabled:
		ex.Reason, ex.Detail = ReasonDisabled, "the experiment is off for everyone (false)"
		return ex
	}
	if len(e.audience) > 0 {
		if i, why := e.audience.explain(&c); i < 0 {
			ex.Reason, ex.Detail = ReasonAudience, fmt.Sprintf("audience %q did not match: %s", e.audName, why)
			if e.audName == "" { // a snapshot's audienceRules
				ex.Detail = "no audience rule matched: " + why
			}
			return ex
		}
	}
	if len(e.targeting) > 0 {
		i, why := e.targeting.explain(&c)
		if i < 0 {
			ex.Reason, ex.Detail = ReasonTargeting, "no targeting rule matched: "+why
			return ex
		}
		ex.Rule = i
	}
	ex.Targeted = len(e.audience) > 0 || len(e.targeting) > 0
	v, reason, detail := r.explainArms(e, &c, &ex)
	switch {
	case v < 0:
		ex.Reason, ex.Detail = reason, detail
	case f.variant >= 0 && f.variant != v:
		ex.Reason = ReasonOtherVariant
		ex.Detail = fmt.Sprintf("the user has variant %q, not %q (%s)", e.variants[v].key, e.variants[f.variant].key, detail)
	default:
		ex.Variant, ex.Reason, ex.Detail = e.variants[v].key, reason, detail
	}
	return ex
}

// explainArms is choose's variant loop, saying which part decided.
func (r *Ruleset) explainArms(e *experiment, c *Context, ex *Explanation) (int, Reason, string) {
	groupBucket := -1
	bucket := func() int {
		if ex.Bucket < 0 {
			ex.Bucket = c.bucket(e.salt)
		}
		return ex.Bucket
	}
	decided := func(a arm, reason Reason, detail string) (int, Reason, string) {
		if a.variant < 0 {
			return -1, ReasonNoVariant, detail + ", but the allocation names no variant of the experiment"
		}
		return a.variant, reason, detail
	}
	for _, a := range e.arms {
		if a.alloc.everyone {
			return decided(a, ReasonEveryone, "the variant is for everyone")
		}
		for _, g := range a.alloc.groups {
			if _, ok := g.users[c.userID]; ok {
				return decided(a, ReasonUserID, fmt.Sprintf("group %q lists the user", g.name))
			}
			if len(g.spans) > 0 {
				if groupBucket < 0 {
					groupBucket = c.bucket(r.groupSalt)
				}
				for _, s := range g.spans {
					if s.contains(groupBucket) {
						return decided(a, ReasonGroup, fmt.Sprintf("group %q: bucket %d under the top-level salt %q is in %s", g.name, groupBucket, r.groupSalt, formatSpan(s)))
					}
				}
			}
		}
		for _, s := range a.alloc.spans {
			if s.contains(bucket()) {
				return decided(a, ReasonSplit, fmt.Sprintf("bucket %d under salt %q is in %s", ex.Bucket, e.salt, formatSpan(s)))
			}
		}
	}
	detail := "no variant's allocation holds the user"
	if ex.Bucket >= 0 {
		detail += fmt.Sprintf(" (bucket %d under salt %q)", ex.Bucket, e.salt)
	}
	return -1, ReasonNoMatch, detail
}

// explain returns the index of the first rule that matches, or -1 and why
// each rule failed. It is only called on non-empty lists, which match
// everyone.
func (rs rules) explain(c *Context) (int, string) {
	var why []string
	for i, r := range rs {
		failed := ""
		for j := range r {
			if !r[j].match(c) {
				failed = r[j].describe(c)
				break
			}
		}
		if failed == "" {
			return i, ""
		}
		why = append(why, fmt.Sprintf("rule %d: %s", i, failed))
	}
	return -1, strings.Join(why, "; ")
}

// describe says why a condition is false for c.
func (d *cond) describe(c *Context) string {
	attr, ok := c.attr(d.attr, d.platform)
	have := "missing"
	if ok {
		b, err := json.Marshal(attr)
		if err != nil {
			b = []byte(fmt.Sprint(attr))
		}
		have = string(b) + d.typeNote(attr)
	}
	return fmt.Sprintf("%s %s %s is false (%s is %s)", d.attr, d.opName(), d.val.text(), d.attr, have)
}

// typeNote says, when attr's type alone makes d false, which type d
// compares: a number given to a semver operator looks like a version but
// is none.
func (d *cond) typeNote(attr any) string {
	k, _, _, _ := attrKind(attr)
	switch d.op {
	case opContains, opMatches, opSemverEq, opSemverGt, opSemverGte, opSemverLt, opSemverLte:
		if k != kString {
			return ", " + kindName(k) + "; " + d.opName() + " compares strings"
		}
	case opGt, opLt, opGte, opLte:
		if k != kNumber {
			return ", " + kindName(k) + "; " + d.opName() + " compares numbers"
		}
	}
	return ""
}

// kindName names an attribute's kind for explanations.
func kindName(k kind) string {
	switch k {
	case kNull:
		return "null"
	case kBool:
		return "a boolean"
	case kNumber:
		return "a number"
	case kString:
		return "a string"
	}
	return "neither a string nor a number"
}

func (d *cond) opName() string {
	if d.op == opFalse {
		return d.opText
	}
	for name, o := range operators {
		if o.op == d.op {
			return name
		}
	}
	return "(unknown operator)"
}

// text writes a config value back, for explanations.
func (v *value) text() string {
	switch v.kind {
	case kNull:
		return "null"
	case kBool:
		return strconv.FormatBool(v.b)
	case kString:
		return strconv.Quote(v.s)
	case kNumber:
		if v.n.isInt {
			return strconv.FormatInt(v.n.i, 10)
		}
		return strconv.FormatFloat(v.n.f, 'g', -1, 64)
	case kUndefined:
		return "undefined"
	}
	if v.isList {
		parts := make([]string, len(v.list))
		for i := range v.list {
			parts[i] = v.list[i].text()
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return "{...}"
}

// ExperimentInfo describes a compiled experiment, for tools such as an
// inspector page or a config linter. It is a copy: changing it changes
// nothing in the Ruleset.
type ExperimentInfo struct {
	Key            string
	ID             string
	Salt           string
	Running        bool   // status running, and not written as false or 0
	Audience       string // the audience's name; "" for none (or in a snapshot, where audience rules are unnamed)
	HasAudience    bool
	HasTargeting   bool
	AudienceRules  []RuleInfo // the audience's rules (a snapshot's audienceRules)
	TargetingRules []RuleInfo
	Variants       []VariantInfo
	// Arms are the allocations in the order they are tried: in a config one
	// per variant, in variant order; in a snapshot one per allocation.
	Arms []ArmInfo
}

// RuleInfo describes a targeting rule: it matches when all its conditions
// do.
type RuleInfo struct {
	Conditions []ConditionInfo
}

// ConditionInfo describes a condition. Value is the config's value as
// encoding/json decodes it (string, float64, bool, nil, []any,
// map[string]any), or nil with NoValue for a snapshot condition without
// one.
type ConditionInfo struct {
	Attribute string
	Operator  string
	Value     any
	NoValue   bool
}

func describeRules(rs rules) []RuleInfo {
	var out []RuleInfo
	for _, r := range rs {
		ri := RuleInfo{Conditions: []ConditionInfo{}}
		for i := range r {
			d := &r[i]
			ri.Conditions = append(ri.Conditions, ConditionInfo{Attribute: d.attr, Operator: d.opName(), Value: d.val.any(), NoValue: d.val.kind == kUndefined})
		}
		out = append(out, ri)
	}
	return out
}

// any returns the value as encoding/json would decode it.
func (v *value) any() any {
	switch v.kind {
	case kBool:
		return v.b
	case kString:
		return v.s
	case kNumber:
		return v.n.f
	}
	if v.isList {
		out := make([]any, len(v.list))
		for i := range v.list {
			out[i] = v.list[i].any()
		}
		return out
	}
	if v.kind == kOther {
		return map[string]any{}
	}
	return nil
}

// VariantInfo describes a variant.
type VariantInfo struct {
	Key     string
	ID      string
	Payload json.RawMessage // nil when absent (snapshots only)
}

// ArmInfo describes an allocation and the variant it gives.
type ArmInfo struct {
	Variant  int         // index into ExperimentInfo.Variants; -1 for an allocation naming no variant
	Everyone bool        // true, 1 or 100%: every user
	Ranges   []Range     // percentages of the experiment's own buckets (its salt)
	Groups   []GroupInfo // groups, whose percentages use the top-level salt
}

// GroupInfo describes a group used by an allocation.
type GroupInfo struct {
	Name   string
	Users  int     // how many user ids it lists
	Ranges []Range // its percentages, under the top-level salt
}

// Range is the half-open bucket interval [Start, End), 0 <= Start <= End
// <= 10000: the percentage Start/100 - End/100 %.
type Range struct {
	Start, End int
}

// String writes the range as a percentage, e.g. "20-30%".
func (r Range) String() string { return formatSpan(span{uint16(r.Start), uint16(r.End)}) }

// Experiments describes every experiment, in config order, after the
// active environment's overrides. It allocates a new description on each
// call.
func (r *Ruleset) Experiments() []ExperimentInfo {
	if r == nil {
		return nil
	}
	out := make([]ExperimentInfo, len(r.exps))
	for i, e := range r.exps {
		info := ExperimentInfo{
			Key: e.key, ID: e.id, Salt: e.salt, Running: e.running && !e.disabled,
			Audience: e.audName, HasAudience: len(e.audience) > 0, HasTargeting: len(e.targeting) > 0,
			AudienceRules: describeRules(e.audience), TargetingRules: describeRules(e.targeting),
		}
		for _, v := range e.variants {
			info.Variants = append(info.Variants, VariantInfo{Key: v.key, ID: v.id, Payload: v.payload})
		}
		for _, a := range e.arms {
			ai := ArmInfo{Variant: a.variant, Everyone: a.alloc.everyone}
			for _, s := range a.alloc.spans {
				ai.Ranges = append(ai.Ranges, Range{int(s.lo), int(s.hi)})
			}
			for _, g := range a.alloc.groups {
				gi := GroupInfo{Name: g.name, Users: len(g.users)}
				for _, s := range g.spans {
					gi.Ranges = append(gi.Ranges, Range{int(s.lo), int(s.hi)})
				}
				ai.Groups = append(ai.Groups, gi)
			}
			info.Arms = append(info.Arms, ai)
		}
		out[i] = info
	}
	return out
}

// GroupSalt returns the config's top-level salt, which group percentages
// use.
func (r *Ruleset) GroupSalt() string {
	if r == nil {
		return ""
	}
	return r.groupSalt
}

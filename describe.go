package experiment

import "encoding/json"

// ExperimentInfo describes a compiled experiment, for tools such as an
// inspector page or a config linter. It is a copy: changing it changes
// nothing in the Ruleset.
type ExperimentInfo struct {
	Key            string
	ID             string
	Salt           string
	Running        bool   // status running, and not written as false or 0
	Client         bool   // marked client: true, for services that answer browsers and apps (experimentd's OFREP); false in snapshots
	Audience       string // the audience's name; "" for none (or in a snapshot, where audience rules are unnamed)
	HasAudience    bool
	HasTargeting   bool
	AudienceRules  []RuleInfo // the audience's rules (a snapshot's audienceRules)
	TargetingRules []RuleInfo
	Variants       []VariantInfo
	// Arms are the allocations in the order they are tried: in a config one
	// per variant, in variant order; in a snapshot one per allocation.
	Arms []ArmInfo
	// Design is what the experiment declares beyond rules and allocations:
	// prerequisites, schedule, ramp, layer, holdouts, bucketing version.
	Design DesignInfo
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
			Key: e.key, ID: e.id, Salt: e.salt, Running: e.running && !e.disabled, Client: e.client,
			Audience: e.audName, HasAudience: len(e.audience) > 0, HasTargeting: len(e.targeting) > 0,
			AudienceRules: describeRules(e.audience), TargetingRules: describeRules(e.targeting),
			Design: e.describeDesign(), // design_info.go
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

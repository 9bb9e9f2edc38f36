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
	ReasonSchedule     Reason = "schedule"      // the evaluation time is outside the experiment's start and end
	ReasonPrerequisite Reason = "prerequisite"  // a prerequisite (requires) is not met
	ReasonHoldout      Reason = "holdout"       // a holdout (the config's or the layer's) holds the user out
	ReasonLayer        Reason = "layer"         // the user's part of the layer belongs to another experiment, or to none
	ReasonRamp         Reason = "ramp"          // the ramp's share at the evaluation time does not reach the user yet
	ReasonNoMatch      Reason = "no-match"      // no variant's allocation holds the user
	ReasonNoVariant    Reason = "no-variant"    // a snapshot allocation holding the user names no variant
	ReasonOtherVariant Reason = "other-variant" // "exp/variant", and the user has another variant
	ReasonForced       Reason = "forced"        // on: a QA override forces the variant
	ReasonEveryone     Reason = "everyone"      // on: the variant is for everyone (true, 1, 100%)
	ReasonUserID       Reason = "user-id"       // on: a group of the variant lists the user's id
	ReasonGroup        Reason = "group"         // on: the user's group bucket is in a group's percentage
	ReasonSplit        Reason = "split"         // on: the user's bucket is in the variant's percentage
	ReasonSticky       Reason = "sticky"        // on: the sticky store has the variant (ExplainSticky only)
)

// On reports whether the reason is one of a user who is assigned a variant.
func (r Reason) On() bool {
	switch r {
	case ReasonEveryone, ReasonUserID, ReasonGroup, ReasonSplit, ReasonForced, ReasonSticky:
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
	gb := -1
	var d decision
	v := r.decide(e, &c, &gb, &d)
	ex.Bucket, ex.Rule = d.bucket, d.rule
	// Targeted: the user passed an audience or targeting rules.
	passed := d.by == byNoArm || d.by >= byEveryone
	ex.Targeted = passed && (len(e.audience) > 0 || len(e.targeting) > 0)
	reason, detail := r.describeDecision(e, &c, &d, gb)
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

// noArm is the arm describeDecision reads when no arm decided; it is only
// read.
var noArm = arm{variant: -1}

// describeDecision says in words what decided d, for the user in c; gb is
// the group bucket decide computed, or -1.
func (r *Ruleset) describeDecision(e *experiment, c *Context, d *decision, gb int) (Reason, string) {
	a := &noArm
	if d.arm >= 0 {
		a = &e.arms[d.arm]
	}
	var reason Reason
	var detail string
	if d.by >= bySchedule {
		return r.describeGate(e, c, d) // design.go
	}
	switch d.by {
	case byStatus:
		return ReasonDisabled, "the experiment's status is not running"
	case byDisabled:
		return ReasonDisabled, "the experiment is off for everyone (false)"
	case byAudience:
		_, why := e.audience.explain(c)
		if e.audName == "" { // a snapshot's audienceRules
			return ReasonAudience, "no audience rule matched: " + why
		}
		return ReasonAudience, fmt.Sprintf("audience %q did not match: %s", e.audName, why)
	case byTargeting:
		_, why := e.targeting.explain(c)
		return ReasonTargeting, "no targeting rule matched: " + why
	case byNoArm:
		detail = "no variant's allocation holds the user"
		if d.bucket >= 0 {
			detail += fmt.Sprintf(" (bucket %d under salt %q)", d.bucket, e.salt)
		}
		return ReasonNoMatch, detail
	case byEveryone:
		reason, detail = ReasonEveryone, "the variant is for everyone"
	case byUser:
		reason, detail = ReasonUserID, fmt.Sprintf("group %q lists the user", a.alloc.groups[d.group].name)
	case byGroup:
		g := a.alloc.groups[d.group]
		reason, detail = ReasonGroup, fmt.Sprintf("group %q: bucket %d under the top-level salt %q is in %s", g.name, gb, r.groupSalt, formatSpan(g.spans[d.span]))
	case bySplit:
		reason, detail = ReasonSplit, splitDetail(d.bucket, e.salt, e.plainSalt, a.alloc.spans[d.span])
	}
	if a.variant < 0 {
		return ReasonNoVariant, detail + ", but the allocation names no variant of the experiment"
	}
	return reason, detail
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
	attr, ok := c.lookupAny(d.attr, d.platform)
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
	return d.op.name()
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

// splitDetail is the detail of bySplit, `bucket 1234 under salt "x" is in
// 10-20%`, built in one buffer: it is the common case, and fmt.Sprintf
// made Explain cost 14 times an evaluation. plain is plainString(salt),
// which the experiment knows from its load.
func splitDetail(bucket int, salt string, plain bool, s span) string {
	var stack [128]byte
	b := append(stack[:0], "bucket "...)
	b = appendDecimal(b, bucket)
	if plain {
		b = append(b, " under salt \""...)
		b = append(b, salt...)
		b = append(b, "\" is in "...)
	} else {
		b = append(b, " under salt "...)
		b = strconv.AppendQuote(b, salt)
		b = append(b, " is in "...)
	}
	b = appendHundredths(b, s.lo)
	b = append(b, '-')
	b = appendHundredths(b, s.hi)
	b = append(b, '%')
	return string(b)
}

// plainString reports whether strconv.Quote writes s as it is between its
// quotes: s is printable ASCII without a quote or backslash.
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		if !plainByte[s[i]] {
			return false
		}
	}
	return true
}

// appendDecimal is strconv.AppendInt(b, v, 10), written out for the
// numbers of a detail (buckets, percentages: 0 to 9999), which it formats
// two digits at a time from a table, in one append.
func appendDecimal(b []byte, v int) []byte {
	switch {
	case v < 0 || v > 9999:
		return strconv.AppendInt(b, int64(v), 10)
	case v < 10:
		return append(b, byte('0'+v))
	case v < 100:
		return append(b, digitPairs[2*v], digitPairs[2*v+1])
	}
	hi, lo := 2*(v/100), 2*(v%100)
	if v < 1000 {
		return append(b, digitPairs[hi+1], digitPairs[lo], digitPairs[lo+1])
	}
	return append(b, digitPairs[hi], digitPairs[hi+1], digitPairs[lo], digitPairs[lo+1])
}

// digitPairs holds 00 to 99, two bytes each.
const digitPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// plainByte[c] says whether strconv.Quote writes byte c as itself:
// printable ASCII other than '"' and '\\'.
var plainByte = func() (t [256]bool) {
	for c := ' '; c <= '~'; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendHundredths appends formatHundredths(v) to b.
func appendHundredths(b []byte, v uint16) []byte {
	b = appendDecimal(b, int(v/100))
	if f := v % 100; f != 0 {
		b = append(b, '.', byte('0'+f/10))
		if f%10 != 0 {
			b = append(b, byte('0'+f%10))
		}
	}
	return b
}

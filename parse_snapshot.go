package experiment

import (
	"math"
	"strconv"
	"strings"

	"github.com/inprocess/experiment/internal/wire"
	"gopkg.in/yaml.v3"
)

// This file reads the platform seed's published config snapshots (doc.go's "Published snapshots")
// and compiles them to evaluate exactly as the platform's decision service
// does: a user's bucket under the experiment's salt is looked up in the
// allocations in array order, and the first whose inclusive range holds it
// decides. Where the platform's TypeScript converts values (a salt that is
// not a string, a range bound that is not a number), the conversion is
// JavaScript's, so that the same snapshot gives the same assignments.

// isSnapshot reports whether a config document is a published snapshot:
// its experiments are an array.
func isSnapshot(top []entry) bool {
	for _, e := range top {
		if e.key == "experiments" {
			return resolve(e.v).Kind == yaml.SequenceNode
		}
	}
	return false
}

// snapshot compiles a published snapshot. Keys the platform does not write
// are ignored with a warning, so that a newer platform's snapshots load.
func (p *parser) snapshot(top []entry) *Ruleset {
	r := &Ruleset{}
	var exps []namedExperiment
	for _, e := range top {
		switch e.key {
		case "version":
			n := resolve(e.v)
			num, ok := scalarNumber(n)
			if n.Kind != yaml.ScalarNode || !ok || !wire.ValidVersion(num.f) {
				p.errorf(n, "version", ErrInvalidValue, "expected an integer version, found %s", describe(n))
				continue
			}
			r.version = int64(num.f)
		case "environment":
			r.env, _ = p.text(e.v, "environment", "an environment name")
		case "experiments":
			n := resolve(e.v)
			for i, en := range n.Content {
				if x := p.snapshotExperiment(en, indexPath("experiments", i)); x != nil {
					exps = append(exps, namedExperiment{x, en})
				}
			}
		case "publishedAt":
		default:
			p.warnf(e.k, e.key, "key %q is not part of a published snapshot; it is ignored", e.key)
		}
	}
	r.exps = applyEnv(exps, nil)
	r.byName = index(r.exps)
	r.groupPack = packSalt(r.groupSalt)
	return r
}

func (p *parser) snapshotExperiment(n *yaml.Node, path string) *experiment {
	fields, ok := p.mapping(n, path, false)
	if !ok {
		return nil
	}
	e := &experiment{running: true, salt: "undefined"}
	var allocs *yaml.Node
	hasKey, hasID := false, false
	for _, f := range fields {
		fp := joinPath(path, f.key)
		switch f.key {
		case "id":
			e.id, hasID = p.text(f.v, fp, "an experiment id")
		case "key":
			e.key, hasKey = p.text(f.v, fp, "an experiment key")
		case "salt":
			e.salt = p.jsString(f.v, fp)
		case "audienceRules":
			e.audience = p.ruleList(f.v, fp, true)
		case "targetingRules":
			e.targeting = p.ruleList(f.v, fp, true)
		case "variants":
			p.snapshotVariants(e, f.v, fp)
		case "allocations":
			allocs = f.v
		default:
			p.warnf(f.k, fp, "key %q is not part of a published experiment; it is ignored", f.key)
		}
	}
	if !hasKey || !hasID {
		p.errorf(resolve(n), path, ErrMissingKey, "a published experiment needs an id and a key")
		return nil
	}
	if e.key == "" || strings.IndexByte(e.key, 0) >= 0 { // the platform requires a key; Feature needs a name
		p.errorf(resolve(n), joinPath(path, "key"), ErrInvalidValue, "an experiment key must be non-empty and without NUL")
		return nil
	}
	if len(e.key) > MaxNameLength {
		p.errorf(resolve(n), joinPath(path, "key"), ErrTooLarge, "an experiment key is %d bytes; the limit is %d (MaxNameLength)", len(e.key), MaxNameLength)
		return nil
	}
	p.snapshotAllocations(e, allocs, joinPath(path, "allocations"))
	return e
}

func (p *parser) snapshotVariants(e *experiment, n *yaml.Node, path string) {
	n = resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, path, ErrInvalidValue, "expected a list of variants, found %s", describe(n))
		return
	}
	for i, vn := range n.Content {
		vp := indexPath(path, i)
		fields, ok := p.mapping(vn, vp, false)
		if !ok {
			continue
		}
		var v variant // payload nil: absent stays absent
		hasKey, hasID := false, false
		for _, f := range fields {
			fp := joinPath(vp, f.key)
			switch f.key {
			case "id":
				v.id, hasID = p.text(f.v, fp, "a variant id")
			case "key":
				v.key, hasKey = p.text(f.v, fp, "a variant key")
			case "payload":
				v.payload = p.payload(f.v, fp)
			default:
				p.warnf(f.k, fp, "key %q is not part of a published variant; it is ignored", f.key)
			}
		}
		if !hasKey || !hasID {
			p.errorf(resolve(vn), vp, ErrMissingKey, "a published variant needs an id and a key")
			continue
		}
		if v.key == "" { // the platform requires one; Feature could not tell it from off
			p.errorf(resolve(vn), joinPath(vp, "key"), ErrInvalidValue, "a variant key must not be empty")
			continue
		}
		if len(v.key) > MaxNameLength {
			p.errorf(resolve(vn), joinPath(vp, "key"), ErrTooLarge, "a variant key is %d bytes; the limit is %d (MaxNameLength)", len(v.key), MaxNameLength)
			continue
		}
		e.variants = append(e.variants, v)
	}
}

// snapshotAllocations compiles the allocations into arms, in array order.
// An inclusive range [start, end] of numbers holds the integer buckets
// from ceil(start) to floor(end).
func (p *parser) snapshotAllocations(e *experiment, n *yaml.Node, path string) {
	n = resolve(n)
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, path, ErrInvalidValue, "expected a list of allocations, found %s", describe(n))
		return
	}
	var byID variantIDs
	if len(e.variants) > variantScanLimit {
		byID = make(variantIDs, len(e.variants))
		for j := len(e.variants) - 1; j >= 0; j-- { // the first of an id wins
			byID[e.variants[j].id] = j
		}
	}
	for i, an := range n.Content {
		ap := indexPath(path, i)
		fields, ok := p.mapping(an, ap, false)
		if !ok {
			continue
		}
		start, end := math.NaN(), math.NaN() // absent: undefined, never compares
		variantID, idIsString := "", false
		for _, f := range fields {
			fp := joinPath(ap, f.key)
			switch f.key {
			case "variantId":
				vn := resolve(f.v)
				idIsString = stringTag(vn)
				variantID = vn.Value
			case "rangeStart":
				start = p.jsNumber(f.v, fp)
			case "rangeEnd":
				end = p.jsNumber(f.v, fp)
			default:
				p.warnf(f.k, fp, "key %q is not part of a published allocation; it is ignored", f.key)
			}
		}
		a := arm{variant: -1}
		if idIsString {
			a.variant = byID.find(e.variants, variantID)
		}
		if a.variant < 0 {
			p.warnf(resolve(an), ap, "the allocation names no variant of the experiment: users in its range get nothing from it")
		}
		lo, hi := math.Max(math.Ceil(start), 0), math.Min(math.Floor(end)+1, Buckets)
		if lo < hi { // false for NaN
			a.alloc.spans = []span{{uint16(lo), uint16(hi)}}
			a.alloc.everyone = lo == 0 && hi == Buckets
		}
		e.arms = append(e.arms, a)
	}
}

// snapshotCondition compiles a published condition with the platform's
// semantics: its seven operators, any other operator false, a missing
// value JavaScript's undefined.
func (p *parser) snapshotCondition(n *yaml.Node, path string) (cond, bool) {
	fields, ok := p.mapping(n, path, false)
	if !ok {
		return cond{}, false
	}
	d := cond{val: value{kind: kUndefined}, platform: true}
	hasAttr, opName := false, ""
	for _, f := range fields {
		fp := joinPath(path, f.key)
		switch f.key {
		case "attribute":
			d.attr, hasAttr = p.text(f.v, fp, "an attribute name")
		case "operator":
			if on := resolve(f.v); on.Kind == yaml.ScalarNode {
				opName = on.Value
			}
		case "value":
			d.val = p.value(resolve(f.v), fp).doubles()
		default:
			p.warnf(f.k, fp, "key %q is not part of a published condition; it is ignored", f.key)
		}
	}
	if !hasAttr {
		p.errorf(resolve(n), path, ErrMissingKey, "the condition has no attribute")
		return cond{}, false
	}
	if o, found := operators[opName]; found && o.platform {
		d.op = o.op
	} else {
		d.op, d.opText = opFalse, opName
		p.warnf(resolve(n), path, "operator %q is not one of the platform's (eq, neq, in, notIn, contains, gt, lt): the condition is false for every user", opName)
	}
	return d, true
}

// jsString is JavaScript's String(v) for a salt, as the platform builds
// `${userKey}:${salt}`: an absent salt is "undefined", null is "null".
func (p *parser) jsString(n *yaml.Node, path string) string {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!bool":
			return n.Value
		case "!!int", "!!float":
			if num, ok := scalarNumber(n); ok {
				return jsNumberString(num.f)
			}
		default:
			return n.Value
		}
	}
	p.errorf(n, path, ErrInvalidValue, "expected a salt (a string), found %s", describe(n))
	return ""
}

// jsNumberString formats f as JavaScript's String(f) does for the numbers
// a JSON salt can hold.
func jsNumberString(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	case math.Abs(f) >= 1e21 || math.Abs(f) < 1e-6:
		s := strconv.FormatFloat(f, 'e', -1, 64)
		mant, exp, _ := strings.Cut(s, "e")
		if exp[0] == '+' {
			return mant + "e+" + strings.TrimLeft(exp[1:], "0")
		}
		return mant + "e-" + strings.TrimLeft(exp[1:], "0")
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// jsNumber converts a range bound as JavaScript's relational comparison
// does: a number as it is, null as 0, a boolean as 0 or 1, a string by
// Number(s); anything else is NaN, which never compares.
func (p *parser) jsNumber(n *yaml.Node, path string) float64 {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode {
		return math.NaN()
	}
	switch n.ShortTag() {
	case "!!null":
		return 0
	case "!!bool":
		if n.Value == "true" {
			return 1
		}
		return 0
	case "!!int", "!!float":
		if num, ok := scalarNumber(n); ok {
			return num.f
		}
		return math.NaN()
	}
	s := strings.TrimSpace(n.Value)
	switch s {
	case "":
		return 0
	case "Infinity", "+Infinity":
		return math.Inf(1)
	case "-Infinity":
		return math.Inf(-1)
	}
	if len(s) > 2 && s[0] == '0' && strings.ContainsRune("xXoObB", rune(s[1])) {
		if u, err := strconv.ParseUint(s[2:], map[byte]int{'x': 16, 'X': 16, 'o': 8, 'O': 8, 'b': 2, 'B': 2}[s[1]], 64); err == nil {
			return float64(u)
		}
		return math.NaN()
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "xXpP_") && !strings.EqualFold(strings.TrimLeft(s, "+-"), "inf") && !strings.EqualFold(strings.TrimLeft(s, "+-"), "infinity") && !strings.EqualFold(s, "nan") {
		return f
	}
	return math.NaN()
}

// jsPrototypeNames are the properties every JavaScript object inherits:
// the platform's exact-key lookup (`path in obj`) finds them on any
// context, as functions that equal nothing.
var jsPrototypeNames = map[string]bool{
	"constructor": true, "__proto__": true, "hasOwnProperty": true, "isPrototypeOf": true,
	"propertyIsEnumerable": true, "toString": true, "toLocaleString": true, "valueOf": true,
	"__defineGetter__": true, "__defineSetter__": true, "__lookupGetter__": true, "__lookupSetter__": true,
}

// variantIDs maps a variant id to the index of its first variant, for
// experiments with more than variantScanLimit variants; nil for others.
type variantIDs map[string]int

// find returns the index of the first variant with the id, or -1.
func (m variantIDs) find(vs []variant, id string) int {
	if m != nil {
		if j, ok := m[id]; ok {
			return j
		}
		return -1
	}
	for j := range vs {
		if vs[j].id == id {
			return j
		}
	}
	return -1
}

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
func isSnapshot(doc *yaml.Node) bool {
	doc = resolve(doc)
	if doc.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if k := resolve(doc.Content[i]); k.Kind == yaml.ScalarNode && k.Value == "experiments" {
			return resolve(doc.Content[i+1]).Kind == yaml.SequenceNode
		}
	}
	return false
}

// snapshot compiles a published snapshot. Keys the platform does not write
// are ignored with a warning, so that a newer platform's snapshots load.
func (p *parser) snapshot(doc *yaml.Node) *Ruleset {
	t := snapshotTop{r: &Ruleset{}}
	snapshotShape.read(p, doc, "", &t)
	r := t.r
	r.exps = applyEnv(t.exps, nil)
	r.byName = p.index(r.exps)
	r.groupPack = p.packSalt(r.groupSalt)
	return r
}

// snapshotTop is what the top level of a published snapshot holds.
type snapshotTop struct {
	r    *Ruleset
	exps []namedExperiment
}

var snapshotShape = shape[snapshotTop]{what: "a published snapshot", open: true, fields: []field[snapshotTop]{
	{name: "version", read: func(p *parser, t *snapshotTop, en entry, _ keyPath) bool {
		n := resolve(en.v)
		num, ok := scalarNumber(n)
		if n.Kind != yaml.ScalarNode || !ok || !wire.ValidVersion(num.f) {
			p.errorf(n, "version", ErrInvalidValue, "expected an integer version, found %s", describe(n))
			return false
		}
		t.r.version = int64(num.f)
		return true
	}},
	{name: "environment", read: func(p *parser, t *snapshotTop, en entry, kp keyPath) bool {
		var ok bool
		t.r.env, ok = p.text(en.v, kp, "an environment name")
		return ok
	}},
	{name: "experiments", read: func(p *parser, t *snapshotTop, en entry, kp keyPath) bool {
		path := p.path(kp)
		for i, n := range resolve(en.v).Content { // a list: see isSnapshot
			if x := p.snapshotExperiment(n, p.indexPath(path, i)); x != nil {
				t.exps = append(t.exps, namedExperiment{x, n})
			}
		}
		return true
	}},
	{name: "publishedAt", read: func(*parser, *snapshotTop, entry, keyPath) bool { return true }},
}}

// snapshotExp is a published experiment being read: the allocations are
// compiled once the variants they name are known.
type snapshotExp struct {
	e             *experiment
	allocs        *yaml.Node
	hasID, hasKey bool // read without error
}

var snapshotExpShape = shape[snapshotExp]{what: "a published experiment", open: true, whole: true, fields: []field[snapshotExp]{
	{name: "id", required: true, read: func(p *parser, t *snapshotExp, en entry, kp keyPath) bool {
		t.e.id, t.hasID = p.text(en.v, kp, "an experiment id")
		return t.hasID
	}},
	{name: "key", required: true, read: func(p *parser, t *snapshotExp, en entry, kp keyPath) bool {
		t.e.key, t.hasKey = p.text(en.v, kp, "an experiment key")
		return t.hasKey
	}},
	{name: "salt", read: func(p *parser, t *snapshotExp, en entry, kp keyPath) bool {
		t.e.salt = p.jsString(en.v, p.path(kp))
		return true
	}},
	{name: "audienceRules", read: func(p *parser, t *snapshotExp, en entry, kp keyPath) bool {
		t.e.audience = p.ruleList(en.v, p.path(kp), true)
		return true
	}},
	{name: "targetingRules", read: func(p *parser, t *snapshotExp, en entry, kp keyPath) bool {
		t.e.targeting = p.ruleList(en.v, p.path(kp), true)
		return true
	}},
	{name: "variants", read: func(p *parser, t *snapshotExp, en entry, kp keyPath) bool {
		p.snapshotVariants(t.e, en.v, p.path(kp))
		return true
	}},
	{name: "allocations", read: func(_ *parser, t *snapshotExp, en entry, _ keyPath) bool {
		t.allocs = en.v
		return true
	}},
}}

func (p *parser) snapshotExperiment(n *yaml.Node, path string) *experiment {
	t := snapshotExp{e: &experiment{running: true, salt: "undefined"}}
	snapshotExpShape.read(p, n, path, &t)
	e := t.e
	if !t.hasID || !t.hasKey { // reported: missing, or not read
		return nil
	}
	if e.key == "" || strings.IndexByte(e.key, 0) >= 0 { // the platform requires a key; Feature needs a name
		p.errorf(resolve(n), p.joinPath(path, "key"), ErrInvalidValue, "an experiment key must be non-empty and without NUL")
		return nil
	}
	if len(e.key) > MaxNameLength {
		p.errorf(resolve(n), p.joinPath(path, "key"), ErrTooLarge, "an experiment key is %d bytes; the limit is %d (MaxNameLength)", len(e.key), MaxNameLength)
		return nil
	}
	p.snapshotAllocations(e, t.allocs, p.joinPath(path, "allocations"))
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
		vp := p.indexPath(path, i)
		t := snapshotVar{} // payload nil: absent stays absent
		snapshotVarShape.read(p, vn, vp, &t)
		v := t.v
		if !t.hasID || !t.hasKey { // reported: missing, or not read
			continue
		}
		if v.key == "" { // the platform requires one; Feature could not tell it from off
			p.errorf(resolve(vn), p.joinPath(vp, "key"), ErrInvalidValue, "a variant key must not be empty")
			continue
		}
		if len(v.key) > MaxNameLength {
			p.errorf(resolve(vn), p.joinPath(vp, "key"), ErrTooLarge, "a variant key is %d bytes; the limit is %d (MaxNameLength)", len(v.key), MaxNameLength)
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
		ap := p.indexPath(path, i)
		t := snapshotAlloc{start: math.NaN(), end: math.NaN()} // absent: undefined, never compares
		if read, _ := snapshotAllocShape.read(p, an, ap, &t); !read {
			continue
		}
		start, end, variantID, idIsString := t.start, t.end, t.variantID, t.idIsString
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
	p.scratch.pcond = snapshotCond{d: cond{val: value{kind: kUndefined}, platform: true}}
	snapshotCondShape.read(p, n, path, &p.scratch.pcond)
	t := p.scratch.pcond
	d := t.d
	if !t.hasAttr { // reported: missing, or not read
		return cond{}, false
	}
	if o, found := operators[t.opName]; found && o.platform {
		d.op = o.op
	} else {
		d.op, d.opText = opFalse, t.opName
		p.warnf(resolve(n), path, "operator %q is not one of the platform's (eq, neq, in, notIn, contains, gt, lt): the condition is false for every user", t.opName)
	}
	return d, true
}

// snapshotVar is a published variant being read.
type snapshotVar struct {
	v             variant
	hasID, hasKey bool // read without error
}

var snapshotVarShape = shape[snapshotVar]{what: "a published variant", open: true, whole: true, fields: []field[snapshotVar]{
	{name: "id", required: true, read: func(p *parser, t *snapshotVar, en entry, kp keyPath) bool {
		t.v.id, t.hasID = p.text(en.v, kp, "a variant id")
		return t.hasID
	}},
	{name: "key", required: true, read: func(p *parser, t *snapshotVar, en entry, kp keyPath) bool {
		t.v.key, t.hasKey = p.text(en.v, kp, "a variant key")
		return t.hasKey
	}},
	{name: "payload", read: func(p *parser, t *snapshotVar, en entry, kp keyPath) bool {
		t.v.payload = p.payload(en.v, kp)
		return true
	}},
}}

// snapshotAlloc is a published allocation being read: its variant id,
// and its range as JavaScript compares it (jsNumber).
type snapshotAlloc struct {
	start, end float64
	variantID  string
	idIsString bool
}

var snapshotAllocShape = shape[snapshotAlloc]{what: "a published allocation", open: true, whole: true, fields: []field[snapshotAlloc]{
	{name: "variantId", read: func(_ *parser, t *snapshotAlloc, en entry, _ keyPath) bool {
		vn := resolve(en.v)
		t.idIsString, t.variantID = stringTag(vn), vn.Value
		return true
	}},
	{name: "rangeStart", read: func(p *parser, t *snapshotAlloc, en entry, kp keyPath) bool {
		t.start = p.jsNumber(en.v, p.path(kp))
		return true
	}},
	{name: "rangeEnd", read: func(p *parser, t *snapshotAlloc, en entry, kp keyPath) bool {
		t.end = p.jsNumber(en.v, p.path(kp))
		return true
	}},
}}

// snapshotCond is a published condition being read.
type snapshotCond struct {
	d       cond
	opName  string
	hasAttr bool // read without error
}

var snapshotCondShape = shape[snapshotCond]{what: "a published condition", open: true, whole: true, fields: []field[snapshotCond]{
	{name: "attribute", required: true, read: func(p *parser, t *snapshotCond, en entry, kp keyPath) bool {
		t.d.attr, t.hasAttr = p.text(en.v, kp, "an attribute name")
		return t.hasAttr
	}},
	{name: "operator", read: func(_ *parser, t *snapshotCond, en entry, _ keyPath) bool {
		if on := resolve(en.v); on.Kind == yaml.ScalarNode {
			t.opName = on.Value
		}
		return true
	}},
	{name: "value", read: func(p *parser, t *snapshotCond, en entry, kp keyPath) bool {
		t.d.val = p.value(resolve(en.v), kp).doubles()
		return true
	}},
}}

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

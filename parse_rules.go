package experiment

import (
	"fmt"
	"math"
	"regexp"

	"gopkg.in/yaml.v3"
)

// maxRegexpSize bounds the source of a matches condition's regular
// expression: RE2 runs in linear time, but its compiled program grows with
// the source.
const maxRegexpSize = 4096

// rules compiles a config's rule list (doc.go's "Targeting attributes"). A null node is an empty
// list.
func (p *parser) rules(n *yaml.Node, path string) rules {
	return p.ruleList(n, path, false)
}

// ruleList compiles a rule list: a config's (doc.go's "Targeting attributes"), or with snapshot
// the platform's audienceRules or targetingRules (doc.go's "Published snapshots"), whose unknown
// keys are ignored with a warning rather than rejected and whose
// conditions follow the platform. A null node is an empty list.
func (p *parser) ruleList(n *yaml.Node, path string, snapshot bool) rules {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, path, ErrInvalidValue, "expected a list of rules ({conditions: [...]}), found %s", describe(n))
		return nil
	}
	rule := &ruleShape
	if snapshot {
		rule = &publishedRuleShape
	}
	out := p.slabs.rules.take(len(n.Content))
	for i, rn := range n.Content {
		p.scratch.conds = []cond{}
		if read, _ := rule.read(p, rn, p.indexPath(path, i), &p.scratch.conds); read {
			out = append(out, p.scratch.conds)
		}
	}
	return out
}

// ruleShape and publishedRuleShape are the keys of a rule, in a config
// and in a published snapshot.
var (
	ruleShape = shape[[]cond]{what: "a rule", whole: true, fields: []field[[]cond]{
		{name: "conditions", read: func(p *parser, t *[]cond, en entry, kp keyPath) bool {
			return p.conditions(t, en.v, p.path(kp), p.condition)
		}},
	}}
	publishedRuleShape = shape[[]cond]{what: "a published rule", open: true, whole: true, fields: []field[[]cond]{
		{name: "conditions", read: func(p *parser, t *[]cond, en entry, kp keyPath) bool {
			return p.conditions(t, en.v, p.path(kp), p.snapshotCondition)
		}},
	}}
)

// conditions compiles a rule's list of conditions into conds, with
// condition; a null node is an empty list.
func (p *parser) conditions(conds *[]cond, n *yaml.Node, path string, condition func(*yaml.Node, string) (cond, bool)) bool {
	cn := resolve(n)
	if isNull(cn) {
		return true
	}
	if cn.Kind != yaml.SequenceNode {
		p.errorf(cn, path, ErrInvalidValue, "expected a list of conditions, found %s", describe(cn))
		return true
	}
	if len(*conds) == 0 && cap(*conds) == 0 && len(cn.Content) > 0 {
		*conds = p.slabs.conds.take(len(cn.Content))
	}
	for j, c := range cn.Content {
		if d, ok := condition(c, p.indexPath(path, j)); ok {
			d.key = nameKey(d.attr) // read against the Context's inline attributes (attrs.go)
			*conds = append(*conds, d)
		}
	}
	return true
}

// condNodes are a condition's three keys, compiled together once all are
// found (the value's check depends on the operator).
type condNodes struct{ attr, op, val *yaml.Node }

var conditionShape = shape[condNodes]{what: "a condition", whole: true, fields: []field[condNodes]{
	required(keep("attribute", func(t *condNodes) **yaml.Node { return &t.attr }), ""),
	required(keep("operator", func(t *condNodes) **yaml.Node { return &t.op }), ""),
	required(keep("value", func(t *condNodes) **yaml.Node { return &t.val }), ""),
}}

// condition compiles {attribute, operator, value}.
func (p *parser) condition(n *yaml.Node, path string) (cond, bool) {
	p.scratch.cond = condNodes{}
	read, _ := conditionShape.read(p, n, path, &p.scratch.cond)
	t := p.scratch.cond
	if !read || t.attr == nil || t.op == nil || t.val == nil {
		return cond{}, false
	}
	var d cond
	var ok bool
	if d.attr, ok = p.text(t.attr, keyOf(path, "attribute"), "an attribute name"); !ok {
		return cond{}, false
	}
	opName, ok := p.text(t.op, keyOf(path, "operator"), "an operator")
	if !ok {
		return cond{}, false
	}
	o, found := operators[opName]
	if !found {
		p.errorf(resolve(t.op), p.joinPath(path, "operator"), ErrOperator, "unknown operator %q; expected one of %s", opName, operatorNames)
		return cond{}, false
	}
	d.op = o.op
	vp := keyOf(path, "value")
	vn := resolve(t.val)
	d.val = p.value(vn, vp)
	if !p.operand(&d, o, vn, vp) {
		return cond{}, false
	}
	return d, true
}

// compileRegexp compiles a matches pattern once per Parse, however many
// conditions (or YAML aliases) use it: a compiled program is many times
// the size of its source. A *regexp.Regexp is safe for concurrent use, so
// the conditions share it.
func (p *parser) compileRegexp(src string) (*regexp.Regexp, error) {
	if re, ok := p.regexps[src]; ok {
		return re, nil
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, err
	}
	if p.regexps == nil {
		p.regexps = map[string]*regexp.Regexp{}
	}
	p.regexps[src] = re
	return re, nil
}

// value compiles a condition's value.
func (p *parser) value(n *yaml.Node, at keyPath) value {
	n = resolve(n)
	ok := p.enter(n, at)
	defer p.leave()
	if !ok {
		return value{}
	}
	switch n.Kind {
	case yaml.SequenceNode:
		path := p.path(at)
		v := value{kind: kOther, isList: true, list: p.slabs.values.take(len(n.Content))[:len(n.Content)]}
		strs := p.slabs.strs.take(len(n.Content))
		for i, c := range n.Content {
			v.list[i] = p.value(c, elemOf(path, i))
			if v.list[i].kind == kString {
				strs = append(strs, v.list[i].s)
			}
		}
		if len(strs) == len(v.list) && len(strs) > 0 {
			v.strs = strs
		}
		return v
	case yaml.MappingNode:
		path := p.path(at)
		entries, _, mark := p.pushEntries(n, path, false)
		for _, e := range entries {
			p.value(e.v, keyOf(path, e.key)) // for duplicate keys and bounds
		}
		p.popEntries(mark)
		return value{kind: kOther}
	}
	switch n.ShortTag() {
	case "!!null":
		return value{kind: kNull}
	case "!!bool":
		var b bool
		_ = n.Decode(&b)
		return value{kind: kBool, b: b}
	case "!!int", "!!float":
		num, ok := scalarNumber(n)
		switch {
		case !ok:
			p.errorf(n, p.path(at), ErrInvalidValue, "the number %s cannot be read", n.Value)
		case math.IsNaN(num.f) || math.IsInf(num.f, 0):
			p.errorf(n, p.path(at), ErrInvalidValue, "a number in a condition must be finite, found %s", n.Value)
		default:
			return value{kind: kNumber, n: num}
		}
		return value{}
	}
	return value{kind: kString, s: n.Value}
}

// operand checks and compiles a condition's value for its operator o (see
// operatorTable): a value no user can match warns and makes the condition
// false for everyone; a regular expression that does not compile is an
// error, reported and returned as false.
func (p *parser) operand(d *cond, o operatorInfo, vn *yaml.Node, at keyPath) bool {
	never := func(why string) {
		d.never = true
		p.warnf(vn, p.path(at), "%s: the condition is false for every user", why)
	}
	switch o.operand {
	case anyOperand:
		if d.op == opEq && d.val.kind == kOther {
			p.warnf(vn, p.path(at), "eq with %s: lists and maps never equal anything, so the condition is false for every user", describe(vn))
		}
		if d.op == opNeq && d.val.kind == kOther {
			p.warnf(vn, p.path(at), "neq with %s: lists and maps never equal anything, so the condition is true for every user", describe(vn))
		}
	case listOperand:
		if !d.val.isList {
			p.warnf(vn, p.path(at), "%s expects a list, found %s: the condition is false for every user", o.name, describe(vn))
		}
	case stringOperand:
		if d.val.kind != kString {
			never("contains expects a string, found " + describe(vn))
		}
	case numberOperand:
		if d.val.kind != kNumber {
			never(o.name + " expects a number, found " + describe(vn))
		}
	case regexpOperand:
		if !stringTag(vn) {
			p.errorf(vn, p.path(at), ErrRegexp, "matches expects a regular expression (a string), found %s", describe(vn))
			return false
		}
		if len(vn.Value) > maxRegexpSize {
			p.errorf(vn, p.path(at), ErrRegexp, "the regular expression is %d bytes; the limit is %d", len(vn.Value), maxRegexpSize)
			return false
		}
		re, err := p.compileRegexp(vn.Value)
		if err != nil {
			p.errorf(vn, p.path(at), ErrRegexp, "the regular expression does not compile: %v", err)
			return false
		}
		d.re = re
	case versionOperand:
		// A number such as 1.2 is read as the version it is written as.
		s := vn.Value
		if vn.Kind != yaml.ScalarNode || vn.ShortTag() == "!!null" || vn.ShortTag() == "!!bool" {
			s = ""
		}
		v, valid := canonicalVersion(s)
		if !valid {
			never(fmt.Sprintf("%s expects a version, found %s", o.name, describe(vn)))
		}
		d.ver = v
	}
	return true
}

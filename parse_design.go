package experiment

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// This file reads the design keys of a long-form experiment (doc.go's
// "Experiment design"): requires, start, end, ramp and version; then,
// once every environment's experiments are compiled, resolves the
// prerequisites of each environment and attaches the layers and holdouts
// (parse_layers.go) to the active one.

// designDecl is what the parser keeps of one compiled experiment's design
// until every environment is known.
type designDecl struct {
	requires     []reqDecl
	requiresNode *yaml.Node
	requiresPath string
	startNode    *yaml.Node // for "the end is not after the start"
	endNode      *yaml.Node
	endPath      string
	rampSalt     bool // the ramp names its salt; otherwise it derives one
}

// designOf returns e's design and declaration, creating them.
func (p *parser) designOf(e *experiment) (*design, *designDecl) {
	if e.design == nil {
		e.design = &design{}
	}
	if p.decls == nil {
		p.decls = map[*experiment]*designDecl{}
	}
	d := p.decls[e]
	if d == nil {
		d = &designDecl{}
		p.decls[e] = d
	}
	return e.design, d
}

// designFields are the design keys of a long-form experiment.
var designFields = []field[longForm]{
	{name: "requires", read: func(p *parser, t *longForm, en entry, kp keyPath) bool {
		_, d := p.designOf(t.e)
		p.parseRequires(d, en.v, p.path(kp))
		return true
	}},
	{name: "start", read: func(p *parser, t *longForm, en entry, kp keyPath) bool {
		at, ok := p.instant(en.v, p.path(kp))
		if ok {
			g, d := p.designOf(t.e)
			g.window.start, g.window.hasStart, d.startNode = at, true, resolve(en.v)
		}
		return ok
	}},
	{name: "end", read: func(p *parser, t *longForm, en entry, kp keyPath) bool {
		path := p.path(kp)
		at, ok := p.instant(en.v, path)
		if ok {
			g, d := p.designOf(t.e)
			g.window.end, g.window.hasEnd, d.endNode, d.endPath = at, true, resolve(en.v), path
		}
		return ok
	}},
	{name: "ramp", read: func(p *parser, t *longForm, en entry, kp keyPath) bool {
		g, d := p.designOf(t.e)
		g.ramp = p.parseRamp(d, en.v, p.path(kp))
		return g.ramp != nil
	}},
	{name: "version", read: func(p *parser, t *longForm, en entry, kp keyPath) bool {
		t.e.bucketVersion = p.bucketVersion(en.v, p.path(kp))
		return true
	}},
}

// instant reads an RFC 3339 time with its zone, as Unix nanoseconds.
func (p *parser) instant(n *yaml.Node, path string) (int64, bool) {
	n = resolve(n)
	const want = "an RFC 3339 time with a zone, such as 2026-03-01T09:00:00Z or 2026-03-01T10:00:00+01:00"
	if !stringTag(n) {
		p.errorf(n, path, ErrSchedule, "expected %s, found %s", want, describe(n))
		return 0, false
	}
	t, err := time.Parse(time.RFC3339, n.Value)
	if err != nil {
		p.errorf(n, path, ErrSchedule, "expected %s, found %q", want, n.Value)
		return 0, false
	}
	if t.Year() < 1678 || t.Year() > 2261 {
		p.errorf(n, path, ErrSchedule, "the time %q is out of range; expected a year from 1678 to 2261", n.Value)
		return 0, false
	}
	return t.UnixNano(), true
}

// rampRead is a ramp being read, with the nodes its checks point at.
type rampRead struct {
	r       ramp
	d       *designDecl
	to, end *yaml.Node
}

// rampShape is the keys of a ramp: from, to, start and end are required.
var rampShape = shape[rampRead]{what: "a ramp", whole: true, fields: []field[rampRead]{
	required(field[rampRead]{name: "from", read: func(p *parser, t *rampRead, en entry, kp keyPath) bool {
		var ok bool
		t.r.from, ok = p.share(en.v, p.path(kp))
		return ok
	}}, ""),
	required(field[rampRead]{name: "to", read: func(p *parser, t *rampRead, en entry, kp keyPath) bool {
		var ok bool
		t.r.to, ok = p.share(en.v, p.path(kp))
		t.to = resolve(en.v)
		return ok
	}}, ""),
	required(field[rampRead]{name: "start", read: func(p *parser, t *rampRead, en entry, kp keyPath) bool {
		var ok bool
		t.r.start, ok = p.instant(en.v, p.path(kp))
		return ok
	}}, ""),
	required(field[rampRead]{name: "end", read: func(p *parser, t *rampRead, en entry, kp keyPath) bool {
		var ok bool
		t.r.end, ok = p.instant(en.v, p.path(kp))
		t.end = resolve(en.v)
		return ok
	}}, ""),
	{name: "steps", read: func(p *parser, t *rampRead, en entry, kp keyPath) bool {
		var ok bool
		t.r.steps, ok = p.steps(en.v, p.path(kp))
		return ok
	}},
	{name: "salt", read: func(p *parser, t *rampRead, en entry, kp keyPath) bool {
		t.r.salt, t.d.rampSalt = p.text(en.v, kp, "a salt")
		return t.d.rampSalt
	}},
}}

// parseRamp reads {from, to, start, end, steps, salt}; nil when it
// cannot (the problem is reported).
func (p *parser) parseRamp(d *designDecl, n *yaml.Node, path string) *ramp {
	t := rampRead{d: d}
	if _, ok := rampShape.read(p, n, path, &t); !ok {
		return nil
	}
	r := &t.r
	if r.to < r.from {
		p.errorf(t.to, p.joinPath(path, "to"), ErrSchedule, "the ramp goes down from %s%% to %s%%; a ramp only adds users (to end an experiment, set its end)", formatHundredths(r.from), formatHundredths(r.to))
		return nil
	}
	if r.end <= r.start {
		p.errorf(t.end, p.joinPath(path, "end"), ErrSchedule, "the ramp's end %s is not after its start %s", formatNanos(r.end), formatNanos(r.start))
		return nil
	}
	return r
}

// share reads a share of users, "N%", as buckets.
func (p *parser) share(n *yaml.Node, path string) (uint16, bool) {
	n = resolve(n)
	if !stringTag(n) || !isPercent(n.Value) || strings.Contains(n.Value, "-") {
		p.errorf(n, path, ErrPercentage, `expected a share of users such as "10%%" (0 to 100, at most two decimals), found %s`, describe(n))
		return 0, false
	}
	s, msg := parsePercent(n.Value)
	if msg != "" {
		p.errorf(n, path, ErrPercentage, "%q: %s", n.Value, msg)
		return 0, false
	}
	return s.hi, true
}

// steps reads a ramp's number of steps, 1 to 10000.
func (p *parser) steps(n *yaml.Node, path string) (int, bool) {
	n = resolve(n)
	var v int
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&v) != nil || v < 1 || v > Buckets {
		p.errorf(n, path, ErrInvalidValue, "expected a number of steps from 1 to %d, found %s", Buckets, describe(n))
		return 0, false
	}
	return v, true
}

// bucketVersion reads an experiment's bucketing version, an integer >= 0.
func (p *parser) bucketVersion(n *yaml.Node, path string) int {
	n = resolve(n)
	var v int
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&v) != nil || v < 0 || v > 1<<31-1 {
		p.errorf(n, path, ErrInvalidValue, "expected a bucketing version, an integer from 0 to 2147483647, found %s", describe(n))
		return 0
	}
	return v
}

// errorOnce is errorf for problems found once per environment: the same
// declaration is reported once.
func (p *parser) errorOnce(n *yaml.Node, path string, kind error, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	key := fmt.Sprintf("%p\x00%s", n, msg)
	if p.reported[key] {
		return
	}
	if p.reported == nil {
		p.reported = map[string]bool{}
	}
	p.reported[key] = true
	p.errorf(n, path, kind, "%s", msg)
}

// finishDesign completes the experiments' designs once every environment
// is compiled: each window is checked and each ramp gets its salt; the
// layers and the holdout are read; the prerequisites are resolved in the
// base experiments and in every environment, and attached, like the
// layers and holdouts, to r.exps, the active environment's experiments.
func (p *parser) finishDesign(r *Ruleset, base []namedExperiment, envs map[string][]namedExperiment, layersN, holdoutN *yaml.Node) {
	all := slices.Clone(base)
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range envs {
			if !yield(k) {
				return
			}
		}
	})
	for _, name := range names {
		all = append(all, envs[name]...)
	}
	for _, ne := range all {
		p.finishWindow(ne.exp)
	}
	p.parseLayers(r, all, layersN, holdoutN)
	if len(p.decls) == 0 {
		return // no experiment has design keys, so none requires another
	}
	lists := [][]*experiment{applyEnv(base, nil)}
	for _, name := range names {
		lists = append(lists, applyEnv(base, envs[name]))
	}
	for _, list := range lists {
		p.resolveRequires(list)
	}
	for e, reqs := range p.resolveRequires(r.exps) {
		g, _ := p.designOf(e)
		g.requires = reqs
	}
}

// finishWindow checks that e's end is after its start and gives its ramp
// the salt it derives from the experiment's, when it names none.
func (p *parser) finishWindow(e *experiment) {
	d := p.decls[e]
	if d == nil {
		return
	}
	w := e.design.window
	if w.hasStart && w.hasEnd && w.end <= w.start {
		p.errorf(d.endNode, d.endPath, ErrSchedule, "the end %s is not after the start %s", formatNanos(w.end), formatNanos(w.start))
	}
	if g := e.design; g.ramp != nil && !d.rampSalt {
		g.ramp.salt = e.salt + ":ramp"
	}
}

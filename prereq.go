package experiment

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// This file is prerequisites (doc.go's "Prerequisites"): an experiment
// that requires another to be on, or to give a named variant, for the
// same user. They are resolved at load, in every environment, where an
// unknown name or a cycle is an error; evaluating one is evaluating the
// required experiment, as VariantFor would, without an allocation.

// The values of prereq.variant that are not a variant's index.
const (
	anyVariant = -1 // the user must be on, in any variant
	noVariant  = -2 // the variant named does not exist here: never met
)

// maxPrereqEvals bounds the experiments one evaluation reaches through
// prerequisites (itself included), so that a config whose experiments
// require each other in a wide lattice cannot make evaluation exponential.
const maxPrereqEvals = 64

// met reports whether the user in c meets p.
func (r *Ruleset) met(p *prereq, c *Context, gb *int) bool {
	v := r.prereqVariant(p.exp, c, gb)
	return v >= 0 && (p.variant == anyVariant || p.variant == v)
}

// prereqVariant is the variant of e the user in c has, as VariantFor
// sees it: a QA override carried by c first, then the evaluation order.
func (r *Ruleset) prereqVariant(e *experiment, c *Context, gb *int) int {
	if c.req != nil && c.req.forced != nil {
		return r.forcedOrChosen(e, c, gb)
	}
	return r.choose(e, c, gb)
}

// report tells the exposure hook that the user in c has variant v of e,
// and, since the user could only be in e by meeting its prerequisites,
// that they have the prerequisites' variants too (their exposures say
// which experiment required them).
func (r *Ruleset) report(e *experiment, v int, c *Context, gb *int, via string) {
	r.expose(e, v, c, via)
	if e.design == nil {
		return
	}
	for i := range e.design.requires {
		q := e.design.requires[i].exp
		if qv := r.prereqVariant(q, c, gb); qv >= 0 {
			r.report(q, qv, c, gb, e.key)
		}
	}
}

// describeUnmet says why the user in c does not meet p, for Explain.
func (r *Ruleset) describeUnmet(p *prereq, c *Context) string {
	ex := r.Explain(p.exp.key, *c)
	switch {
	case p.variant == noVariant:
		return fmt.Sprintf("prerequisite %q: it has no variant %q in this environment", p.exp.key, p.want)
	case ex.Variant == "":
		return fmt.Sprintf("prerequisite %q is not met: the user is off in it (%s: %s)", p.exp.key, ex.Reason, ex.Detail)
	}
	return fmt.Sprintf("prerequisite %q needs variant %q; the user has %q", p.exp.key, p.want, ex.Variant)
}

// reqDecl is one entry of a requires, as written: resolved once the
// experiments of each environment are known.
type reqDecl struct {
	name    string // the experiment, or with slash "exp" or "exp/variant"
	variant string // "" for any variant
	slash   bool   // written as a string, resolved as VariantFor resolves a name
	node    *yaml.Node
	path    string
}

// parseRequires reads a requires value: a name ("checkout" or
// "checkout/new"), a map {experiment, variant}, or a list of those.
func (p *parser) parseRequires(d *designDecl, n *yaml.Node, path string) {
	n = resolve(n)
	d.requiresNode, d.requiresPath = n, path
	if n.Kind == yaml.SequenceNode {
		for i, item := range n.Content {
			p.requirement(d, resolve(item), p.indexPath(path, i))
		}
		return
	}
	p.requirement(d, n, path)
}

var requirementShape = shape[reqDecl]{what: "a requirement", fields: []field[reqDecl]{
	required(field[reqDecl]{name: "experiment", read: func(p *parser, rd *reqDecl, en entry, kp keyPath) bool {
		var ok bool
		rd.name, ok = p.text(en.v, kp, "an experiment name")
		return ok
	}}, "the name of the experiment required"),
	{name: "variant", read: func(p *parser, rd *reqDecl, en entry, kp keyPath) bool {
		var ok bool
		rd.variant, ok = p.text(en.v, kp, "a variant name")
		return ok
	}},
}}

func (p *parser) requirement(d *designDecl, n *yaml.Node, path string) {
	switch {
	case stringTag(n):
		d.requires = append(d.requires, reqDecl{name: n.Value, slash: true, node: n, path: path})
		return
	case n.Kind != yaml.MappingNode:
		p.errorf(n, path, ErrInvalidValue, "expected an experiment name or {experiment: NAME, variant: NAME}, found %s", describe(n))
		return
	}
	rd := reqDecl{node: n, path: path}
	if _, ok := requirementShape.read(p, n, path, &rd); ok && rd.name == "" {
		p.errorf(n, path, ErrMissingKey, "%s", requirementShape.missing(0)) // experiment: ""
	}
	if rd.name == "" {
		return
	}
	d.requires = append(d.requires, rd)
}

// resolveRequires resolves the requires of exps, the experiments of one
// environment in order, reporting what does not resolve, cycles, and
// experiments that reach too many others; it returns the prerequisites
// of each experiment. Errors are reported once however many environments
// share the declaration.
func (p *parser) resolveRequires(exps []*experiment) map[*experiment][]prereq {
	if !slices.ContainsFunc(exps, func(e *experiment) bool { return p.decls[e] != nil && len(p.decls[e].requires) > 0 }) {
		return nil // nothing to resolve: the common config costs no maps
	}
	byName := make(map[string]*experiment, len(exps))
	for _, e := range exps {
		if _, dup := byName[e.key]; !dup {
			byName[e.key] = e
		}
	}
	out := map[*experiment][]prereq{}
	decl := map[*experiment][]*reqDecl{} // the declaration of each resolved prereq
	for _, e := range exps {
		d := p.decls[e]
		if d == nil {
			continue
		}
		for i := range d.requires {
			rd := &d.requires[i]
			if q, ok := p.resolveReq(rd, byName); ok {
				out[e] = append(out[e], q)
				decl[e] = append(decl[e], rd)
			}
		}
	}
	g := prereqGraph{p: p, reqs: out, decl: decl, state: map[*experiment]uint8{}, cost: map[*experiment]int{}}
	for _, e := range exps {
		if g.state[e] == 0 {
			g.visit(e)
		}
	}
	return out
}

// resolveReq finds what rd names among the experiments of one environment.
func (p *parser) resolveReq(rd *reqDecl, byName map[string]*experiment) (prereq, bool) {
	name, variant := rd.name, rd.variant
	e := byName[name]
	if e == nil && rd.slash {
		if i := strings.LastIndexByte(name, '/'); i >= 0 && byName[name[:i]] != nil {
			name, variant = name[:i], name[i+1:]
			e = byName[name]
		}
	}
	if e == nil {
		p.errorOnce(rd.node, rd.path, ErrPrerequisite, "requires experiment %q, which is not defined", rd.name)
		return prereq{}, false
	}
	q := prereq{exp: e, variant: anyVariant, want: variant}
	if variant == "" {
		return q, true
	}
	if q.variant = e.variantIndex(variant); q.variant < 0 {
		if !e.disabled {
			p.errorOnce(rd.node, rd.path, ErrPrerequisite, "requires variant %q of experiment %q, which has no such variant%s", variant, name, variantList(e))
			return prereq{}, false
		}
		q.variant = noVariant // switched off here (false): simply never met
	}
	return q, true
}

// variantList lists an experiment's variants for an error.
func variantList(e *experiment) string {
	if len(e.variants) == 0 || len(e.variants) > 10 {
		return ""
	}
	names := make([]string, len(e.variants))
	for i, v := range e.variants {
		names[i] = fmt.Sprintf("%q", v.key)
	}
	return "; it has " + strings.Join(names, ", ")
}

// prereqGraph finds cycles and costs among resolved prerequisites by
// depth-first search.
type prereqGraph struct {
	p     *parser
	reqs  map[*experiment][]prereq
	decl  map[*experiment][]*reqDecl
	state map[*experiment]uint8 // 0 unvisited, 1 on the stack, 2 done
	cost  map[*experiment]int   // evaluations of one evaluation, capped
	stack []*experiment
}

// visit returns how many experiments one evaluation of e evaluates.
func (g *prereqGraph) visit(e *experiment) int {
	g.state[e] = 1
	g.stack = append(g.stack, e)
	cost, over := 1, false
	for i, q := range g.reqs[e] {
		switch g.state[q.exp] {
		case 1:
			g.reportCycle(q.exp, g.decl[e][i])
			continue
		case 0:
			g.visit(q.exp)
		}
		over = over || g.cost[q.exp] > maxPrereqEvals
		cost = min(cost+g.cost[q.exp], maxPrereqEvals+1)
	}
	g.stack = g.stack[:len(g.stack)-1]
	g.state[e], g.cost[e] = 2, cost
	if cost > maxPrereqEvals && !over {
		d := g.p.decls[e]
		g.p.errorOnce(d.requiresNode, d.requiresPath, ErrTooLarge,
			"evaluating %q evaluates more than %d experiments through prerequisites; the limit keeps evaluation bounded", e.key, maxPrereqEvals)
	}
	return cost
}

// reportCycle reports the requirement rd that closes a cycle back to q,
// which is on the stack.
func (g *prereqGraph) reportCycle(q *experiment, rd *reqDecl) {
	var names []string
	for i := len(g.stack) - 1; i >= 0; i-- {
		names = append(names, fmt.Sprintf("%q", g.stack[i].key))
		if g.stack[i] == q {
			break
		}
	}
	// names runs from the requiring experiment back to q; write it forward.
	for i, j := 0, len(names)-1; i < j; i, j = i+1, j-1 {
		names[i], names[j] = names[j], names[i]
	}
	names = append(names, fmt.Sprintf("%q", q.key))
	g.p.errorOnce(rd.node, rd.path, ErrPrerequisite, "prerequisites form a cycle: %s", strings.Join(names, " requires "))
}

package experiment

import (
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// parseExperiments compiles a map of experiments, in order.
func (p *parser) parseExperiments(n *yaml.Node, path string, base map[string]bool) []namedExperiment {
	entries, _ := p.mapping(n, path, true)
	out := make([]namedExperiment, 0, len(entries))
	for _, e := range entries {
		ep := p.joinPath(path, e.key)
		if base != nil && !base[e.key] {
			p.warnf(e.k, ep, "experiment %q is not in experiments: this environment adds it", e.key)
		}
		if !p.validName(e, path, "an experiment") {
			continue
		}
		if x := p.experiment(e.key, e.v, ep); x != nil {
			out = append(out, namedExperiment{x, e.k})
		}
	}
	return out
}

// parseEnvs compiles every environment's overrides (doc.go's "Environments"), so that a
// mistake in any environment fails the load, not just in the active one.
func (p *parser) parseEnvs(n *yaml.Node, base []namedExperiment) map[string][]namedExperiment {
	if n == nil {
		return map[string][]namedExperiment{} // no envs key
	}
	names := make(map[string]bool, len(base))
	for _, b := range base {
		names[b.exp.key] = true
	}
	out := map[string][]namedExperiment{}
	entries, _ := p.mapping(n, "envs", true)
	for _, e := range entries {
		out[e.key] = p.parseExperiments(e.v, p.joinPath("envs", e.key), names)
	}
	return out
}

// applyEnv returns base with the overrides applied: an override replaces
// the experiment of the same name in its place; new ones come last.
func applyEnv(base, overrides []namedExperiment) []*experiment {
	out := make([]*experiment, 0, len(base)+len(overrides))
	if len(overrides) == 0 {
		for _, b := range base {
			out = append(out, b.exp)
		}
		return out
	}
	at := make(map[string]int, len(base))
	for i, b := range base {
		out = append(out, b.exp)
		at[b.exp.key] = i
	}
	for _, o := range overrides {
		if i, ok := at[o.exp.key]; ok {
			out[i] = o.exp
		} else {
			out = append(out, o.exp)
		}
	}
	return out
}

// index builds the name lookup (see lookup): every experiment by name,
// the first of each name winning (snapshots may repeat a key), then
// "exp/variant" for each variant whose name has no '/', unless an
// experiment already has that whole name. It fills the table directly,
// sized for every name (a repeated one leaves a slot unused).
func (p *parser) index(exps []*experiment) names {
	size := len(exps)
	for _, e := range exps {
		size += len(e.variants)
	}
	t := makeNames(size)
	for _, e := range exps {
		if e.pack == nil {
			e.pack = p.packSalt(e.salt)
		}
		p.compile(e)
		t.add(e.key, ref{exp: e, variant: -1})
	}
	// The "exp/variant" names are written into one string, of which each
	// is a part: one allocation for them all.
	var b strings.Builder
	b.Grow(variantNamesSize(exps))
	for _, e := range exps {
		if len(e.variants) == 0 {
			continue
		}
		if first, _ := t.get(e.key); first.exp != e {
			continue
		}
		for i, v := range e.variants {
			if strings.IndexByte(v.key, '/') >= 0 {
				continue
			}
			at := b.Len()
			b.WriteString(e.key)
			b.WriteByte('/')
			b.WriteString(v.key)
			t.add(b.String()[at:], ref{exp: e, variant: i})
		}
	}
	return t
}

// variantNamesSize is the length of all "exp/variant" names of exps,
// an upper bound on what index writes.
func variantNamesSize(exps []*experiment) int {
	n := 0
	for _, e := range exps {
		for _, v := range e.variants {
			n += len(e.key) + 1 + len(v.key)
		}
	}
	return n
}

// variantScanLimit is the number of variants up to which a linear scan
// finds a variant by id faster than a map would (see variantIDs).
const variantScanLimit = 8

var nullJSON = []byte("null")

// defaultVariant is the one variant, "default", of an experiment without
// named variants.
func (e *experiment) defaultVariant(a allocation) {
	e.addVariant(variant{key: "default", id: "default", payload: nullJSON}, a)
}

// reserve makes room for n more variants and arms, so that adding them
// allocates once.
func (e *experiment) reserve(n int) {
	e.variants = slices.Grow(e.variants, n)
	e.arms = slices.Grow(e.arms, n)
}

// addVariant appends a variant of a config experiment, with its one arm.
func (e *experiment) addVariant(v variant, a allocation) {
	e.variants = append(e.variants, v)
	e.arms = append(e.arms, arm{alloc: a, variant: len(e.variants) - 1})
}

// experiment compiles one experiment value in any of its forms (doc.go's "Config").
func (p *parser) experiment(name string, n *yaml.Node, path string) *experiment {
	e := p.newExperiment()
	e.key, e.id, e.salt, e.running = name, name, name, true
	var where []variantAt // of each variant, for checkSpans
	n = resolve(n)
	switch n.Kind {
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!bool", "!!int", "!!float":
			on, ok := onOff(n)
			if !ok {
				p.errorf(n, path, ErrInvalidValue, "expected true, false, 1 or 0, found %s", describe(n))
				return nil
			}
			p.reserve(e, 1)
			e.defaultVariant(allocation{everyone: on})
			e.disabled = !on
		case "!!null":
			p.errorf(n, path, ErrInvalidValue, "expected true, false, a group name, a percentage, a list of those or a map of variants, found null")
			return nil
		default:
			p.reserve(e, 1)
			e.defaultVariant(p.allocation(n, pathAt(path)))
		}
	case yaml.SequenceNode:
		p.reserve(e, 1)
		e.defaultVariant(p.allocation(n, pathAt(path)))
	case yaml.MappingNode:
		if hasKey(n, "variants") {
			t := &p.scratch.long
			*t = longForm{e: e}
			read, _ := longFormShape.read(p, n, path, t)
			where = t.where
			*t = longForm{}
			if !read {
				return nil
			}
		} else {
			var ok bool
			if where, ok = p.shortForm(e, n, path); !ok {
				return nil
			}
		}
		if len(e.variants) == 0 {
			p.warnf(n, path, "the experiment has no variants: nobody is assigned")
		}
		p.checkSpans(e, where, n, path)
	default:
		p.errorf(n, path, ErrInvalidValue, "expected an experiment, found %s", describe(n))
		return nil
	}
	return e
}

// onOff reads true/false/1/0.
func onOff(n *yaml.Node) (on, ok bool) {
	if n.ShortTag() == "!!bool" {
		err := n.Decode(&on)
		return on, err == nil
	}
	num, ok := scalarNumber(n)
	if !ok || (num.f != 0 && num.f != 1) {
		return false, false
	}
	return num.f == 1, true
}

// variantAt is where a variant was defined.
type variantAt struct {
	node *yaml.Node
	at   keyPath
}

// hasKey reports whether map node n has the key.
func hasKey(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := resolve(n.Content[i]); k.Kind == yaml.ScalarNode && k.Value == key {
			return true
		}
	}
	return false
}

// shortForm compiles a map of variants to their allocations, and returns
// where each variant was defined (see variantsAt); not ok when a key is
// bad.
func (p *parser) shortForm(e *experiment, n *yaml.Node, path string) (where []variantAt, ok bool) {
	entries, ok, mark := p.pushEntries(n, path, false)
	defer p.popEntries(mark)
	if !ok {
		return nil, false
	}
	p.reserve(e, len(entries))
	where = p.variantsAt(len(entries))
	for _, en := range entries {
		at := keyOf(path, en.key)
		if !p.variantName(en, path) {
			continue
		}
		if resolve(en.v).Kind == yaml.MappingNode {
			p.errorf(en.v, p.path(at), ErrInvalidValue, "expected a group name, a percentage or a list of those, found a map (a variant with id or payload needs the long form, under a variants key)")
			continue
		}
		e.addVariant(variant{key: en.key, id: en.key, payload: nullJSON}, p.allocation(en.v, at))
		where = append(where, variantAt{en.v, at})
	}
	return where, true
}

// variantsAt returns an empty slice for where n variants are defined: the
// parser's, reused from one experiment to the next (no experiment is
// read inside another, and checkSpans is done with it before the next).
// The slice has room for all n, so appending to it keeps the parser's
// backing array.
func (p *parser) variantsAt(n int) []variantAt {
	p.scratch.where = slices.Grow(p.scratch.where[:0], n)
	return p.scratch.where
}

// longForm is a long-form experiment being read: the experiment, and
// where each of its variants was defined.
type longForm struct {
	e     *experiment
	where []variantAt
}

// longFormShape is the keys of a long-form experiment: its own, then the
// design keys (parse_design.go), then variants.
var longFormShape = shape[longForm]{what: "a long-form experiment", whole: true,
	fields: slices.Concat(longFormFields, designFields, []field[longForm]{
		{name: "variants", read: func(p *parser, t *longForm, en entry, kp keyPath) bool {
			t.where = p.longVariants(t.e, en.v, p.path(kp))
			return true
		}},
	})}

var longFormFields = []field[longForm]{
	{name: "id", read: func(p *parser, t *longForm, en entry, kp keyPath) bool {
		var ok bool
		t.e.id, ok = p.text(en.v, kp, "an id")
		return ok
	}},
	{name: "status", read: func(p *parser, t *longForm, en entry, kp keyPath) bool {
		t.e.running = p.status(en.v, kp)
		return true
	}},
	{name: "salt", read: func(p *parser, t *longForm, en entry, kp keyPath) bool {
		var ok bool
		t.e.salt, ok = p.text(en.v, kp, "a salt")
		return ok
	}},
	{name: "audience", read: func(p *parser, t *longForm, en entry, kp keyPath) bool {
		return p.audience(t.e, en.v, p.path(kp))
	}},
	{name: "targeting", read: func(p *parser, t *longForm, en entry, kp keyPath) bool {
		t.e.targeting = p.rules(en.v, p.path(kp))
		return true
	}},
	{name: "client", read: func(p *parser, t *longForm, en entry, kp keyPath) bool {
		v := resolve(en.v)
		if v.ShortTag() != "!!bool" {
			p.errorf(v, p.path(kp), ErrInvalidValue, "expected true or false, found %s", describe(v))
			return false
		}
		_ = v.Decode(&t.e.client)
		return true
	}},
}

// audience sets e's audience to the one n names.
func (p *parser) audience(e *experiment, n *yaml.Node, path string) bool {
	name, ok := p.text(n, pathAt(path), "an audience name")
	if !ok {
		return false
	}
	rs, found := p.audiences[name]
	if !found {
		p.errorf(n, path, ErrUnknownAudience, "unknown audience %q%s", name, known(p.audDefs))
		return false
	}
	p.markUsed("audience:", name)
	e.audience, e.audName = rs, name
	return true
}

// known lists the defined names for an "unknown" error, when there are few.
func known(defs []definition) string {
	if len(defs) == 0 {
		return " (none are defined)"
	}
	if len(defs) > 10 {
		return ""
	}
	names := make([]string, len(defs))
	for i, d := range defs {
		names[i] = strconv.Quote(d.name)
	}
	return "; defined: " + strings.Join(names, ", ")
}

func (p *parser) status(n *yaml.Node, at keyPath) (running bool) {
	s, ok := p.text(n, at, "a status")
	if !ok {
		return false
	}
	switch s {
	case "running", "RUNNING":
		return true
	case "draft", "paused", "archived", "DRAFT", "PAUSED", "ARCHIVED":
		return false
	}
	p.errorf(resolve(n), p.path(at), ErrStatus, "unknown status %q; expected draft, running, paused or archived (or the same in uppercase)", s)
	return false
}

// longVariants compiles the variants map of a long-form experiment, and
// returns where each variant was defined.
func (p *parser) longVariants(e *experiment, n *yaml.Node, path string) (where []variantAt) {
	entries, _, mark := p.pushEntries(n, path, true)
	defer p.popEntries(mark)
	p.reserve(e, len(entries))
	where = p.variantsAt(len(entries))
	for _, en := range entries {
		at := keyOf(path, en.key)
		if !p.variantName(en, path) {
			continue
		}
		v := variant{key: en.key, id: en.key, payload: nullJSON}
		vn := resolve(en.v)
		where = append(where, variantAt{en.v, at})
		if vn.Kind != yaml.MappingNode {
			e.addVariant(v, p.allocation(vn, at))
			continue
		}
		t := &p.scratch.variant
		*t = longVariant{v: v}
		variantShape.read(p, vn, p.path(at), t)
		e.addVariant(t.v, t.alloc)
		*t = longVariant{}
	}
	return where
}

// longVariant is a variant of a long-form experiment being read.
type longVariant struct {
	v     variant
	alloc allocation
}

var variantShape = shape[longVariant]{what: "a variant", fields: []field[longVariant]{
	{name: "id", read: func(p *parser, t *longVariant, en entry, kp keyPath) bool {
		var ok bool
		t.v.id, ok = p.text(en.v, kp, "an id")
		return ok
	}},
	required(field[longVariant]{name: "allocation", read: func(p *parser, t *longVariant, en entry, kp keyPath) bool {
		t.alloc = p.allocation(en.v, kp)
		return true
	}}, "a group name, a percentage or a list of those"),
	{name: "payload", read: func(p *parser, t *longVariant, en entry, kp keyPath) bool {
		t.v.payload = p.payload(en.v, kp)
		return true
	}},
}}

// variantName rejects the names validName rejects: the empty variant name,
// in particular, Feature could not tell from off.
// A variant named "fallback" loads, with a warning: Select and Protect
// take "fallback" as the callback for users off the experiment, so users
// in that variant and users who are off get the same callback.
func (p *parser) variantName(en entry, parent string) bool {
	if en.key == "fallback" {
		p.warnf(en.k, p.joinPath(parent, en.key), `a variant named "fallback" is the same key as Select's and Protect's fallback: users in it and users who are off get the same callback; rename it to tell them apart`)
	}
	return p.validName(en, parent, "a variant")
}

// validName reports whether en, an entry of the map at parent, can name
// an experiment or a variant (what is "an experiment" or "a variant"): a
// non-empty string without NUL. An unquoted ~ or null is YAML's null, not
// a name.
func (p *parser) validName(en entry, parent, what string) bool {
	switch {
	case en.k.ShortTag() == "!!null" && en.key != "":
		p.errorf(en.k, p.joinPath(parent, en.key), ErrInvalidValue, "%s name must not be null (%s); quote it if it is meant as a name", what, en.key)
	case en.key == "":
		p.errorf(en.k, p.joinPath(parent, en.key), ErrInvalidValue, "%s name must not be empty", what)
	case strings.IndexByte(en.key, 0) >= 0:
		p.errorf(en.k, p.joinPath(parent, en.key), ErrInvalidValue, "%s name must not contain a NUL character", what)
	case len(en.key) > MaxNameLength:
		p.errorf(en.k, p.joinPath(parent, en.key[:32]+"..."), ErrTooLarge, "%s name is %d bytes; the limit is %d (MaxNameLength)", what, len(en.key), MaxNameLength)
	default:
		return true
	}
	return false
}

package experiment

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// This file reads the top-level layers and holdout keys (doc.go's "Layers
// and holdouts") and derives each layer's ranges: its experiments, in the
// order written, each take either the range they name or the lowest
// buckets still free, so that adding an experiment to a layer moves
// nobody already in one. It also lints them: overlaps and
// over-allocation are errors; an experiment whose range depends on the
// siblings before it, and salts that make gates correlated, are warnings.

// layerPart is one experiment's entry in a layer being packed.
type layerPart struct {
	name   string
	key    *yaml.Node // the experiment's key in the layer
	val    *yaml.Node
	path   string
	spans  []span
	packed bool // written as a share, placed in the lowest free buckets
}

// parseLayers reads the config's holdout and its layers, and attaches
// them to the experiments of r.exps. all is every compiled experiment of
// every environment, by which layer members are checked to exist.
func (p *parser) parseLayers(r *Ruleset, all []namedExperiment, layersN, holdoutN *yaml.Node) {
	if layersN == nil && holdoutN == nil {
		return // no layer and no holdout: nothing to read or check
	}
	salts := map[string]string{} // an experiment's salt, by name (the first definition)
	for _, ne := range all {
		if _, ok := salts[ne.exp.key]; !ok {
			salts[ne.exp.key] = ne.exp.salt
		}
	}
	var global *holdout
	if holdoutN != nil {
		global = p.parseHoldout(holdoutN, "holdout", "", "holdout")
	}
	layerSalts := map[string]string{} // a layer's salt, by name
	slots := map[string]*layerSlot{}
	layerHoldouts := map[string]*holdout{}
	memberOf := map[string]*yaml.Node{} // experiment name -> its key in a layer
	entries, _ := p.mapping(layersN, "layers", true)
	for _, en := range entries {
		lp := p.joinPath("layers", en.key)
		salt, h, parts := p.parseLayer(en, lp)
		layerSalts[en.key] = salt
		for _, part := range parts {
			if first, dup := memberOf[part.name]; dup {
				p.errorf(part.key, part.path, ErrLayer, "experiment %q is already in a layer (line %d); an experiment is in one layer at most", part.name, first.Line)
				continue
			}
			memberOf[part.name] = part.key
			es, ok := salts[part.name]
			if !ok {
				p.errorf(part.key, part.path, ErrLayer, "layer %q names experiment %q, which no part of the config defines", en.key, part.name)
				continue
			}
			if es == salt {
				p.warnf(part.key, part.path, "experiment %q hashes under the layer's salt %q: its variants see only the buckets of its part of the layer (%s); give the experiment its own salt", part.name, salt, formatSpans(part.spans))
			}
			slots[part.name] = &layerSlot{layer: en.key, salt: salt, spans: part.spans}
			if h != nil {
				layerHoldouts[part.name] = h
			}
		}
	}
	p.lintSalts(global, holdoutN, layerSalts, salts)
	for _, e := range r.exps {
		slot, h := slots[e.key], layerHoldouts[e.key]
		if global == nil && slot == nil {
			continue
		}
		g, _ := p.designOf(e)
		if global != nil {
			g.holdouts = append(g.holdouts, global)
		}
		if h != nil {
			g.holdouts = append(g.holdouts, h)
		}
		g.layer = slot
	}
}

// parseLayer reads one layer {salt, holdout, experiments} and packs its
// experiments' ranges.
func (p *parser) parseLayer(en entry, path string) (salt string, h *holdout, parts []layerPart) {
	salt = "layer:" + en.key
	t := layerRead{salt: salt}
	if read, _ := layerShape.read(p, en.v, path, &t); !read {
		return salt, nil, nil
	}
	salt, holdN, expsN := t.salt, t.holdout, t.experiments
	if holdN != nil {
		h = p.parseHoldout(holdN, p.joinPath(path, "holdout"), en.key, "holdout:"+en.key)
	}
	if isNull(expsN) {
		p.warnf(en.k, path, "layer %q has no experiments", en.key)
		return salt, h, nil
	}
	return salt, h, p.packLayer(en.key, expsN, p.joinPath(path, "experiments"))
}

// packLayer reads a layer's experiments and gives each its spans, in the
// order written: a range ("30-50%", or a list of ranges) is taken as
// written and must not overlap an earlier experiment's; a share ("20%")
// takes the lowest buckets no earlier experiment holds.
func (p *parser) packLayer(layer string, n *yaml.Node, path string) []layerPart {
	entries, _ := p.mapping(n, path, true)
	var parts []layerPart
	var taken []span // sorted, disjoint
	asked := 0
	for _, en := range entries {
		part := layerPart{name: en.key, key: en.k, val: resolve(en.v), path: p.joinPath(path, en.key)}
		pinned, share, ok := p.layerValue(part.val, part.path)
		if !ok {
			continue
		}
		if pinned == nil {
			part.packed = true
			asked += int(share)
			part.spans = lowestFree(taken, int(share))
			if got := spansSize(part.spans); got < int(share) {
				p.errorf(part.val, part.path, ErrLayer, "layer %q is over-allocated: %q asks for %s%% but only %s%% is free (its experiments ask for %s%% in all)",
					layer, en.key, formatHundredths(share), formatHundredths(uint16(got)), strconv.FormatFloat(float64(asked)/100, 'f', -1, 64))
				continue
			}
		} else {
			if p.overlapsPart(layer, part, pinned, parts) {
				continue
			}
			part.spans = pinned
			asked += spansSize(pinned)
		}
		for _, s := range part.spans {
			taken = addSpan(taken, s)
		}
		parts = append(parts, part)
	}
	p.lintPacked(layer, parts)
	return parts
}

// layerValue reads an experiment's value in a layer: a share "N%"
// (pinned nil), or a range "A-B%" or a list of ranges (pinned).
func (p *parser) layerValue(n *yaml.Node, path string) (pinned []span, share uint16, ok bool) {
	if stringTag(n) && isPercent(n.Value) && !strings.Contains(n.Value, "-") {
		share, ok = p.share(n, path)
		return nil, share, ok
	}
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	for i, item := range items {
		ip := path
		if n.Kind == yaml.SequenceNode {
			ip = p.indexPath(path, i)
		}
		item = resolve(item)
		if !stringTag(item) || !isPercent(item.Value) {
			p.errorf(item, ip, ErrPercentage, `expected a share such as "20%%", a range such as "20-40%%", or a list of ranges, found %s`, describe(item))
			return nil, 0, false
		}
		s, ok := p.percent(item, pathAt(ip))
		if !ok {
			return nil, 0, false
		}
		if !s.empty() {
			pinned = append(pinned, s)
		}
	}
	slices.SortFunc(pinned, func(a, b span) int { return cmp.Compare(a.lo, b.lo) })
	return pinned, 0, true
}

// overlapsPart reports (as an error) whether a pinned range of part
// overlaps a range of an earlier experiment of the layer, or another of
// its own.
func (p *parser) overlapsPart(layer string, part layerPart, pinned []span, earlier []layerPart) bool {
	for i, s := range pinned {
		if i > 0 && pinned[i-1].overlaps(s) {
			p.errorf(part.val, part.path, ErrOverlap, "layer %q: %q's ranges %s and %s overlap", layer, part.name, formatSpan(pinned[i-1]), formatSpan(s))
			return true
		}
		for _, o := range earlier {
			for _, t := range o.spans {
				if s.overlaps(t) {
					p.errorf(part.val, part.path, ErrOverlap, "layer %q: %q's range %s overlaps %q's range %s", layer, part.name, formatSpan(s), o.name, formatSpan(t))
					return true
				}
			}
		}
	}
	return false
}

// lintPacked warns about each experiment placed by share after another
// experiment: its buckets depend on the siblings before it, so inserting
// one before it, or growing or removing one, moves its users.
func (p *parser) lintPacked(layer string, parts []layerPart) {
	for i, part := range parts {
		if !part.packed || i == 0 || len(part.spans) == 0 {
			continue
		}
		pin := formatSpans(part.spans)
		if len(part.spans) > 1 {
			pin = "[" + pin + "]"
		}
		p.warnf(part.key, part.path, "layer %q packs %q into %s after %q: inserting an experiment before it, or growing or removing one, would move its users; pin its range (%s: %s) to keep them",
			layer, part.name, formatSpans(part.spans), parts[i-1].name, part.name, pin)
	}
}

// lintSalts warns when the holdout's salt is a layer's or an
// experiment's: the users it holds out would be related to that gate's
// buckets instead of independent of them.
func (p *parser) lintSalts(global *holdout, n *yaml.Node, layerSalts, expSalts map[string]string) {
	if global == nil {
		return
	}
	for _, what := range []struct {
		kind  string
		salts map[string]string
	}{{"layer", layerSalts}, {"experiment", expSalts}} {
		for _, name := range slices.Sorted(maps.Keys(what.salts)) {
			if what.salts[name] == global.salt {
				p.warnf(resolve(n), "holdout", "the holdout's salt %q is also %s %q's: the users it holds out are related to that %s's buckets; give one of them another salt",
					global.salt, what.kind, name, what.kind)
			}
		}
	}
}

// layerRead is a layer being read: its salt, and its holdout and
// experiments, read once the layer's name and salt are known.
type layerRead struct {
	salt                 string
	holdout, experiments *yaml.Node
}

var layerShape = shape[layerRead]{what: "a layer", whole: true, fields: []field[layerRead]{
	{name: "salt", read: func(p *parser, t *layerRead, en entry, kp keyPath) bool {
		s, ok := p.text(en.v, kp, "a salt")
		if ok {
			t.salt = s
		}
		return ok
	}},
	keep("holdout", func(t *layerRead) **yaml.Node { return &t.holdout }),
	keep("experiments", func(t *layerRead) **yaml.Node { return &t.experiments }),
}}

// holdoutRead is a holdout {share, salt} being read.
type holdoutRead struct {
	h     *holdout
	share bool // read without error
}

var holdoutShape = shape[holdoutRead]{what: "a holdout", fields: []field[holdoutRead]{
	required(field[holdoutRead]{name: "share", read: func(p *parser, t *holdoutRead, en entry, kp keyPath) bool {
		t.h.share, t.share = p.share(en.v, p.path(kp))
		return t.share
	}}, "the share of users it keeps out, such as 5%"),
	{name: "salt", read: func(p *parser, t *holdoutRead, en entry, kp keyPath) bool {
		var ok bool
		t.h.salt, ok = p.text(en.v, kp, "a salt")
		return ok
	}},
}}

// parseHoldout reads a holdout: a share "N%" or {share, salt}.
func (p *parser) parseHoldout(n *yaml.Node, path, layer, defaultSalt string) *holdout {
	n = resolve(n)
	h := &holdout{layer: layer, salt: defaultSalt}
	if n.Kind != yaml.MappingNode {
		share, ok := p.share(n, path)
		if !ok {
			return nil
		}
		h.share = share
	} else {
		t := holdoutRead{h: h}
		if holdoutShape.read(p, n, path, &t); !t.share {
			return nil // share missing or not read (both reported)
		}
	}
	if h.share == Buckets {
		p.warnf(n, path, "the holdout holds out every user: no experiment it applies to assigns anyone")
	}
	return h
}

// lowestFree returns the lowest n buckets not in taken (sorted, disjoint),
// as spans; fewer when fewer are free.
func lowestFree(taken []span, n int) []span {
	var out []span
	lo := 0
	for i := 0; i <= len(taken) && n > 0; i++ {
		hi := Buckets
		if i < len(taken) {
			hi = int(taken[i].lo)
		}
		if take := min(hi-lo, n); take > 0 {
			out = append(out, span{uint16(lo), uint16(lo + take)})
			n -= take
		}
		if i < len(taken) {
			lo = int(taken[i].hi)
		}
	}
	return out
}

// addSpan adds s to taken, keeping it sorted and disjoint (adjacent spans
// merge).
func addSpan(taken []span, s span) []span {
	if s.empty() {
		return taken
	}
	var out []span
	for _, t := range taken {
		switch {
		case t.hi < s.lo:
			out = append(out, t)
		case t.lo > s.hi:
			out = append(out, s)
			s = t
		default:
			s = span{min(s.lo, t.lo), max(s.hi, t.hi)}
		}
	}
	return append(out, s)
}

func spansSize(spans []span) int {
	n := 0
	for _, s := range spans {
		n += int(s.hi) - int(s.lo)
	}
	return n
}

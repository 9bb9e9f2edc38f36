package experiment

import "gopkg.in/yaml.v3"

// parseGroups compiles the groups (doc.go's "Config").
func (p *parser) parseGroups(n *yaml.Node) {
	p.groups = map[string]*group{}
	entries, _ := p.mapping(n, "groups", true)
	for _, e := range entries {
		path := p.joinPath("groups", e.key)
		g := &group{name: e.key}
		v := resolve(e.v)
		switch v.Kind {
		case yaml.SequenceNode:
			if len(v.Content) == 0 {
				p.warnf(v, path, "the group is empty: it matches nobody")
			}
			for i, item := range v.Content {
				p.groupItem(g, item, p.indexPath(path, i))
			}
		default:
			p.groupItem(g, v, path)
		}
		p.groups[e.key] = g
		p.groupDefs = append(p.groupDefs, definition{e.key, e.k, path})
	}
}

// groupItem adds one user id or percentage to g.
func (p *parser) groupItem(g *group, n *yaml.Node, path string) {
	n = resolve(n)
	switch {
	case stringTag(n) && isPercent(n.Value):
		if s, ok := p.percent(n, pathAt(path)); ok {
			g.spans = append(g.spans, s)
		}
		return
	case stringTag(n):
		g.addUser(n.Value)
		return
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int":
		// The id as written: YAML would read 00123 as octal 83 and 0x10
		// as 16, but a user id is text that happens to be digits.
		g.addUser(n.Value)
		return
	}
	p.errorf(n, path, ErrInvalidValue, "expected a user id (a string or an integer) or a percentage, found %s", describe(n))
}

func (g *group) addUser(id string) {
	if g.users == nil {
		g.users = map[string]struct{}{}
	}
	g.users[id] = struct{}{}
}

// percent parses a percentage scalar.
func (p *parser) percent(n *yaml.Node, at keyPath) (span, bool) {
	s, msg := parsePercent(n.Value)
	if msg != "" {
		p.errorf(n, p.path(at), ErrPercentage, "malformed percentage %q: %s", n.Value, msg)
		return span{}, false
	}
	return s, true
}

// allocation compiles a group name, a percentage, or a list of those.
func (p *parser) allocation(n *yaml.Node, at keyPath) allocation {
	var a allocation
	n = resolve(n)
	if n.Kind == yaml.SequenceNode {
		path := p.path(at)
		for i, item := range n.Content {
			p.allocItem(&a, resolve(item), elemOf(path, i), len(n.Content)-i)
		}
		return a
	}
	p.allocItem(&a, n, at, 1)
	return a
}

// allocItem adds the group or percentage n to a; left is how many items
// of its list are left, n included (room for the spans and the groups).
func (p *parser) allocItem(a *allocation, n *yaml.Node, at keyPath, left int) {
	if !stringTag(n) {
		p.errorf(n, p.path(at), ErrInvalidValue, "expected a group name or a percentage, found %s", describe(n))
		return
	}
	if isPercent(n.Value) {
		s, ok := p.percent(n, at)
		if !ok {
			return
		}
		if a.spans == nil {
			a.spans = p.slabs.spans.take(left)
		}
		a.spans = append(a.spans, s)
		if s.all() {
			a.everyone = true
		}
		return
	}
	g, ok := p.groups[n.Value]
	if !ok {
		p.errorf(n, p.path(at), ErrUnknownGroup, "unknown group %q%s", n.Value, known(p.groupDefs))
		return
	}
	p.markUsed("group:", n.Value)
	if a.groups == nil {
		a.groups = p.slabs.groups.take(left)
	}
	a.groups = append(a.groups, g)
}

// parseAudiences compiles the audiences (doc.go's "Targeting attributes").
func (p *parser) parseAudiences(n *yaml.Node) {
	p.audiences = map[string]rules{}
	entries, _ := p.mapping(n, "audiences", true)
	for _, e := range entries {
		path := p.joinPath("audiences", e.key)
		rs := p.rules(e.v, path)
		if rs == nil {
			rs = rules{} // non-nil: an audience that matches everyone
		}
		p.audiences[e.key] = rs
		p.audDefs = append(p.audDefs, definition{e.key, e.k, path})
	}
}

// markUsed records that the group or audience name (kind "group:" or
// "audience:") is referenced, for warnUnused. It looks the key up first:
// a lookup builds the key without allocating, so only the first
// reference of a name allocates it.
func (p *parser) markUsed(kind, name string) {
	if !p.used[kind+name] {
		p.used[kind+name] = true
	}
}

func (p *parser) warnUnused() {
	for _, d := range p.groupDefs {
		if !p.used["group:"+d.name] {
			p.warnf(d.node, d.path, "group %q is not used by any experiment", d.name)
		}
	}
	for _, d := range p.audDefs {
		if !p.used["audience:"+d.name] {
			p.warnf(d.node, d.path, "audience %q is not used by any experiment", d.name)
		}
	}
}

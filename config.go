package experiment

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// MaxConfigSize is the largest config, in bytes, that Parse accepts; a
// larger one fails with ErrTooLarge. It bounds the memory a hostile or
// runaway config can take.
const MaxConfigSize = 64 << 20

// MaxNameLength is the longest experiment or variant name, in bytes; a
// longer one fails with ErrTooLarge. Names appear in every error path and
// lookup key, so a bound on them keeps Parse's work linear in its input.
const MaxNameLength = 1024

// MaxPayloadSize is the largest payload of one variant, in bytes of JSON;
// a larger one fails with ErrTooLarge. YAML aliases count as often as they
// are used.
const MaxPayloadSize = 1 << 20

// maxNodes bounds the YAML nodes visited while converting values and
// payloads, so that aliases cannot expand a small file into a huge one.
const maxNodes = 1 << 20

// maxDepth bounds the nesting of lists and maps in values and payloads,
// and maxJSONDepth the nesting of a JSON document as read, so that no
// input can exhaust the stack.
const (
	maxDepth     = 100
	maxJSONDepth = 1000
)

// maxRegexpSize bounds the source of a matches condition's regular
// expression: RE2 runs in linear time, but its compiled program grows with
// the source.
const maxRegexpSize = 4096

// enter accounts for one node of a value or payload, failing once the
// config expands past maxNodes nodes or nests deeper than maxDepth; each
// enter is paired with a leave.
func (p *parser) enter(n *yaml.Node, path string) bool {
	p.budget--
	p.depth++
	switch {
	case p.budget == -1:
		p.errorf(n, path, ErrTooLarge, "the config expands to more than %d values (are YAML aliases nested?)", maxNodes)
	case p.depth == maxDepth+1:
		p.errorf(n, path, ErrTooLarge, "values nest deeper than %d levels", maxDepth)
	}
	return p.budget >= 0 && p.depth <= maxDepth
}

func (p *parser) leave() { p.depth-- }

// Parse loads a config from YAML or JSON (SPEC 1-7) and compiles it for the
// active environment (see WithEnv). Every problem is reported as a
// *ConfigError wrapping one of the Err* sentinels; when a config has several,
// Parse returns the first in document order. Problems that do not stop
// loading are available from the Ruleset's Warnings.
//
// Parse never panics, whatever data holds; data is not retained.
func Parse(data []byte, opts ...Option) (*Ruleset, error) {
	o := buildOptions(opts)
	p := &parser{file: o.name, budget: maxNodes}
	r := p.parse(data, &o)
	if err := p.err(); err != nil {
		return nil, err
	}
	r.exposed = o.exposures
	return r, nil
}

// Check parses a config as Parse does and returns every error and warning
// it finds, each list in document order, for linters: Parse stops at the
// first error. An error can follow from an earlier one (a group that failed
// to parse is then unknown where it is used). Check never panics.
func Check(data []byte, opts ...Option) ([]*ConfigError, []Warning) {
	o := buildOptions(opts)
	p := &parser{file: o.name, budget: maxNodes}
	p.parse(data, &o)
	_ = p.err() // sorts
	errs, warns := p.errs, p.sortedWarnings()
	if p.droppedErrs > 0 {
		errs = append(errs, &ConfigError{File: p.file, Err: p.droppedKind,
			Msg: fmt.Sprintf("and %d more errors, not shown (at most %d are reported)", p.droppedErrs, maxErrors)})
	}
	return errs, warns
}

// Load reads the config file at path and parses it as Parse does. Errors
// name the file by path unless WithName says otherwise. A file that cannot
// be read is a *ConfigError too, whose Err is the *fs.PathError, so that
// errors.Is(err, fs.ErrNotExist) works.
func Load(path string, opts ...Option) (*Ruleset, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		msg := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = pe.Op + ": " + pe.Err.Error()
		}
		return nil, &ConfigError{File: path, Err: err, Msg: msg}
	}
	return Parse(data, append([]Option{WithName(path)}, opts...)...)
}

// MustLoad is like Load but panics if the config cannot be loaded. It is
// meant for programs whose config ships with them, in the way of
// regexp.MustCompile.
func MustLoad(path string, opts ...Option) *Ruleset {
	r, err := Load(path, opts...)
	if err != nil {
		panic(err)
	}
	return r
}

// parser holds the state of one Parse: what is defined so far and what went
// wrong. Errors and warnings are collected and sorted by position at the end.
type parser struct {
	file   string
	errs   []*ConfigError
	warns  []Warning
	budget int // nodes left to visit in values and payloads
	depth  int // nesting of the value or payload being converted

	// Errors and warnings beyond maxErrors and maxWarnings are counted,
	// not kept, so that a config with millions of problems costs no more
	// than reading it.
	droppedErrs  int
	droppedKind  error // the kind of the first dropped error
	droppedWarns int
	warnNote     bool // the "and N more warnings" note is appended

	regexps map[string]*regexp.Regexp // compiled matches patterns, by source

	groups    map[string]*group
	groupDefs []definition
	audiences map[string]rules
	audDefs   []definition
	used      map[string]bool // "group:NAME" and "audience:NAME" that are referenced
}

// definition is a named group or audience, remembered for unused warnings.
type definition struct {
	name string
	node *yaml.Node
	path string
}

// entry is one key and value of a YAML mapping.
type entry struct {
	key  string
	k, v *yaml.Node
}

// namedExperiment is a compiled experiment with where it was defined.
type namedExperiment struct {
	exp  *experiment
	node *yaml.Node
}

// maxErrors and maxWarnings bound the errors and warnings one Parse or
// Check collects; the rest are counted (see Check).
const (
	maxErrors   = 100
	maxWarnings = 1000
)

func (p *parser) errorf(n *yaml.Node, path string, kind error, format string, args ...any) {
	if len(p.errs) >= maxErrors {
		if p.droppedErrs == 0 {
			p.droppedKind = kind
		}
		p.droppedErrs++
		return
	}
	e := &ConfigError{File: p.file, Path: path, Err: kind, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	p.errs = append(p.errs, e)
}

func (p *parser) warnf(n *yaml.Node, path string, format string, args ...any) {
	if len(p.warns) >= maxWarnings {
		p.droppedWarns++
		return
	}
	w := Warning{File: p.file, Path: path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		w.Line, w.Column = n.Line, n.Column
	}
	p.warns = append(p.warns, w)
}

// err returns the first error in document order, or nil.
func (p *parser) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(p.errs, func(a, b *ConfigError) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return p.errs[0]
}

// decode parses data into a YAML document node. yaml.v3 is guarded against
// panics, which become syntax errors; a second document is an error.
func (p *parser) decode(data []byte) (doc *yaml.Node) {
	if len(data) > MaxConfigSize {
		p.errorf(nil, "", ErrTooLarge, "the config is %d bytes; the limit is %d (MaxConfigSize)", len(data), MaxConfigSize)
		return nil
	}
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, size := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			off += size
		}
		line := 1 + bytes.Count(data[:off], []byte("\n"))
		col := 1 + utf8.RuneCount(data[bytes.LastIndexByte(data[:off], '\n')+1:off])
		p.errs = append(p.errs, &ConfigError{File: p.file, Line: line, Column: col, Err: ErrSyntax, Msg: fmt.Sprintf("invalid UTF-8 (byte 0x%02x at offset %d)", data[off], off)})
		return nil
	}
	var jsonErr *jsonError
	if looksLikeJSON(data) {
		doc, err := decodeJSON(data)
		if err == nil {
			return doc
		}
		// Perhaps YAML in flow style, which also starts with '{'; if YAML
		// cannot read it either, the JSON error is the one to report.
		errors.As(err, &jsonErr)
	}
	defer func() {
		if v := recover(); v != nil {
			p.errorf(nil, "", ErrSyntax, "the YAML parser failed: %v", v)
			doc = nil
		}
		if doc == nil && jsonErr != nil {
			p.errs = p.errs[:0]
			p.errs = append(p.errs, &ConfigError{File: p.file, Line: jsonErr.line, Column: jsonErr.col, Err: ErrSyntax, Msg: "invalid JSON: " + jsonErr.Error()})
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			p.errorf(nil, "", ErrSyntax, "the config is empty; expected a map with experiments")
			return nil
		}
		p.syntaxError(err)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.errorf(&extra, "", ErrSyntax, "a second YAML document; a config is one document")
		return nil
	} else if !errors.Is(err, io.EOF) {
		p.syntaxError(err)
		return nil
	}
	if len(root.Content) == 0 {
		p.errorf(nil, "", ErrSyntax, "the config is empty; expected a map with experiments")
		return nil
	}
	if !p.withinExpansion(root.Content[0], len(data)) {
		return nil
	}
	return root.Content[0]
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// syntaxError turns a yaml.v3 error ("yaml: line 3: ...") into a ConfigError.
func (p *parser) syntaxError(err error) {
	msg := err.Error()
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	p.errs = append(p.errs, &ConfigError{File: p.file, Line: line, Err: ErrSyntax, Msg: msg})
}

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is absent or a YAML null.
func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// stringTag reports whether a scalar is a string for our purposes: anything
// but a boolean, number or null (so an unquoted date is still its text).
func stringTag(n *yaml.Node) bool {
	if n.Kind != yaml.ScalarNode {
		return false
	}
	switch n.ShortTag() {
	case "!!bool", "!!int", "!!float", "!!null":
		return false
	}
	return true
}

// describe names what a node is, for error messages.
func describe(n *yaml.Node) string {
	n = resolve(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!bool":
			return n.Value
		case "!!int", "!!float":
			return "the number " + n.Value
		}
		return strconv.Quote(n.Value)
	}
	return "an unexpected node"
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func indexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// mapping returns the entries of a map node, checking for duplicate and
// non-scalar keys. A null node is an empty map when nullOK.
func (p *parser) mapping(n *yaml.Node, path string, nullOK bool) ([]entry, bool) {
	n = resolve(n)
	if nullOK && isNull(n) {
		return nil, true
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, path, ErrInvalidValue, "expected a map, found %s", describe(n))
		return nil, false
	}
	out := make([]entry, 0, len(n.Content)/2)
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, path, ErrInvalidValue, "a key is %s; expected a string", describe(k))
			ok = false
			continue
		}
		if k.ShortTag() == "!!merge" {
			p.errorf(k, path, ErrInvalidValue, "merge keys (<<) are not supported; repeat the keys instead")
			ok = false
			continue
		}
		if first, dup := seen[k.Value]; dup {
			p.errorf(k, joinPath(path, k.Value), ErrDuplicateKey, "duplicate key %q (first at line %d)", k.Value, first.Line)
			ok = false
			continue
		}
		seen[k.Value] = k
		out = append(out, entry{key: k.Value, k: k, v: v})
	}
	return out, ok
}

// text reads a scalar that names something (an id, a salt): a string or an
// integer, as written.
func (p *parser) text(n *yaml.Node, path, what string) (string, bool) {
	n = resolve(n)
	if stringTag(n) || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int") {
		return n.Value, true
	}
	p.errorf(n, path, ErrInvalidValue, "expected %s (a string), found %s", what, describe(n))
	return "", false
}

func (p *parser) parse(data []byte, o *options) *Ruleset {
	doc := p.decode(data)
	if doc == nil {
		return nil
	}
	top, _ := p.mapping(doc, "", false)
	if isSnapshot(top) {
		r := p.snapshot(top)
		r.warnings = p.sortedWarnings()
		return r
	}
	var groupsN, expsN, audsN, envsN *yaml.Node
	r := &Ruleset{}
	envVar := DefaultEnvVariable
	for _, e := range top {
		switch e.key {
		case "groups":
			groupsN = e.v
		case "experiments":
			expsN = e.v
		case "audiences":
			audsN = e.v
		case "envs":
			envsN = e.v
		case "DEPLOYMENT_ENV_VARIABLE":
			if s, ok := p.text(e.v, e.key, "an environment variable name"); ok {
				if s == "" {
					p.errorf(e.v, e.key, ErrInvalidValue, "expected an environment variable name, found the empty string")
				}
				envVar = s
			}
		case "salt":
			r.groupSalt, _ = p.text(e.v, e.key, "a salt")
		case "version":
			r.version = p.version(e.v)
		default:
			p.errorf(e.k, e.key, ErrUnknownKey, "unknown top-level key %q; expected groups, experiments, audiences, envs, DEPLOYMENT_ENV_VARIABLE, salt or version", e.key)
		}
	}
	p.used = map[string]bool{}
	p.parseGroups(groupsN)
	p.parseAudiences(audsN)
	base := p.parseExperiments(expsN, "experiments", nil)
	envs := p.parseEnvs(envsN, base)
	p.warnUnused()

	r.env = o.activeEnv(envVar)
	r.exps = applyEnv(base, envs[r.env])
	r.byName = index(r.exps)
	r.warnings = p.sortedWarnings()
	return r
}

// sortedWarnings returns the warnings in document order.
// Past maxWarnings, a last warning (at line 0) says how many were left out.
func (p *parser) sortedWarnings() []Warning {
	if p.warnNote {
		return p.warns // sorted, with the note last
	}
	slices.SortStableFunc(p.warns, func(a, b Warning) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	if p.droppedWarns > 0 {
		p.warns = append(p.warns, Warning{File: p.file,
			Msg: fmt.Sprintf("and %d more warnings, not shown (at most %d are reported)", p.droppedWarns, maxWarnings)})
		p.warnNote = true
	}
	return p.warns
}

func (p *parser) version(n *yaml.Node) int64 {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" {
		var v int64
		if err := n.Decode(&v); err == nil {
			return v
		}
	}
	p.errorf(n, "version", ErrInvalidValue, "expected an integer version, found %s", describe(n))
	return 0
}

// parseGroups compiles the groups (SPEC 2).
func (p *parser) parseGroups(n *yaml.Node) {
	p.groups = map[string]*group{}
	entries, _ := p.mapping(n, "groups", true)
	for _, e := range entries {
		path := joinPath("groups", e.key)
		g := &group{name: e.key}
		v := resolve(e.v)
		switch v.Kind {
		case yaml.SequenceNode:
			if len(v.Content) == 0 {
				p.warnf(v, path, "the group is empty: it matches nobody")
			}
			for i, item := range v.Content {
				p.groupItem(g, item, indexPath(path, i))
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
		if s, ok := p.percent(n, path); ok {
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
func (p *parser) percent(n *yaml.Node, path string) (span, bool) {
	s, msg := parsePercent(n.Value)
	if msg != "" {
		p.errorf(n, path, ErrPercentage, "malformed percentage %q: %s", n.Value, msg)
		return span{}, false
	}
	return s, true
}

// parseAudiences compiles the audiences (SPEC 5).
func (p *parser) parseAudiences(n *yaml.Node) {
	p.audiences = map[string]rules{}
	entries, _ := p.mapping(n, "audiences", true)
	for _, e := range entries {
		path := joinPath("audiences", e.key)
		rs := p.rules(e.v, path)
		if rs == nil {
			rs = rules{} // non-nil: an audience that matches everyone
		}
		p.audiences[e.key] = rs
		p.audDefs = append(p.audDefs, definition{e.key, e.k, path})
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

// parseExperiments compiles a map of experiments, in order.
func (p *parser) parseExperiments(n *yaml.Node, path string, base map[string]bool) []namedExperiment {
	entries, _ := p.mapping(n, path, true)
	out := make([]namedExperiment, 0, len(entries))
	for _, e := range entries {
		ep := joinPath(path, e.key)
		if base != nil && !base[e.key] {
			p.warnf(e.k, ep, "experiment %q is not in experiments: this environment adds it", e.key)
		}
		if !p.validName(e, ep, "an experiment") {
			continue
		}
		if x := p.experiment(e.key, e.v, ep); x != nil {
			out = append(out, namedExperiment{x, e.k})
		}
	}
	return out
}

// parseEnvs compiles every environment's overrides (SPEC 6), so that a
// mistake in any environment fails the load, not just in the active one.
func (p *parser) parseEnvs(n *yaml.Node, base []namedExperiment) map[string][]namedExperiment {
	names := make(map[string]bool, len(base))
	for _, b := range base {
		names[b.exp.key] = true
	}
	out := map[string][]namedExperiment{}
	entries, _ := p.mapping(n, "envs", true)
	for _, e := range entries {
		out[e.key] = p.parseExperiments(e.v, joinPath("envs", e.key), names)
	}
	return out
}

// applyEnv returns base with the overrides applied: an override replaces
// the experiment of the same name in its place; new ones come last.
func applyEnv(base, overrides []namedExperiment) []*experiment {
	out := make([]*experiment, 0, len(base)+len(overrides))
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

// index builds the name lookup (see lookup): every experiment by name, the
// first of each name winning (snapshots may repeat a key). Experiments with
// many variants also get a map of variant names, so that "exp/variant" is
// found in constant time.
func index(exps []*experiment) map[string]ref {
	m := make(map[string]ref, len(exps))
	for _, e := range exps {
		if _, dup := m[e.key]; dup {
			continue
		}
		m[e.key] = ref{exp: e, variant: -1}
		if len(e.variants) > variantScanLimit {
			e.variantByKey = make(map[string]int, len(e.variants))
			for i, v := range e.variants {
				if _, taken := e.variantByKey[v.key]; !taken {
					e.variantByKey[v.key] = i
				}
			}
		}
	}
	return m
}

// variantScanLimit is the number of variants up to which a linear scan
// finds a variant by name faster than a map would.
const variantScanLimit = 8

var nullJSON = []byte("null")

// defaultVariant is the one variant, "default", of an experiment without
// named variants.
func (e *experiment) defaultVariant(a allocation) {
	e.addVariant(variant{key: "default", id: "default", payload: nullJSON}, a)
}

// addVariant appends a variant of a config experiment, with its one arm.
func (e *experiment) addVariant(v variant, a allocation) {
	e.variants = append(e.variants, v)
	e.arms = append(e.arms, arm{alloc: a, variant: len(e.variants) - 1})
}

// experiment compiles one experiment value in any of its forms (SPEC 3).
func (p *parser) experiment(name string, n *yaml.Node, path string) *experiment {
	e := &experiment{key: name, id: name, salt: name, running: true}
	var where []position // of each variant, for checkSpans
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
			e.defaultVariant(allocation{everyone: on})
			e.disabled = !on
		case "!!null":
			p.errorf(n, path, ErrInvalidValue, "expected true, false, a group name, a percentage, a list of those or a map of variants, found null")
			return nil
		default:
			e.defaultVariant(p.allocation(n, path))
		}
	case yaml.SequenceNode:
		e.defaultVariant(p.allocation(n, path))
	case yaml.MappingNode:
		entries, ok := p.mapping(n, path, false)
		if !ok {
			return nil
		}
		long := slices.ContainsFunc(entries, func(e entry) bool { return e.key == "variants" })
		if long {
			where = p.longForm(e, entries, path)
		} else {
			for _, en := range entries {
				vp := joinPath(path, en.key)
				if !p.variantName(en, vp) {
					continue
				}
				if resolve(en.v).Kind == yaml.MappingNode {
					p.errorf(en.v, vp, ErrInvalidValue, "expected a group name, a percentage or a list of those, found a map (a variant with id or payload needs the long form, under a variants key)")
					continue
				}
				e.addVariant(variant{key: en.key, id: en.key, payload: nullJSON}, p.allocation(en.v, vp))
				where = append(where, position{en.v, vp})
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

var longFormKeys = "id, status, salt, audience, targeting or variants"

// position is where a variant was defined.
type position struct {
	node *yaml.Node
	path string
}

// longForm compiles a map with a variants key, and returns where each
// variant was defined.
func (p *parser) longForm(e *experiment, entries []entry, path string) (where []position) {
	for _, en := range entries {
		kp := joinPath(path, en.key)
		switch en.key {
		case "id":
			e.id, _ = p.text(en.v, kp, "an id")
		case "salt":
			e.salt, _ = p.text(en.v, kp, "a salt")
		case "status":
			e.running = p.status(en.v, kp)
		case "audience":
			name, ok := p.text(en.v, kp, "an audience name")
			if !ok {
				continue
			}
			rs, found := p.audiences[name]
			if !found {
				p.errorf(en.v, kp, ErrUnknownAudience, "unknown audience %q%s", name, known(p.audDefs))
				continue
			}
			p.used["audience:"+name] = true
			e.audience, e.audName = rs, name
		case "targeting":
			e.targeting = p.rules(en.v, kp)
		case "variants":
			where = p.longVariants(e, en.v, kp)
		default:
			p.errorf(en.k, kp, ErrUnknownKey, "unknown key %q in a long-form experiment; expected %s", en.key, longFormKeys)
		}
	}
	return where
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

func (p *parser) status(n *yaml.Node, path string) (running bool) {
	s, ok := p.text(n, path, "a status")
	if !ok {
		return false
	}
	switch s {
	case "running", "RUNNING":
		return true
	case "draft", "paused", "archived", "DRAFT", "PAUSED", "ARCHIVED":
		return false
	}
	p.errorf(resolve(n), path, ErrStatus, "unknown status %q; expected draft, running, paused or archived (or the same in uppercase)", s)
	return false
}

// longVariants compiles the variants map of a long-form experiment, and
// returns where each variant was defined.
func (p *parser) longVariants(e *experiment, n *yaml.Node, path string) (where []position) {
	entries, _ := p.mapping(n, path, true)
	for _, en := range entries {
		vp := joinPath(path, en.key)
		if !p.variantName(en, vp) {
			continue
		}
		v := variant{key: en.key, id: en.key, payload: nullJSON}
		vn := resolve(en.v)
		where = append(where, position{en.v, vp})
		if vn.Kind != yaml.MappingNode {
			e.addVariant(v, p.allocation(vn, vp))
			continue
		}
		fields, _ := p.mapping(vn, vp, false)
		var alloc allocation
		hasAlloc := false
		for _, f := range fields {
			fp := joinPath(vp, f.key)
			switch f.key {
			case "id":
				v.id, _ = p.text(f.v, fp, "an id")
			case "allocation":
				hasAlloc = true
				alloc = p.allocation(f.v, fp)
			case "payload":
				v.payload = p.payload(f.v, fp)
			default:
				p.errorf(f.k, fp, ErrUnknownKey, "unknown key %q in a variant; expected id, allocation or payload", f.key)
			}
		}
		if !hasAlloc {
			p.errorf(vn, vp, ErrMissingKey, "variant %q has no allocation; expected a group name, a percentage or a list of those under allocation", en.key)
		}
		e.addVariant(v, alloc)
	}
	return where
}

// variantName rejects the names validName rejects: the empty variant name,
// in particular, Feature could not tell from off.
func (p *parser) variantName(en entry, path string) bool {
	return p.validName(en, path, "a variant")
}

// validName reports whether a map key can name an experiment or a variant
// (what is "an experiment" or "a variant"): a non-empty string without NUL.
// An unquoted ~ or null is YAML's null, not a name.
func (p *parser) validName(en entry, path, what string) bool {
	switch {
	case en.k.ShortTag() == "!!null" && en.key != "":
		p.errorf(en.k, path, ErrInvalidValue, "%s name must not be null (%s); quote it if it is meant as a name", what, en.key)
	case en.key == "":
		p.errorf(en.k, path, ErrInvalidValue, "%s name must not be empty", what)
	case strings.IndexByte(en.key, 0) >= 0:
		p.errorf(en.k, path, ErrInvalidValue, "%s name must not contain a NUL character", what)
	case len(en.key) > MaxNameLength:
		p.errorf(en.k, path[:len(path)-len(en.key)]+en.key[:32]+"...", ErrTooLarge, "%s name is %d bytes; the limit is %d (MaxNameLength)", what, len(en.key), MaxNameLength)
	default:
		return true
	}
	return false
}

// allocation compiles a group name, a percentage, or a list of those.
func (p *parser) allocation(n *yaml.Node, path string) allocation {
	var a allocation
	n = resolve(n)
	if n.Kind == yaml.SequenceNode {
		for i, item := range n.Content {
			p.allocItem(&a, resolve(item), indexPath(path, i))
		}
		return a
	}
	p.allocItem(&a, n, path)
	return a
}

func (p *parser) allocItem(a *allocation, n *yaml.Node, path string) {
	if !stringTag(n) {
		p.errorf(n, path, ErrInvalidValue, "expected a group name or a percentage, found %s", describe(n))
		return
	}
	if isPercent(n.Value) {
		s, ok := p.percent(n, path)
		if !ok {
			return
		}
		a.spans = append(a.spans, s)
		if s.all() {
			a.everyone = true
		}
		return
	}
	g, ok := p.groups[n.Value]
	if !ok {
		p.errorf(n, path, ErrUnknownGroup, "unknown group %q%s", n.Value, known(p.groupDefs))
		return
	}
	p.used["group:"+n.Value] = true
	a.groups = append(a.groups, g)
}

// checkSpans reports variants whose own percentages overlap (an error) and
// gaps between the ranges of different variants (a warning). It sorts the
// spans once and sweeps them, so its work is O(n log n) in the spans
// whatever they are: each span that overlaps an earlier-starting span of
// another variant is one error, naming that other span; the error is
// reported at the variant that comes later in the file.
func (p *parser) checkSpans(e *experiment, where []position, n *yaml.Node, path string) {
	type owned struct {
		s span
		v int
	}
	var all []owned
	for i := range e.arms {
		for _, s := range e.arms[i].alloc.spans {
			if !s.empty() {
				all = append(all, owned{s, i})
			}
		}
	}
	slices.SortStableFunc(all, func(a, b owned) int { return cmp.Compare(a.s.lo, b.s.lo) })
	// reach and other are the spans reaching furthest so far: reach of any
	// variant, other of a variant other than reach's. A span overlaps an
	// earlier-starting span of another variant exactly when it starts
	// before the end of one of them.
	reach, other := -1, -1
	for i, o := range all {
		partner := -1
		switch {
		case reach >= 0 && all[reach].v != o.v && o.s.lo < all[reach].s.hi:
			partner = reach
		case other >= 0 && o.s.lo < all[other].s.hi:
			partner = other
		}
		if partner >= 0 {
			a, b := o, all[partner]
			if a.v < b.v {
				a, b = b, a
			}
			p.errorf(where[a.v].node, where[a.v].path, ErrOverlap,
				"variant %q's range %s overlaps variant %q's range %s",
				e.variants[a.v].key, formatSpan(a.s), e.variants[b.v].key, formatSpan(b.s))
		}
		switch {
		case reach < 0 || o.s.hi > all[reach].s.hi:
			if reach >= 0 && all[reach].v != o.v {
				other = reach
			}
			reach = i
		case o.v != all[reach].v && (other < 0 || o.s.hi > all[other].s.hi):
			other = i
		}
	}
	for i := 1; i < len(all); i++ {
		prev, next := all[i-1], all[i]
		if prev.v != next.v && prev.s.hi < next.s.lo {
			p.warnf(n, path, "variants %q (%s) and %q (%s) leave %s unassigned; ranges are half-open, so %s would follow %s without a gap",
				e.variants[prev.v].key, formatSpan(prev.s), e.variants[next.v].key, formatSpan(next.s),
				formatSpan(span{prev.s.hi, next.s.lo}), formatSpan(span{prev.s.hi, next.s.hi}), formatSpan(prev.s))
		}
	}
}

// formatSpan writes a span back as a percentage, e.g. "20-30%".
func formatSpan(s span) string {
	return formatHundredths(s.lo) + "-" + formatHundredths(s.hi) + "%"
}

func formatHundredths(v uint16) string {
	s := strconv.Itoa(int(v) / 100)
	if f := v % 100; f != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%02d", f), "0")
	}
	return s
}

// rules compiles a config's rule list (SPEC 5). A null node is an empty
// list.
func (p *parser) rules(n *yaml.Node, path string) rules {
	return p.ruleList(n, path, false)
}

// ruleList compiles a rule list: a config's (SPEC 5), or with snapshot
// the platform's audienceRules or targetingRules (SPEC 8), whose unknown
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
	condition := p.condition
	if snapshot {
		condition = p.snapshotCondition
	}
	out := make(rules, 0, len(n.Content))
	for i, rn := range n.Content {
		rp := indexPath(path, i)
		fields, ok := p.mapping(rn, rp, false)
		if !ok {
			continue
		}
		conds := []cond{}
		for _, f := range fields {
			fp := joinPath(rp, f.key)
			switch {
			case f.key == "conditions":
			case snapshot:
				p.warnf(f.k, fp, "key %q is not part of a published rule; it is ignored", f.key)
				continue
			default:
				p.errorf(f.k, fp, ErrUnknownKey, "unknown key %q in a rule; expected conditions", f.key)
				continue
			}
			cn := resolve(f.v)
			if isNull(cn) {
				continue
			}
			if cn.Kind != yaml.SequenceNode {
				p.errorf(cn, fp, ErrInvalidValue, "expected a list of conditions, found %s", describe(cn))
				continue
			}
			for j, c := range cn.Content {
				if d, ok := condition(c, indexPath(fp, j)); ok {
					conds = append(conds, d)
				}
			}
		}
		out = append(out, conds)
	}
	return out
}

// condition compiles {attribute, operator, value}.
func (p *parser) condition(n *yaml.Node, path string) (cond, bool) {
	fields, ok := p.mapping(n, path, false)
	if !ok {
		return cond{}, false
	}
	var attrN, opN, valN *yaml.Node
	for _, f := range fields {
		switch f.key {
		case "attribute":
			attrN = f.v
		case "operator":
			opN = f.v
		case "value":
			valN = f.v
		default:
			p.errorf(f.k, joinPath(path, f.key), ErrUnknownKey, "unknown key %q in a condition; expected attribute, operator and value", f.key)
		}
	}
	n = resolve(n)
	for _, m := range []struct {
		name string
		node *yaml.Node
	}{{"attribute", attrN}, {"operator", opN}, {"value", valN}} {
		if m.node == nil {
			p.errorf(n, path, ErrMissingKey, "the condition has no %s; expected attribute, operator and value", m.name)
			ok = false
		}
	}
	if !ok {
		return cond{}, false
	}
	var d cond
	if d.attr, ok = p.text(attrN, joinPath(path, "attribute"), "an attribute name"); !ok {
		return cond{}, false
	}
	opName, ok := p.text(opN, joinPath(path, "operator"), "an operator")
	if !ok {
		return cond{}, false
	}
	o, found := operators[opName]
	if !found {
		p.errorf(resolve(opN), joinPath(path, "operator"), ErrOperator, "unknown operator %q; expected one of eq, neq, in, notIn, contains, gt, lt, gte, lte, matches, semverEq, semverGt, semverGte, semverLt, semverLte", opName)
		return cond{}, false
	}
	d.op = o.op
	vp := joinPath(path, "value")
	vn := resolve(valN)
	d.val = p.value(vn, vp)
	never := func(why string) {
		d.never = true
		p.warnf(vn, vp, "%s: the condition is false for every user", why)
	}
	switch d.op {
	case opEq:
		if d.val.kind == kOther {
			p.warnf(vn, vp, "eq with %s: lists and maps never equal anything, so the condition is false for every user", describe(vn))
		}
	case opNeq:
		if d.val.kind == kOther {
			p.warnf(vn, vp, "neq with %s: lists and maps never equal anything, so the condition is true for every user", describe(vn))
		}
	case opIn, opNotIn:
		if !d.val.isList {
			p.warnf(vn, vp, "%s expects a list, found %s: the condition is false for every user", opName, describe(vn))
		}
	case opContains:
		if d.val.kind != kString {
			never("contains expects a string, found " + describe(vn))
		}
	case opGt, opLt, opGte, opLte:
		if d.val.kind != kNumber {
			never(opName + " expects a number, found " + describe(vn))
		}
	case opMatches:
		if !stringTag(vn) {
			p.errorf(vn, vp, ErrRegexp, "matches expects a regular expression (a string), found %s", describe(vn))
			return cond{}, false
		}
		if len(vn.Value) > maxRegexpSize {
			p.errorf(vn, vp, ErrRegexp, "the regular expression is %d bytes; the limit is %d", len(vn.Value), maxRegexpSize)
			return cond{}, false
		}
		re, err := p.compileRegexp(vn.Value)
		if err != nil {
			p.errorf(vn, vp, ErrRegexp, "the regular expression does not compile: %v", err)
			return cond{}, false
		}
		d.re = re
	default: // semver operators
		// A number such as 1.2 is read as the version it is written as.
		s := vn.Value
		if vn.Kind != yaml.ScalarNode || vn.ShortTag() == "!!null" || vn.ShortTag() == "!!bool" {
			s = ""
		}
		v, valid := canonicalVersion(s)
		if !valid {
			never(fmt.Sprintf("%s expects a version, found %s", opName, describe(vn)))
		}
		d.ver = v
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
func (p *parser) value(n *yaml.Node, path string) value {
	n = resolve(n)
	ok := p.enter(n, path)
	defer p.leave()
	if !ok {
		return value{}
	}
	switch n.Kind {
	case yaml.SequenceNode:
		v := value{kind: kOther, isList: true, list: make([]value, len(n.Content))}
		strs := make([]string, 0, len(n.Content))
		for i, c := range n.Content {
			v.list[i] = p.value(c, indexPath(path, i))
			if v.list[i].kind == kString {
				strs = append(strs, v.list[i].s)
			}
		}
		if len(strs) == len(v.list) && len(strs) > 0 {
			v.strs = strs
		}
		return v
	case yaml.MappingNode:
		entries, _ := p.mapping(n, path, false)
		for _, e := range entries {
			p.value(e.v, joinPath(path, e.key)) // for duplicate keys and bounds
		}
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
			p.errorf(n, path, ErrInvalidValue, "the number %s cannot be read", n.Value)
		case math.IsNaN(num.f) || math.IsInf(num.f, 0):
			p.errorf(n, path, ErrInvalidValue, "a number in a condition must be finite, found %s", n.Value)
		default:
			return value{kind: kNumber, n: num}
		}
		return value{}
	}
	return value{kind: kString, s: n.Value}
}

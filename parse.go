package experiment

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
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

// Parse loads a config from YAML or JSON (doc.go) and compiles it for the
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
	r.exposed, r.clock, r.sticky = o.exposures, o.clock, o.sticky
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
		errs = append(errs, &ConfigError{Position: Position{File: p.file}, Err: p.droppedKind,
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
		return nil, &ConfigError{Position: Position{File: path}, Err: err, Msg: msg}
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

	decls map[*experiment]*designDecl // design keys, until environments are known (parse_design.go)

	// scratch holds the targets of the shapes read most often, a rule's
	// conditions and a condition's nodes, so that reading them allocates
	// nothing (a target handed to a field's read escapes). No shape is
	// read inside one of its own, so one of each is enough.
	scratch struct {
		conds []cond
		cond  condNodes
		pcond snapshotCond
		// payload is where a payload is written before it is copied
		// out (payloads do not nest).
		payload bytes.Buffer
		owned   []ownedSpan // checkSpans's spans
		long    longForm    // the long-form experiment being read
		entries []entry     // pushEntries's stack
		where   []variantAt // variantsAt's
		variant longVariant // the long-form variant being read
	}
	reported map[string]bool // errorOnce's errors

	stepGroups map[*group]*stepGroup // the flat steps' groups (see stepGroup)

	paths pathArena // where key paths are built (see joinPath)
	nodes nodeArena // a JSON document's tree, released when parse returns
	slabs slabs     // where the Ruleset's small slices come from
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
	e := &ConfigError{Position: Position{File: p.file, Path: strings.Clone(path)}, Err: kind, Msg: fmt.Sprintf(format, args...)}
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
	w := Warning{Position: Position{File: p.file, Path: strings.Clone(path)}, Msg: fmt.Sprintf(format, args...)}
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
		p.errs = append(p.errs, &ConfigError{Position: Position{File: p.file, Line: line, Column: col}, Err: ErrSyntax, Msg: fmt.Sprintf("invalid UTF-8 (byte 0x%02x at offset %d)", data[off], off)})
		return nil
	}
	var jsonErr *jsonError
	if looksLikeJSON(data) {
		doc, err := decodeJSON(data, &p.nodes)
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
			p.errs = append(p.errs, &ConfigError{Position: Position{File: p.file, Line: jsonErr.line, Column: jsonErr.col}, Err: ErrSyntax, Msg: "invalid JSON: " + jsonErr.Error()})
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
	p.errs = append(p.errs, &ConfigError{Position: Position{File: p.file, Line: line}, Err: ErrSyntax, Msg: msg})
}

func (p *parser) parse(data []byte, o *options) *Ruleset {
	defer p.nodes.release()
	doc := p.decode(data)
	if doc == nil {
		return nil
	}
	if isSnapshot(doc) {
		r := p.snapshot(doc)
		r.warnings = p.sortedWarnings()
		return r
	}
	t := topLevel{r: &Ruleset{}, envVar: DefaultEnvVariable}
	topShape.read(p, doc, "", &t)
	r := t.r
	p.used = map[string]bool{}
	p.parseGroups(t.groups)
	p.parseAudiences(t.audiences)
	base := p.parseExperiments(t.experiments, "experiments", nil)
	envs := p.parseEnvs(t.envs, base)
	p.warnUnused()

	r.env = o.activeEnv(t.envVar)
	r.exps = applyEnv(base, envs[r.env])
	p.finishDesign(r, base, envs, t.layers, t.holdout)
	r.byName = p.index(r.exps)
	r.groupPack = p.packSalt(r.groupSalt)
	r.warnings = p.sortedWarnings()
	return r
}

// topLevel is what the top level of a config holds: the sections, read
// in dependency order once all are found, and the scalars.
type topLevel struct {
	r                                                     *Ruleset
	groups, experiments, audiences, envs, layers, holdout *yaml.Node
	envVar                                                string
}

// topShape is the keys of a config's top level.
var topShape = shape[topLevel]{fields: []field[topLevel]{
	keep("groups", func(t *topLevel) **yaml.Node { return &t.groups }),
	keep("experiments", func(t *topLevel) **yaml.Node { return &t.experiments }),
	keep("audiences", func(t *topLevel) **yaml.Node { return &t.audiences }),
	keep("layers", func(t *topLevel) **yaml.Node { return &t.layers }),
	keep("holdout", func(t *topLevel) **yaml.Node { return &t.holdout }),
	keep("envs", func(t *topLevel) **yaml.Node { return &t.envs }),
	{name: "DEPLOYMENT_ENV_VARIABLE", read: func(p *parser, t *topLevel, en entry, kp keyPath) bool {
		s, ok := p.text(en.v, kp, "an environment variable name")
		if ok && s == "" {
			p.errorf(en.v, p.path(kp), ErrInvalidValue, "expected an environment variable name, found the empty string")
		}
		if ok {
			t.envVar = s
		}
		return ok
	}},
	{name: "salt", read: func(p *parser, t *topLevel, en entry, kp keyPath) bool {
		var ok bool
		t.r.groupSalt, ok = p.text(en.v, kp, "a salt")
		return ok
	}},
	{name: "version", read: func(p *parser, t *topLevel, en entry, _ keyPath) bool {
		t.r.version = p.version(en.v)
		return true
	}},
}}

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
		p.warns = append(p.warns, Warning{Position: Position{File: p.file},
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

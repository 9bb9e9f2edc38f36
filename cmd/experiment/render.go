package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/inprocess/experiment"
)

var renderCmd = &command{
	name:     "render",
	synopsis: "render -config FILE -env ENV [-format yaml|json|snapshot] [-published-at TIME] [-json]",
	summary:  "write the effective config of one environment, or its published snapshot",
	help: `Render writes the config one environment sees, after its overrides.

-format yaml (the default) writes the config as YAML with envs.ENV applied:
each override replaces the experiment's value in its place, experiments
only the environment defines are appended, and envs and
DEPLOYMENT_ENV_VARIABLE are dropped; comments are kept. -format json (or
-json) writes the same as JSON, keys in config order.

-format snapshot writes the platform's published snapshot (see the README's "Published snapshots"):
version, environment, publishedAt, and experiments with id, key, salt,
audienceRules, targetingRules, variants and allocations, whose ranges are
inclusive bucket numbers (the percentage 0-50% is rangeStart 0, rangeEnd
4999). An experiment is written when its allocations are bucket ranges of
its own salt and its rules use only the platform's operators. Stderr says
which experiments are not written, and why:
  - a group that lists user ids, or a group percentage (it uses the
    top-level salt, unless that is the experiment's salt too);
  - an operator other than eq, neq, in, notIn, contains, gt, lt;
  - two variants with the same id;
  - requires (prerequisites), start or end, a ramp, a layer or a holdout:
    the platform's decision service has none of them, so it would assign
    other users (a bucketing version is dropped with a note: it only
    matters to a sticky store);
  - a status other than running, or an experiment written as false: the
    platform publishes only running experiments, so these are omitted
    (noted, but not an error).
publishedAt is -published-at, by default the config file's modification
time, in RFC 3339 UTC with milliseconds, so the output is reproducible.

Exit status 1 when the config does not load, is already a snapshot, or some
experiments could not be written as a snapshot (the others are still
written).

Examples:
  experiment render -config experiments.yaml -env prod > prod.yaml
  experiment render -config experiments.yaml -env prod -json
  experiment render -config experiments.yaml -env prod -format snapshot \
      -published-at 2026-02-20T12:00:00Z > snapshots/latest.json
`,
	run: runRender,
}

func runRender(c *cli, args []string) int {
	fl := c.flags()
	config := configFlag(fl)
	env := fl.String("env", "", "the environment `ENV` whose overrides (envs.ENV) apply (required)")
	format := fl.String("format", "yaml", "output `format`: yaml, json or snapshot")
	publishedAt := fl.String("published-at", "", "the snapshot's publishedAt, RFC 3339 `time`; default the file's modification time")
	asJSON := fl.Bool("json", false, "the same as -format json, unless -format snapshot is given")
	pos, code, ok := c.parse(fl, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return c.usageError("unexpected arguments %q", pos)
	}
	if *config == "" {
		return c.usageError("-config is required")
	}
	if *env == "" {
		return c.usageError("-env is required")
	}
	if *asJSON && *format == "yaml" {
		*format = "json"
	}
	switch *format {
	case "yaml", "json", "snapshot":
	default:
		return c.usageError("-format %q: want yaml, json or snapshot", *format)
	}
	var published time.Time
	if *publishedAt != "" {
		t, err := time.Parse(time.RFC3339Nano, *publishedAt)
		if err != nil {
			return c.usageError("-published-at %q: want an RFC 3339 time such as 2026-02-20T12:00:00Z", *publishedAt)
		}
		published = t
	}

	data, err := os.ReadFile(*config)
	if err != nil {
		// Load words the error as every command does.
		_, err = load(*config, *env)
		return c.fail(err)
	}
	rs, err := experiment.Parse(data, append(loadOptions(*env), experiment.WithName(*config))...)
	if err != nil {
		return c.fail(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		return c.fail(fmt.Errorf("%s: cannot read the YAML again: %v", *config, err))
	}
	if isSnapshotDoc(&doc) {
		return c.fail(fmt.Errorf("%s is a published snapshot, which has no environments to apply", *config))
	}

	if *format == "snapshot" {
		if published.IsZero() {
			fi, err := os.Stat(*config)
			if err != nil {
				return c.fail(err)
			}
			published = fi.ModTime()
		}
		return renderSnapshot(c, rs, *env, published)
	}

	if b := bytes.TrimLeft(data, " \t\r\n"); len(b) > 0 && b[0] == '{' {
		// JSON reads as flow-style YAML; write it in block style.
		blockStyle(&doc)
	}
	found := applyEnv(&doc, *env)
	if !found {
		fmt.Fprintf(c.stderr, "experiment render: %s has no overrides for environment %q; the base config is written\n", *config, *env)
	}
	if *format == "json" {
		var b bytes.Buffer
		if err := nodeJSON(&b, doc.Content[0]); err != nil {
			return c.fail(fmt.Errorf("%s: %v", *config, err))
		}
		var out bytes.Buffer
		if err := json.Indent(&out, b.Bytes(), "", "  "); err != nil {
			return c.fail(err)
		}
		out.WriteByte('\n')
		c.stdout.Write(out.Bytes())
		return exitOK
	}
	header := fmt.Sprintf("Rendered by experiment render: %s for environment %s.", *config, *env)
	if doc.HeadComment != "" {
		doc.HeadComment = "# " + header + "\n\n" + doc.HeadComment
	} else {
		doc.HeadComment = "# " + header
	}
	enc := yaml.NewEncoder(c.stdout)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return c.fail(err)
	}
	if err := enc.Close(); err != nil {
		return c.fail(err)
	}
	return exitOK
}

// blockStyle clears the styles of a node tree read from JSON (flow
// collections, quoted strings), so that the encoder writes block YAML and
// quotes only what needs quoting.
func blockStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		blockStyle(c)
	}
}

// mappingValue returns the index in m.Content of the value under key, or
// -1.
func mappingValue(m *yaml.Node, key string) int {
	if m == nil || m.Kind != yaml.MappingNode {
		return -1
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return i + 1
		}
	}
	return -1
}

// deref follows an alias.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// isSnapshotDoc reports whether the document is a published snapshot: its
// experiments are a list.
func isSnapshotDoc(doc *yaml.Node) bool {
	top := deref(doc.Content[0])
	i := mappingValue(top, "experiments")
	return i >= 0 && deref(top.Content[i]).Kind == yaml.SequenceNode
}

// applyEnv applies envs.ENV to the document in place, as Parse does with
// WithEnv(env): an override replaces the experiment's value where it is,
// and experiments only the environment defines are appended. envs and
// DEPLOYMENT_ENV_VARIABLE are removed. It reports whether envs has an
// entry for env. The config has been validated, so the shapes are right.
func applyEnv(doc *yaml.Node, env string) (found bool) {
	if doc.Content[0].Kind == yaml.AliasNode {
		doc.Content[0] = copyNode(deref(doc.Content[0]))
	}
	top := doc.Content[0]
	var overrides *yaml.Node
	if i := mappingValue(top, "envs"); i >= 0 {
		envs := deref(top.Content[i])
		if j := mappingValue(envs, env); j >= 0 {
			found = true
			if o := deref(envs.Content[j]); o.Kind == yaml.MappingNode {
				overrides = o
			}
		}
	}
	if overrides != nil && len(overrides.Content) > 0 {
		ei := mappingValue(top, "experiments")
		if ei < 0 {
			top.Content = append(top.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "experiments"}, &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"})
			ei = len(top.Content) - 1
		}
		exps := top.Content[ei]
		if exps.Kind == yaml.AliasNode {
			exps = copyNode(deref(exps))
			top.Content[ei] = exps
		}
		if exps.Kind != yaml.MappingNode { // null: no experiments
			exps = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", HeadComment: exps.HeadComment, LineComment: exps.LineComment}
			top.Content[ei] = exps
		}
		for k := 0; k+1 < len(overrides.Content); k += 2 {
			key, val := overrides.Content[k], overrides.Content[k+1]
			if vi := mappingValue(exps, key.Value); vi >= 0 {
				exps.Content[vi] = val
				if base := exps.Content[vi-1]; key.HeadComment != "" {
					if base.HeadComment != "" {
						base.HeadComment += "\n"
					}
					base.HeadComment += key.HeadComment
				}
				continue
			}
			exps.Content = append(exps.Content, key, val)
		}
	}
	// The comment at the top of a file belongs to its first key when no
	// blank line follows it; if that key is dropped, the comment moves to
	// the first key kept.
	kept := top.Content[:0]
	carried := ""
	for i := 0; i+1 < len(top.Content); i += 2 {
		k := top.Content[i]
		switch k.Value {
		case "envs", "DEPLOYMENT_ENV_VARIABLE":
			if i == 0 {
				carried = k.HeadComment
			}
			continue
		}
		if carried != "" {
			k.HeadComment = strings.TrimSuffix(carried+"\n"+k.HeadComment, "\n")
			carried = ""
		}
		kept = append(kept, k, top.Content[i+1])
	}
	top.Content = kept
	fixAliases(doc, map[string]*yaml.Node{})
	return found
}

// fixAliases replaces, in document order, every alias whose anchor is no
// longer written before it (the anchor was in a removed or replaced part)
// with a copy of what it names. last maps an anchor name to the node that
// most recently defined it.
func fixAliases(n *yaml.Node, last map[string]*yaml.Node) {
	for i, c := range n.Content {
		if c.Kind == yaml.AliasNode && last[c.Value] != c.Alias {
			cp := copyNode(c.Alias)
			cp.HeadComment, cp.LineComment, cp.FootComment = c.HeadComment, c.LineComment, c.FootComment
			n.Content[i] = cp
			c = cp
		}
		if c.Anchor != "" {
			last[c.Anchor] = c
		}
		fixAliases(c, last)
	}
}

// copyNode copies a node tree without its anchors; aliases in it stay
// aliases (fixAliases copies them where needed).
func copyNode(n *yaml.Node) *yaml.Node {
	cp := *n
	cp.Anchor = ""
	cp.Content = make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		cp.Content[i] = copyNode(c)
	}
	return &cp
}

// nodeJSON writes a YAML node as JSON, keeping the order of keys. Scalars
// tagged as null, booleans, integers and floats are written as such, any
// other scalar as a string.
func nodeJSON(b *bytes.Buffer, n *yaml.Node) error {
	n = deref(n)
	switch n.Kind {
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			k := deref(n.Content[i])
			if k.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: a key that is not a scalar cannot be written as JSON", k.Line)
			}
			writeJSONString(b, k.Value)
			b.WriteByte(':')
			if err := nodeJSON(b, n.Content[i+1]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := nodeJSON(b, c); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null", "!!bool", "!!int", "!!float":
			var v any
			if err := n.Decode(&v); err != nil {
				return err
			}
			out, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("line %d: %s cannot be written as JSON", n.Line, n.Value)
			}
			b.Write(out)
		default:
			writeJSONString(b, n.Value)
		}
	default:
		return errors.New("unexpected YAML node")
	}
	return nil
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	b.Truncate(b.Len() - 1) // the newline Encode adds
}

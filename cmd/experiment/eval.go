package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/internal/wire"
)

var evalCmd = &command{
	name:     "eval",
	synopsis: "eval -config FILE [-env ENV] -user ID [-attr KEY=VALUE ...] [-attr-json KEY=JSON ...] [-context JSON] [-at TIME] [-explain] [-json]",
	summary:  "show the variants one user gets, and why",
	help: `Eval evaluates every experiment of a config for one user, as a service
calling Assignments would. With -json it writes the platform's decide
response: {"user_key", "environment", "config_version", "assignments"}.
With -explain it also says, for every experiment in config order, why the
user is on or off: the rule that failed, the group or percentage that
decided, the user's bucket.

An -attr value is always a string, as an application's attributes read
from a request are: -attr country=US is "US", -attr app.version=2.4 is
"2.4" (which semverGte compares as a version), -attr age=30 is "30". For a
typed value use -attr-json KEY=JSON: -attr-json age=30 is the number 30,
-attr-json beta=true a boolean, -attr-json 'tags=["a","b"]' a list.
-context is a JSON object of attributes; -attr and -attr-json keys replace
its keys, the later flag winning.

-at evaluates experiments with a start, an end or a ramp at that instant
instead of now; -explain then says "schedule" or "ramp" for a user they
keep out.

Exit status 1 when the config does not load.

Examples:
  experiment eval -config experiments.yaml -user user-123
  experiment eval -config experiments.yaml -env prod -user 7 -attr country=US -attr-json age=31 -explain
  experiment eval -config snapshot.json -user u1 -context '{"app": {"version": "2.1"}}' -json
  experiment eval -config experiments.yaml -user 7 -at 2026-03-15T12:00:00Z -explain
`,
	run: runEval,
}

// attrs collects the repeated -attr and -attr-json flags, in command-line
// order.
type attrs struct {
	keys   []string
	values []any
}

// attrFlag is -attr (typed false: the value is a string) or -attr-json
// (typed: the value is JSON, numbers as json.Number so that large integers
// stay exact), both adding to one attrs.
type attrFlag struct {
	to    *attrs
	typed bool
}

func (f attrFlag) String() string { return "" }

func (f attrFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		if f.typed {
			return fmt.Errorf("want KEY=JSON, got %q", s)
		}
		return fmt.Errorf("want KEY=VALUE, got %q", s)
	}
	var value any = v
	if f.typed {
		var err error
		if value, err = decodeJSONValue([]byte(v)); err != nil {
			return fmt.Errorf("%s: the value is not JSON (%v); use -attr for a string", k, err)
		}
	}
	f.to.keys = append(f.to.keys, k)
	f.to.values = append(f.to.values, value)
	return nil
}

// decodeJSONValue decodes exactly one JSON value, with numbers as
// json.Number.
func decodeJSONValue(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("more than one JSON value")
	}
	return v, nil
}

// decideResponse is the platform's decide response (internal/wire), with
// the explanations when asked for.
type decideResponse struct {
	wire.Decision
	Explanations []explanationJSON `json:"explanations,omitempty"`
}

// wireAssignments converts the library's assignments to the decide
// response's, whose payload is null rather than absent for a variant
// without one, as the platform writes it.
func wireAssignments(as []experiment.Assignment) []wire.Assignment {
	out := make([]wire.Assignment, len(as))
	for i, a := range as {
		out[i] = wire.Assignment{ExperimentKey: a.ExperimentKey, ExperimentID: a.ExperimentID, VariantKey: a.VariantKey, VariantID: a.VariantID, Payload: a.Payload}
	}
	return out
}

// explanationJSON is an experiment.Explanation as -json writes it.
type explanationJSON struct {
	Experiment string `json:"experiment_key"`
	Variant    string `json:"variant_key,omitempty"` // absent when off
	On         bool   `json:"on"`
	Reason     string `json:"reason"`
	Detail     string `json:"detail"`
	Targeted   bool   `json:"targeted"`          // audience or targeting rules exist and matched
	Rule       *int   `json:"rule"`              // the targeting rule that matched; null for none
	Bucket     *int   `json:"bucket"`            // the bucket under the experiment's salt; null when not computed
	Salt       string `json:"salt"`              // the experiment's salt
	Note       string `json:"note,omitempty"`    // e.g. for a duplicate key in a snapshot
	Repeats    bool   `json:"repeats,omitempty"` // a second experiment with the same key
}

func runEval(c *cli, args []string) int {
	fl := c.flags()
	config := configFlag(fl)
	env := envFlag(fl)
	user := fl.String("user", "", "the user `ID` (required)")
	var attrs attrs
	fl.Var(attrFlag{to: &attrs}, "attr", "a string targeting attribute `KEY=VALUE` (repeatable)")
	fl.Var(attrFlag{to: &attrs, typed: true}, "attr-json", "a typed targeting attribute `KEY=JSON` (repeatable): a number, boolean, null, list or object")
	ctxJSON := fl.String("context", "", "targeting attributes as a JSON `object`; -attr and -attr-json keys replace its keys")
	atText := atFlag(fl)
	explain := fl.Bool("explain", false, "say why the user is on or off in every experiment")
	asJSON := jsonFlag(fl)
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
	if !flagGiven(fl, "user") {
		return c.usageError("-user is required")
	}
	m := map[string]any{}
	if *ctxJSON != "" {
		v, err := decodeJSONValue([]byte(*ctxJSON))
		if err != nil {
			return c.usageError("-context: not JSON: %v", err)
		}
		obj, isObj := v.(map[string]any)
		if !isObj {
			return c.usageError("-context: want a JSON object, got %s", *ctxJSON)
		}
		maps.Copy(m, obj)
	}
	for i, k := range attrs.keys {
		m[k] = attrs.values[i]
	}
	at, code, ok := c.parseAt(*atText)
	if !ok {
		return code
	}
	rs, err := loadAt(*config, *env, at)
	if err != nil {
		return c.fail(err)
	}
	ctx := experiment.ContextFor(*user).With(m)
	resp := decideResponse{Decision: wire.Decision{
		UserKey:       *user,
		Environment:   rs.Env(),
		ConfigVersion: rs.Version(),
		Assignments:   wireAssignments(rs.Assignments(ctx)),
	}}
	if *explain {
		resp.Explanations = explainAll(rs, ctx)
	}
	if *asJSON {
		if err := c.writeJSON(resp); err != nil {
			return c.fail(err)
		}
		return exitOK
	}
	writeEvalText(c.stdout, resp, *explain)
	return exitOK
}

// flagGiven reports whether the flag was on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// explainAll explains every experiment, in Names order. Explain looks an
// experiment up by key, so for a key that a snapshot repeats it describes
// the first experiment with that key; the repeats say so.
func explainAll(rs *experiment.Ruleset, ctx experiment.Context) []explanationJSON {
	seen := map[string]bool{}
	var out []explanationJSON
	for _, name := range rs.Names() {
		ex := rs.Explain(name, ctx)
		e := explanationJSON{
			Experiment: name, Variant: ex.Variant, On: ex.Reason.On(), Reason: string(ex.Reason),
			Detail: ex.Detail, Targeted: ex.Targeted, Salt: ex.Salt,
		}
		if ex.Rule >= 0 {
			e.Rule = &ex.Rule
		}
		if ex.Bucket >= 0 {
			e.Bucket = &ex.Bucket
		}
		if seen[name] {
			e.Repeats = true
			e.Note = "the key repeats an earlier experiment's: this explains the first experiment with the key"
		}
		seen[name] = true
		out = append(out, e)
	}
	return out
}

func writeEvalText(w io.Writer, resp decideResponse, explain bool) {
	env := strconv.Quote(resp.Environment)
	if resp.Environment == "" {
		env = "none"
	}
	fmt.Fprintf(w, "user %q, environment %s, config version %d\n", resp.UserKey, env, resp.ConfigVersion)
	if len(resp.Assignments) == 0 {
		fmt.Fprintln(w, "no assignments")
	} else {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "EXPERIMENT\tVARIANT\tIDS\tPAYLOAD")
		for _, a := range resp.Assignments {
			payload := "(none)"
			if a.Payload != nil {
				payload = string(a.Payload)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s/%s\t%s\n", a.ExperimentKey, a.VariantKey, a.ExperimentID, a.VariantID, payload)
		}
		tw.Flush()
	}
	if !explain {
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "EXPERIMENT\tRESULT\tREASON\tWHY")
	for _, e := range resp.Explanations {
		result := "off"
		if e.On {
			result = e.Variant
		}
		why := e.Detail
		if e.Rule != nil {
			why += fmt.Sprintf("; targeting rule %d matched", *e.Rule)
		}
		if e.Repeats {
			why = "[repeated key: explains the first] " + why
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Experiment, result, e.Reason, why)
	}
	tw.Flush()
}

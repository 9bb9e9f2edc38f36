package experiment

import (
	"encoding/json"
	"html/template"
)

// FuncMap returns the template functions for html/template and
// text/template (the Node library's template helpers):
//
//	variantFor NAME CONTEXT  -> bool    (VariantFor)
//	feature NAME CONTEXT     -> string  (Feature)
//	payload NAME CONTEXT     -> any     (Payload decoded: map[string]any,
//	                                     []any, string, float64, bool or nil)
//
// so a template whose dot is a Context can say
// {{if variantFor "inviteFriends" .}} or {{feature "buttonColor" .}}.
//
// Each call evaluates against the ruleset Middleware pinned in its Context
// argument, so that a page never mixes two configs; for a Context built
// otherwise, against rules.Ruleset() at that call: a *Ruleset's own
// config, or a *Live's current one. With nil rules, a Context without a
// pinned ruleset is off everywhere. Register the functions once, when
// parsing the templates; they are safe for concurrent use. payload decodes
// on each call and so allocates.
func FuncMap(rules Rules) template.FuncMap {
	return funcMap(func(c Context) *Ruleset {
		if r := c.Ruleset(); r != nil {
			return r
		}
		if rules == nil {
			return nil
		}
		return rules.Ruleset()
	})
}

// FuncMap returns the template functions bound to r, whatever ruleset a
// Context argument was pinned to.
//
// Deprecated: use FuncMap(r), which evaluates against r too, unless
// Middleware pinned the Context to a ruleset.
func (r *Ruleset) FuncMap() template.FuncMap {
	return funcMap(func(Context) *Ruleset { return r })
}

// TemplateFuncs returns template functions that evaluate against the
// ruleset pinned in their Context argument by Middleware; a Context
// without one is off everywhere.
//
// Deprecated: use FuncMap(nil), which is the same, or FuncMap(live) to
// fall back to a config for Contexts built outside Middleware.
func TemplateFuncs() template.FuncMap { return FuncMap(nil) }

// funcMap builds the template functions over the ruleset rules gives for
// each call's Context: every way above is one of these.
func funcMap(rules func(Context) *Ruleset) template.FuncMap {
	return template.FuncMap{
		"variantFor": func(name string, c Context) bool { return rules(c).VariantFor(name, c) },
		"feature":    func(name string, c Context) string { return rules(c).Feature(name, c) },
		"payload": func(name string, c Context) (any, error) {
			return decodePayload(rules(c).Payload(name, c))
		},
	}
}

// decodePayload decodes a payload for templates; nil stays nil.
func decodePayload(p json.RawMessage) (any, error) {
	if p == nil {
		return nil, nil
	}
	var v any
	err := json.Unmarshal(p, &v)
	return v, err
}

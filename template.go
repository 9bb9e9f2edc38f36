package experiment

import (
	"encoding/json"
	"html/template"
)

// FuncMap returns the template functions for html/template and
// text/template, bound to r:
//
//	variantFor NAME CONTEXT  -> bool    (VariantFor)
//	feature NAME CONTEXT     -> string  (Feature)
//	payload NAME CONTEXT     -> any     (Payload decoded: map[string]any,
//	                                     []any, string, float64, bool or nil)
//
// so a template whose dot is a Context can say
// {{if variantFor "inviteFriends" .}} or {{feature "buttonColor" .}}.
// payload decodes on each call and so allocates.
func (r *Ruleset) FuncMap() template.FuncMap {
	return funcMap(func(Context) *Ruleset { return r })
}

// funcMap builds the template functions over the ruleset rules gives for
// each call's Context: fixed (Ruleset.FuncMap), the current one
// (Live.FuncMap), or the request's pinned one (TemplateFuncs).
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

package experiment

import "encoding/json"

// Handle is an experiment name resolved once against a Ruleset: evaluating
// through it skips the name's map lookup, the largest cost of an
// evaluation after the hash. It answers exactly as the Ruleset's methods
// do for the same name, for the Ruleset it was looked up in. Against a
// *Live, look up in the pinned Ruleset (live.Ruleset().Lookup(name)) for
// as long as that Ruleset is used.
//
// The zero Handle, like one for a name that matches nothing, is off for
// every user. A Handle is a small value, safe for concurrent use.
type Handle struct {
	r *Ruleset
	f ref // f.exp is nil when the name matched nothing
}

// Lookup resolves name ("exp" or "exp/variant", as VariantFor takes it)
// once. It allocates nothing.
func (r *Ruleset) Lookup(name string) Handle {
	f, _ := r.lookup(name)
	return Handle{r: r, f: f}
}

// Found reports whether the name matched an experiment.
func (h Handle) Found() bool { return h.f.exp != nil }

// variant returns the index of the variant h gives the user, or -1.
func (h Handle) variant(c *Context) int { return h.r.pick(h.f, c) }

// VariantFor is Ruleset.VariantFor for the looked-up name.
func (h Handle) VariantFor(c Context) bool { return h.variant(&c) >= 0 }

// Feature is Ruleset.Feature for the looked-up name.
func (h Handle) Feature(c Context) string {
	if v := h.variant(&c); v >= 0 {
		return h.f.exp.variants[v].key
	}
	return ""
}

// Payload is Ruleset.Payload for the looked-up name.
func (h Handle) Payload(c Context) json.RawMessage {
	if v := h.variant(&c); v >= 0 {
		return h.f.exp.variants[v].payload
	}
	return nil
}

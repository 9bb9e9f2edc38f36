package experiment

import (
	"encoding/json"
	"sync/atomic"
)

// Handle is an experiment name resolved once against a Ruleset: evaluating
// through it skips the name's map lookup, the largest cost of an
// evaluation after the hash. It answers exactly as the Ruleset's methods
// do for the same name, for the Ruleset it was looked up in, and keeps
// doing so after a Live reloads: to follow a *Live, use Live.Lookup, whose
// LiveHandle always evaluates against the current config.
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

// LiveHandle is an experiment name resolved against a *Live: it always
// evaluates against the Live's current config, resolving the name again
// only after a reload installed a new one (the first evaluation after a
// reload pays one map lookup and one small allocation; every other costs
// what a Handle's does, plus one atomic load). Unlike a Handle taken from
// live.Ruleset(), it cannot keep answering from an old config.
//
// Create it with Live.Lookup. The zero LiveHandle is off for every user.
// It is safe for concurrent use; copy it freely (copies share the cache).
type LiveHandle struct {
	l     *Live
	name  string
	cache *atomic.Pointer[Handle] // the Handle for the Ruleset it was resolved in
}

// Lookup returns a LiveHandle for name ("exp" or "exp/variant").
func (l *Live) Lookup(name string) LiveHandle {
	return LiveHandle{l: l, name: name, cache: new(atomic.Pointer[Handle])}
}

// handle returns the Handle for the Live's current config.
func (h LiveHandle) handle() Handle {
	if h.l == nil {
		return Handle{}
	}
	rs := h.l.Ruleset()
	if c := h.cache.Load(); c != nil && c.r == rs {
		return *c
	}
	fresh := rs.Lookup(h.name)
	h.cache.Store(&fresh)
	return fresh
}

// Found reports whether the name matches an experiment of the current config.
func (h LiveHandle) Found() bool { return h.handle().Found() }

// VariantFor is Live.VariantFor for the looked-up name.
func (h LiveHandle) VariantFor(c Context) bool { return h.handle().VariantFor(c) }

// Feature is Live.Feature for the looked-up name.
func (h LiveHandle) Feature(c Context) string { return h.handle().Feature(c) }

// Payload is Live.Payload for the looked-up name.
func (h LiveHandle) Payload(c Context) json.RawMessage { return h.handle().Payload(c) }

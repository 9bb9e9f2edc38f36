package experiment

// plain reports whether evaluating for c is choose alone: no QA override
// in c and no exposure hook. The public methods then call choose directly
// and pay nothing for those features; otherwise they call assign.
func (r *Ruleset) plain(c *Context) bool { return c.req == nil && r.exposed == nil }

// assign is choose as the public methods see it: a QA override carried by
// c (see QA) comes first, and the exposure hook hears of an assignment. gb
// caches the user's group bucket across the experiments of one call (-1:
// not yet computed).
func (r *Ruleset) assign(e *experiment, c *Context, gb *int) int {
	var v int
	if c.req != nil && c.req.forced != nil {
		v = r.forcedOrChosen(e, c, gb)
	} else {
		v = r.choose(e, c, gb)
	}
	if v >= 0 && r.exposed != nil {
		r.report(e, v, c, gb, "")
	}
	return v
}

// forcedOrChosen is the variant a QA override forces, if it names one of
// e's variants, else choose's.
func (r *Ruleset) forcedOrChosen(e *experiment, c *Context, gb *int) int {
	if key, ok := c.req.forced[e.key]; ok {
		if i := e.variantIndex(key); i >= 0 {
			return i
		}
	}
	return r.choose(e, c, gb)
}

// Select returns the callback for the user in c: fns[v] where v is the
// user's variant of the experiment name, else fns["fallback"], else nil. The
// fallback is chosen both when the user is off and when fns has no entry
// (or a nil one) for the user's variant, as in the Node seed.
//
// With name "exp/variant" only that variant's callback can be chosen: a user
// in another variant of exp gets the fallback. Select does not call the
// callback; it allocates nothing.
func (r *Ruleset) Select(name string, c Context, fns map[string]func()) func() {
	if v := r.variantOf(name, &c); v != nil {
		if fn := fns[v.key]; fn != nil {
			return fn
		}
	}
	return fns["fallback"]
}

// Protect runs the callback Select chooses, if any, and reports whether one
// ran. It is how a piece of code is kept from running for users outside an
// experiment (see Select for the choice, including "fallback").
func (r *Ruleset) Protect(name string, c Context, fns map[string]func()) bool {
	fn := r.Select(name, c, fns)
	if fn == nil {
		return false
	}
	fn()
	return true
}

package experiment

import (
	"context"
	"encoding/json"
	"fmt"
)

// StickyStore remembers, for each user and experiment, the variant the
// user was assigned and the experiment's bucketing version at the time
// (the long form's version key, default 0). StickyFeature, StickyPayload
// and ExplainSticky consult it before the variants are tried, so that
// editing a running experiment's allocations, layer, holdout or ramp does
// not move users already assigned; bumping the experiment's version
// re-buckets everyone on purpose, since a variant recorded under another
// version is ignored (and replaced).
//
// Get returns the variant recorded for the user in the experiment (named
// by its key) and the version it was recorded under; ok is false when
// there is none. Set records one, replacing any. An error from Get makes
// the evaluation fall back to the user's bucket without calling Set, so
// that a store that is briefly down never overwrites what it holds; an
// error from either is returned to the caller with the variant computed.
// Both are called from the evaluating goroutine, possibly from many at
// once: implementations must be safe for concurrent use, and should honour
// ctx's deadline.
//
// MemoryStore is an implementation for one process. To share assignments
// across processes, back the interface with a store all of them read:
//
//   - Redis: one hash per user, HGET "sticky:USER" EXPERIMENT in Get and
//     HSET "sticky:USER" EXPERIMENT "VERSION:VARIANT" in Set (with an
//     EXPIRE on the key to forget users who no longer come);
//   - the platform's PostgreSQL database: a table sticky_assignment
//     (user_key, experiment_key, variant_key, version, assigned_at,
//     PRIMARY KEY (user_key, experiment_key)), read with one SELECT and
//     written with INSERT ... ON CONFLICT (user_key, experiment_key) DO
//     UPDATE SET variant_key = excluded.variant_key, version =
//     excluded.version.
//
// Either way a Get is a network round trip: that is why sticky evaluation
// is its own methods, which take a context.Context and return an error,
// rather than a hidden part of VariantFor and Feature, which stay pure,
// allocation-free and I/O-free whether a store is set or not.
type StickyStore interface {
	Get(ctx context.Context, user, experiment string) (variant string, version int, ok bool, err error)
	Set(ctx context.Context, user, experiment, variant string, version int) error
}

// WithSticky makes StickyFeature, StickyPayload and ExplainSticky consult
// store (see StickyStore). Without it, or with a nil store, they answer as
// Feature, Payload and Explain do. VariantFor, Feature and the other
// evaluation methods never consult the store.
func WithSticky(store StickyStore) Option {
	return optionFunc(func(o *options) { o.sticky = store })
}

// StickyFeature is Feature with sticky assignment: a user who is eligible
// for the experiment (running, in its schedule, meeting its prerequisites,
// audience and targeting) gets the variant the store recorded under the
// experiment's current bucketing version, if it is still a variant of the
// experiment, whatever the holdouts, layer, ramp and allocations now say;
// otherwise the variant they say, which is then recorded. A user who is
// off is not recorded, so a ramp or an allocation can still add them
// later. A QA override (see QA) wins over the store and is not recorded.
// Prerequisites are evaluated without the store.
//
// On a store error StickyFeature returns the variant bucketing gives and
// the error (see StickyStore). Exposures are reported as Feature reports
// them. It allocates nothing beyond what the store does.
func (r *Ruleset) StickyFeature(ctx context.Context, name string, c Context) (string, error) {
	f, _ := r.lookup(name)
	v, err := r.stickyPick(ctx, f, &c)
	if v < 0 {
		return "", err
	}
	return f.exp.variants[v].key, err
}

// StickyPayload is Payload with sticky assignment: the payload of the
// variant StickyFeature returns, nil when the user is off.
func (r *Ruleset) StickyPayload(ctx context.Context, name string, c Context) (json.RawMessage, error) {
	f, _ := r.lookup(name)
	v, err := r.stickyPick(ctx, f, &c)
	if v < 0 {
		return nil, err
	}
	return f.exp.variants[v].payload, err
}

// StickyFeature is Ruleset.StickyFeature on the current config.
func (l *Live) StickyFeature(ctx context.Context, name string, c Context) (string, error) {
	return l.Ruleset().StickyFeature(ctx, name, c)
}

// stickyPick is pick with the store: the variant index, or -1.
func (r *Ruleset) stickyPick(ctx context.Context, f ref, c *Context) (int, error) {
	if f.exp == nil || r.sticky == nil || c.forces(f.exp) {
		return r.pick(f, c), nil
	}
	e := f.exp
	gb := -1
	var d decision
	v := r.decide(e, c, &gb, &d)
	var err error
	if d.allocating() {
		v, err = r.stick(ctx, e, v, c)
	}
	if v >= 0 && r.exposed != nil {
		r.report(e, v, c, &gb, "")
	}
	if v < 0 || (f.variant >= 0 && f.variant != v) {
		return -1, err
	}
	return v, err
}

// stick returns the variant the store holds for the user in e, when it is
// current, else v, which it records when the user is on.
func (r *Ruleset) stick(ctx context.Context, e *experiment, v int, c *Context) (int, error) {
	key, version, ok, err := r.sticky.Get(ctx, c.userID, e.key)
	if err != nil {
		return v, fmt.Errorf("experiment: sticky store: reading %q: %w", e.key, err)
	}
	if ok && version == e.bucketVersion {
		if i := e.variantIndex(key); i >= 0 {
			return i, nil
		}
	}
	if v < 0 {
		return v, nil
	}
	if err := r.sticky.Set(ctx, c.userID, e.key, e.variants[v].key, e.bucketVersion); err != nil {
		return v, fmt.Errorf("experiment: sticky store: recording %q: %w", e.key, err)
	}
	return v, nil
}

// forces reports whether a QA override carried by c names a variant of e.
func (c *Context) forces(e *experiment) bool {
	if c.req == nil || c.req.forced == nil {
		return false
	}
	key, ok := c.req.forced[e.key]
	return ok && e.variantIndex(key) >= 0
}

// ExplainSticky is Explain with the store: when the user is eligible and
// the store holds a current variant for them, the reason is ReasonSticky
// and the detail says what bucketing alone would give; otherwise it is
// Explain's answer, with a note on what the store holds. It only reads the
// store (it records nothing), so an inspector can show a user's sticky
// variant without enrolling them. Without a store it is Explain.
func (r *Ruleset) ExplainSticky(ctx context.Context, name string, c Context) (Explanation, error) {
	ex := r.Explain(name, c)
	f, found := r.lookup(name)
	if !found || r.sticky == nil || c.forces(f.exp) {
		return ex, nil
	}
	e := f.exp
	gb := -1
	var d decision
	r.decide(e, &c, &gb, &d)
	if !d.allocating() {
		return ex, nil
	}
	key, version, ok, err := r.sticky.Get(ctx, c.userID, e.key)
	switch {
	case err != nil:
		return ex, fmt.Errorf("experiment: sticky store: reading %q: %w", e.key, err)
	case !ok:
		ex.Detail += "; the sticky store holds no variant for the user"
		return ex, nil
	case version != e.bucketVersion:
		ex.Detail += fmt.Sprintf("; the sticky store's variant %q is from bucketing version %d, and version %d re-buckets", key, version, e.bucketVersion)
		return ex, nil
	}
	i := e.variantIndex(key)
	if i < 0 {
		ex.Detail += fmt.Sprintf("; the sticky store's variant %q is no longer a variant of the experiment", key)
		return ex, nil
	}
	without := "off (" + string(ex.Reason) + ": " + ex.Detail + ")"
	if ex.Reason.On() {
		without = fmt.Sprintf("%q (%s: %s)", ex.Variant, ex.Reason, ex.Detail)
	} else if ex.Reason == ReasonOtherVariant {
		without = ex.Detail
	}
	ex.Reason, ex.Variant = ReasonSticky, key
	ex.Detail = fmt.Sprintf("the sticky store holds variant %q under bucketing version %d; bucketing alone gives %s", key, version, without)
	if f.variant >= 0 && f.variant != i {
		ex.Reason, ex.Variant = ReasonOtherVariant, ""
		ex.Detail = fmt.Sprintf("the sticky store holds variant %q, not %q", key, e.variants[f.variant].key)
	}
	return ex, nil
}

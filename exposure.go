package experiment

import (
	"context"
	"strings"
	"time"
)

// Exposure records that a user was assigned a variant: the moment an
// application branches on an experiment, which is what its analytics count.
type Exposure struct {
	Experiment   string // the experiment's key
	ExperimentID string
	Variant      string // the variant's key
	VariantID    string
	UserID       string
	Version      int64 // the config's version
	Env          string
	Forced       bool // a QA override chose the variant
	Time         time.Time

	// Context is the context.Context of the request the exposure happened
	// in, as Middleware received it, so that a hook finds the request's
	// trace span or request-scoped values there; context.Background()
	// outside Middleware. It is never nil. It may be cancelled by the time a
	// hook that hands the exposure off to another goroutine reads it.
	Context context.Context

	// RequiredBy is, for the exposure of a prerequisite, the experiment
	// whose evaluation required it (the user is in that experiment, so
	// they are in this variant too); "" for an experiment evaluated by
	// name.
	RequiredBy string
}

// WithExposures makes the Ruleset call fn each time VariantFor, Feature,
// Payload, Select, Protect, Assignments or AppendAssignments finds the user
// assigned a variant, including a name "exp/variant" asked of a user who
// has another variant of exp (the user was still evaluated into exp). An
// evaluation that finds the user off is no exposure; Explain never reports.
// An experiment with prerequisites (requires) reports theirs too, after its
// own, with RequiredBy naming it: a user in it is in them.
//
// Through Middleware, an experiment's exposure is reported once per request
// however often the request evaluates it; elsewhere, on every evaluation.
// fn runs synchronously in the evaluating goroutine, possibly from many at
// once: keep it quick and safe for concurrent use (hand off to a channel or
// a logger). Exposure.Context carries the request's context.Context, for
// tracing. Without WithExposures evaluation costs what it did. Outside
// Middleware each reported exposure copies the user id for the hook (one
// small allocation), so that no evaluation keeps a pointer into the
// caller's Context; through Middleware it allocates nothing.
//
// With Watch, set WatchOptions.Exposures instead: it covers every config
// the Live serves, its Fallback and an Override too.
func WithExposures(fn func(Exposure)) Option {
	return optionFunc(func(o *options) { o.exposures = fn })
}

// WithExposures returns a copy of r that calls fn as the WithExposures
// option describes, instead of r's own hook; nil fn for none. The copy
// shares r's compiled experiments, so it costs one small allocation
// whatever the config's size; r is unchanged. A nil r gives nil. Watch
// uses it to give WatchOptions.Exposures to the configs it did not parse.
func (r *Ruleset) WithExposures(fn func(Exposure)) *Ruleset {
	if r == nil {
		return nil
	}
	c := *r
	c.exposed = fn
	return &c
}

// expose reports an assignment, once per request through Middleware; via
// is the experiment that required e, or "" (see Exposure.RequiredBy).
//
// It hands the hook nothing that is part of the Context itself (the user
// id outside Middleware is copied), only what the Context points to, so
// that the evaluation methods do not make the caller's Context, or the
// attribute map in it, escape to the heap (go build -gcflags=-m).
func (r *Ruleset) expose(e *experiment, v int, c *Context, via string) {
	if c.req != nil && !c.req.seen.first(e, v) {
		return
	}
	forced, ctx, user := false, context.Background(), ""
	if c.req != nil {
		_, forced = c.req.forced[e.key]
		ctx, user = c.req.ctx, c.req.userID
	} else {
		user = strings.Clone(c.userID)
	}
	r.exposed(Exposure{
		Experiment: e.key, ExperimentID: e.id,
		Variant: e.variants[v].key, VariantID: e.variants[v].id,
		UserID: user, Version: r.version, Env: r.env,
		Forced: forced, Time: r.clockTime(c), Context: ctx, RequiredBy: via,
	})
}

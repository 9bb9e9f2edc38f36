package experiment

import (
	"context"
	"html/template"
	"net/http"
	"strings"
	"sync"
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
// With Watch, pass it in WatchOptions.Parse so every reloaded config keeps
// it.
func WithExposures(fn func(Exposure)) Option {
	return optionFunc(func(o *options) { o.exposures = fn })
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

// request is the state Middleware attaches to a request's Context.
type request struct {
	rules  *Ruleset
	forced map[string]string // experiment key -> variant key, from a QA token
	ctx    context.Context   // the request's, for Exposure.Context; never nil
	userID string            // the Context's, for Exposure.UserID
	seen   *seen             // exposures reported so far; never nil
}

// seen is the set of a request's exposures. It is a separate object so
// that locking it (which escape analysis sees as leaking the lock's
// owner) does not leak the Context that points to the request.
type seen struct {
	mu  sync.Mutex
	set map[exposed]struct{}
}

type exposed struct {
	e *experiment
	v int
}

// first reports whether this is the request's first exposure of e's
// variant v.
func (s *seen) first(e *experiment, v int) bool {
	k := exposed{e, v}
	s.mu.Lock()
	_, found := s.set[k]
	if !found {
		if s.set == nil {
			s.set = map[exposed]struct{}{}
		}
		s.set[k] = struct{}{}
	}
	s.mu.Unlock()
	return !found
}

// Rules yields the ruleset to evaluate against now. A *Ruleset yields
// itself and a *Live its current config, so both can be given to
// Middleware.
type Rules interface {
	Ruleset() *Ruleset
}

// Ruleset returns r itself, so that a *Ruleset is Rules.
func (r *Ruleset) Ruleset() *Ruleset { return r }

// MiddlewareOptions configures Middleware.
type MiddlewareOptions struct {
	// User reads the user from a request: typically
	// ContextFor(sessionUserID).With(attributes). Required.
	User func(r *http.Request) Context

	// QA, when set, lets a signed token in a cookie or query parameter
	// force variants for the requester; create it with NewQA. Nil: no
	// overrides.
	QA *QA
}

type contextKey struct{}

// Middleware returns net/http middleware that, for each request, pins the
// ruleset rules yields at its start, reads the user with opts.User, and
// stores both in the request's context.Context, so that a handler gets them
// back with FromRequest and evaluates the whole request, templates
// included, against one config even if a reload happens meanwhile.
// Exposures (see WithExposures) are reported once per experiment per
// request. A valid QA token in the query is answered with a redirect that
// removes it (see QA). It panics if opts.User is nil or opts.QA has a Key
// shorter than 32 bytes.
func Middleware(rules Rules, opts MiddlewareOptions) func(http.Handler) http.Handler {
	if opts.User == nil {
		panic("experiment: Middleware needs MiddlewareOptions.User")
	}
	if opts.QA != nil {
		if err := opts.QA.check(); err != nil {
			panic(err.Error())
		}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			st := &request{rules: rules.Ruleset(), ctx: r.Context(), seen: &seen{}}
			if opts.QA != nil {
				var done bool
				if st.forced, done = opts.QA.apply(w, r); done {
					return
				}
			}
			c := opts.User(r)
			c.req, st.userID = st, c.userID
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), contextKey{}, c)))
		})
	}
}

// FromContext returns the ruleset Middleware pinned and the user's Context,
// from a context.Context derived from the request's. Without Middleware it
// returns nil and the zero Context, with which every evaluation is off.
func FromContext(ctx context.Context) (*Ruleset, Context) {
	c, _ := ctx.Value(contextKey{}).(Context)
	return c.Ruleset(), c
}

// FromRequest is FromContext(r.Context()).
func FromRequest(r *http.Request) (*Ruleset, Context) {
	return FromContext(r.Context())
}

// TemplateFuncs returns template functions that evaluate against the
// ruleset pinned in their Context argument by Middleware:
//
//	variantFor NAME CONTEXT  -> bool
//	feature NAME CONTEXT     -> string
//	payload NAME CONTEXT     -> any (decoded JSON)
//
// Register them once, when parsing the templates, and pass the request's
// Context (from FromRequest) in the data: {{if variantFor "inviteFriends"
// .Exp}}. A Context without a pinned ruleset is off everywhere. Use
// Ruleset.FuncMap instead to bind the functions to one ruleset.
func TemplateFuncs() template.FuncMap {
	return funcMap(Context.Ruleset)
}

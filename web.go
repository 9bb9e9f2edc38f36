package experiment

import (
	"context"
	"net/http"
	"sync"
)

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

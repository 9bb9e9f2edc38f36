package control

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/inprocess/experiment/platform/internal/fastify"
	"github.com/inprocess/experiment/platform/internal/jsvalue"
	"github.com/inprocess/experiment/platform/internal/store"
)

// Options configures New. Store is required.
type Options struct {
	// Store holds the data.
	Store *store.Store

	// Publish publishes an environment (by id) and returns the snapshot
	// it published. Default: none, and every publish fails with an error
	// saying so.
	Publish func(ctx context.Context, environmentID string) ([]byte, error)

	// Token, when set, is the bearer token every POST, PUT, PATCH and
	// DELETE must carry (Authorization: Bearer TOKEN); others get 401.
	// Reads need none. Default: none required.
	Token string

	// Logger receives unexpected errors (500s). Default: slog.Default().
	Logger *slog.Logger
}

type server struct {
	store   *store.Store
	publish func(ctx context.Context, environmentID string) ([]byte, error)
	token   string
	log     *slog.Logger
}

// New returns the control plane's handler, serving the platform's 21
// routes at the root (/environments, /experiments, /audiences, /health),
// and two of its own: POST /events, which stores the batches of
// exposures and events the library's HTTPSink sends (events.go), and
// GET /experiments/:id/results, the experiment's analysis (results.go).
// It fails when opts.Store is nil. The handler is safe for concurrent use.
func New(opts Options) (http.Handler, error) {
	if opts.Store == nil {
		return nil, errors.New("control: Options.Store is required")
	}
	s := &server{store: opts.Store, publish: opts.Publish, token: opts.Token, log: opts.Logger}
	if s.publish == nil {
		s.publish = func(context.Context, string) ([]byte, error) {
			return nil, errors.New("control: no publisher is configured")
		}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s, nil
}

// request is a matched request: its path parameters (decoded), body and
// query.
type request struct {
	*http.Request
	params []string
	body   jsvalue.Value
	query  map[string]jsvalue.Value
}

type route struct {
	method string
	parts  []string // path segments; ":" is a parameter
	h      func(*server, http.ResponseWriter, *request)
	raw    bool // the handler reads the body itself
}

func r(method, pattern string, h func(*server, http.ResponseWriter, *request)) route {
	parts := strings.Split(strings.TrimPrefix(pattern, "/"), "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") {
			parts[i] = ":"
		}
	}
	return route{method: method, parts: parts, h: h}
}

// rawBody marks a route whose handler reads the request body itself.
func rawBody(rt route) route {
	rt.raw = true
	return rt
}

// routes are the platform's 21 routes, then this port's own: events and
// results.
var routes = []route{
	r("GET", "/health", (*server).health),
	r("POST", "/environments", (*server).createEnvironment),
	r("GET", "/environments", (*server).listEnvironments),
	r("GET", "/environments/:id", (*server).getEnvironment),
	r("POST", "/experiments", (*server).createExperiment),
	r("GET", "/experiments", (*server).listExperiments),
	r("GET", "/experiments/:id", (*server).getExperiment),
	r("PATCH", "/experiments/:id", (*server).updateExperiment),
	r("PATCH", "/experiments/:id/status", (*server).setStatus),
	r("DELETE", "/experiments/:id", (*server).deleteExperiment),
	r("POST", "/experiments/:id/publish", (*server).publishExperiment),
	r("POST", "/experiments/:id/variants", (*server).createVariant),
	r("PATCH", "/experiments/:id/variants", (*server).batchVariants),
	r("PATCH", "/experiments/:id/variants/:variantId", (*server).updateVariant),
	r("DELETE", "/experiments/:id/variants/:variantId", (*server).deleteVariant),
	r("PUT", "/experiments/:id/allocations", (*server).setAllocations),
	r("POST", "/audiences", (*server).createAudience),
	r("GET", "/audiences", (*server).listAudiences),
	r("GET", "/audiences/:id", (*server).getAudience),
	r("PATCH", "/audiences/:id", (*server).updateAudience),
	r("DELETE", "/audiences/:id", (*server).deleteAudience),
	rawBody(r("POST", "/events", (*server).postEvents)),
	r("GET", "/experiments/:id/results", (*server).results),
}

// match finds the route for method and the escaped path, returning its
// raw parameters.
func match(method, path string) (*route, []string) {
	if method == http.MethodHead {
		method = http.MethodGet
	}
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if !strings.HasPrefix(path, "/") {
		return nil, nil
	}
	for i := range routes {
		rt := &routes[i]
		if rt.method != method || len(rt.parts) != len(segs) {
			continue
		}
		var params []string
		ok := true
		for j, p := range rt.parts {
			if p == ":" {
				params = append(params, segs[j])
			} else if p != segs[j] {
				ok = false
				break
			}
		}
		if ok {
			return rt, params
		}
	}
	return nil, nil
}

func isMutation(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

func (s *server) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	path := hr.URL.EscapedPath()
	rt, raw := match(hr.Method, path)
	if rt == nil {
		writeNotFound(w, hr)
		return
	}
	req := &request{Request: hr}
	for _, p := range raw {
		d, ok := fastify.PercentDecode(p)
		if !ok {
			writeBadURL(w, path)
			return
		}
		req.params = append(req.params, d)
	}
	if isMutation(hr.Method) {
		if s.token != "" && !s.authorized(hr) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="experiment-platform"`)
			writeJSON(w, http.StatusUnauthorized, frameworkError(http.StatusUnauthorized, "", "a valid bearer token is required: send Authorization: Bearer TOKEN"))
			return
		}
		if !rt.raw {
			body, berr := readBody(hr)
			if berr != nil {
				berr.write(w)
				return
			}
			req.body = body
		}
	}
	req.query = fastify.ParseQuery(hr.URL.RawQuery)
	rt.h(s, w, req)
}

// authorized reports whether the request carries the bearer token.
func (s *server) authorized(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) == 1
}

func (s *server) health(w http.ResponseWriter, _ *request) {
	writeJSON(w, http.StatusOK, []byte(`{"status":"ok"}`))
}

// fail answers a store error with the platform's response for it;
// handlers answer ErrDuplicate themselves, with their own message.
func (s *server) fail(w http.ResponseWriter, r *request, err error) {
	var te *store.TransitionError
	var re *store.RecordError
	switch {
	case errors.Is(err, store.ErrEnvironmentNotFound):
		writeError(w, http.StatusNotFound, "Environment not found")
	case errors.Is(err, store.ErrExperimentNotFound):
		writeError(w, http.StatusNotFound, "Experiment not found")
	case errors.Is(err, store.ErrAudienceNotFound):
		writeError(w, http.StatusNotFound, "Audience not found")
	case errors.Is(err, store.ErrVariantNotFound):
		writeError(w, http.StatusNotFound, "Variant not found")
	case errors.Is(err, store.ErrVariantsNotFound):
		writeError(w, http.StatusNotFound, "One or more variants not found")
	case errors.Is(err, store.ErrAudienceEnvironment):
		writeError(w, http.StatusUnprocessableEntity, "Audience must belong to the same environment")
	case errors.As(err, &te):
		writeError(w, http.StatusUnprocessableEntity, "Cannot transition from "+string(te.From)+" to "+string(te.To))
	case errors.As(err, &re):
		writeJSON(w, http.StatusInternalServerError, frameworkError(http.StatusInternalServerError, re.Code, re.Message))
	default:
		s.log.Error("control: request failed", "method", r.Method, "path", r.URL.Path, "error", err)
		writeJSON(w, http.StatusInternalServerError, frameworkError(http.StatusInternalServerError, "", err.Error()))
	}
}

// invalid answers a validation failure: 400 {"error": first message}.
func invalid(w http.ResponseWriter, c *checker) {
	writeError(w, http.StatusBadRequest, c.msg)
}

package decide

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/inprocess/experiment"
)

// The platform's 400 messages (its schema library's, zod's).
const (
	msgUndefined = "Invalid input: expected string, received undefined"
	msgArray     = "Invalid input: expected string, received array"
	msgEmpty     = "Too small: expected string to have >=1 characters"
)

// check returns the platform's 400 message for the parameters, or "",
// checking user_key, env and context in that order: a missing or empty
// user_key or env, or any parameter given twice.
func (q *decideQuery) check() string {
	for _, p := range []*queryParam{&q.userKey, &q.env} {
		switch {
		case p.count == 0:
			return msgUndefined
		case p.count > 1:
			return msgArray
		case p.value == "":
			return msgEmpty
		}
	}
	if q.context.count > 1 {
		return msgArray
	}
	return ""
}

// discoveryWait is how long a request that names an environment not yet
// known in the layout waits for its first load, which usually takes a
// file read or one round trip; past it the request is answered 503 and
// the load goes on.
const discoveryWait = 2 * time.Second

// scratch is a /decide request's reusable memory: attrs is the context's
// map, which no evaluation keeps, so that a request's context allocates
// only its values (which a GC cycle less often then has to collect).
type scratch struct {
	as    []experiment.Assignment
	body  []byte
	attrs map[string]any
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{as: make([]experiment.Assignment, 0, 64), body: make([]byte, 0, 8192), attrs: map[string]any{}}
}}

// put returns sc to the pool, without the references of the request, if
// it has not grown too large to keep.
func (sc *scratch) put() {
	small := len(sc.attrs) <= 64 // a map keeps the room it grew to
	clear(sc.as)                 // drop the references to the config
	clear(sc.attrs)
	if cap(sc.body) <= maxPooledBuf && cap(sc.as) <= 1024 && small {
		scratchPool.Put(sc)
	}
}

// serveDecide answers GET /decide?user_key=U&env=E[&context=JSON] as the
// platform's decision service does, checking in its order: the
// parameters (400), the environment's config (503), then the context
// (400). A context over Config.MaxContextBytes is refused first, with
// 414.
func (s *Server) serveDecide(w http.ResponseWriter, r *http.Request) int {
	q := parseDecideQuery(r.URL.RawQuery)
	if q.contextBytes > s.cfg.MaxContextBytes {
		return s.sendError(w, r, http.StatusRequestURITooLong, "context is over the "+strconv.Itoa(s.cfg.MaxContextBytes)+"-byte limit")
	}
	if msg := q.check(); msg != "" {
		return s.sendError(w, r, http.StatusBadRequest, msg)
	}
	e, rs := s.environmentConfig(r, q.env.value)
	if rs == nil {
		return s.sendError(w, r, http.StatusServiceUnavailable, `No config available for environment "`+q.env.value+`"`)
	}
	sc := scratchPool.Get().(*scratch)
	defer sc.put()
	attrs, msg := decodeContext(q.context.value, sc.attrs)
	if msg != "" {
		return s.sendError(w, r, http.StatusBadRequest, msg)
	}
	sc.as = rs.AppendAssignments(sc.as[:0], experiment.ContextFor(q.userKey.value).With(attrs))
	sc.body = e.appendDecideResponse(sc.body[:0], q.userKey.value, q.env.value, rs, sc.as)
	return s.send(w, r, http.StatusOK, hdrJSON, sc.body)
}

// environmentConfig returns the environment named env and its config, or
// a nil config if it has none: unknown, not loaded yet, or its loads
// failed. A name not configured is discovered in Config.Layout, waiting
// up to discoveryWait for its first load. A request for an environment
// without a config wakes its loader to try again (at most once a second).
func (s *Server) environmentConfig(r *http.Request, env string) (*environment, *experiment.Ruleset) {
	e := s.envs.lookup(env)
	if e == nil {
		if e = s.discover(env); e == nil {
			return nil, nil
		}
	}
	if e.discovered {
		now := time.Now()
		e.lastUsed.Store(now.UnixNano())
		select {
		case <-e.attempted:
		default:
			t := time.NewTimer(discoveryWait)
			select {
			case <-e.attempted:
			case <-t.C:
			case <-r.Context().Done():
			}
			t.Stop()
		}
	}
	rs := e.config()
	if rs == nil {
		e.wake(time.Now())
	}
	return e, rs
}

// decodeContext reads the context parameter as the platform does: empty
// means none; otherwise JSON (read as JSON.parse reads it) that must be
// an object, or an array, whose attributes are its indices ("0", "1",
// ...) and "length", as JavaScript's property lookup sees an array. It
// returns the platform's message "Invalid context JSON" for what does not
// parse (and for a number beyond float64, which JavaScript reads as an
// infinity, and a value nested deeper than 512 levels), and "context must
// be a JSON object" for a string, number, boolean or null, on which the
// platform's evaluation fails with a 500.
//
// An object's attributes go into the map given, which must be empty; an
// array's get a new map.
func decodeContext(s string, into map[string]any) (map[string]any, string) {
	if s == "" {
		return nil, ""
	}
	v, err := parseJSONInto(s, into)
	if err != nil {
		return nil, "Invalid context JSON"
	}
	switch t := v.(type) {
	case map[string]any:
		return t, ""
	case []any:
		m := make(map[string]any, len(t)+1)
		for i, x := range t {
			m[strconv.Itoa(i)] = x
		}
		m["length"] = float64(len(t))
		return m, ""
	}
	return nil, "context must be a JSON object"
}

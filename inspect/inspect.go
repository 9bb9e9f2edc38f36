package inspect

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/inprocess/experiment"
)

// Rules is the config an inspector shows: experiment.Rules, the one
// interface of what can be served, which *experiment.Ruleset and
// *experiment.Live implement. It is an alias, kept so that code naming
// inspect.Rules still compiles.
//
// Ruleset is called once per request, so a page shows one config from top
// to bottom even while a Live reloads; it may return nil, and the page then
// says that no config is loaded. If the value also has a method
// Status() experiment.Status, as *experiment.Live does, the page shows the
// status too. Implementations must be safe for concurrent use.
type Rules = experiment.Rules

// statuser is the optional interface of a Rules that reloads.
type statuser interface {
	Status() experiment.Status
}

// ForRuleset returns Rules that always serve rs. A nil rs is allowed: the
// page says that no config is loaded.
func ForRuleset(rs *experiment.Ruleset) Rules { return fixed{rs} }

type fixed struct{ rs *experiment.Ruleset }

func (f fixed) Ruleset() *experiment.Ruleset { return f.rs }

// Options configures Handler. The zero value, like a nil *Options, means
// all defaults.
type Options struct {
	// Title is the page's title and heading. Default: "Experiments".
	Title string

	// Now returns the current time, for how long ago the config was
	// loaded and the last reload failed, and for what a ramp admits now
	// on each experiment's card. Default: time.Now.
	Now func() time.Time
}

// MaxAttrsSize is the largest attrs query parameter, in bytes, that the
// handler decodes; a longer one is answered with 400.
const MaxAttrsSize = 64 << 10

// Handler returns an http.Handler that serves the inspector page for the
// config src holds. opts may be nil. Handler panics if src is nil.
//
// The handler serves the same page at every path, and its links and form
// are relative to the page itself, so it works both mounted directly on a
// pattern such as "/debug/experiments/" and behind http.StripPrefix. It
// answers GET and HEAD; any other method gets 405 Method Not Allowed with an
// Allow header.
//
// Query parameters: when user is present (even empty: the empty user id is
// hashed like any other), every experiment is evaluated for
// experiment.ContextFor(user).With(attrs), where attrs, if present and not
// blank, must be a JSON object of targeting attributes, and at, if present
// and not blank, an RFC 3339 time at which schedules and ramps are read
// (Context.At; default: the Ruleset's clock); anything else is answered
// with 400 and the page, with the error under the form. When the Ruleset
// has a sticky store (experiment.WithSticky), the answer is
// Ruleset.ExplainSticky's, which reads the store and never writes it.
//
// The page is rendered in full before it is written, so a response is
// never cut short. Responses are not cached (Cache-Control: no-store) and
// carry a Content-Security-Policy that allows no scripts and no requests to
// other origins. The handler is safe for concurrent use.
func Handler(src experiment.Rules, opts *Options) http.Handler {
	if src == nil {
		panic("inspect: Handler with nil Rules")
	}
	h := &handler{src: src, title: "Experiments", now: time.Now}
	if opts != nil {
		if opts.Title != "" {
			h.title = opts.Title
		}
		if opts.Now != nil {
			h.now = opts.Now
		}
	}
	return h
}

type handler struct {
	src   Rules
	title string
	now   func() time.Time
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	// Inline styles are the page's only active content; forms submit to
	// the page itself.
	hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "inspect: method not allowed: the inspector is read-only (GET, HEAD)", http.StatusMethodNotAllowed)
		return
	}

	rs := h.src.Ruleset() // one config for the whole page
	p := &page{Title: h.title, Config: rs != nil}
	if s, ok := h.src.(statuser); ok {
		p.Status = statusView(s.Status(), h.now())
	}

	q := r.URL.Query()
	code := http.StatusOK
	var c *experiment.Context
	now := h.now()
	if q.Has("user") {
		p.Query = &queryView{User: q.Get("user"), Attrs: q.Get("attrs"), At: q.Get("at")}
		attrs, err := parseAttrs(p.Query.Attrs)
		at, atErr := parseAt(p.Query.At)
		if err == nil {
			err = atErr
		}
		if err != nil {
			p.Query.Error = err.Error()
			code = http.StatusBadRequest
		} else {
			ctx := experiment.ContextFor(p.Query.User).With(attrs)
			if !at.IsZero() {
				ctx, now = ctx.At(at), at
			}
			c = &ctx
			if attrs != nil {
				p.Query.Shown = jsonText(attrs)
			}
		}
	}
	if rs != nil {
		fillConfig(r.Context(), p, rs, c, now)
	}

	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		http.Error(w, "inspect: rendering the page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// parseAttrs decodes the attrs parameter: blank is no attributes, anything
// else must be one JSON object. Numbers decode to float64, as in
// experimentd's context parameter.
func parseAttrs(s string) (map[string]any, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	if len(s) > MaxAttrsSize {
		return nil, attrsError("attrs is longer than 64 KiB")
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, attrsError("attrs is not valid JSON: " + strings.TrimPrefix(err.Error(), "json: "))
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, attrsError(`attrs must be a JSON object, such as {"country": "US", "plan": "pro"}`)
	}
	return m, nil
}

type attrsError string

func (e attrsError) Error() string { return "inspect: " + string(e) }

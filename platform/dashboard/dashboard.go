package dashboard

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Options configures New. The API (API or APIURL) is required; every other
// field has a default.
type Options struct {
	// API serves the platform's REST API in the same process, as the
	// gateway does under /api: the dashboard sends it requests for
	// /api/environments, /api/experiments, /api/audiences and /api/decide,
	// with the dashboard user's RemoteAddr. When API is set, APIURL is
	// ignored.
	API http.Handler

	// APIURL is the base URL of the API, the gateway's /api prefix
	// included, such as "http://127.0.0.1:3000/api". Used when API is nil.
	APIURL string

	// HTTPClient sends the requests to APIURL. Default: a client with a
	// 30-second timeout. Unused with API.
	HTTPClient *http.Client

	// Token is the platform's bearer token. When set, the dashboard asks
	// for it on a login form, keeps a signed session cookie (never the
	// token) and sends the token on every API call. When empty, nobody
	// logs in, and the dashboard answers only clients on a loopback
	// address (others get 403).
	Token string

	// Snapshot returns the latest snapshot published for the environment
	// named env, the JSON the decision service reads
	// (configs/{env}/snapshots/latest.json). The decide preview parses it
	// with the library to explain each assignment. It returns nil data, or
	// an error wrapping fs.ErrNotExist, when the environment was never
	// published. Nil: the preview shows the decision service's answer
	// without explanations (or uses History's newest version when History
	// is set). It must be safe for concurrent use.
	Snapshot func(ctx context.Context, env string) ([]byte, error)

	// History returns up to limit versions published for the environment
	// with id environmentID, newest first, each with its snapshot: the
	// platform's ConfigVersion rows. The experiment page lists them and
	// compares two of them. Nil: the page says that the history is not
	// available. It must be safe for concurrent use.
	History func(ctx context.Context, environmentID string, limit int) ([]Version, error)

	// BasePath is the path the dashboard is mounted at, such as
	// "/dashboard", when a server routes a prefix to it through
	// http.StripPrefix; links, redirects and cookies use it. Empty (the
	// default) is the root. It must start with "/" and not end with one.
	BasePath string

	// SessionKey signs the session and flash cookies and derives the CSRF
	// tokens; at least 32 bytes. Default: 32 random bytes drawn by New, so
	// sessions end when the process restarts. Set it to keep sessions
	// across restarts or share them between replicas.
	SessionKey []byte

	// Now returns the current time, for session expiry. Default: time.Now.
	Now func() time.Time
}

// Version is one published version of an environment's config.
type Version struct {
	Version     int64
	PublishedAt time.Time // when the version was recorded
	Snapshot    []byte    // the snapshot JSON, as published
}

// New returns the dashboard: an http.Handler serving HTML pages for the
// platform's environments, experiments and audiences, the experiment
// lifecycle, publishing and its history, and a decide preview. Every
// change is a call to the platform's REST API, the same calls the
// platform's own dashboard makes. The pages are listed in doc.go.
//
// New returns an error when neither API nor APIURL is set, when APIURL is
// not an absolute http or https URL, when BasePath is malformed, or when
// SessionKey is shorter than 32 bytes. The handler is safe for concurrent
// use.
func New(opts Options) (http.Handler, error) {
	d := &dashboard{
		token:    opts.Token,
		snapshot: opts.Snapshot,
		history:  opts.History,
		base:     opts.BasePath,
		key:      opts.SessionKey,
		now:      opts.Now,
	}
	switch {
	case opts.API != nil:
		d.api = &client{base: "http://api.internal/api", http: &http.Client{Transport: handlerTransport{opts.API}}}
	case opts.APIURL != "":
		u, err := url.Parse(opts.APIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("dashboard: APIURL %q is not an absolute http or https URL", opts.APIURL)
		}
		hc := opts.HTTPClient
		if hc == nil {
			hc = &http.Client{Timeout: 30 * time.Second}
		}
		d.api = &client{base: strings.TrimSuffix(opts.APIURL, "/"), http: hc}
	default:
		return nil, errors.New("dashboard: Options needs the API: set API (a handler) or APIURL")
	}
	d.api.token = opts.Token
	if d.base != "" && (!strings.HasPrefix(d.base, "/") || strings.HasSuffix(d.base, "/")) {
		return nil, fmt.Errorf("dashboard: BasePath %q must start with / and not end with /", d.base)
	}
	if d.key == nil {
		d.key = make([]byte, 32)
		_, _ = rand.Read(d.key)
	} else if len(d.key) < 32 {
		return nil, fmt.Errorf("dashboard: SessionKey has %d bytes; it needs at least 32", len(d.key))
	}
	if d.now == nil {
		d.now = time.Now
	}
	var err error
	if d.pages, err = parsePages(d.base); err != nil {
		return nil, err
	}
	d.mux = d.routes()
	return d, nil
}

type dashboard struct {
	api      *client
	token    string
	snapshot func(context.Context, string) ([]byte, error)
	history  func(context.Context, string, int) ([]Version, error)
	base     string
	key      []byte
	now      func() time.Time
	pages    map[string]*pageTemplate
	mux      *http.ServeMux
}

// maxForm caps a form body, as the platform caps its JSON bodies.
const maxForm = 1 << 20

// contentSecurityPolicy lets a page load only the dashboard's stylesheet:
// no script at all, no inline style, no frames, forms only to itself.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func (d *dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	if r.URL.Path == stylePath {
		serveStyle(w, r)
		return
	}
	if r.URL.Path == "/favicon.ico" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		w.WriteHeader(http.StatusNoContent) // no icon, and no 404 in the browser's console
		return
	}
	h.Set("Cache-Control", "no-store")
	if d.token == "" && !loopback(r.RemoteAddr) {
		d.fail(w, r, session{}, http.StatusForbidden, errors.New("dashboard: no token is configured, so the dashboard answers only loopback clients; start the platform with a token to reach it from elsewhere"))
		return
	}
	s, ok := d.readSession(r)
	if !ok {
		s = newSession(d.token == "", d.now())
		d.setSession(w, r, s)
	}
	r = r.WithContext(withRemote(withSession(r.Context(), s), r.RemoteAddr))
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			d.fail(w, r, s, http.StatusBadRequest, fmt.Errorf("dashboard: reading the form: %w", err))
			return
		}
		if !d.checkCSRF(s, r.PostForm.Get("csrf")) {
			d.fail(w, r, s, http.StatusForbidden, errors.New("dashboard: the form's CSRF token is missing or out of date (the session may have ended); reload the page and submit it again"))
			return
		}
	}
	if !s.authed && r.URL.Path != "/login" {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			http.Redirect(w, r, d.base+"/login?next="+url.QueryEscape(d.base+r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		d.fail(w, r, s, http.StatusUnauthorized, errors.New("dashboard: log in first"))
		return
	}
	d.mux.ServeHTTP(w, r)
}

// loopback reports whether addr (a RemoteAddr, host:port) is a loopback
// address.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

type sessionKey struct{}

func withSession(ctx context.Context, s session) context.Context {
	return context.WithValue(ctx, sessionKey{}, s)
}

func sessionOf(r *http.Request) session {
	s, _ := r.Context().Value(sessionKey{}).(session)
	return s
}

// notPublished reports whether a Snapshot result means that the
// environment has no published snapshot.
func notPublished(data []byte, err error) bool {
	return (err == nil && len(data) == 0) || errors.Is(err, fs.ErrNotExist)
}

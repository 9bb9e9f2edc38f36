package experiment

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// QA lets testers see a variant in production without a config change: a
// token signed with Key (HMAC-SHA256) forces variants for whoever presents
// it, in a query parameter or a cookie, until it expires. Middleware checks
// it on each request; a token that is forged, tampered with, expired or
// malformed is ignored, and the request is evaluated normally.
//
// A token is a bearer credential until it expires: Middleware moves a
// valid token from the query into an HttpOnly, SameSite=Lax cookie
// (Secure over TLS, see TrustedProxies) and, for GET and HEAD, redirects
// (303) to the same URL without it, with Referrer-Policy: no-referrer, so
// it leaves the address bar, history, access logs and Referer headers.
//
// A forced variant wins over everything but an unknown experiment or
// variant name (those are ignored): status, audience, targeting and
// allocation. Exposures of forced variants have Forced set.
//
// Create a QA with NewQA, which refuses a Key shorter than 32 bytes, then
// set the other fields. A QA written as a literal works too; with a Key
// shorter than 32 bytes it accepts no token, Token returns "", and
// Middleware panics. Off by default: Middleware applies no overrides
// without a QA. A QA must not be modified once in use; it is then safe for
// concurrent use.
type QA struct {
	// Key signs and checks tokens: at least 32 random bytes, kept secret,
	// as whoever has it can force any variant. Required.
	Key []byte

	// Name is the query parameter and the cookie that carry a token.
	// Default: "experiment_qa".
	Name string

	// Now returns the current time, for expiry. Default: time.Now.
	Now func() time.Time

	// TrustedProxies are the reverse proxies (by address prefix) trusted
	// to say that the client connected over TLS: a request from one with
	// X-Forwarded-Proto: https, or Forwarded: proto=https, gets a Secure
	// cookie, as a request over TLS does. Any such value counts, so that
	// the cookie errs on the side of Secure. A request from any other
	// address is judged by its own connection. Default: none.
	TrustedProxies []netip.Prefix
}

// minQAKey is the shortest Key a QA accepts: as many bytes as the
// HMAC-SHA256 it signs with outputs.
const minQAKey = 32

// NewQA returns a QA that signs and checks tokens with a copy of key, or
// an error if key is shorter than 32 bytes. Set Name, Now and
// TrustedProxies on it before use if the defaults do not fit.
func NewQA(key []byte) (*QA, error) {
	q := &QA{Key: append([]byte(nil), key...)}
	if err := q.check(); err != nil {
		return nil, err
	}
	return q, nil
}

// check reports whether q's Key is long enough.
func (q *QA) check() error {
	if len(q.Key) < minQAKey {
		return fmt.Errorf("experiment: QA key is %d bytes; it must be at least %d random bytes", len(q.Key), minQAKey)
	}
	return nil
}

func (q *QA) name() string {
	if q.Name == "" {
		return "experiment_qa"
	}
	return q.Name
}

func (q *QA) now() time.Time {
	if q.Now == nil {
		return time.Now()
	}
	return q.Now()
}

// Token returns a token that forces, for each experiment key in force, the
// variant it names, until expires. Hand it to a tester as a link
// (?experiment_qa=TOKEN); Middleware then sets it as a cookie, so the rest
// of the visit is forced too, and redirects to the link without it. With a
// Key shorter than 32 bytes it returns "" (see NewQA).
func (q *QA) Token(force map[string]string, expires time.Time) string {
	if q.check() != nil {
		return ""
	}
	v := url.Values{"exp": {strconv.FormatInt(expires.Unix(), 10)}}
	for e, variant := range force {
		v.Set("f:"+e, variant)
	}
	payload := base64.RawURLEncoding.EncodeToString([]byte(v.Encode()))
	return payload + "." + base64.RawURLEncoding.EncodeToString(q.sign(payload))
}

func (q *QA) sign(payload string) []byte {
	m := hmac.New(sha256.New, q.Key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// Overrides returns what a valid token forces, experiment key to variant
// key, or nil for an invalid, expired or absent token, and for every
// token when Key is shorter than 32 bytes.
func (q *QA) Overrides(token string) map[string]string {
	if q.check() != nil {
		return nil
	}
	payload, sig, ok := strings.Cut(token, ".")
	if !ok {
		return nil
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, q.sign(payload)) {
		return nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil
	}
	v, err := url.ParseQuery(string(raw))
	if err != nil {
		return nil
	}
	exp, err := strconv.ParseInt(v.Get("exp"), 10, 64)
	if err != nil || !q.now().Before(time.Unix(exp, 0)) {
		return nil
	}
	force := map[string]string{}
	for k, vals := range v {
		if e, ok := strings.CutPrefix(k, "f:"); ok && len(vals) == 1 {
			force[e] = vals[0]
		}
	}
	return force
}

// apply returns the overrides for a request: a valid token in the query
// parameter, else one in the cookie. A valid token in the query is set as
// the cookie; for GET and HEAD, apply then answers the request itself with
// a redirect to its URL without the parameter and reports done.
func (q *QA) apply(w http.ResponseWriter, r *http.Request) (force map[string]string, done bool) {
	if tok := r.URL.Query().Get(q.name()); tok != "" {
		if force := q.Overrides(tok); force != nil {
			http.SetCookie(w, &http.Cookie{
				Name: q.name(), Value: tok, Path: "/", Expires: q.expiry(tok),
				HttpOnly: true, Secure: q.secure(r), SameSite: http.SameSiteLaxMode,
			})
			w.Header().Set("Referrer-Policy", "no-referrer")
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				return force, false // a redirect would lose the body
			}
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Location", withoutParam(r, q.name()))
			w.WriteHeader(http.StatusSeeOther)
			return force, true
		}
	}
	if ck, err := r.Cookie(q.name()); err == nil {
		return q.Overrides(ck.Value), false
	}
	return nil, false
}

// withoutParam is a reference to r's URL, as the client sent it, without
// the query parameter name. It is relative ("./page?rest"), so that it
// keeps any path prefix a proxy removed and can never name another host.
func withoutParam(r *http.Request, name string) string {
	path, query := r.URL.EscapedPath(), r.URL.RawQuery
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
		path, query = u.EscapedPath(), u.RawQuery
	}
	var kept []string
	for _, pair := range strings.Split(query, "&") {
		k, _, _ := strings.Cut(pair, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if pair != "" && k != name {
			kept = append(kept, pair)
		}
	}
	ref := "./" + path[strings.LastIndexByte(path, '/')+1:]
	if len(kept) > 0 {
		ref += "?" + strings.Join(kept, "&")
	}
	return ref
}

// secure reports whether r came over TLS, by its own connection or by the
// word of a trusted proxy.
func (q *QA) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if len(q.TrustedProxies) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	addr, trusted := ap.Addr().Unmap().WithZone(""), false
	for _, p := range q.TrustedProxies {
		trusted = trusted || p.Contains(addr)
	}
	if !trusted {
		return false
	}
	for _, v := range r.Header.Values("X-Forwarded-Proto") {
		for _, proto := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(proto), "https") {
				return true
			}
		}
	}
	for _, v := range r.Header.Values("Forwarded") {
		for _, elem := range strings.Split(v, ",") {
			for _, pair := range strings.Split(elem, ";") {
				k, v, _ := strings.Cut(strings.TrimSpace(pair), "=")
				if strings.EqualFold(k, "proto") && strings.EqualFold(strings.Trim(v, `"`), "https") {
					return true
				}
			}
		}
	}
	return false
}

// expiry reads a valid token's expiry.
func (q *QA) expiry(token string) time.Time {
	payload, _, _ := strings.Cut(token, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(payload)
	v, _ := url.ParseQuery(string(raw))
	exp, _ := strconv.ParseInt(v.Get("exp"), 10, 64)
	return time.Unix(exp, 0)
}

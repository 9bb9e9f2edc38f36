package experiment

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
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
// A forced variant wins over everything but an unknown experiment or
// variant name (those are ignored): status, audience, targeting and
// allocation. Exposures of forced variants have Forced set.
//
// Off by default: Middleware applies no overrides without a QA. A QA must
// not be modified once in use; it is then safe for concurrent use.
type QA struct {
	// Key signs and checks tokens. Use at least 32 random bytes and keep
	// it secret: whoever has it can force any variant. Required.
	Key []byte

	// Name is the query parameter and the cookie that carry a token.
	// Default: "experiment_qa".
	Name string

	// Now returns the current time, for expiry. Default: time.Now.
	Now func() time.Time
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
// (?experiment_qa=TOKEN); Middleware then also sets it as a cookie, so the
// rest of the visit is forced too.
func (q *QA) Token(force map[string]string, expires time.Time) string {
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
// key, or nil for an invalid, expired or absent token.
func (q *QA) Overrides(token string) map[string]string {
	if len(q.Key) == 0 {
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
// parameter (which it also sets as a cookie), else one in the cookie.
func (q *QA) apply(w http.ResponseWriter, r *http.Request) map[string]string {
	if tok := r.URL.Query().Get(q.name()); tok != "" {
		if force := q.Overrides(tok); force != nil {
			http.SetCookie(w, &http.Cookie{
				Name: q.name(), Value: tok, Path: "/", Expires: q.expiry(tok),
				HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode,
			})
			return force
		}
	}
	if ck, err := r.Cookie(q.name()); err == nil {
		return q.Overrides(ck.Value)
	}
	return nil
}

// expiry reads a valid token's expiry.
func (q *QA) expiry(token string) time.Time {
	payload, _, _ := strings.Cut(token, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(payload)
	v, _ := url.ParseQuery(string(raw))
	exp, _ := strconv.ParseInt(v.Get("exp"), 10, 64)
	return time.Unix(exp, 0)
}

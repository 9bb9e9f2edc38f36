package dashboard

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"time"
)

// The cookies the dashboard sets. Both are HttpOnly and SameSite=Strict,
// scoped to the dashboard's base path, and Secure when the request came
// over TLS.
const (
	sessionCookie = "experiment_dashboard_session"
	flashCookie   = "experiment_dashboard_flash"
)

// SessionTTL is how long a session lasts after it starts. A login (or, on
// a dashboard without a token, the first visit) starts one; after
// SessionTTL the user logs in again.
const SessionTTL = 12 * time.Hour

// session is what the session cookie holds, signed with the dashboard's
// key: a random id (which the CSRF token is derived from), whether the
// holder logged in, and when the session ends. The bearer token itself is
// never in a cookie.
type session struct {
	id      [16]byte
	authed  bool
	expires time.Time
}

const sessionLen = 16 + 8 + 1

// newSession starts a session that ends SessionTTL after now.
func newSession(authed bool, now time.Time) session {
	s := session{authed: authed, expires: now.Add(SessionTTL)}
	_, _ = rand.Read(s.id[:]) // crypto/rand.Read never fails (Go 1.24+)
	return s
}

func (d *dashboard) mac(parts ...[]byte) []byte {
	m := hmac.New(sha256.New, d.key)
	for _, p := range parts {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(p)))
		m.Write(n[:])
		m.Write(p)
	}
	return m.Sum(nil)
}

// sessionMAC signs a session's bytes together with a hash of the token,
// so changing the token (with a SessionKey kept across restarts) ends
// every session.
func (d *dashboard) sessionMAC(raw []byte) []byte {
	tag := sha256.Sum256([]byte(d.token))
	return d.mac([]byte("session"), tag[:], raw)
}

func (d *dashboard) encodeSession(s session) string {
	raw := make([]byte, sessionLen, sessionLen+sha256.Size)
	copy(raw, s.id[:])
	binary.BigEndian.PutUint64(raw[16:], uint64(s.expires.Unix()))
	if s.authed {
		raw[24] = 1
	}
	raw = append(raw, d.sessionMAC(raw)...)
	return base64.RawURLEncoding.EncodeToString(raw)
}

// readSession returns the request's session, if its cookie is present,
// signed by this dashboard's key and not expired.
func (d *dashboard) readSession(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return session{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(raw) != sessionLen+sha256.Size {
		return session{}, false
	}
	if !hmac.Equal(raw[sessionLen:], d.sessionMAC(raw[:sessionLen])) {
		return session{}, false
	}
	var s session
	copy(s.id[:], raw)
	s.expires = time.Unix(int64(binary.BigEndian.Uint64(raw[16:])), 0)
	s.authed = raw[24] == 1
	if !d.now().Before(s.expires) {
		return session{}, false
	}
	return s, true
}

func (d *dashboard) setSession(w http.ResponseWriter, r *http.Request, s session) {
	http.SetCookie(w, d.cookie(r, sessionCookie, d.encodeSession(s), int(s.expires.Sub(d.now())/time.Second)))
}

// cookie builds one of the dashboard's cookies; maxAge < 0 deletes it.
func (d *dashboard) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     d.base + "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteStrictMode,
	}
}

// csrfToken is the token every form of the session carries in its hidden
// csrf field: a MAC of the session id, so it needs no server state and
// changes with every session.
func (d *dashboard) csrfToken(s session) string {
	return base64.RawURLEncoding.EncodeToString(d.mac([]byte("csrf"), s.id[:]))
}

func (d *dashboard) checkCSRF(s session, got string) bool {
	return hmac.Equal([]byte(got), []byte(d.csrfToken(s)))
}

// tokenMatches compares a submitted token with the dashboard's in
// constant time, whatever their lengths.
func (d *dashboard) tokenMatches(got string) bool {
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(d.token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// flash is a one-time message shown on the next page the user sees, after
// a form redirects. It travels in a cookie signed for the session, so a
// link cannot put words on the page.
type flash struct {
	Warn bool
	Text string
}

const maxFlash = 700

func (d *dashboard) setFlash(w http.ResponseWriter, r *http.Request, s session, f flash) {
	text := f.Text
	if len(text) > maxFlash {
		text = text[:maxFlash] + "..."
	}
	kind := []byte{0}
	if f.Warn {
		kind[0] = 1
	}
	raw := append(kind, text...)
	raw = append(raw, d.mac([]byte("flash"), s.id[:], raw)...)
	http.SetCookie(w, d.cookie(r, flashCookie, base64.RawURLEncoding.EncodeToString(raw), 60))
}

// takeFlash returns the request's flash message, if any, and deletes the
// cookie.
func (d *dashboard) takeFlash(w http.ResponseWriter, r *http.Request, s session) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, d.cookie(r, flashCookie, "", -1))
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(raw) < 1+sha256.Size {
		return nil
	}
	body, sum := raw[:len(raw)-sha256.Size], raw[len(raw)-sha256.Size:]
	if !hmac.Equal(sum, d.mac([]byte("flash"), s.id[:], body)) {
		return nil
	}
	return &flash{Warn: body[0] == 1, Text: string(body[1:])}
}

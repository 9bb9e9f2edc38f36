package dashboard

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
)

type loginPage struct {
	view
	Next string
}

func (d *dashboard) loginPage(w http.ResponseWriter, r *http.Request) {
	next := d.safeNext(r.URL.Query().Get("next"))
	if d.token == "" || sessionOf(r).authed {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	p := loginPage{view: d.newView(w, r, "Log in", ""), Next: next}
	p.Logout = false
	d.render(w, "login", &p)
}

// login checks the submitted token and, when it is the platform's, starts
// a new logged-in session (a new id, so a session planted before the login
// is worth nothing after it).
func (d *dashboard) login(w http.ResponseWriter, r *http.Request) {
	next := d.safeNext(r.PostForm.Get("next"))
	if d.token == "" {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if !d.tokenMatches(r.PostForm.Get("token")) {
		p := loginPage{view: d.newView(w, r, "Log in", ""), Next: next}
		p.Logout, p.Status = false, http.StatusUnauthorized
		p.Error = errors.New("dashboard: that is not the platform's token").Error()
		d.render(w, "login", &p)
		return
	}
	d.setSession(w, r, newSession(true, d.now()))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (d *dashboard) logout(w http.ResponseWriter, r *http.Request) {
	d.setSession(w, r, newSession(d.token == "", d.now()))
	http.Redirect(w, r, d.base+"/login", http.StatusSeeOther)
}

// safeNext returns next when it is a path of this dashboard, and the
// dashboard's home otherwise, so a login link cannot send the user to
// another site.
func (d *dashboard) safeNext(next string) string {
	home := d.base + "/"
	if !strings.HasPrefix(next, home) || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return home
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return home
	}
	return next
}

package control

import (
	"errors"
	"net/http"

	"github.com/inprocess/experiment/platform/internal/store"
)

func appendAudienceWithEnv(b []byte, a *store.Audience) []byte { return appendAudience(b, a, true) }

func audienceTaken(name string) string {
	return `Audience with name "` + name + `" already exists in this environment`
}

// POST /audiences {name, environmentId, rules}
func (s *server) createAudience(w http.ResponseWriter, r *request) {
	var c checker
	var name, env string
	var rules []byte
	if c.object(r.body) {
		name = c.str(r.body.Get("name"), true)
		env = c.str(r.body.Get("environmentId"), true)
		rules, _ = c.rules(r.body.Get("rules"), false)
	}
	if !c.ok() {
		invalid(w, &c)
		return
	}
	a, err := s.store.CreateAudience(r.Context(), name, env, rules)
	if errors.Is(err, store.ErrDuplicate) {
		writeError(w, http.StatusConflict, audienceTaken(name))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, appendAudienceWithEnv(nil, &a))
}

// GET /audiences?environmentId&page&pageSize
func (s *server) listAudiences(w http.ResponseWriter, r *request) {
	var c checker
	env := c.queryStr(r.query, "environmentId")
	p, ps, ss := c.page(r.query)
	c.pageTogether(ps, ss)
	if !c.ok() {
		invalid(w, &c)
		return
	}
	as, total, err := s.store.ListAudiences(r.Context(), env, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, appendPage(nil, as, appendAudienceWithEnv, p, total))
}

// GET /audiences/:id
func (s *server) getAudience(w http.ResponseWriter, r *request) {
	a, err := s.store.GetAudience(r.Context(), r.params[0])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, appendAudienceWithEnv(nil, &a))
}

// PATCH /audiences/:id {name?, rules?} publishes when the rules were given
// and a RUNNING experiment uses the audience.
func (s *server) updateAudience(w http.ResponseWriter, r *request) {
	var c checker
	var p store.AudiencePatch
	if c.object(r.body) {
		p.Name = c.optStr(r.body.Get("name"), true)
		p.Rules, _ = c.rules(r.body.Get("rules"), true)
	}
	if !c.ok() {
		invalid(w, &c)
		return
	}
	a, running, err := s.store.UpdateAudience(r.Context(), r.params[0], p)
	if errors.Is(err, store.ErrDuplicate) {
		writeError(w, http.StatusConflict, audienceTaken(*p.Name))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.autoPublish(r.Context(), w, a.EnvironmentID, p.Rules != nil && running > 0)
	writeJSON(w, http.StatusOK, appendAudienceWithEnv(nil, &a))
}

// DELETE /audiences/:id detaches the audience from its experiments and
// publishes when a RUNNING one used it.
func (s *server) deleteAudience(w http.ResponseWriter, r *request) {
	a, running, err := s.store.DeleteAudience(r.Context(), r.params[0])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.autoPublish(r.Context(), w, a.EnvironmentID, running > 0)
	writeJSON(w, http.StatusOK, appendAudienceWithEnv(nil, &a))
}

package control

import (
	"errors"
	"net/http"

	"github.com/inprocess/experiment/platform/internal/store"
)

// POST /environments {name}
func (s *server) createEnvironment(w http.ResponseWriter, r *request) {
	var c checker
	var name string
	if c.object(r.body) {
		name = c.str(r.body.Get("name"), true)
	}
	if !c.ok() {
		invalid(w, &c)
		return
	}
	e, err := s.store.CreateEnvironment(r.Context(), name)
	if errors.Is(err, store.ErrDuplicate) {
		writeError(w, http.StatusConflict, `Environment with name "`+name+`" already exists`)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, appendEnvironment(nil, &e))
}

// GET /environments?page&pageSize
func (s *server) listEnvironments(w http.ResponseWriter, r *request) {
	var c checker
	p, ps, ss := c.page(r.query)
	c.pageTogether(ps, ss)
	if !c.ok() {
		invalid(w, &c)
		return
	}
	envs, total, err := s.store.ListEnvironments(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, appendPage(nil, envs, appendEnvironment, p, total))
}

// GET /environments/:id
func (s *server) getEnvironment(w http.ResponseWriter, r *request) {
	e, err := s.store.GetEnvironment(r.Context(), r.params[0])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, appendEnvironment(nil, &e))
}

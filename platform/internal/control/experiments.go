package control

import (
	"errors"
	"net/http"

	"github.com/inprocess/experiment/platform/internal/store"
)

func appendFull(b []byte, e *store.Experiment) []byte { return appendExperiment(b, e, fullShape) }

// POST /experiments {key, name, description?, environmentId, audienceId?, targetingRules?}
func (s *server) createExperiment(w http.ResponseWriter, r *request) {
	var c checker
	var n store.NewExperiment
	if c.object(r.body) {
		b := r.body
		n.Key = c.str(b.Get("key"), true)
		n.Name = c.str(b.Get("name"), true)
		n.Description = c.optStr(b.Get("description"), false)
		n.EnvironmentID = c.str(b.Get("environmentId"), true)
		n.AudienceID = c.optStr(b.Get("audienceId"), true)
		n.TargetingRules, _ = c.rules(b.Get("targetingRules"), true)
	}
	if !c.ok() {
		invalid(w, &c)
		return
	}
	e, err := s.store.CreateExperiment(r.Context(), n)
	if errors.Is(err, store.ErrDuplicate) {
		writeError(w, http.StatusConflict, `Experiment with key "`+n.Key+`" already exists in this environment`)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, appendFull(nil, &e))
}

// GET /experiments?environmentId&status&page&pageSize
func (s *server) listExperiments(w http.ResponseWriter, r *request) {
	var c checker
	var f store.ExperimentFilter
	f.EnvironmentID = c.queryStr(r.query, "environmentId")
	if v, ok := r.query["status"]; ok {
		st := store.Status(c.enum(v, statusNames()...))
		f.Status = &st
	}
	p, ps, ss := c.page(r.query)
	c.pageTogether(ps, ss)
	if !c.ok() {
		invalid(w, &c)
		return
	}
	es, total, err := s.store.ListExperiments(r.Context(), f, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, appendPage(nil, es, appendFull, p, total))
}

// GET /experiments/:id
func (s *server) getExperiment(w http.ResponseWriter, r *request) {
	e, err := s.store.GetExperiment(r.Context(), r.params[0])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, appendFull(nil, &e))
}

// PATCH /experiments/:id {name?, description?, audienceId? (or null), targetingRules?}
// publishes when the audience or the targeting rules were given and the
// experiment is RUNNING.
func (s *server) updateExperiment(w http.ResponseWriter, r *request) {
	var c checker
	var p store.ExperimentPatch
	if c.object(r.body) {
		b := r.body
		p.Name = c.optStr(b.Get("name"), true)
		p.Description = c.optStr(b.Get("description"), false)
		p.AudienceID, p.SetAudience = c.nullableStr(b.Get("audienceId"), true)
		p.TargetingRules, p.SetTargeting = c.rules(b.Get("targetingRules"), true)
	}
	if !c.ok() {
		invalid(w, &c)
		return
	}
	e, err := s.store.UpdateExperiment(r.Context(), r.params[0], p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.autoPublish(r.Context(), w, e.EnvironmentID, (p.SetAudience || p.SetTargeting) && e.Status == store.Running)
	writeJSON(w, http.StatusOK, appendFull(nil, &e))
}

// PATCH /experiments/:id/status {status} always publishes.
func (s *server) setStatus(w http.ResponseWriter, r *request) {
	var c checker
	var to store.Status
	if c.object(r.body) {
		to = store.Status(c.enum(r.body.Get("status"), statusNames()...))
	}
	if !c.ok() {
		invalid(w, &c)
		return
	}
	e, err := s.store.SetStatus(r.Context(), r.params[0], to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.autoPublish(r.Context(), w, e.EnvironmentID, true)
	writeJSON(w, http.StatusOK, appendFull(nil, &e))
}

// DELETE /experiments/:id returns the experiment as it was, with its
// environment only, and always publishes.
func (s *server) deleteExperiment(w http.ResponseWriter, r *request) {
	e, err := s.store.DeleteExperiment(r.Context(), r.params[0])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.autoPublish(r.Context(), w, e.EnvironmentID, true)
	writeJSON(w, http.StatusOK, appendExperiment(nil, &e, deletedShape))
}

// POST /experiments/:id/publish publishes the experiment's whole
// environment and returns the snapshot; a failure is 500 {"error"}.
func (s *server) publishExperiment(w http.ResponseWriter, r *request) {
	_, env, err := s.store.ExperimentStatus(r.Context(), r.params[0])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body, err := s.publish(r.Context(), env)
	if err != nil {
		s.log.Warn("control: publishing failed", "environment", env, "error", err)
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, body)
}

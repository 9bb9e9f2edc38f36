package control

import (
	"context"
	"errors"
	"net/http"

	"github.com/inprocess/experiment/platform/internal/store"
)

// publishIfRunning publishes the environment of the experiment named in
// the URL when it exists and is RUNNING, setting the headers either way:
// the rule of every variant and allocation route.
func (s *server) publishIfRunning(ctx context.Context, w http.ResponseWriter, experimentID string) {
	st, env, err := s.store.ExperimentStatus(ctx, experimentID)
	s.autoPublish(ctx, w, env, err == nil && st == store.Running)
}

// POST /experiments/:id/variants {key, name, payload?}
func (s *server) createVariant(w http.ResponseWriter, r *request) {
	var c checker
	var n store.NewVariant
	if c.object(r.body) {
		n.Key = c.str(r.body.Get("key"), true)
		n.Name = c.str(r.body.Get("name"), true)
		n.Payload, _ = c.payload(r.body.Get("payload"), false)
	}
	if !c.ok() {
		invalid(w, &c)
		return
	}
	v, err := s.store.CreateVariant(r.Context(), r.params[0], n)
	if errors.Is(err, store.ErrDuplicate) {
		writeError(w, http.StatusConflict, `Variant with key "`+n.Key+`" already exists for this experiment`)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.publishIfRunning(r.Context(), w, r.params[0])
	writeJSON(w, http.StatusCreated, appendVariant(nil, &v))
}

// PATCH /experiments/:id/variants {create?, update?, delete?} returns all
// the experiment's variants.
func (s *server) batchVariants(w http.ResponseWriter, r *request) {
	var c checker
	var b store.VariantBatch
	if c.object(r.body) {
		for _, item := range c.array(r.body.Get("create"), true) {
			if c.object(item) {
				var n store.NewVariant
				n.Key = c.str(item.Get("key"), true)
				n.Name = c.str(item.Get("name"), true)
				n.Payload, _ = c.payload(item.Get("payload"), false)
				b.Create = append(b.Create, n)
			}
		}
		for _, item := range c.array(r.body.Get("update"), true) {
			if c.object(item) {
				var u store.VariantUpdate
				u.ID = c.str(item.Get("id"), true)
				u.Name = c.optStr(item.Get("name"), true)
				u.Payload, u.SetPayload = c.payload(item.Get("payload"), true)
				b.Update = append(b.Update, u)
			}
		}
		for _, item := range c.array(r.body.Get("delete"), true) {
			if c.object(item) {
				b.Delete = append(b.Delete, c.str(item.Get("id"), true))
			}
		}
	}
	if !c.ok() {
		invalid(w, &c)
		return
	}
	vs, err := s.store.BatchVariants(r.Context(), r.params[0], b)
	if errors.Is(err, store.ErrDuplicate) {
		writeError(w, http.StatusConflict, "One or more variant keys already exist for this experiment")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.publishIfRunning(r.Context(), w, r.params[0])
	writeJSON(w, http.StatusOK, appendVariants(nil, vs))
}

// PATCH /experiments/:id/variants/:variantId {name?, payload? (or null)}
func (s *server) updateVariant(w http.ResponseWriter, r *request) {
	var c checker
	var p store.VariantPatch
	if c.object(r.body) {
		p.Name = c.optStr(r.body.Get("name"), true)
		p.Payload, p.SetPayload = c.payload(r.body.Get("payload"), true)
	}
	if !c.ok() {
		invalid(w, &c)
		return
	}
	v, err := s.store.UpdateVariant(r.Context(), r.params[0], r.params[1], p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.publishIfRunning(r.Context(), w, r.params[0])
	writeJSON(w, http.StatusOK, appendVariant(nil, &v))
}

// DELETE /experiments/:id/variants/:variantId
func (s *server) deleteVariant(w http.ResponseWriter, r *request) {
	v, err := s.store.DeleteVariant(r.Context(), r.params[0], r.params[1])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.publishIfRunning(r.Context(), w, r.params[0])
	writeJSON(w, http.StatusOK, appendVariant(nil, &v))
}

package experiment

import (
	"encoding/json"
	"slices"
)

// lookup resolves a name as doc.go's "Evaluation order" says: as an
// experiment name as a whole, then split at the last '/' into experiment
// and variant. Both forms are in one table, built at load (names are at
// most MaxNameLength bytes, so its keys cost at most twice that per
// variant), so this is one lookup (names.go).
func (r *Ruleset) lookup(name string) (ref, bool) {
	if r == nil {
		return ref{}, false
	}
	return r.byName.get(name)
}

// VariantFor reports whether the user in c is assigned a variant of the
// experiment name, or, when name is "exp/variant", that variant. A name
// that matches no experiment is off. It allocates nothing.
func (r *Ruleset) VariantFor(name string, c Context) bool { return r.pickName(name, &c) >= 0 }

// pickName is pick for a name.
func (r *Ruleset) pickName(name string, c *Context) int {
	f, _ := r.lookup(name)
	return r.pick(f, c)
}

// Feature returns the name of the variant the user in c is assigned in the
// experiment name, or "" when the user is off. An experiment without named
// variants has the one variant "default". With "exp/variant", Feature
// returns "variant" when the user has it and "" otherwise. It allocates
// nothing.
func (r *Ruleset) Feature(name string, c Context) string {
	if v := r.variantOf(name, &c); v != nil {
		return v.key
	}
	return ""
}

// Payload returns the JSON payload of the variant the user in c is assigned
// in the experiment name (or "exp/variant"): nil when the user is off, the
// JSON null when the variant has no payload. The returned bytes are shared:
// do not modify them. It allocates nothing.
func (r *Ruleset) Payload(name string, c Context) json.RawMessage {
	if v := r.variantOf(name, &c); v != nil {
		return v.payload
	}
	return nil
}

// variantOf returns the variant the user is assigned under name, or nil.
func (r *Ruleset) variantOf(name string, c *Context) *variant {
	f, _ := r.lookup(name)
	if v := r.pick(f, c); v >= 0 {
		return &f.exp.variants[v]
	}
	return nil
}

// pick returns the index of the variant the user in c gets under the
// resolved name f, or -1: off, no experiment (f.exp nil), or, for
// "exp/variant", another variant. Every evaluation by name or Handle ends
// here. The commonest shapes (percentages of the experiment's salt only,
// perhaps after an audience and targeting) are followed here in one
// frame: the rules, the hash, the steps; the rest goes to choose or
// assign.
func (r *Ruleset) pick(f ref, c *Context) int {
	e := f.exp
	if e == nil {
		return -1
	}
	var v int
	switch {
	case !e.allSplit || !r.plain(c):
		v = r.pickSlow(e, c)
	case e.gated && !(e.audience.match(c) && e.targeting.match(c)):
		return -1
	case c.hashed: // chooseSplit, inline
		v, _ = e.splitAt(int(c.prefix.resume(e.pack) % Buckets))
	default:
		v, _ = e.chooseSplit(c)
	}
	// v is -1 or a variant's index: no branch on it (it follows the
	// user's hash, so it would be mispredicted), only on f.variant, which
	// follows the name.
	if f.variant >= 0 && f.variant != v {
		return -1
	}
	return v
}

// pickSlow is pick for every shape but pick's own: choose, or assign when
// the Context carries a request or the Ruleset an exposure hook.
func (r *Ruleset) pickSlow(e *experiment, c *Context) int {
	gb := -1
	if r.plain(c) {
		return r.choose(e, c, &gb)
	}
	return r.assign(e, c, &gb)
}

// Assignment is one experiment a user is assigned, as in the platform
// seed's decide response. Payload is nil (and left out of JSON) only when a
// published snapshot's variant has no payload; a variant whose payload is
// null, or a YAML/JSON config's variant without one, has the JSON null.
type Assignment struct {
	ExperimentKey string          `json:"experiment_key"`
	ExperimentID  string          `json:"experiment_id"`
	VariantKey    string          `json:"variant_key"`
	VariantID     string          `json:"variant_id"`
	Payload       json.RawMessage `json:"payload,omitempty"` // JSON null when the variant's payload is null
}

// Assignments returns every experiment the user in c is assigned, in config
// order. It returns an empty, non-nil slice when there is none, so it
// encodes as the JSON []. It makes one allocation, of exactly the result's
// size (none when the user has no assignment; two beyond 1,024
// experiments); use AppendAssignments into a reused slice to make none.
func (r *Ruleset) Assignments(c Context) []Assignment {
	if r == nil || len(r.exps) == 0 {
		return []Assignment{}
	}
	// The assigned variant of each experiment, so that the result is
	// allocated once at its exact size; on the stack up to 1,024
	// experiments (2 KB), beyond that a second allocation.
	var stack [1024]int16
	idx := stack[:]
	if len(r.exps) > len(stack) {
		idx = make([]int16, len(r.exps))
	}
	gb := -1
	var w wideAttrs
	c.wide = &w
	n := r.variants(&c, r.exps, idx, &gb)
	if n == 0 {
		return []Assignment{}
	}
	out := make([]Assignment, n)
	fillAssignments(out, r.exps, idx)
	return out
}

// AppendAssignments appends to dst every experiment the user in c is
// assigned, in config order, and returns the extended slice. It allocates
// nothing when dst has room for them.
func (r *Ruleset) AppendAssignments(dst []Assignment, c Context) []Assignment {
	if r == nil {
		return dst
	}
	var idx [1024]int16 // 1,024 experiments at a time, so that no count needs the heap
	gb := -1
	var w wideAttrs
	c.wide = &w
	for exps := r.exps; len(exps) > 0; {
		chunk := exps[:min(len(exps), len(idx))]
		exps = exps[len(chunk):]
		n := r.variants(&c, chunk, idx[:], &gb)
		k := len(dst)
		dst = slices.Grow(dst, n)[:k+n]
		fillAssignments(dst[k:], chunk, idx[:])
	}
	return dst
}

// variants sets idx[i] to the variant the user in c is assigned in
// exps[i], or -1, and returns how many are assigned; gb caches the user's
// group bucket across calls (-1: not yet computed). It is the one loop of
// Assignments and AppendAssignments.
func (r *Ruleset) variants(c *Context, exps []*experiment, idx []int16, gb *int) int {
	n, plain := 0, r.plain(c)
	for i, e := range exps {
		var v int
		switch {
		case !plain:
			v = r.assign(e, c, gb)
		case e.splitOnly && c.hashed: // choose, inline for its commonest shape
			v, _ = e.splitAt(int(c.prefix.resume(e.pack) % Buckets))
		default:
			v = r.choose(e, c, gb)
		}
		idx[i] = int16(v)
		n += 1 + v>>63 // v is -1 or an index: no branch on the user's hash
	}
	return n
}

// fillAssignments writes into dst, in order, the assignment of each of
// exps whose idx is a variant; dst has room for exactly those. Each field
// is written on its own: a write barrier per pointer, rather than the
// bulk copy of a whole Assignment, which walks the type's pointer bitmap.
func fillAssignments(dst []Assignment, exps []*experiment, idx []int16) {
	k := 0
	for i, e := range exps {
		if v := int(idx[i]); v >= 0 {
			vr, a := &e.variants[v], &dst[k]
			a.ExperimentKey, a.ExperimentID = e.key, e.id
			a.VariantKey, a.VariantID, a.Payload = vr.key, vr.id, vr.payload
			k++
		}
	}
}

// Env returns the name of the active environment: the one given to WithEnv,
// else the value of the process variable named by DEPLOYMENT_ENV_VARIABLE
// (default TARGET_ENV), else "". It reports the name even when the config's
// envs has no entry for it.
func (r *Ruleset) Env() string {
	if r == nil {
		return ""
	}
	return r.env
}

// Version returns the config's version (its top-level version key), or 0.
func (r *Ruleset) Version() int64 {
	if r == nil {
		return 0
	}
	return r.version
}

// Names returns the names of the experiments, in config order, after the
// active environment's overrides. The slice is new on each call.
func (r *Ruleset) Names() []string {
	if r == nil {
		return nil
	}
	names := make([]string, len(r.exps))
	for i, e := range r.exps {
		names[i] = e.key
	}
	return names
}

// Warnings returns the problems found at load that did not stop it, in the
// order they appear in the config. The slice is a copy.
func (r *Ruleset) Warnings() []Warning {
	if r == nil {
		return nil
	}
	return slices.Clone(r.warnings)
}

// variantIndex returns the index of the first variant named key, or -1.
func (e *experiment) variantIndex(key string) int {
	for i := range e.variants {
		if e.variants[i].key == key {
			return i
		}
	}
	return -1
}

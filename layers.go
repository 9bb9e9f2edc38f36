package experiment

// This file is layers and holdouts in evaluation (doc.go's "Layers and
// holdouts"): each is one bucket under its own salt, compared with ranges
// compiled at load (parse_layers.go).

// holds reports whether the holdout keeps the user in c out: their bucket
// under the holdout's salt is below its share.
func (h *holdout) holds(c *Context) bool {
	return c.bucket(h.salt) < int(h.share)
}

// admits reports whether the user in c is in this experiment's part of
// its layer: their bucket under the layer's salt is in one of its spans.
// The parts of a layer's experiments are disjoint, so a user is admitted
// by at most one experiment of a layer.
func (l *layerSlot) admits(c *Context) bool {
	b := c.bucket(l.salt)
	for _, s := range l.spans {
		if s.contains(b) {
			return true
		}
	}
	return false
}

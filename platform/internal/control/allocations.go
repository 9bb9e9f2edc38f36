package control

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/inprocess/experiment/platform/internal/store"
)

// PUT /experiments/:id/allocations {allocations: [{variantId, rangeStart, rangeEnd}]}
// replaces the allocations after checking, over the whole list, that each
// range is in order and that no two overlap (ends are inclusive).
func (s *server) setAllocations(w http.ResponseWriter, r *request) {
	var c checker
	var as []store.NewAllocation
	if c.object(r.body) {
		for _, item := range c.array(r.body.Get("allocations"), false) {
			if c.object(item) {
				var a store.NewAllocation
				a.VariantID = c.str(item.Get("variantId"), true)
				a.RangeStart = int(c.integer(item.Get("rangeStart"), 0, 9999))
				a.RangeEnd = int(c.integer(item.Get("rangeEnd"), 0, 9999))
				as = append(as, a)
			}
		}
	}
	if !c.ok() {
		invalid(w, &c)
		return
	}
	if msg := checkRanges(as); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	out, err := s.store.SetAllocations(r.Context(), r.params[0], as)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.publishIfRunning(r.Context(), w, r.params[0])
	writeJSON(w, http.StatusOK, appendAllocations(nil, out))
}

// checkRanges returns the platform's message for the first bad range in
// input order, then for an overlap once sorted by start; "" when none.
func checkRanges(as []store.NewAllocation) string {
	for _, a := range as {
		if a.RangeStart > a.RangeEnd {
			return "Invalid range [" + strconv.Itoa(a.RangeStart) + ", " + strconv.Itoa(a.RangeEnd) + "]"
		}
	}
	sorted := slices.Clone(as)
	slices.SortStableFunc(sorted, func(a, b store.NewAllocation) int { return a.RangeStart - b.RangeStart })
	for i := 1; i < len(sorted); i++ {
		if sorted[i].RangeStart <= sorted[i-1].RangeEnd {
			return "Allocation ranges must not overlap"
		}
	}
	return ""
}

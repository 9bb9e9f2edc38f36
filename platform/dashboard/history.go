package dashboard

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// historyLimit is how many published versions the experiment page lists.
const historyLimit = 50

// historyView is the publish history of the experiment's environment, and
// the comparison of two versions when the page's query asks for one
// (from=N&to=M, optionally attrs=JSON object).
type historyView struct {
	Available bool
	Err       string
	Versions  []versionRow
	From, To  int64
	Attrs     jsonField
	Diff      *versionDiff
	DiffErr   string
	Key       string // the experiment's key, to pick out its row
}

type versionRow struct {
	Version     int64
	When        string
	Experiments int
	Has         bool  // the experiment is in it (it was running)
	Prev        int64 // the version before, 0 for the oldest listed
}

func (d *dashboard) historyOf(r *http.Request, e experimentRow) historyView {
	h := historyView{Key: e.Key}
	if d.history == nil {
		return h
	}
	h.Available = true
	vs, err := d.history(r.Context(), e.EnvironmentID, historyLimit)
	if err != nil {
		h.Err = "dashboard: reading the publish history: " + err.Error()
		return h
	}
	byVersion := map[int64][]byte{}
	for i, v := range vs {
		row := versionRow{Version: v.Version, When: when(v.PublishedAt)}
		if i+1 < len(vs) {
			row.Prev = vs[i+1].Version
		}
		row.Experiments, row.Has = snapshotHas(v.Snapshot, e.ID)
		h.Versions = append(h.Versions, row)
		byVersion[v.Version] = v.Snapshot
	}
	q := r.URL.Query()
	if !q.Has("from") || !q.Has("to") {
		return h
	}
	h.From, _ = strconv.ParseInt(q.Get("from"), 10, 64)
	h.To, _ = strconv.ParseInt(q.Get("to"), 10, 64)
	h.Attrs.Text = q.Get("attrs")
	oldJSON, okOld := byVersion[h.From]
	newJSON, okNew := byVersion[h.To]
	if !okOld || !okNew {
		h.DiffErr = "dashboard: pick two of the versions listed"
		return h
	}
	raw, err := parseJSONField("The attributes", h.Attrs.Text, "object")
	if err != nil {
		h.Attrs.Error = err.Error()
		return h
	}
	var attrs map[string]any
	if raw != nil {
		_ = json.Unmarshal(raw, &attrs) // checked to be an object above
	}
	diff, err := diffSnapshots(oldJSON, newJSON, attrs)
	if err != nil {
		h.DiffErr = err.Error()
		return h
	}
	h.Diff = &diff
	return h
}

// snapshotHas counts a snapshot's experiments and says whether one has the
// id; a snapshot that does not decode counts none.
func snapshotHas(snapshot []byte, id string) (int, bool) {
	var s struct {
		Experiments []struct {
			ID string `json:"id"`
		} `json:"experiments"`
	}
	if json.Unmarshal(snapshot, &s) != nil {
		return 0, false
	}
	for _, e := range s.Experiments {
		if e.ID == id {
			return len(s.Experiments), true
		}
	}
	return len(s.Experiments), false
}

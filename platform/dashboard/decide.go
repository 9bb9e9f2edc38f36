package dashboard

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/inprocess/experiment"
)

// decidePage is the decide preview: for a user key, an environment and a
// context, the assignments the decision service answers (through the
// API's /decide) and, from the environment's latest published snapshot,
// the library's explanation of every experiment in it.
type decidePage struct {
	view
	Envs      []environment
	Env       string // the form: environment name, user key, context JSON
	User      string
	Context   jsonField
	Asked     bool
	DecideErr string
	Decision  *decision
	Payloads  []string // the assignments' payloads, compact
	Explained []explained
	Version   int64  // the snapshot's version
	ExplErr   string // why there are no explanations
	Stale     bool   // the decision service serves another version than the snapshot's
}

type explained struct {
	experiment.Explanation
	Running  bool
	Assigned string // the variant the decision service gave; "" for none
	Disagree bool   // the library and the service differ (a stale service)
	Class    string
}

func (d *dashboard) decidePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := decidePage{view: d.newView(w, r, "Decide preview", "decide"), Env: q.Get("env"), User: q.Get("user_key"), Context: jsonField{Text: q.Get("context")}}
	ctx := r.Context()
	envs, err := d.api.allEnvironments(ctx)
	if err != nil {
		p.Error, p.Status = err.Error(), statusOf(err)
		d.render(w, "decide", &p)
		return
	}
	p.Envs = envs
	if !q.Has("user_key") {
		d.render(w, "decide", &p)
		return
	}
	p.Asked = true
	raw, err := parseJSONField("The context", p.Context.Text, "object")
	if err != nil {
		p.Context.Error, p.Status = err.Error(), http.StatusBadRequest
		d.render(w, "decide", &p)
		return
	}
	dec, err := d.api.decide(ctx, p.User, p.Env, string(raw))
	if err != nil {
		p.DecideErr = err.Error()
	} else {
		p.Decision = &dec
		for _, a := range dec.Assignments {
			p.Payloads = append(p.Payloads, compactJSON(a.Payload))
		}
	}
	p.explain(d, r, raw)
	d.render(w, "decide", &p)
}

// explain fills the explanations from the environment's latest snapshot.
func (p *decidePage) explain(d *dashboard, r *http.Request, contextJSON []byte) {
	snap, err := d.latestSnapshot(r, p.Env, p.Envs)
	switch {
	case err != nil:
		p.ExplErr = err.Error()
		return
	case snap == nil:
		p.ExplErr = "No published snapshot of this environment is available to the dashboard, so there is no explanation."
		return
	}
	rs, err := experiment.Parse(snap)
	if err != nil {
		p.ExplErr = "dashboard: the latest snapshot does not parse: " + err.Error()
		return
	}
	p.Version = rs.Version()
	c := experiment.ContextFor(p.User)
	if contextJSON != nil {
		var attrs map[string]any
		_ = json.Unmarshal(contextJSON, &attrs) // checked to be an object
		c = c.With(attrs)
	}
	assigned := map[string]string{}
	if p.Decision != nil {
		p.Stale = p.Decision.ConfigVersion != p.Version
		for _, a := range p.Decision.Assignments {
			if _, ok := assigned[a.ExperimentKey]; !ok {
				assigned[a.ExperimentKey] = a.VariantKey
			}
		}
	}
	for _, info := range rs.Experiments() {
		ex := rs.Explain(info.Key, c)
		e := explained{Explanation: ex, Running: info.Running, Assigned: assigned[info.Key]}
		for i, v := range info.Variants {
			if v.Key == ex.Variant {
				e.Class = colour(i)
			}
		}
		e.Disagree = p.Decision != nil && !p.Stale && e.Assigned != ex.Variant
		p.Explained = append(p.Explained, e)
	}
}

// latestSnapshot returns the newest published snapshot of the environment
// named env: from Snapshot, else from History's newest version; nil when
// there is none or neither is configured.
func (d *dashboard) latestSnapshot(r *http.Request, env string, envs []environment) ([]byte, error) {
	if d.snapshot != nil {
		data, err := d.snapshot(r.Context(), env)
		if notPublished(data, err) {
			return nil, nil
		}
		if err != nil {
			return nil, &apiError{Status: http.StatusBadGateway, Message: "dashboard: reading the latest snapshot of " + strconv.Quote(env) + ": " + err.Error()}
		}
		return data, nil
	}
	if d.history == nil {
		return nil, nil
	}
	for _, e := range envs {
		if e.Name != env {
			continue
		}
		vs, err := d.history(r.Context(), e.ID, 1)
		if err != nil {
			return nil, &apiError{Status: http.StatusBadGateway, Message: "dashboard: reading the publish history: " + err.Error()}
		}
		if len(vs) > 0 {
			return vs[0].Snapshot, nil
		}
	}
	return nil, nil
}

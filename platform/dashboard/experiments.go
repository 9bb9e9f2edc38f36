package dashboard

import (
	"net/http"
	"net/url"
	"strings"
)

type experimentsPage struct {
	view
	Envs     []environment
	Statuses []string
	EnvID    string // the filters
	Only     string // a status
	List     page[experimentRow]
	Pager    pager
}

// experimentsPage lists experiments, newest first, filtered by
// environment and status as the API filters them.
func (d *dashboard) experimentsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := experimentsPage{view: d.newView(w, r, "Experiments", "experiments"), Statuses: statuses,
		EnvID: q.Get("environmentId"), Only: q.Get("status")}
	ctx := r.Context()
	envs, err := d.api.allEnvironments(ctx)
	if err == nil {
		p.Envs = envs
		p.List, err = d.api.experiments(ctx, p.EnvID, p.Only, pageParam(r), listPageSize)
	}
	if err != nil {
		p.Error, p.Status = err.Error(), statusOf(err)
	}
	p.Pager = newPager(r, "/experiments", p.List.Pagination)
	d.render(w, "experiments", &p)
}

type newExperimentPage struct {
	view
	Envs      []environment
	Audiences []audience
	Values    url.Values // the form's values
	FormErr   string
	RulesErr  string
}

func (d *dashboard) newExperimentPage(w http.ResponseWriter, r *http.Request) {
	d.showNewExperiment(w, r, url.Values{"environmentId": {r.URL.Query().Get("environmentId")}}, "", "", 0)
}

func (d *dashboard) showNewExperiment(w http.ResponseWriter, r *http.Request, values url.Values, formErr, rulesErr string, status int) {
	p := newExperimentPage{view: d.newView(w, r, "New experiment", "experiments"), Values: values, FormErr: formErr, RulesErr: rulesErr}
	if status != 0 {
		p.Status = status
	}
	ctx := r.Context()
	envs, err := d.api.allEnvironments(ctx)
	if err == nil {
		p.Envs = envs
		p.Audiences, err = d.api.allAudiences(ctx, "")
	}
	if err != nil {
		p.Error, p.Status = err.Error(), statusOf(err)
	}
	d.render(w, "experiment_new", &p)
}

// createExperiment posts the form as the platform dashboard does: a blank
// description and no audience are left out, and so are blank targeting
// rules.
func (d *dashboard) createExperiment(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	body := map[string]any{"key": f.Get("key"), "name": f.Get("name"), "environmentId": f.Get("environmentId")}
	if desc := f.Get("description"); strings.TrimSpace(desc) != "" {
		body["description"] = desc
	}
	if a := f.Get("audienceId"); a != "" {
		body["audienceId"] = a
	}
	rules, err := parseJSONField("Targeting rules", f.Get("targetingRules"), "array")
	if err != nil {
		d.showNewExperiment(w, r, f, "", err.Error(), http.StatusBadRequest)
		return
	}
	if rules != nil {
		body["targetingRules"] = rules
	}
	e, err := d.api.createExperiment(r.Context(), body)
	if err != nil {
		d.showNewExperiment(w, r, f, err.Error(), "", statusOf(err))
		return
	}
	d.done(w, r, "/experiments/"+url.PathEscape(e.ID), flash{Text: "Created experiment " + quote(e.Key) + " (draft)."})
}

func quote(s string) string { return "\u201c" + s + "\u201d" }

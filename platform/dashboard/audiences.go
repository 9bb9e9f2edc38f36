package dashboard

import (
	"net/http"
	"net/url"
)

type audiencesPage struct {
	view
	Envs    []environment
	EnvID   string // the filter
	List    []audienceView
	Pager   pager
	New     audienceView // the create form
	NewOpen bool
}

type audienceView struct {
	A        audience
	Readable []ruleView
	Name     string // the form's values
	EnvID    string
	Rules    jsonField
	Err      string
	Open     bool
}

func (d *dashboard) audiencesPage(w http.ResponseWriter, r *http.Request) {
	d.showAudiences(w, r, failure{})
}

func (d *dashboard) showAudiences(w http.ResponseWriter, r *http.Request, f failure) {
	q := r.URL.Query()
	p := audiencesPage{view: d.newView(w, r, "Audiences", "audiences"), EnvID: q.Get("environmentId")}
	if f.status != 0 {
		p.Status = f.status
	}
	ctx := r.Context()
	envs, err := d.api.allEnvironments(ctx)
	var list page[audience]
	if err == nil {
		p.Envs = envs
		list, err = d.api.audiences(ctx, p.EnvID, pageParam(r), listPageSize)
	}
	if err != nil {
		p.Error, p.Status = err.Error(), statusOf(err)
	}
	for _, a := range list.Data {
		av := audienceView{A: a, Readable: readableRules(a.Rules), Name: a.Name, Rules: jsonField{Text: prettyJSON(a.Rules)}}
		if f.form == "audience-"+a.ID {
			av.Name, av.Rules.Text, av.Open = f.values.Get("name"), f.values.Get("rules"), true
			av.setErr(f)
		}
		p.List = append(p.List, av)
	}
	p.New = audienceView{EnvID: p.EnvID}
	if f.form == "audience-new" {
		p.New = audienceView{Name: f.values.Get("name"), EnvID: f.values.Get("environmentId"), Rules: jsonField{Text: f.values.Get("rules")}}
		p.New.setErr(f)
		p.NewOpen = true
	}
	p.Pager = newPager(r, "/audiences", list.Pagination)
	d.render(w, "audiences", &p)
}

func (a *audienceView) setErr(f failure) {
	if f.field == "rules" {
		a.Rules.Error = f.err
	} else {
		a.Err = f.err
	}
}

// audienceRules reads the rules field: blank is no rules ([]).
func audienceRules(f url.Values) (any, error) {
	rules, err := parseJSONField("The rules", f.Get("rules"), "array")
	if err != nil || rules == nil {
		return []any{}, err
	}
	return rules, nil
}

// audiencesPath is where an audience form returns: the list, with the
// filter it was posted from.
func audiencesPath(r *http.Request) string {
	if env := r.URL.Query().Get("environmentId"); env != "" {
		return "/audiences?environmentId=" + url.QueryEscape(env)
	}
	return "/audiences"
}

func (d *dashboard) createAudience(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	rules, err := audienceRules(f)
	if err != nil {
		d.showAudiences(w, r, failure{form: "audience-new", field: "rules", err: err.Error(), values: f, status: http.StatusBadRequest})
		return
	}
	if err := d.api.createAudience(r.Context(), map[string]any{"name": f.Get("name"), "environmentId": f.Get("environmentId"), "rules": rules}); err != nil {
		d.showAudiences(w, r, failure{form: "audience-new", err: err.Error(), values: f, status: statusOf(err)})
		return
	}
	d.done(w, r, audiencesPath(r), flash{Text: "Created audience " + quote(f.Get("name")) + "."})
}

func (d *dashboard) editAudience(w http.ResponseWriter, r *http.Request) {
	f, form := r.PostForm, "audience-"+r.PathValue("id")
	rules, err := audienceRules(f)
	if err != nil {
		d.showAudiences(w, r, failure{form: form, field: "rules", err: err.Error(), values: f, status: http.StatusBadRequest})
		return
	}
	pub, err := d.api.updateAudience(r.Context(), r.PathValue("id"), map[string]any{"name": f.Get("name"), "rules": rules})
	if err != nil {
		d.showAudiences(w, r, failure{form: form, err: err.Error(), values: f, status: statusOf(err)})
		return
	}
	d.done(w, r, audiencesPath(r), publishFlash("Saved audience "+quote(f.Get("name"))+".", pub))
}

func (d *dashboard) deleteAudience(w http.ResponseWriter, r *http.Request) {
	if r.PostForm.Get("confirm") != "yes" {
		err := inputError("tick the box to confirm the deletion")
		d.showAudiences(w, r, failure{form: "audience-" + r.PathValue("id"), err: err.Error(), values: r.PostForm, status: statusOf(err)})
		return
	}
	pub, err := d.api.deleteAudience(r.Context(), r.PathValue("id"))
	if err != nil {
		d.showAudiences(w, r, failure{form: "audience-" + r.PathValue("id"), err: err.Error(), values: r.PostForm, status: statusOf(err)})
		return
	}
	d.done(w, r, audiencesPath(r), publishFlash("Deleted the audience; experiments that used it have none now.", pub))
}

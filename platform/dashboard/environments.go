package dashboard

import (
	"net/http"
	"strconv"
	"strings"
)

// listPageSize is the rows per page of the lists.
const listPageSize = 20

type overviewPage struct {
	view
	Environments, Experiments, Running int
	Recent                             []experimentRow
}

// overview is the home page: counts and the latest experiments, as the
// platform dashboard's home shows them.
func (d *dashboard) overview(w http.ResponseWriter, r *http.Request) {
	p := overviewPage{view: d.newView(w, r, "Overview", "")}
	ctx := r.Context()
	envs, err := d.api.environments(ctx, 1, 1)
	if err == nil {
		p.Environments = envs.Pagination.Total
		var all, running page[experimentRow]
		if all, err = d.api.experiments(ctx, "", "", 1, 5); err == nil {
			p.Experiments, p.Recent = all.Pagination.Total, all.Data
			if running, err = d.api.experiments(ctx, "", "RUNNING", 1, 1); err == nil {
				p.Running = running.Pagination.Total
			}
		}
	}
	if err != nil {
		p.Error, p.Status = err.Error(), statusOf(err)
	}
	d.render(w, "overview", &p)
}

type environmentsPage struct {
	view
	List    page[environment]
	Pager   pager
	NewName string // the create form's value after a failure
	FormErr string
}

func (d *dashboard) environmentsPage(w http.ResponseWriter, r *http.Request) {
	d.showEnvironments(w, r, "", "", 0)
}

func (d *dashboard) showEnvironments(w http.ResponseWriter, r *http.Request, name, formErr string, status int) {
	p := environmentsPage{view: d.newView(w, r, "Environments", "environments"), NewName: name, FormErr: formErr}
	if status != 0 {
		p.Status = status
	}
	pg := pageParam(r)
	list, err := d.api.environments(r.Context(), pg, listPageSize)
	if err != nil {
		p.Error, p.Status = err.Error(), statusOf(err)
	}
	p.List = list
	p.Pager = newPager(r, "/environments", list.Pagination)
	d.render(w, "environments", &p)
}

func (d *dashboard) createEnvironment(w http.ResponseWriter, r *http.Request) {
	name := r.PostForm.Get("name")
	env, err := d.api.createEnvironment(r.Context(), name)
	if err != nil {
		d.showEnvironments(w, r, name, err.Error(), statusOf(err))
		return
	}
	d.done(w, r, "/environments", flash{Text: "Created environment " + strconv.Quote(env.Name) + "."})
}

// pageParam is the page query parameter; 1 when absent or not a positive
// integer.
func pageParam(r *http.Request) int {
	n, err := strconv.Atoi(strings.TrimSpace(r.URL.Query().Get("page")))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// pager links a list's neighbouring pages, keeping the other query
// parameters.
type pager struct {
	Page, TotalPages, Total int
	Prev, Next              string // "" when there is none
}

func newPager(r *http.Request, path string, p pagination) pager {
	link := func(n int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return path + "?" + q.Encode()
	}
	pg := pager{Page: p.Page, TotalPages: p.TotalPages, Total: p.Total}
	if p.Page > 1 {
		pg.Prev = link(min(p.Page-1, max(p.TotalPages, 1)))
	}
	if p.Page < p.TotalPages {
		pg.Next = link(p.Page + 1)
	}
	return pg
}

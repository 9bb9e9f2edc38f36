package dashboard

import (
	"errors"
	"net/http"
)

// routes maps the dashboard's paths, relative to its base path. Every GET
// is a page; every POST is a form of one of them, which redirects back
// (303) when the API accepts it and shows the page again with the API's
// message beside the form when it does not.
func (d *dashboard) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", d.overview)
	m.HandleFunc("GET /login", d.loginPage)
	m.HandleFunc("POST /login", d.login)
	m.HandleFunc("POST /logout", d.logout)

	m.HandleFunc("GET /environments", d.environmentsPage)
	m.HandleFunc("POST /environments", d.createEnvironment)

	m.HandleFunc("GET /experiments", d.experimentsPage)
	m.HandleFunc("GET /experiments/new", d.newExperimentPage)
	m.HandleFunc("POST /experiments", d.createExperiment)
	m.HandleFunc("GET /experiments/{id}", d.experimentPage)
	m.HandleFunc("POST /experiments/{id}/details", d.editDetails)
	m.HandleFunc("POST /experiments/{id}/delete", d.deleteExperiment)
	m.HandleFunc("POST /experiments/{id}/status", d.setStatus)
	m.HandleFunc("POST /experiments/{id}/publish", d.publish)
	m.HandleFunc("POST /experiments/{id}/variants", d.addVariant)
	m.HandleFunc("POST /experiments/{id}/variants/{vid}", d.editVariant)
	m.HandleFunc("POST /experiments/{id}/variants/{vid}/delete", d.deleteVariant)
	m.HandleFunc("POST /experiments/{id}/allocations", d.setAllocations)
	m.HandleFunc("POST /experiments/{id}/allocations/even", d.splitEvenly)
	m.HandleFunc("POST /experiments/{id}/targeting", d.setTargeting)
	m.HandleFunc("POST /experiments/{id}/audience", d.setAudience)

	m.HandleFunc("GET /audiences", d.audiencesPage)
	m.HandleFunc("POST /audiences", d.createAudience)
	m.HandleFunc("POST /audiences/{id}", d.editAudience)
	m.HandleFunc("POST /audiences/{id}/delete", d.deleteAudience)

	m.HandleFunc("GET /decide", d.decidePage)

	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		d.fail(w, r, sessionOf(r), http.StatusNotFound, errors.New("dashboard: no page at "+r.URL.Path))
	})
	return m
}

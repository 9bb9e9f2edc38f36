// Package dashboard is the platform's web dashboard: server-rendered HTML
// pages (html/template, no JavaScript) for everything the platform's own
// dashboard does, mounted by the platform's gateway beside its /api routes:
//
//	dash, err := dashboard.New(dashboard.Options{API: apiHandler, Token: token, Snapshot: ..., History: ...})
//	mux.Handle("/", dash)
//
// The dashboard is a client of the platform's REST API: every page reads
// it and every form calls it (the calls the platform's dashboard makes), so
// it shares the API's validation, publishing and storage and never touches
// a database. Options.API serves the API in the same process;
// Options.APIURL reaches it over HTTP.
//
// # Pages
//
//   - / : counts of environments, experiments and running experiments,
//     and the latest experiments.
//   - /environments : the environments, and a form to create one.
//   - /experiments : experiments newest first, filtered by environment and
//     status, paginated; /experiments/new creates one (key, name,
//     description, environment, audience, targeting rules as JSON).
//   - /experiments/{id} : one experiment. Its header has a button for each
//     status the lifecycle allows next (DRAFT to RUNNING or ARCHIVED,
//     RUNNING to PAUSED or ARCHIVED, PAUSED to RUNNING or ARCHIVED), a
//     publish button (running or paused experiments, as in the platform's
//     dashboard), forms to edit the name and description and to delete it.
//     Variants are listed with their payloads and can be added, edited
//     (key, name, payload: a JSON object, checked before it is sent) and
//     deleted. Allocations are drawn as a bar over the buckets 0-9999 and
//     edited as rows of variant, first and last bucket; a "split evenly"
//     button divides the buckets between the variants. The audience and
//     the targeting rules (JSON) are shown for people and edited. The
//     publish history of the experiment's environment lists the versions
//     with their time, and compares two of them: for each experiment, the
//     share of DiffUsers users whose variant changes, and the transitions.
//     Its Results section takes metrics (an event name and a kind each,
//     as the query's event and kind, repeated) and shows the API's
//     results of the experiment (GET /api/experiments/{id}/results) as
//     analyze's HTML: the traffic checks, a table and two inline SVG plots
//     per metric.
//   - /audiences : audiences (filtered by environment) with their rules,
//     created, edited and deleted.
//   - /decide : the decide preview. A user key, an environment and a
//     context JSON object give the decision service's assignments (through
//     the API's /decide) and, for every experiment of the environment's
//     latest published snapshot, the library's explanation
//     (experiment.Ruleset.Explain): the variant, the reason, the rule or
//     bucket that decided.
//
// A form that the API accepts redirects back to its page (303) with a
// message that says what happened, including whether the environment was
// published and why a publish failed (the x-publish-* headers). A form
// that the API refuses shows its page again, with the values as typed and
// the platform's own message beside that form, and the API's status.
//
// # Security
//
// Every POST carries a per-session CSRF token in a hidden field, checked
// before anything else. With Options.Token set, the dashboard asks for the
// token on a login form and keeps a session in an HttpOnly, SameSite=Strict
// cookie signed with HMAC-SHA256 (it holds a random session id and its
// expiry, never the token), and it sends the token as a bearer token on
// its API calls. Without a token nobody logs in, and only loopback clients
// are answered. Pages have a Content-Security-Policy that allows the
// dashboard's own stylesheet and nothing else: no script, no inline style,
// no frames, forms only to the dashboard; every value is escaped by
// html/template. Responses are not cached.
package dashboard

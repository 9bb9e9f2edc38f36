// Package inspect serves a read-only HTML page that shows what an
// experiment config holds and answers "which variant does this user get,
// and why", for mounting in a service next to net/http/pprof:
//
//	mux.Handle("/debug/experiments/", http.StripPrefix("/debug/experiments", inspect.Handler(live, nil)))
//
// The page lists the config's environment, version and load warnings, and,
// for a *experiment.Live, its source, when the serving config was loaded
// and the last failed reload. Each experiment shows its key, id, salt,
// status, audience and targeting rules (written as attribute operator
// value), its variants with their payloads, and its allocations drawn as a
// bar over the 10000 buckets of the experiment's salt: one coloured segment
// per percentage range, positioned and sized by its buckets, with empty bar
// where no variant is assigned. Allocations by user id are listed as notes;
// group percentages, which hash under the config's top-level salt, are
// drawn on a second, marked bar. An experiment's design is listed on its
// card: its prerequisites, its start and end (and whether now is inside
// them), its ramp with the share it admits now, its part of a layer, the
// holdouts that apply to it, and its bucketing version.
//
// A GET form with the query parameters user (a user id), attrs (a JSON
// object of targeting attributes) and at (an optional RFC 3339 time for
// schedules and ramps) evaluates every experiment for that user with
// experiment.Ruleset.ExplainSticky (Explain, unless the config has a
// sticky store, which is read and never written) and shows the variant,
// the reason (prerequisite, schedule, holdout, layer, ramp and sticky
// among them), the rule that matched and the user's bucket, marked on
// each bar.
//
// The page is plain HTML and CSS: no JavaScript, no external assets. Every
// value from the config or the request is escaped by html/template, so a
// config cannot inject markup into the page. The handler answers GET and
// HEAD only, and never changes anything; it exposes the whole config
// (payloads included), so mount it where only operators can reach it.
package inspect

// Package experiment runs feature flags and A/B experiments inside a Go
// service, with no server to call.
//
// A service loads a config once (YAML or JSON), builds a Context for the
// current user, and asks which variant that user gets:
//
//	exp, err := experiment.Load("experiments.yaml")
//	ctx := experiment.ContextFor(userID).With(map[string]any{"country": "US"})
//	if exp.VariantFor("featureOne", ctx) { ... }
//	switch exp.Feature("buttonColor", ctx) { case "red": ...; case "green": ... }
//
// Loading compiles the config into an immutable *Ruleset: percentages become
// bucket ranges, rules and regular expressions are compiled, payloads are
// encoded as JSON. Evaluation only reads, allocates nothing and is safe for
// concurrent use.
//
// The files follow that pipeline (ARCHITECTURE.md draws it): Source and
// Watch fetch bytes; Parse and Check (parse*.go) compile them into the
// model (model.go); decide (decide.go) applies the evaluation order below,
// once, for VariantFor, Feature, Payload, Assignments, Select, Protect,
// Handle and Explain.
//
// # Config
//
// The top-level keys are groups, experiments, audiences, layers, holdout,
// envs, DEPLOYMENT_ENV_VARIABLE, salt and version; any other key is an
// error, so a typo cannot silently switch a feature off. The order of experiments in the
// file is kept: it is the order of Assignments and of variants when
// choosing. A duplicate key anywhere is an error.
//
// A group is a user id, a percentage, or a list of those; a user id written
// as a YAML integer is read as written (00123 stays "00123", 0x10 stays
// "0x10"). Experiment and variant names are non-empty strings without NUL;
// an unquoted ~ or null is not a name. An experiment is
// true or false (or 1 or 0), a group name, a percentage, a list of group
// names and percentages, a map of variant name to allocation (the short
// form), or a map with a variants key (the long form, with id, status,
// salt, audience, targeting, the design keys requires, start, end, ramp and
// version (see "Experiment design"), and per variant id, allocation and
// payload).
// An experiment without named variants has the one variant "default".
//
// # Percentages and buckets
//
// "N%" and "A-B%" (numbers from 0 to 100, at most two decimals, A <= B) are
// the half-open range [A%, B%): "20-30%" is 10% of users, "0-50%" and
// "50-100%" split all users exactly in two, "100%" is everyone and "0%"
// nobody. A user is in [A%, B%) when A*100 <= b < B*100 for the user's
// bucket b (see Bucket). A percentage written in a group uses the config's
// top-level salt, so groups with the same lower bound nest; a percentage
// written in an experiment uses the experiment's salt (default: its name),
// so experiments are independent unless they share a salt.
//
// # Evaluation order
//
// For an experiment name and a Context, these rules are applied in order;
// the first that decides, decides:
//
//  1. The name is resolved: first as an experiment name as a whole, then,
//     if it contains '/', split at the last '/' into experiment and variant
//     ("featureThree/variantOne"). A name that resolves to nothing is off.
//  2. An experiment whose status is not running (draft, paused, archived)
//     is off.
//  3. If the experiment has an audience, the audience's rules must match,
//     else off.
//  4. The experiment's targeting rules must match, else off. A rule list
//     matches when any of its rules does; a rule when all its conditions
//     do; an empty list and a rule without conditions match everyone.
//  5. The evaluation time must be in the experiment's window [start, end),
//     else off.
//  6. Every prerequisite (requires) must be met, else off.
//  7. No holdout that applies to the experiment (the config's, its
//     layer's) may hold the user, else off.
//  8. In a layer, the user's bucket under the layer's salt must be in the
//     experiment's part of the layer, else off.
//  9. With a ramp, the user's bucket under the ramp's salt must be below
//     the ramp's share at the evaluation time, else off.
//  10. The variants are tried in config order; the first whose allocation
//     matches the user wins. An allocation matches when any of its parts
//     does: a group listing the user's id, a group percentage containing
//     the user's bucket under the top-level salt, or an experiment
//     percentage containing the user's bucket under the experiment's salt.
//  11. No variant matched: off.
//  12. With "exp/variant", the user is on only if the winning variant is
//     that variant.
//
// Off means VariantFor is false, Feature is "", Payload is nil, Select
// returns the "fallback" callback (or nil), and Assignments leaves the
// experiment out. Environment overrides (the envs key) are applied at load,
// before any of this: an override replaces the experiment's whole value in
// its place, and may add experiments after the others.
//
// # Experiment design
//
// A long-form experiment may declare, beyond its rules and allocations,
// prerequisites, a schedule and a ramp, and a bucketing version; the
// top-level layers and holdout keys group experiments. Steps 5 to 9 of the
// evaluation order check them, in that order; an experiment that declares
// none costs nothing more to evaluate. Sticky assignment (StickyStore)
// keeps a user's variant through edits of steps 7 to 10.
//
// # Prerequisites
//
// requires is an experiment name ("checkout": the user must be on in it),
// "exp/variant" or {experiment: NAME, variant: NAME} (the user must have
// that variant), or a list of those, all of which must be met. A
// prerequisite is evaluated as VariantFor would, QA overrides included.
// Names are resolved at load in the base experiments and in every
// environment: an unknown experiment or variant is an error
// (ErrPrerequisite), as are experiments that require each other in a
// cycle, and an experiment whose evaluation would reach more than 64
// experiments through prerequisites (ErrTooLarge). A variant required of
// an experiment an environment switches off (false) is simply never met.
// An exposure of a dependent experiment reports its prerequisites'
// exposures too (see WithExposures).
//
// # Schedules and ramps
//
// start and end are RFC 3339 times with a zone; the experiment runs in
// [start, end). ramp is {from: N%, to: M%, start: T1, end: T2} with N <= M
// and T1 < T2, and optionally steps: K (1 to 10000) and salt (default the
// experiment's salt and ":ramp"). Its share at instant t is a pure
// function of the ramp and t: from until T1, to from T2 on, and in between
// from + (to - from) * (t - T1) / (T2 - T1), rounded down to a whole bucket,
// or with steps the same with (t - T1) / (T2 - T1) rounded down to a
// multiple of 1/K. A user is admitted when their bucket under the ramp's
// salt is below the share: the salt never changes as the share grows, so a
// ramp only ever adds users, and a user admitted keeps their variant (the
// variants split the admitted users by the experiment's own salt, as
// before). The evaluation time is the Context's (Context.At), else the
// Ruleset's clock (WithClock), else time.Now; it is read only for
// experiments with a schedule or a ramp.
//
// # Layers and holdouts
//
// layers maps a layer name to {salt, holdout, experiments}: salt defaults
// to "layer:" and the name, and experiments maps experiment names to their
// part of the layer, a share ("20%") or a fixed range ("20-40%", or a
// list of ranges). Parts are assigned in the order written: a range is
// taken as written, and must not overlap an earlier part (ErrOverlap); a
// share takes the lowest buckets no earlier part holds, so adding an
// experiment to a layer's free space moves no user of the others, while
// inserting one before a share, or growing or removing one, moves the
// shares after it (lint warns; pin such parts with ranges). Parts that do
// not fit are an error (ErrLayer), as are an experiment in two layers and
// a name no part of the config defines. The experiments of a layer share
// no user; inside its part, an experiment's variants split users by its
// own salt. holdout, at the top level or in a layer, is a share ("5%") or
// {share, salt} (default salt "holdout", or "holdout:" and the layer's
// name): the users whose bucket under its salt is below its share are kept
// out of every experiment of the config, or of the layer.
//
// # Targeting attributes
//
// Conditions read attributes from the Context (see Context.With and
// Context.Attr): an exact key first, then a dotted name walked through
// nested maps. Comparisons are strict about type: numbers compare by value
// whatever their Go type, but 21 never equals "21"; lists and maps never
// equal anything. Every operator but neq and notIn is false when the
// attribute is missing.
//
// Choices made where the contract is silent:
//   - A condition whose value makes it unsatisfiable (gt with a string,
//     in with a non-list, a semver operator with an invalid version) loads,
//     is false for every user, and is reported by Ruleset.Warnings.
//   - A semver operator's value may be written as a YAML number (1.2); it is
//     read as the text it is written as.
//   - A matches condition whose value is not a string fails to load with
//     ErrRegexp.
//   - An empty document, a second YAML document, and YAML merge keys (<<)
//     fail to load; null under groups, experiments, audiences, envs, an
//     environment or targeting means empty.
//   - A short-form experiment with no variants ({}) loads with a warning and
//     assigns nobody.
//   - A variant value of 100% (or true, 1) assigns everyone without hashing.
//
// # Environments
//
// The envs key maps an environment name to experiment overrides. The active
// environment is the one given by WithEnv, else the value of the process
// variable named by DEPLOYMENT_ENV_VARIABLE (default TARGET_ENV), else none.
// Every environment's overrides are validated at load.
//
// # Published snapshots
//
// Parse also reads the platform seed's published config snapshots,
// recognised by experiments being an array (the README's "Published
// snapshots" describes the format), and evaluates them
// exactly as the platform's decision service does: inclusive allocation
// ranges tried in array order, the first holding the user's bucket
// deciding (an allocation naming an unknown variant gives nothing), absent
// payloads left absent, audience rules ANDed with targeting rules, the
// platform's seven operators with its strict semantics (a condition without
// a value compares with JavaScript's undefined; dotted names also walk JSON
// arrays by index and length), and any other operator false. Values the
// platform converts the JavaScript way are converted so here too: a salt
// that is null or absent becomes "null" or "undefined", a range bound that
// is a string, null or a boolean compares as Number() makes it. Unknown
// keys in a snapshot are ignored with a warning, so newer snapshots load.
//
// # Live reload
//
// Watch keeps a *Live current from a Source (FileSource, HTTPSource, or any
// SourceFunc): it polls, parses and validates each new config in full, and
// swaps it in with one atomic store, so evaluation never takes a lock and
// never sees a half-applied config. A config that fails to fetch or parse
// leaves the last good one serving. Live.Ruleset pins one config for a
// whole request.
//
// # Exposures and events
//
// To find out which variant won, a service records what happened:
// WithExposures reports each assignment, and a Tracker (NewTracker)
// records conversions (Track, TrackValue, Record). A Sink receives both:
// JSONLines writes them one JSON object per line, HTTPSink posts them in
// batches to a platform server's POST /events. The analysis module
// (github.com/inprocess/experiment/analysis) reads those records and
// computes the results.
//
// # Errors
//
// Every load error is a *ConfigError naming the file, line, column and key
// path (for example experiments.featureTwo[1]) and wrapping one of the Err*
// sentinels. Problems that do not stop loading (a gap between variant
// ranges, an unused group, an override of an experiment that does not
// exist) are returned by Ruleset.Warnings.
package experiment

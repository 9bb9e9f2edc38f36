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
// The top-level keys are groups, experiments, audiences, envs,
// DEPLOYMENT_ENV_VARIABLE, salt and version; any other key is an error, so a
// typo cannot silently switch a feature off. The order of experiments in the
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
// salt, audience, targeting, and per variant id, allocation and payload).
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
//  5. The variants are tried in config order; the first whose allocation
//     matches the user wins. An allocation matches when any of its parts
//     does: a group listing the user's id, a group percentage containing
//     the user's bucket under the top-level salt, or an experiment
//     percentage containing the user's bucket under the experiment's salt.
//  6. No variant matched: off.
//  7. With "exp/variant", the user is on only if the winning variant is
//     that variant.
//
// Off means VariantFor is false, Feature is "", Payload is nil, Select
// returns the "fallback" callback (or nil), and Assignments leaves the
// experiment out. Environment overrides (the envs key) are applied at load,
// before any of this: an override replaces the experiment's whole value in
// its place, and may add experiments after the others.
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

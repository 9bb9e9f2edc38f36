// Package experimentotel reports the library's flag evaluations to
// OpenTelemetry, following the semantic conventions for feature flags:
// each evaluation becomes a feature_flag.evaluation event on the current
// span, and counters count evaluations and config reloads.
//
//	tel, err := experimentotel.New(experimentotel.Options{})
//	live, err := experiment.Watch(ctx, src, tel.WatchOptions(&experiment.WatchOptions{
//		Exposures: tel.Exposure,
//	}))
//	handler = experiment.Middleware(live, experiment.MiddlewareOptions{User: user})(handler)
//
// # Events
//
// The event carries feature_flag.key (the experiment's name),
// feature_flag.result.variant, feature_flag.provider.name,
// feature_flag.context.id (the user id, unless Options.OmitContextID),
// feature_flag.version (the config's version, as a string),
// feature_flag.result.reason and, for a failed evaluation, error.type. It is
// added to the span in the context.Context of the evaluation: for an
// exposure, Exposure.Context, which Middleware sets to the request's
// context (so a tracing middleware placed before it provides the span).
// Without a recording span no event is added; the counters still count.
//
// Two sources feed it:
//
//   - Telemetry.Exposure, the library's exposure hook (WithExposures): it
//     hears of every evaluation that assigns a variant, once per request
//     through Middleware. Evaluations that find the user off are not
//     exposures and are not reported, and an exposure carries no reason, so
//     its event has no feature_flag.result.reason.
//   - The OpenFeature hook of package openfeaturehook, for code that
//     evaluates through the OpenFeature SDK: it hears of every evaluation,
//     off and failed ones included, with OpenFeature's reason and error code.
//
// Use one of the two for a given evaluation path: the OpenFeature provider
// of this repository evaluates with the plain methods, which also report
// exposures, so with both an evaluation would be recorded twice.
//
// # Metrics
//
// The semantic conventions define no feature-flag metrics, so the names
// follow their naming rules in the feature_flag namespace:
//
//	feature_flag.evaluations     counter, {evaluation}: feature_flag.key,
//	                             feature_flag.provider.name, and when known
//	                             feature_flag.result.variant,
//	                             feature_flag.result.reason, error.type
//	feature_flag.config.reloads  counter, {reload}: feature_flag.provider.name,
//	                             and error.type ("parse_error" for a config
//	                             that did not load, else "general") when the
//	                             reload failed
//
// The user id is never a metric attribute: it would make one series per
// user.
package experimentotel

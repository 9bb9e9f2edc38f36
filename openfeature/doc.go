// Package experimentprovider is an OpenFeature provider for the experiment
// library (github.com/inprocess/experiment): OpenFeature clients evaluate
// flags in process against an experiment config, with no server to call.
//
//	rs, err := experiment.Load("experiments.yaml")
//	...
//	err = openfeature.SetProviderAndWait(experimentprovider.New(rs))
//	client := openfeature.NewDefaultClient()
//	on, err := client.BooleanValue(ctx, "newCheckout", false,
//		openfeature.NewEvaluationContext(userID, map[string]any{"country": "US"}))
//
// The package's import path ends in openfeature, like the SDK's package,
// so it is named experimentprovider to be imported next to it.
//
// # Providers
//
// New evaluates with a fixed *experiment.Ruleset. NewLive evaluates with a
// *experiment.Live the caller manages, and emits no events of its own.
// Watch creates and owns a Live over a Source: its Init loads the first
// config, its Shutdown closes the Live, and it emits
// PROVIDER_CONFIGURATION_CHANGED, PROVIDER_STALE, PROVIDER_ERROR and
// PROVIDER_READY as reloads succeed and fail (see Watch).
//
// # Evaluation
//
// The evaluation context's targeting key is the user id
// (experiment.ContextFor); its other attributes are the targeting
// attributes (experiment.Context.With). A missing targeting key is the
// empty user id, which the library hashes like any other. A flag key is an
// experiment name, or "exp/variant" for one variant.
//
//   - Boolean: Ruleset.VariantFor: true when the user has a variant, false
//     when off. The config decides both, even when the experiment is
//     disabled: a kill switch (newCheckout: false) gives false whatever the
//     caller's default. The default value is returned only with an error.
//   - String: Ruleset.Feature, the name of the user's variant.
//   - Int, Float, Object: Ruleset.Payload, the variant's payload: a JSON
//     number for Int (an integer value that fits an int64) and Float, a
//     JSON object (map[string]any) or array ([]any) for Object.
//
// For String, Int, Float and Object, a user who is off gets the default
// value, with the reason DEFAULT or DISABLED. The variant is the user's
// variant name, empty when off.
//
// # Reasons
//
// The reason comes from Ruleset.Explain; the library's own reason is also
// in the flag metadata under MetadataReason.
//
//	experiment.Reason      OpenFeature reason     value
//	ReasonSplit            SPLIT                  the variant's
//	ReasonUserID           TARGETING_MATCH        the variant's
//	ReasonGroup            TARGETING_MATCH        the variant's
//	ReasonEveryone         TARGETING_MATCH        the variant's (with audience or targeting rules, which matched)
//	ReasonEveryone         STATIC                 the variant's (no rules: true, 1, 100%)
//	ReasonDisabled         DISABLED               false; the default for other types
//	ReasonAudience         DEFAULT                false; the default for other types
//	ReasonTargeting        DEFAULT                  "
//	ReasonNoMatch          DEFAULT                  "
//	ReasonNoVariant        DEFAULT                  "
//	ReasonOtherVariant     DEFAULT                  "
//	ReasonUnknown          ERROR, FLAG_NOT_FOUND  the default
//
// A percentage decides SPLIT only when it is written in the experiment; a
// group's percentage is a named segment of users (the same users wherever
// the group is used), so a group match is TARGETING_MATCH like a listed
// user id. A reason the library adds later maps to UNKNOWN.
//
// # Errors
//
// Every error returns the default value with the reason ERROR:
//
//   - FLAG_NOT_FOUND: no experiment has the flag's name.
//   - TYPE_MISMATCH: the user's variant has a payload of another kind than
//     the evaluation asks for (a string for Int, a number for Object), a
//     fraction for Int, or no payload (null, or absent in a snapshot).
//   - PARSE_ERROR: the payload is the right kind of JSON but cannot be read
//     as the type (an integer beyond int64, a number beyond float64), or no
//     config is available because the first one failed to parse or validate
//     (Watch, with no Fallback).
//   - GENERAL: no config is available because its first fetch failed, or
//     because New was given nil or NewLive a Live without a config.
//
// # Flag metadata
//
// Every evaluation served by a config, errors included, has the flag
// metadata MetadataVersion (the config's Version as a decimal string, the
// type OpenTelemetry's feature_flag.version has),
// MetadataEnvironment (its Env) and MetadataReason (the library's Reason).
//
// # Hooks and exposures
//
// OpenFeature hooks run around each evaluation through the SDK; the
// provider adds those given to WithHooks (for example the OpenTelemetry
// hook of github.com/inprocess/experiment/otel/openfeaturehook). It reads each value with the library's plain
// evaluation methods (VariantFor, Feature, Payload), once per evaluation,
// and the reason with Explain, which records nothing. Whatever the library
// records for an assignment is therefore recorded once per evaluation,
// separately from any OpenFeature hook.
package experimentprovider

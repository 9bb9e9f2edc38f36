// Package openfeaturehook is an OpenFeature hook that records every flag
// evaluation made through the OpenFeature Go SDK with an
// experimentotel.Telemetry: a feature_flag.evaluation event on the span in
// the evaluation's context.Context, and the evaluation counter.
//
// Register it with the API (openfeature.AddHooks), a client, one
// evaluation, or the repository's provider (its Options.Hooks):
//
//	tel, _ := experimentotel.New(experimentotel.Options{})
//	openfeature.AddHooks(openfeaturehook.New(tel))
//
// Unlike the exposure hook, it hears of every evaluation: off ones (reason
// default or disabled) and failed ones too, each recorded once. OpenFeature's reasons and error
// codes are reported in lowercase, as the semantic conventions write them
// (TARGETING_MATCH is targeting_match, FLAG_NOT_FOUND flag_not_found).
package openfeaturehook

import (
	"context"
	"errors"
	"strconv"
	"strings"

	experimentotel "github.com/inprocess/experiment/otel"
	"github.com/open-feature/go-sdk/openfeature"
)

// MetadataVersion is the flag-metadata key read for feature_flag.version,
// as OpenFeature's telemetry conventions name it.
const MetadataVersion = "version"

// Hook records evaluations; create one with New. It is safe for
// concurrent use.
type Hook struct {
	openfeature.UnimplementedHook
	tel *experimentotel.Telemetry
}

var _ openfeature.Hook = (*Hook)(nil)

// New returns a Hook that records with tel. It panics if tel is nil.
func New(tel *experimentotel.Telemetry) *Hook {
	if tel == nil {
		panic("openfeaturehook: New needs a Telemetry")
	}
	return &Hook{tel: tel}
}

// Finally records an evaluation the provider answered, successfully or
// not: its variant, reason, error code and message, and from the flag
// metadata its version.
func (h *Hook) Finally(ctx context.Context, hc openfeature.HookContext, d openfeature.InterfaceEvaluationDetails, _ openfeature.HookHints) {
	if d.Reason == "" && d.ErrorCode == "" {
		return // the provider never answered; Error recorded it
	}
	h.tel.Record(ctx, experimentotel.Evaluation{
		Key:       hc.FlagKey(),
		Variant:   d.Variant,
		ContextID: hc.EvaluationContext().TargetingKey(),
		Version:   version(d.FlagMetadata),
		Reason:    strings.ToLower(string(d.Reason)),
		ErrorType: strings.ToLower(string(d.ErrorCode)),
		ErrorMsg:  d.ErrorMessage,
		Provider:  hc.ProviderMetadata().Name,
	})
}

// Error records an evaluation that failed before the provider answered:
// the provider was not ready or had failed for good (error.type
// provider_not_ready, provider_fatal), or a before hook failed (general).
// Errors the provider returned, and errors of after hooks, reach Finally
// with the evaluation's details and are recorded there, once.
func (h *Hook) Error(ctx context.Context, hc openfeature.HookContext, err error, _ openfeature.HookHints) {
	// The SDK reports a provider's error as a new error whose text is
	// "error code: CODE: message", and an after hook's as "after hook: ...".
	msg := err.Error()
	if strings.HasPrefix(msg, "error code: ") || strings.HasPrefix(msg, "after hook: ") {
		return
	}
	code, msg := errorCode(err)
	h.tel.Record(ctx, experimentotel.Evaluation{
		Key:       hc.FlagKey(),
		ContextID: hc.EvaluationContext().TargetingKey(),
		Reason:    strings.ToLower(string(openfeature.ErrorReason)),
		ErrorType: strings.ToLower(string(code)),
		ErrorMsg:  msg,
		Provider:  hc.ProviderMetadata().Name,
	})
}

// errorCode returns the OpenFeature error code and message err carries: a
// ResolutionError's (the SDK keeps its code private; its Error method
// writes "CODE: message"), else general and err's text.
func errorCode(err error) (openfeature.ErrorCode, string) {
	var re openfeature.ResolutionError
	if errors.As(err, &re) {
		code, msg, found := strings.Cut(re.Error(), ": ")
		if found && code != "" && strings.ToUpper(code) == code {
			return openfeature.ErrorCode(code), msg
		}
	}
	return openfeature.GeneralCode, err.Error()
}

// version reads the version from flag metadata: a string as it is, a
// number in decimal; "" when absent.
func version(md openfeature.FlagMetadata) string {
	switch v := md[MetadataVersion].(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

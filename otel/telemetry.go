package experimentotel

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/inprocess/experiment"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// EventName is the name of the span event each evaluation adds.
const EventName = "feature_flag.evaluation"

// Metric names; see the package documentation for their attributes.
const (
	MetricEvaluations = "feature_flag.evaluations"
	MetricReloads     = "feature_flag.config.reloads"
)

// ProviderName is the default feature_flag.provider.name: the name the
// repository's OpenFeature provider reports.
const ProviderName = "experiment"

// scope is the instrumentation scope of the meter.
const scope = "github.com/inprocess/experiment/otel"

// Options configures New. The zero value is ready to use.
type Options struct {
	// MeterProvider creates the counters. Default: otel.GetMeterProvider(),
	// the global one at the time New is called.
	MeterProvider metric.MeterProvider

	// ProviderName is reported as feature_flag.provider.name. Default:
	// ProviderName.
	ProviderName string

	// OmitContextID leaves feature_flag.context.id (the user id) out of the
	// events, for services that must not send user ids to their tracing
	// backend.
	OmitContextID bool
}

// Telemetry records evaluations as span events and counts them and config
// reloads. Create one with New; it is safe for concurrent use.
type Telemetry struct {
	provider  string
	omitID    bool
	evals     metric.Int64Counter
	reloads   metric.Int64Counter
	providerA attribute.KeyValue
}

// New returns a Telemetry with the options given; the counters are created
// on opts.MeterProvider's meter. An error means the meter provider refused
// to create a counter.
func New(opts Options) (*Telemetry, error) {
	mp := opts.MeterProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	t := &Telemetry{provider: opts.ProviderName, omitID: opts.OmitContextID}
	if t.provider == "" {
		t.provider = ProviderName
	}
	t.providerA = semconv.FeatureFlagProviderName(t.provider)
	m := mp.Meter(scope)
	var err error
	if t.evals, err = m.Int64Counter(MetricEvaluations, metric.WithUnit("{evaluation}"),
		metric.WithDescription("Feature flag evaluations.")); err != nil {
		return nil, fmt.Errorf("experimentotel: %w", err)
	}
	if t.reloads, err = m.Int64Counter(MetricReloads, metric.WithUnit("{reload}"),
		metric.WithDescription("Config reloads, failed ones with error.type.")); err != nil {
		return nil, fmt.Errorf("experimentotel: %w", err)
	}
	return t, nil
}

// Evaluation is one flag evaluation, as Record reports it. Empty fields
// are left out of the event and the counter's attributes.
type Evaluation struct {
	Key       string // the flag's key: the experiment's name; required
	Variant   string // the variant the user got; "" when off or failed
	ContextID string // the targeting key: the user id
	Version   string // the config's version
	Reason    string // a semantic-convention reason: split, targeting_match, static, default, disabled, error, unknown, ...
	ErrorType string // for a failed evaluation: flag_not_found, type_mismatch, parse_error, general, ...
	ErrorMsg  string // for a failed evaluation: feature_flag.error.message
	Provider  string // feature_flag.provider.name; "": Options.ProviderName
}

// Record adds ev as a feature_flag.evaluation event to the span in ctx, if
// it is recording, and counts it. A nil ctx is context.Background().
func (t *Telemetry) Record(ctx context.Context, ev Evaluation) {
	if ctx == nil {
		ctx = context.Background()
	}
	provider := t.providerA
	if ev.Provider != "" {
		provider = semconv.FeatureFlagProviderName(ev.Provider)
	}
	var buf [5]attribute.KeyValue
	common := append(buf[:0], semconv.FeatureFlagKey(ev.Key), provider)
	if ev.Variant != "" {
		common = append(common, semconv.FeatureFlagResultVariant(ev.Variant))
	}
	if ev.Reason != "" {
		common = append(common, semconv.FeatureFlagResultReasonKey.String(ev.Reason))
	}
	if ev.ErrorType != "" {
		common = append(common, semconv.ErrorTypeKey.String(ev.ErrorType))
	}
	t.evals.Add(ctx, 1, metric.WithAttributes(common...))

	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	attrs := append(make([]attribute.KeyValue, 0, len(common)+3), common...)
	if ev.ContextID != "" && !t.omitID {
		attrs = append(attrs, semconv.FeatureFlagContextID(ev.ContextID))
	}
	if ev.Version != "" {
		attrs = append(attrs, semconv.FeatureFlagVersion(ev.Version))
	}
	if ev.ErrorMsg != "" {
		attrs = append(attrs, semconv.FeatureFlagErrorMessage(ev.ErrorMsg))
	}
	span.AddEvent(EventName, trace.WithAttributes(attrs...))
}

// Exposure records an exposure: pass it to experiment.WithExposures. The
// event goes to the span in e.Context (see experiment.Exposure); the
// version is e.Version in decimal.
func (t *Telemetry) Exposure(e experiment.Exposure) {
	t.Record(e.Context, Evaluation{
		Key:       e.Experiment,
		Variant:   e.Variant,
		ContextID: e.UserID,
		Version:   formatVersion(e.Version),
	})
}

// WatchOptions returns a copy of opts (nil: the zero options) whose
// OnUpdate and OnError also count each reload, after calling the hooks opts
// already had. Pass the result to experiment.Watch (or to the OpenFeature
// provider's Watch).
func (t *Telemetry) WatchOptions(opts *experiment.WatchOptions) *experiment.WatchOptions {
	var o experiment.WatchOptions
	if opts != nil {
		o = *opts
	}
	onUpdate, onError := o.OnUpdate, o.OnError
	o.OnUpdate = func(old, new *experiment.Ruleset) {
		if onUpdate != nil {
			onUpdate(old, new)
		}
		t.reloads.Add(context.Background(), 1, metric.WithAttributes(t.providerA))
	}
	o.OnError = func(err error) {
		if onError != nil {
			onError(err)
		}
		t.reloads.Add(context.Background(), 1, metric.WithAttributes(t.providerA, semconv.ErrorTypeKey.String(reloadErrorType(err))))
	}
	return &o
}

// reloadErrorType classifies a failed reload as OpenFeature's error codes
// do: a config that did not load (a *experiment.ConfigError) is a
// parse_error, anything else (a fetch that failed) general.
func reloadErrorType(err error) string {
	var ce *experiment.ConfigError
	if errors.As(err, &ce) {
		return "parse_error"
	}
	return "general"
}

// formatVersion writes a config version as feature_flag.version: a string.
func formatVersion(v int64) string { return strconv.FormatInt(v, 10) }

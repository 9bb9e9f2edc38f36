package openfeaturehook

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	experimentotel "github.com/inprocess/experiment/otel"
	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
	"github.com/open-feature/go-sdk/openfeature/memprovider"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestHook evaluates flags through the OpenFeature SDK with the SDK's
// in-memory provider and checks the event each evaluation adds to the
// caller's span.
func TestHook(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	defer tp.Shutdown(context.Background())
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	defer mp.Shutdown(context.Background())
	tel, err := experimentotel.New(experimentotel.Options{MeterProvider: mp})
	if err != nil {
		t.Fatal(err)
	}

	api := isolated.NewAPI()
	defer api.Shutdown(context.Background())
	provider := memprovider.NewInMemoryProvider(map[string]memprovider.InMemoryFlag{
		"buttonColor": {Key: "buttonColor", State: memprovider.Enabled, DefaultVariant: "red", Variants: map[string]any{"red": "#cc0000", "green": "#00cc00"}},
		"newCheckout": {Key: "newCheckout", State: memprovider.Disabled, DefaultVariant: "on", Variants: map[string]any{"on": true}},
	})
	if err := api.SetProviderAndWait(context.Background(), provider); err != nil {
		t.Fatal(err)
	}
	api.AddHooks(New(tel))
	client := api.NewClient()
	user := openfeature.NewEvaluationContext("user-7", map[string]any{"country": "US"})

	ctx, span := tp.Tracer("test").Start(context.Background(), "request")
	if got := client.String(ctx, "buttonColor", "none", user); got != "#cc0000" {
		t.Errorf("buttonColor %q", got)
	}
	client.Boolean(ctx, "newCheckout", false, user)
	client.Boolean(ctx, "nope", false, user)
	client.Boolean(ctx, "buttonColor", false, user) // a string flag asked as a boolean
	client.Boolean(ctx, "buttonColor", false, user, openfeature.WithHooks(failingBefore{}))
	span.End()

	// Not ready: the SDK calls Error with ProviderNotReadyError, and
	// Finally with empty details; the hook records it once. (Called
	// directly: the SDK's own not-ready window is not deterministic.)
	h := New(tel)
	hc := openfeature.NewHookContext("newCheckout", openfeature.Boolean, false, openfeature.ClientMetadata{}, openfeature.Metadata{Name: "slow"}, user)
	ctx2, span2 := tp.Tracer("test").Start(context.Background(), "request")
	h.Error(ctx2, hc, openfeature.ProviderNotReadyError, openfeature.HookHints{})
	h.Finally(ctx2, hc, openfeature.InterfaceEvaluationDetails{Value: false, EvaluationDetails: openfeature.EvaluationDetails{FlagKey: "newCheckout", FlagType: openfeature.Boolean}}, openfeature.HookHints{})
	span2.End()

	base := func(key string, kv ...string) map[string]string {
		m := map[string]string{
			"event": "feature_flag.evaluation", "feature_flag.key": key,
			"feature_flag.provider.name": "InMemoryProvider", "feature_flag.context.id": "user-7",
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	want := []map[string]string{
		base("buttonColor", "feature_flag.result.variant", "red", "feature_flag.result.reason", "static"),
		base("newCheckout", "feature_flag.result.reason", "error", "error.type", "general", "feature_flag.error.message", "flag is disabled"),
		base("nope", "feature_flag.result.reason", "error", "error.type", "flag_not_found", "feature_flag.error.message", "flag for key nope not found"),
		base("buttonColor", "feature_flag.result.variant", "red", "feature_flag.result.reason", "error", "error.type", "type_mismatch", "feature_flag.error.message", "incorrect type association"),
		base("buttonColor", "feature_flag.result.reason", "error", "error.type", "general", "feature_flag.error.message", "before hook: refused"),
		base("newCheckout", "feature_flag.provider.name", "slow", "feature_flag.result.reason", "error", "error.type", "provider_not_ready", "feature_flag.error.message", "provider not yet initialized"),
	}
	var got []map[string]string
	for _, s := range spans.Ended() {
		for _, e := range s.Events() {
			m := map[string]string{"event": e.Name}
			for _, a := range e.Attributes {
				m[string(a.Key)] = a.Value.Emit()
			}
			got = append(got, m)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestErrorCode(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantCode openfeature.ErrorCode
		wantMsg  string
	}{
		{"flag not found", openfeature.NewFlagNotFoundResolutionError("no such flag"), openfeature.FlagNotFoundCode, "no such flag"},
		{"wrapped", errors.Join(errors.New("error code"), openfeature.NewParseErrorResolutionError("bad config")), openfeature.ParseErrorCode, "bad config"},
		{"provider not ready", openfeature.ProviderNotReadyError, openfeature.ProviderNotReadyCode, "provider not yet initialized"},
		{"plain error", errors.New("before hook: boom"), openfeature.GeneralCode, "before hook: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg := errorCode(tt.err)
			if code != tt.wantCode || msg != tt.wantMsg {
				t.Errorf("errorCode = %q, %q; want %q, %q", code, msg, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	tests := []struct {
		name string
		md   openfeature.FlagMetadata
		want string
	}{
		{"string", openfeature.FlagMetadata{"version": "12"}, "12"},
		{"int64", openfeature.FlagMetadata{"version": int64(12)}, "12"},
		{"int", openfeature.FlagMetadata{"version": 12}, "12"},
		{"float64", openfeature.FlagMetadata{"version": 12.0}, "12"},
		{"absent", openfeature.FlagMetadata{}, ""},
		{"nil metadata", nil, ""},
		{"boolean", openfeature.FlagMetadata{"version": true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := version(tt.md); got != tt.want {
				t.Errorf("version = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestNewNil(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New(nil) did not panic")
		}
	}()
	New(nil)
}

// failingBefore is a hook whose Before fails.
type failingBefore struct{ openfeature.UnimplementedHook }

func (failingBefore) Before(context.Context, openfeature.HookContext, openfeature.HookHints) (*openfeature.EvaluationContext, error) {
	return nil, errors.New("refused")
}

package experimentotel_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/inprocess/experiment"
	experimentotel "github.com/inprocess/experiment/otel"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// rig is an OpenTelemetry SDK that keeps what it records in memory.
type rig struct {
	spans  *tracetest.SpanRecorder
	tracer trace.Tracer
	reader *sdkmetric.ManualReader
	tel    *experimentotel.Telemetry
}

func newRig(t *testing.T, opts experimentotel.Options) *rig {
	t.Helper()
	r := &rig{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(r.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r.reader))
	t.Cleanup(func() {
		_ = tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	r.tracer = tp.Tracer("test")
	opts.MeterProvider = mp
	tel, err := experimentotel.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	r.tel = tel
	return r
}

// events returns the events of every ended span, each as its name and
// attributes, "span/event k=v k=v".
func (r *rig) events() []map[string]string {
	var out []map[string]string
	for _, s := range r.spans.Ended() {
		for _, e := range s.Events() {
			m := map[string]string{"span": s.Name(), "event": e.Name}
			for _, a := range e.Attributes {
				m[string(a.Key)] = a.Value.Emit()
			}
			out = append(out, m)
		}
	}
	return out
}

// counts returns the sum of each data point of the counter name, keyed by
// its attributes written as "k=v,k=v" in key order.
func (r *rig) counts(t *testing.T, name string) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			sum, ok := m.Data.(metricdata.Sum[int64])
			if !ok || !sum.IsMonotonic {
				t.Fatalf("%s is %T; want a monotonic Sum[int64]", name, m.Data)
			}
			for _, dp := range sum.DataPoints {
				out[attrString(dp.Attributes)] += dp.Value
			}
		}
	}
	return out
}

func attrString(set attribute.Set) string {
	var parts []string
	for _, kv := range set.ToSlice() {
		parts = append(parts, string(kv.Key)+"="+kv.Value.Emit())
	}
	sort.Strings(parts)
	s := ""
	for i, p := range parts {
		if i > 0 {
			s += ","
		}
		s += p
	}
	return s
}

const config = `
version: 4
groups: {qa: [tester]}
experiments:
  buttonColor: {red: 0-50%, green: 50-100%}
  inviteFriends: qa
`

// userIn returns a user id whose bucket under the salt of experiment is
// in [lo, hi).
func userIn(t *testing.T, experimentName string, lo, hi int) string {
	t.Helper()
	for i := range 10000 {
		id := fmt.Sprintf("user-%d", i)
		if b := experiment.Bucket(id, experimentName); lo <= b && b < hi {
			return id
		}
	}
	t.Fatalf("no user in [%d, %d) of %s", lo, hi, experimentName)
	return ""
}

// TestExposureEvents serves real HTTP requests through a tracing
// middleware and experiment.Middleware, and checks the events each
// request's span receives.
func TestExposureEvents(t *testing.T) {
	red, green := userIn(t, "buttonColor", 0, 5000), userIn(t, "buttonColor", 5000, 10000)
	tests := []struct {
		name  string
		opts  experimentotel.Options
		user  string
		wants []map[string]string
	}{
		{
			name: "one event per experiment per request",
			user: red,
			wants: []map[string]string{{
				"span": "GET /", "event": "feature_flag.evaluation",
				"feature_flag.key": "buttonColor", "feature_flag.result.variant": "red",
				"feature_flag.provider.name": "experiment", "feature_flag.context.id": red,
				"feature_flag.version": "4",
			}},
		},
		{
			name: "two experiments",
			user: "tester",
			wants: []map[string]string{
				{
					"span": "GET /", "event": "feature_flag.evaluation",
					"feature_flag.key": "buttonColor", "feature_flag.result.variant": variantOf(t, "tester"),
					"feature_flag.provider.name": "experiment", "feature_flag.context.id": "tester",
					"feature_flag.version": "4",
				},
				{
					"span": "GET /", "event": "feature_flag.evaluation",
					"feature_flag.key": "inviteFriends", "feature_flag.result.variant": "default",
					"feature_flag.provider.name": "experiment", "feature_flag.context.id": "tester",
					"feature_flag.version": "4",
				},
			},
		},
		{
			name: "provider name and no context id",
			opts: experimentotel.Options{ProviderName: "checkout-flags", OmitContextID: true},
			user: green,
			wants: []map[string]string{{
				"span": "GET /", "event": "feature_flag.evaluation",
				"feature_flag.key": "buttonColor", "feature_flag.result.variant": "green",
				"feature_flag.provider.name": "checkout-flags", "feature_flag.version": "4",
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, tt.opts)
			rs, err := experiment.Parse([]byte(config), experiment.WithExposures(r.tel.Exposure))
			if err != nil {
				t.Fatal(err)
			}
			app := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				rs, c := experiment.FromRequest(req)
				for range 3 {
					rs.VariantFor("buttonColor", c)
				}
				rs.Feature("inviteFriends", c) // off except for tester: no exposure
				io.WriteString(w, rs.Feature("buttonColor", c))
			})
			h := traced(r.tracer, experiment.Middleware(rs, experiment.MiddlewareOptions{
				User: func(req *http.Request) experiment.Context { return experiment.ContextFor(req.URL.Query().Get("user")) },
			})(app))
			srv := httptest.NewServer(h)
			defer srv.Close()
			resp, err := http.Get(srv.URL + "/?user=" + tt.user)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if diff := cmp.Diff(tt.wants, r.events()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

// variantOf is the buttonColor variant of user.
func variantOf(t *testing.T, user string) string {
	t.Helper()
	if experiment.Bucket(user, "buttonColor") < 5000 {
		return "red"
	}
	return "green"
}

// traced starts a span around each request, as a tracing middleware does.
func traced(tr trace.Tracer, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx, span := tr.Start(req.Context(), req.Method+" "+req.URL.Path)
		defer span.End()
		next.ServeHTTP(w, req.WithContext(ctx))
	})
}

// TestExposureWithoutSpan checks that an exposure outside a request adds no
// event anywhere and is still counted.
func TestExposureWithoutSpan(t *testing.T) {
	r := newRig(t, experimentotel.Options{})
	rs, err := experiment.Parse([]byte(config), experiment.WithExposures(r.tel.Exposure))
	if err != nil {
		t.Fatal(err)
	}
	red := userIn(t, "buttonColor", 0, 5000)
	rs.VariantFor("buttonColor", experiment.ContextFor(red))
	rs.VariantFor("buttonColor", experiment.ContextFor(red))
	if got := r.events(); len(got) != 0 {
		t.Errorf("events without a span: %v", got)
	}
	want := map[string]int64{"feature_flag.key=buttonColor,feature_flag.provider.name=experiment,feature_flag.result.variant=red": 2}
	if diff := cmp.Diff(want, r.counts(t, experimentotel.MetricEvaluations)); diff != "" {
		t.Errorf("evaluations (-want +got):\n%s", diff)
	}
}

// TestRecord checks each field of an Evaluation in the event and the
// counter, and that the user id never becomes a metric attribute.
func TestRecord(t *testing.T) {
	tests := []struct {
		name       string
		ev         experimentotel.Evaluation
		wantEvent  map[string]string
		wantMetric string
	}{
		{
			name:       "key only",
			ev:         experimentotel.Evaluation{Key: "a"},
			wantEvent:  map[string]string{"feature_flag.key": "a", "feature_flag.provider.name": "experiment"},
			wantMetric: "feature_flag.key=a,feature_flag.provider.name=experiment",
		},
		{
			name: "success",
			ev:   experimentotel.Evaluation{Key: "a", Variant: "on", ContextID: "u1", Version: "7", Reason: "split"},
			wantEvent: map[string]string{
				"feature_flag.key": "a", "feature_flag.provider.name": "experiment", "feature_flag.result.variant": "on",
				"feature_flag.context.id": "u1", "feature_flag.version": "7", "feature_flag.result.reason": "split",
			},
			wantMetric: "feature_flag.key=a,feature_flag.provider.name=experiment,feature_flag.result.reason=split,feature_flag.result.variant=on",
		},
		{
			name: "failure",
			ev:   experimentotel.Evaluation{Key: "b", ContextID: "u2", Reason: "error", ErrorType: "flag_not_found", ErrorMsg: "no experiment is named b", Provider: "other"},
			wantEvent: map[string]string{
				"feature_flag.key": "b", "feature_flag.provider.name": "other", "feature_flag.context.id": "u2",
				"feature_flag.result.reason": "error", "error.type": "flag_not_found", "feature_flag.error.message": "no experiment is named b",
			},
			wantMetric: "error.type=flag_not_found,feature_flag.key=b,feature_flag.provider.name=other,feature_flag.result.reason=error",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, experimentotel.Options{})
			ctx, span := r.tracer.Start(context.Background(), "work")
			r.tel.Record(ctx, tt.ev)
			span.End()
			want := []map[string]string{tt.wantEvent}
			want[0]["span"], want[0]["event"] = "work", "feature_flag.evaluation"
			if diff := cmp.Diff(want, r.events()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(map[string]int64{tt.wantMetric: 1}, r.counts(t, experimentotel.MetricEvaluations)); diff != "" {
				t.Errorf("evaluations (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("nil context", func(t *testing.T) {
		r := newRig(t, experimentotel.Options{})
		r.tel.Record(nil, experimentotel.Evaluation{Key: "a"}) //lint:ignore SA1012 a nil context is documented to work
		if got := r.counts(t, experimentotel.MetricEvaluations); got["feature_flag.key=a,feature_flag.provider.name=experiment"] != 1 {
			t.Errorf("evaluations %v", got)
		}
	})
}

// TestReloads counts reloads of a Watch: successes, configs that do not
// load, and fetches that fail, and checks the caller's own hooks still run.
func TestReloads(t *testing.T) {
	r := newRig(t, experimentotel.Options{})
	answers := []func() ([]byte, error){
		func() ([]byte, error) { return []byte("version: 1\nexperiments: {a: true}"), nil },
		func() ([]byte, error) { return []byte("version: 2\nexperiments: {a: 2}"), nil },
		func() ([]byte, error) { return nil, errors.New("connection refused") },
		func() ([]byte, error) { return []byte("version: 3\nexperiments: {a: true}"), nil },
	}
	n := 0
	src := experiment.SourceFunc(func(context.Context) ([]byte, error) {
		a := answers[n]
		n++
		return a()
	})
	var updates, failures int
	opts := r.tel.WatchOptions(&experiment.WatchOptions{
		Interval: time.Hour,
		Logger:   slog.New(slog.DiscardHandler),
		OnUpdate: func(_, _ *experiment.Ruleset) { updates++ },
		OnError:  func(error) { failures++ },
	})
	live, err := experiment.Watch(context.Background(), src, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	for range 3 {
		_ = live.Reload(context.Background())
	}
	if live.Version() != 3 || n != 4 {
		t.Fatalf("version %d after %d fetches; want 3 after 4", live.Version(), n)
	}
	if updates != 2 || failures != 2 {
		t.Errorf("the caller's hooks ran %d and %d times; want 2 and 2", updates, failures)
	}
	want := map[string]int64{
		"feature_flag.provider.name=experiment":                        2,
		"error.type=parse_error,feature_flag.provider.name=experiment": 1,
		"error.type=general,feature_flag.provider.name=experiment":     1,
	}
	if diff := cmp.Diff(want, r.counts(t, experimentotel.MetricReloads)); diff != "" {
		t.Errorf("reloads (-want +got):\n%s", diff)
	}
}

// TestWatchOptionsNil checks that nil options give working hooks.
func TestWatchOptionsNil(t *testing.T) {
	r := newRig(t, experimentotel.Options{})
	o := r.tel.WatchOptions(nil)
	o.OnUpdate(nil, nil)
	o.OnError(errors.New("x"))
	want := map[string]int64{
		"feature_flag.provider.name=experiment":                    1,
		"error.type=general,feature_flag.provider.name=experiment": 1,
	}
	if diff := cmp.Diff(want, r.counts(t, experimentotel.MetricReloads)); diff != "" {
		t.Errorf("reloads (-want +got):\n%s", diff)
	}
}

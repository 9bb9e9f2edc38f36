package gateway

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// echo answers with the service's name and the request URI it saw.
func echo(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.Header().Set("x-publish-attempted", "false")
		_, _ = io.WriteString(w, name+" "+r.Method+" "+r.RequestURI)
	})
}

func TestRouting(t *testing.T) {
	g, err := New(Options{Control: echo("control"), Decision: echo("decision"), Dashboard: echo("dashboard")})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, target string
		status               int
		body                 string
	}{
		{"experiments", "GET", "/api/experiments?page=1&pageSize=5", 200, "control GET /experiments?page=1&pageSize=5"},
		{"an experiment's variants", "PATCH", "/api/experiments/x/variants", 200, "control PATCH /experiments/x/variants"},
		{"environments", "POST", "/api/environments", 200, "control POST /environments"},
		{"audiences", "DELETE", "/api/audiences/a", 200, "control DELETE /audiences/a"},
		{"decide", "GET", "/api/decide?user_key=u&env=prod", 200, "decision GET /decide?user_key=u&env=prod"},
		{"a longer name is not a prefix", "GET", "/api/environmentsX", 404, `{"message":"Route GET:/api/environmentsX not found","error":"Not Found","statusCode":404}`},
		{"decidefoo", "GET", "/api/decidefoo", 404, `{"message":"Route GET:/api/decidefoo not found","error":"Not Found","statusCode":404}`},
		{"no /api/health", "GET", "/api/health", 404, `{"message":"Route GET:/api/health not found","error":"Not Found","statusCode":404}`},
		{"other paths go to the dashboard", "GET", "/experiments/x", 200, "dashboard GET /experiments/x"},
		{"the root goes to the dashboard", "GET", "/", 200, "dashboard GET /"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.target, nil))
			if rec.Code != tt.status {
				t.Errorf("status %d, want %d", rec.Code, tt.status)
			}
			if diff := cmp.Diff(tt.body, rec.Body.String()); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("POST", "/api/environments", nil))
	if rec.Header().Get("x-publish-attempted") != "false" {
		t.Error("the upstream's headers are not passed through")
	}
}

func TestHealth(t *testing.T) {
	down := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	tests := []struct {
		name              string
		control, decision http.Handler
		status            int
		body              string
	}{
		{"both ok", echo("c"), echo("d"), 200, `{"status":"ok","services":{"experiment_service":"ok","decision_service":"ok"}}`},
		{"decision unhealthy", echo("c"), down, 503, `{"status":"degraded","services":{"experiment_service":"ok","decision_service":"unhealthy"}}`},
		{"control unhealthy", down, echo("d"), 503, `{"status":"degraded","services":{"experiment_service":"unhealthy","decision_service":"ok"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, _ := New(Options{Control: tt.control, Decision: tt.decision})
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, httptest.NewRequest("GET", "/health", nil))
			if rec.Code != tt.status {
				t.Errorf("status %d, want %d", rec.Code, tt.status)
			}
			if diff := cmp.Diff(tt.body, rec.Body.String()); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	now := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	g, _ := New(Options{
		Control: echo("c"), Decision: echo("d"),
		RateLimit: RateLimit{Enabled: true, Max: 3, Window: 30 * time.Second, Allowlist: []string{"10.0.0.9"}},
		Now:       func() time.Time { return now },
	})
	type result struct {
		Status                         int
		Limit, Remaining, Reset, Retry string
		Body                           string
	}
	do := func(ip string) result {
		req := httptest.NewRequest("GET", "/api/decide?user_key=u&env=p", nil)
		req.RemoteAddr = ip + ":1234"
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, req)
		h := rec.Header()
		r := result{rec.Code, h.Get("x-ratelimit-limit"), h.Get("x-ratelimit-remaining"), h.Get("x-ratelimit-reset"), h.Get("retry-after"), ""}
		if rec.Code == 429 {
			r.Body = rec.Body.String()
		}
		return r
	}
	steps := []struct {
		name    string
		advance time.Duration
		ip      string
		want    result
	}{
		{"first", 0, "10.0.0.1", result{200, "3", "2", "30", "", ""}},
		{"second", 10 * time.Second, "10.0.0.1", result{200, "3", "1", "20", "", ""}},
		{"third", 500 * time.Millisecond, "10.0.0.1", result{200, "3", "0", "20", "", ""}},
		{"over the limit", 0, "10.0.0.1", result{429, "3", "0", "20", "20", `{"error":"Too Many Requests","message":"Rate limit exceeded, retry in 20 seconds","statusCode":429}`}},
		{"another client has its own window", 0, "10.0.0.2", result{200, "3", "2", "30", "", ""}},
		{"allowlisted clients get no headers", 0, "10.0.0.9", result{200, "", "", "", "", ""}},
		{"a new window", 20 * time.Second, "10.0.0.1", result{200, "3", "2", "30", "", ""}},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		if diff := cmp.Diff(s.want, do(s.ip)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", s.name, diff)
		}
	}
	// The limit applies only to decide.
	for range 5 {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/api/environments", nil)
		req.RemoteAddr = "10.0.0.1:1"
		g.ServeHTTP(rec, req)
		if rec.Code != 200 || rec.Header().Get("x-ratelimit-limit") != "" {
			t.Fatalf("/api/environments: %d with limit header %q", rec.Code, rec.Header().Get("x-ratelimit-limit"))
		}
	}
}

func TestLimiterForgetsTheLeastRecentClients(t *testing.T) {
	l := newLimiter(RateLimit{Enabled: true, Max: 1, Window: time.Hour})
	now := time.Now()
	for i := range maxClients + 10 {
		l.admit(httptest.NewRecorder(), fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), now)
	}
	if n := l.lru.Len(); n != maxClients {
		t.Errorf("%d clients kept, want %d", n, maxClients)
	}
}

func TestLongDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{999 * time.Millisecond, "999 ms"},
		{time.Second, "1 second"},
		{1499 * time.Millisecond, "1 second"},
		{1500 * time.Millisecond, "2 seconds"},
		{30 * time.Second, "30 seconds"},
		{59 * time.Second, "59 seconds"},
		{60 * time.Second, "1 minute"},
		{89 * time.Second, "1 minute"},
		{90 * time.Second, "2 minutes"},
		{2 * time.Hour, "2 hours"},
		{36 * time.Hour, "2 days"},
	}
	for _, tt := range tests {
		if got := longDuration(tt.in); got != tt.want {
			t.Errorf("longDuration(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRateLimitFromEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want RateLimit
	}{
		{"defaults", nil, RateLimit{Enabled: true, Max: 300, Window: time.Minute}},
		{"off", map[string]string{"DECIDE_RATE_LIMIT_ENABLED": "false"}, RateLimit{Max: 300, Window: time.Minute}},
		{"anything else is on", map[string]string{"DECIDE_RATE_LIMIT_ENABLED": "no"}, RateLimit{Enabled: true, Max: 300, Window: time.Minute}},
		{"parseInt reads a prefix", map[string]string{"DECIDE_RATE_LIMIT_MAX": " 12abc", "DECIDE_RATE_LIMIT_WINDOW_MS": "1500.9"}, RateLimit{Enabled: true, Max: 12, Window: 1500 * time.Millisecond}},
		{"invalid and non-positive fall back", map[string]string{"DECIDE_RATE_LIMIT_MAX": "x", "DECIDE_RATE_LIMIT_WINDOW_MS": "-5"}, RateLimit{Enabled: true, Max: 300, Window: time.Minute}},
		{"allowlist", map[string]string{"DECIDE_RATE_LIMIT_ALLOWLIST": "127.0.0.1, ::1,,"}, RateLimit{Enabled: true, Max: 300, Window: time.Minute, Allowlist: []string{"127.0.0.1", "::1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RateLimitFromEnv(func(k string) string { return tt.env[k] })
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

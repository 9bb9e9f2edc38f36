package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inprocess/experiment/internal/wire"
	"github.com/inprocess/experiment/platform/internal/publish"
)

// publishSnapshot writes a snapshot to the directory layout as the
// publisher does.
func publishSnapshot(t *testing.T, dir *publish.Dir, s *wire.Snapshot) {
	t.Helper()
	body, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for key, b := range map[string][]byte{
		wire.SnapshotKey(s.Environment, s.Version): body,
		wire.LatestKey(s.Environment):              body,
		wire.VersionKey(s.Environment):             wire.VersionIndex{Version: s.Version}.Encode(),
	} {
		if err := dir.Put(ctx, key, b); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDecision checks the decision service as experiment-platform wires
// it, over a published directory: the platform's answers, byte for byte,
// and /health.
func TestDecision(t *testing.T) {
	dir, err := publish.NewDir(filepath.Join(t.TempDir(), "bucket"))
	if err != nil {
		t.Fatal(err)
	}
	publishSnapshot(t, dir, &wire.Snapshot{
		Version: 3, Environment: "prod", PublishedAt: "2026-12-01T18:00:00.000Z",
		Experiments: []wire.Experiment{{
			ID: "e1", Key: "checkout", Salt: "s1",
			TargetingRules: json.RawMessage(`[{"conditions":[{"value":"pro","operator":"eq","attribute":"user.plan"}]}]`),
			Variants:       []wire.Variant{{ID: "v1", Key: "green", Payload: json.RawMessage(`{"color":"#00cc66"}`)}},
			Allocations:    []wire.Allocation{{VariantID: "v1", RangeStart: 0, RangeEnd: 9999}},
		}, {
			ID: "e2", Key: "banner", Salt: "s2",
			Variants:    []wire.Variant{{ID: "v2", Key: "on"}},
			Allocations: []wire.Allocation{{VariantID: "v2", RangeStart: 0, RangeEnd: 9999}},
		}},
	})
	svc, err := newDecision(dir, time.Hour, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	svc.Start(t.Context())
	defer svc.Close(context.Background())
	srv := httptest.NewServer(svc.Handler())
	defer srv.Close()

	banner := `{"experiment_key":"banner","experiment_id":"e2","variant_key":"on","variant_id":"v2","payload":null}`
	checkout := `{"experiment_key":"checkout","experiment_id":"e1","variant_key":"green","variant_id":"v1","payload":{"color":"#00cc66"}}`
	tests := []struct {
		name, method, query string
		status              int
		body                string
	}{
		{"user_key missing", "GET", "env=prod", 400, `{"error":"Invalid input: expected string, received undefined"}`},
		{"user_key empty", "GET", "user_key=&env=prod", 400, `{"error":"Too small: expected string to have >=1 characters"}`},
		{"user_key repeated", "GET", "user_key=a&user_key=b&env=prod", 400, `{"error":"Invalid input: expected string, received array"}`},
		{"user_key before env", "GET", "", 400, `{"error":"Invalid input: expected string, received undefined"}`},
		{"env missing", "GET", "user_key=u", 400, `{"error":"Invalid input: expected string, received undefined"}`},
		{"context repeated", "GET", "user_key=u&env=prod&context=1&context=2", 400, `{"error":"Invalid input: expected string, received array"}`},
		{"never published", "GET", "user_key=u&env=staging", 503, `{"error":"No config available for environment \"staging\""}`},
		{"503 comes before the context check", "GET", "user_key=u&env=staging&context=%7B", 503, `{"error":"No config available for environment \"staging\""}`},
		{"context not JSON", "GET", "user_key=u&env=prod&context=%7B", 400, `{"error":"Invalid context JSON"}`},
		{"context not an object", "GET", "user_key=u&env=prod&context=5", 400, `{"error":"context must be a JSON object"}`},
		{"no context: targeting excludes", "GET", "user_key=u&env=prod", 200, `{"user_key":"u","environment":"prod","config_version":3,"assignments":[` + banner + `]}`},
		{"empty context is skipped", "GET", "user_key=u&env=prod&context=", 200, `{"user_key":"u","environment":"prod","config_version":3,"assignments":[` + banner + `]}`},
		{"nested attribute", "GET", "user_key=u&env=prod&context=" + url.QueryEscape(`{"user":{"plan":"pro"}}`), 200, `{"user_key":"u","environment":"prod","config_version":3,"assignments":[` + checkout + `,` + banner + `]}`},
		{"dotted attribute", "GET", "user_key=u&env=prod&context=" + url.QueryEscape(`{"user.plan":"pro"}`), 200, `{"user_key":"u","environment":"prod","config_version":3,"assignments":[` + checkout + `,` + banner + `]}`},
		{"POST is a route 404", "POST", "user_key=u&env=prod", 404, `{"message":"Route POST:/decide?user_key=u&env=prod not found","error":"Not Found","statusCode":404}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+"/decide?"+tt.query, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if diff := cmp.Diff(tt.body, string(body)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}

	resp, err := http.Get(srv.URL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// A deliberate difference from the platform (README): environments
	// sorted, only those with a config in config_versions, and ready.
	if diff := cmp.Diff(`{"status":"ok","config_versions":{"prod":3},"ready":{"prod":true,"staging":false}}`, string(body)); diff != "" {
		t.Errorf("health (-want +got):\n%s", diff)
	}
}

// TestFirstPublishIsSeenOnRequest checks that an environment requested
// before its first publish is served as soon as it is published, without
// waiting for a poll (the poll here is an hour).
func TestFirstPublishIsSeenOnRequest(t *testing.T) {
	dir, err := publish.NewDir(filepath.Join(t.TempDir(), "bucket"))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := newDecision(dir, time.Hour, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	svc.Start(t.Context())
	defer svc.Close(context.Background())
	get := func() int {
		rec := httptest.NewRecorder()
		svc.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/decide?user_key=u&env=prod", nil))
		return rec.Code
	}
	if code := get(); code != 503 {
		t.Fatalf("before publishing: %d, want 503", code)
	}
	publishSnapshot(t, dir, &wire.Snapshot{Version: 1, Environment: "prod", PublishedAt: "2026-12-01T18:00:00.000Z"})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if get() == 200 {
			return
		}
	}
	t.Fatal("the first snapshot was not served on request within 10 s (a hang guard; requests retry it every few milliseconds)")
}

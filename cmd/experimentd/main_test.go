package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// start runs experimentd on a free loopback port until the test ends and
// returns its base URL.
func start(t testing.TB, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	var logs bytes.Buffer
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0", "-log-format", "text"}, args...), io.Discard, &syncWriter{w: &logs}, ready)
	}()
	select {
	case addr := <-ready:
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("experimentd exited with %v", err)
			}
		})
		return "http://" + addr
	case err := <-done:
		cancel()
		t.Fatalf("experimentd did not start: %v\n%s", err, logs.String())
	}
	return ""
}

// waitLoaded waits until /health reports exactly the config versions in
// want: environments load in the background, after experimentd listens.
func waitLoaded(t testing.TB, base string, want map[string]int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var h struct {
			ConfigVersions map[string]int64 `json:"config_versions"`
		}
		_, body := get(t, base+"/health")
		if err := json.Unmarshal([]byte(body), &h); err != nil {
			t.Fatalf("/health: %v: %s", err, body)
		}
		if cmp.Equal(want, h.ConfigVersions) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/health never reported %v (last: %s)", want, body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func get(t testing.TB, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func decideURL(base string, params ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		q.Add(params[i], params[i+1])
	}
	return base + "/decide?" + q.Encode()
}

func writeFile(t testing.TB, path, data string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

const prodYAML = `
version: %d
experiments:
  checkout:
    id: exp-42
    targeting:
      - conditions:
          - {attribute: country, operator: in, value: [US, CA]}
    variants:
      control: {id: var-1, allocation: 0-50%%, payload: {color: "#0066cc"}}
      treatment: {id: var-2, allocation: 50-100%%, payload: {color: "#00cc66"}}
  everyone: true
`

func TestEndpoints(t *testing.T) {
	dir := t.TempDir()
	prod := filepath.Join(dir, "prod.yaml")
	writeFile(t, prod, fmt.Sprintf(prodYAML, 1))
	snap := filepath.Join(dir, "snap.json")
	writeFile(t, snap, `{"version": 4, "environment": "snap", "experiments": [{"id": "e", "key": "banner", "salt": "s",
		"variants": [{"id": "v", "key": "on"}], "allocations": [{"variantId": "v", "rangeStart": 0, "rangeEnd": 9999}]}]}`)
	base := start(t, "-interval", "20ms", "-config", "prod="+prod, "-config", "snap="+snap, "-config", "broken="+filepath.Join(dir, "missing.yaml"))
	waitLoaded(t, base, map[string]int64{"prod": 1, "snap": 4})

	tests := []struct {
		name     string
		url      string
		wantCode int
		want     string // JSON
	}{
		{name: "decide", url: decideURL(base, "user_key", "user-123", "env", "prod", "context", `{"country":"US"}`), wantCode: 200,
			want: `{"user_key":"user-123","environment":"prod","config_version":1,"assignments":[
				{"experiment_key":"checkout","experiment_id":"exp-42","variant_key":"treatment","variant_id":"var-2","payload":{"color":"#00cc66"}},
				{"experiment_key":"everyone","experiment_id":"everyone","variant_key":"default","variant_id":"default","payload":null}]}`},
		{name: "decide without context", url: decideURL(base, "user_key", "user-123", "env", "prod"), wantCode: 200,
			want: `{"user_key":"user-123","environment":"prod","config_version":1,"assignments":[
				{"experiment_key":"everyone","experiment_id":"everyone","variant_key":"default","variant_id":"default","payload":null}]}`},
		{name: "decide snapshot, absent payload left out", url: decideURL(base, "user_key", "u", "env", "snap"), wantCode: 200,
			want: `{"user_key":"u","environment":"snap","config_version":4,"assignments":[
				{"experiment_key":"banner","experiment_id":"e","variant_key":"on","variant_id":"v"}]}`},
		{name: "no assignments is an empty list", url: decideURL(base, "user_key", "u", "env", "snap", "context", `{}`), wantCode: 200,
			want: `{"user_key":"u","environment":"snap","config_version":4,"assignments":[{"experiment_key":"banner","experiment_id":"e","variant_key":"on","variant_id":"v"}]}`},
		{name: "missing user_key", url: decideURL(base, "env", "prod"), wantCode: 400, want: `{"error":"Invalid input: expected string, received undefined"}`},
		{name: "empty user_key", url: decideURL(base, "user_key", "", "env", "prod"), wantCode: 400, want: `{"error":"Too small: expected string to have >=1 characters"}`},
		{name: "missing env", url: decideURL(base, "user_key", "u"), wantCode: 400, want: `{"error":"Invalid input: expected string, received undefined"}`},
		{name: "context not JSON", url: decideURL(base, "user_key", "u", "env", "prod", "context", `{country:US}`), wantCode: 400, want: `{"error":"Invalid context JSON"}`},
		{name: "context not an object", url: decideURL(base, "user_key", "u", "env", "prod", "context", `"US"`), wantCode: 400, want: `{"error":"context must be a JSON object"}`},
		{name: "unknown environment", url: decideURL(base, "user_key", "u", "env", "dev"), wantCode: 503, want: `{"error":"No config available for environment \"dev\""}`},
		{name: "environment whose config failed to load", url: decideURL(base, "user_key", "u", "env", "broken"), wantCode: 503, want: `{"error":"No config available for environment \"broken\""}`},
		{name: "health: an environment without a config is not ready", url: base + "/health", wantCode: 503,
			want: `{"status":"unavailable","config_versions":{"prod":1,"snap":4},"ready":{"broken":false,"prod":true,"snap":true}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := get(t, tt.url)
			if code != tt.wantCode {
				t.Errorf("status %d; want %d (body %s)", code, tt.wantCode, body)
			}
			var got, want any
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("body %q is not JSON: %v", body, err)
			}
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("POST is the platform's route 404", func(t *testing.T) {
		resp, err := http.Post(base+"/decide?user_key=u&env=prod", "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := `{"message":"Route POST:/decide?user_key=u&env=prod not found","error":"Not Found","statusCode":404}`
		if resp.StatusCode != http.StatusNotFound || string(body) != want {
			t.Errorf("%d %s; want 404 %s", resp.StatusCode, body, want)
		}
	})

	t.Run("reload", func(t *testing.T) {
		writeFile(t, prod, fmt.Sprintf(prodYAML, 2))
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, body := get(t, decideURL(base, "user_key", "u", "env", "prod"))
			if strings.Contains(body, `"config_version":2`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("config_version never became 2: %s", body)
			}
			time.Sleep(20 * time.Millisecond)
		}
		// A broken write keeps serving version 2.
		writeFile(t, prod, "experiments: [")
		time.Sleep(200 * time.Millisecond)
		if _, body := get(t, decideURL(base, "user_key", "u", "env", "prod")); !strings.Contains(body, `"config_version":2`) {
			t.Errorf("after a broken write: %s; want version 2 still", body)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		code, body := get(t, base+"/metrics")
		if code != 200 {
			t.Fatalf("status %d", code)
		}
		for _, want := range []string{
			"# TYPE experimentd_requests_total counter\n",
			`experimentd_requests_total{path="/decide",code="400"} 5` + "\n",
			`experimentd_requests_total{path="/decide",code="404"} 1` + "\n",
			`experimentd_requests_total{path="/decide",code="503"} 2` + "\n",
			`experimentd_assignments_total{environment="prod",experiment="checkout",variant="treatment"} 1` + "\n",
			`experimentd_assignments_total{environment="snap",experiment="banner",variant="on"} 2` + "\n",
			`experimentd_config_version{environment="prod"} 2` + "\n",
			`experimentd_config_version{environment="snap"} 4` + "\n",
			`experimentd_config_reload_failures_total{environment="prod"} 1` + "\n",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %q:\n%s", want, body)
			}
		}
		if strings.Contains(body, `experimentd_config_version{environment="broken"}`) {
			t.Errorf("a version for an environment without a config:\n%s", body)
		}
	})
}

// TestStorageLayout serves an environment from a folder in the platform's
// storage layout over HTTP and sees a new published version arrive.
func TestStorageLayout(t *testing.T) {
	var mu sync.Mutex
	version := 1
	store := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		v := version
		mu.Unlock()
		switch r.URL.Path {
		case "/experiment-configs/configs/staging/version.json":
			fmt.Fprintf(w, `{"version": %d}`, v)
		case "/experiment-configs/configs/staging/snapshots/latest.json":
			fmt.Fprintf(w, `{"version": %d, "environment": "staging", "experiments": []}`, v)
		default:
			http.NotFound(w, r)
		}
	}))
	defer store.Close()
	base := start(t, "-interval", "20ms", "-config", "staging="+store.URL+"/experiment-configs/configs/staging/")
	waitLoaded(t, base, map[string]int64{"staging": 1})
	if _, body := get(t, base+"/health"); body != `{"status":"ok","config_versions":{"staging":1},"ready":{"staging":true}}` {
		t.Fatalf("health = %s", body)
	}
	mu.Lock()
	version = 2
	mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, body := get(t, base+"/health"); strings.Contains(body, `"staging":2`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("version 2 never arrived")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRateLimit(t *testing.T) {
	dir := t.TempDir()
	prod := filepath.Join(dir, "prod.yaml")
	writeFile(t, prod, fmt.Sprintf(prodYAML, 1))
	base := start(t, "-rate", "0.001", "-burst", "3", "-config", "prod="+prod)
	waitLoaded(t, base, map[string]int64{"prod": 1})
	var codes []int
	for range 5 {
		code, _ := get(t, decideURL(base, "user_key", "u", "env", "prod"))
		codes = append(codes, code)
	}
	if diff := cmp.Diff([]int{200, 200, 200, 429, 429}, codes); diff != "" {
		t.Errorf("status codes (-want +got):\n%s", diff)
	}
	if code, _ := get(t, base+"/health"); code != 200 {
		t.Errorf("/health is rate limited: %d", code)
	}
}

// TestRateLimitIPv6Loopback checks the rate limit over [::1], where the
// client is counted by its /64 (the handler's own test covers the
// grouping in full).
func TestRateLimitIPv6Loopback(t *testing.T) {
	dir := t.TempDir()
	prod := filepath.Join(dir, "prod.yaml")
	writeFile(t, prod, fmt.Sprintf(prodYAML, 1))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "[::1]:0", "-rate", "0.001", "-burst", "2", "-config", "prod=" + prod}, io.Discard, io.Discard, ready)
	}()
	var base string
	select {
	case addr := <-ready:
		base = "http://" + addr
	case err := <-done:
		t.Skipf("cannot listen on [::1]: %v", err)
	}
	waitLoaded(t, base, map[string]int64{"prod": 1})
	var codes []int
	for range 3 {
		code, _ := get(t, decideURL(base, "user_key", "u", "env", "prod"))
		codes = append(codes, code)
	}
	if diff := cmp.Diff([]int{200, 200, 429}, codes); diff != "" {
		t.Errorf("status codes from [::1] (-want +got):\n%s", diff)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}

// TestFlags runs the command line's mistakes and -h: each returns its
// error and exit status, -h prints the usage (with the exit codes) to
// stdout, and a mistake prints nothing to stdout.
func TestFlags(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantErr  string
		wantExit int
	}{
		{name: "help", args: []string{"-h"}, wantErr: flag.ErrHelp.Error(), wantExit: 0},
		{name: "no config", args: nil, wantErr: "no -config or -layout given; see -h", wantExit: 2},
		{name: "config without env", args: []string{"-config", "prod.yaml"}, wantErr: `invalid value "prod.yaml" for flag -config: want ENV=SOURCE, got "prod.yaml"`, wantExit: 2},
		{name: "environment twice", args: []string{"-config", "a=x", "-config", "a=y"}, wantErr: `invalid value "a=y" for flag -config: environment "a" given twice`, wantExit: 2},
		{name: "bad log format", args: []string{"-config", "a=x", "-log-format", "xml"}, wantErr: `-log-format "xml": want json or text`, wantExit: 2},
		{name: "bad trusted proxy", args: []string{"-config", "a=x", "-trusted-proxy", "10.0.0.0/33"}, wantErr: `invalid value "10.0.0.0/33" for flag -trusted-proxy: want a CIDR prefix such as 10.0.0.0/8 or an address, got "10.0.0.0/33"`, wantExit: 2},
		{name: "bad proxy header", args: []string{"-config", "a=x", "-proxy-header", "X-Real-IP"}, wantErr: `-proxy-header "X-Real-IP": want X-Forwarded-For or Forwarded`, wantExit: 2},
		{name: "zero max-conns", args: []string{"-config", "a=x", "-max-conns", "0"}, wantErr: `-max-conns 0: want a positive number`, wantExit: 2},
		{name: "negative max-context-bytes", args: []string{"-config", "a=x", "-max-context-bytes", "-1"}, wantErr: `-max-context-bytes -1: want a positive number`, wantExit: 2},
		{name: "zero idle timeout", args: []string{"-config", "a=x", "-idle-timeout", "0s"}, wantErr: `-idle-timeout 0s: want a positive duration`, wantExit: 2},
		{name: "zero max-environments", args: []string{"-layout", "x", "-max-environments", "0"}, wantErr: `-max-environments 0: want a positive number`, wantExit: 2},
		{name: "a file URL with a host", args: []string{"-config", "a=file://example.com/x"}, wantErr: `decide: environment "a": "file://example.com/x": a file URL must name a local path (file:///path), not host "example.com"`, wantExit: 2},
		{name: "address in use", args: []string{"-config", "a=x", "-addr", "LISTENING"}, wantErr: "listen tcp LISTENING: bind: address already in use", wantExit: 1},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	busy := ln.Addr().String()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := slices.Clone(tt.args)
			for i, a := range args {
				if a == "LISTENING" {
					args[i] = busy
				}
			}
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), args, &stdout, &stderr, nil)
			if err == nil || strings.ReplaceAll(err.Error(), busy, "LISTENING") != tt.wantErr {
				t.Errorf("run = %v; want %q", err, tt.wantErr)
			}
			if got := exitCode(err); got != tt.wantExit {
				t.Errorf("exit status %d; want %d", got, tt.wantExit)
			}
			if tt.name != "help" {
				if stdout.Len() > 0 {
					t.Errorf("a mistake printed to stdout:\n%s", stdout.String())
				}
				return
			}
			if stderr.Len() > 0 {
				t.Errorf("-h printed to stderr:\n%s", stderr.String())
			}
			for _, want := range []string{"Examples:", "Exit status: 0 after a shutdown", "-layout", "-rate", "-max-conns", "-max-inflight", "-max-header-bytes", "-max-context-bytes", "-idle-timeout", "-rate-clients", "-trusted-proxy", "-proxy-header", "-max-environments"} {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("-h output lacks %q:\n%s", want, stdout.String())
				}
			}
		})
	}
}

// BenchmarkDecide drives /decide over loopback from parallel clients with
// a 20-experiment config, reporting requests per second and the p99
// latency. Run it with -cpu 2 on a 2-core machine: server and clients
// share the cores.
func BenchmarkDecide(b *testing.B) {
	dir := b.TempDir()
	var cfg strings.Builder
	cfg.WriteString("version: 1\nexperiments:\n")
	for i := range 20 {
		fmt.Fprintf(&cfg, "  exp-%02d:\n    targeting: [{conditions: [{attribute: country, operator: in, value: [US, CA, GB]}]}]\n    variants:\n      a: {allocation: 0-50%%, payload: {n: %d}}\n      b: {allocation: 50-100%%}\n", i, i)
	}
	prod := filepath.Join(dir, "prod.yaml")
	writeFile(b, prod, cfg.String())
	base := start(b, "-log-level", "warn", "-config", "prod="+prod)
	waitLoaded(b, base, map[string]int64{"prod": 1})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var mu sync.Mutex
	var latencies []time.Duration
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		i := 0
		for pb.Next() {
			i++
			u := base + "/decide?env=prod&user_key=user-" + fmt.Sprint(i) + "&context=%7B%22country%22%3A%22US%22%7D"
			t0 := time.Now()
			resp, err := client.Get(u)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		latencies = append(latencies, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	slices.Sort(latencies)
	if len(latencies) > 0 {
		b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds()), "p99-µs")
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	}
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/inprocess/experiment/platform/internal/miniotest"
	"github.com/inprocess/experiment/platform/internal/storetest"
)

// The seed's walkthrough ("Running the Flows"), against the built binary
// over loopback: create an environment, an experiment, two variants, a
// 50/50 allocation, start it, then decide through the gateway and
// directly.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds the command once per test run.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "experiment-platform-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "experiment-platform")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// platform is a running experiment-platform process.
type platform struct {
	cmd    *exec.Cmd
	addrs  map[string]string // service -> host:port
	stderr *syncBuffer
	done   chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listening = regexp.MustCompile(`msg="experiment-platform: listening" service=(\w+) addr=(\S+)`)

// start runs the binary with args plus ports picked by the system, and
// waits until its three listeners are up.
func start(t testing.TB, env []string, args ...string) *platform {
	t.Helper()
	args = append([]string{"-control-addr", "127.0.0.1:0", "-decision-addr", "127.0.0.1:0", "-gateway-addr", "127.0.0.1:0", "-poll", "100ms"}, args...)
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	pr, pw := io.Pipe()
	p := &platform{cmd: cmd, addrs: map[string]string{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = io.MultiWriter(pw, p.stderr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = cmd.Wait()
		pw.Close()
		close(p.done)
	}()
	t.Cleanup(func() { p.stop(t) })
	found := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		n := 0
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				p.addrs[m[1]] = m[2]
				if n++; n == 3 {
					close(found)
				}
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case <-found:
	case <-p.done:
		t.Fatalf("experiment-platform exited before listening:\n%s", p.stderr)
	case <-time.After(60 * time.Second):
		t.Fatalf("experiment-platform did not listen within 60s (a hang guard):\n%s", p.stderr)
	}
	return p
}

// stop sends SIGINT and waits for a clean exit.
func (p *platform) stop(t testing.TB) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Errorf("experiment-platform did not stop within 30s of SIGINT:\n%s", p.stderr)
	}
}

func (p *platform) url(service, path string) string { return "http://" + p.addrs[service] + path }

// call sends a JSON request and decodes the JSON answer into out,
// failing the test on a status other than want.
func call(t testing.TB, method, u, body string, want int, out any) http.Header {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, u, resp.StatusCode, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, u, err, data)
		}
	}
	return resp.Header
}

type decideBody struct {
	UserKey       string `json:"user_key"`
	Environment   string `json:"environment"`
	ConfigVersion int    `json:"config_version"`
	Assignments   []struct {
		ExperimentKey string          `json:"experiment_key"`
		ExperimentID  string          `json:"experiment_id"`
		VariantKey    string          `json:"variant_key"`
		VariantID     string          `json:"variant_id"`
		Payload       json.RawMessage `json:"payload"`
	} `json:"assignments"`
}

func decideURL(base, user, env string) string {
	return base + "?" + url.Values{"user_key": {user}, "env": {env}}.Encode()
}

// walkthrough runs the seed's steps through the gateway and returns the
// experiment's id.
func walkthrough(t testing.TB, p *platform) (expID string, variants map[string]string) {
	t.Helper()
	api := p.url("gateway", "/api")
	var env, exp, control, treatment struct{ ID string }
	call(t, "POST", api+"/environments", `{"name": "prod"}`, 201, &env)
	call(t, "POST", api+"/experiments", `{"key":"checkout-button-color","name":"Checkout Button Color Test",
		"description":"Test whether a green button improves checkout conversion","environmentId":"`+env.ID+`"}`, 201, &exp)
	call(t, "POST", api+"/experiments/"+exp.ID+"/variants", `{"key":"control","name":"Blue Button","payload":{"color":"#0066cc"}}`, 201, &control)
	call(t, "POST", api+"/experiments/"+exp.ID+"/variants", `{"key":"treatment","name":"Green Button","payload":{"color":"#00cc66"}}`, 201, &treatment)
	call(t, "PUT", api+"/experiments/"+exp.ID+"/allocations", `{"allocations":[
		{"variantId":"`+control.ID+`","rangeStart":0,"rangeEnd":4999},
		{"variantId":"`+treatment.ID+`","rangeStart":5000,"rangeEnd":9999}]}`, 200, nil)
	h := call(t, "PATCH", api+"/experiments/"+exp.ID+"/status", `{"status":"RUNNING"}`, 200, nil)
	if h.Get("x-publish-succeeded") != "true" {
		t.Fatalf("starting the experiment did not publish: x-publish-succeeded %q, x-publish-error %q", h.Get("x-publish-succeeded"), h.Get("x-publish-error"))
	}
	return exp.ID, map[string]string{control.ID: "control", treatment.ID: "treatment"}
}

// waitAssigned polls /decide until the experiment appears, as the
// platform's integration test does.
func waitAssigned(t testing.TB, u string) decideBody {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second) // a hang guard only
	for {
		var d decideBody
		call(t, "GET", u, "", 200, &d)
		if len(d.Assignments) > 0 {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never assigned the experiment: last %+v", u, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestWalkthrough(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			p := start(t, nil, "-data", t.TempDir(), "-db", dsn)
			expID, variants := walkthrough(t, p)

			gateway, direct := p.url("gateway", "/api/decide"), p.url("decision", "/decide")
			first := waitAssigned(t, decideURL(gateway, "user-123", "prod"))
			if first.Environment != "prod" || first.ConfigVersion < 1 || first.UserKey != "user-123" {
				t.Errorf("decision %+v: want user-123 in prod at a version >= 1", first)
			}
			counts := map[string]int{}
			for i := range 200 {
				user := fmt.Sprintf("user-%d", i)
				var viaGateway, viaDirect, again decideBody
				call(t, "GET", decideURL(gateway, user, "prod"), "", 200, &viaGateway)
				call(t, "GET", decideURL(direct, user, "prod"), "", 200, &viaDirect)
				call(t, "GET", decideURL(direct, user, "prod"), "", 200, &again)
				if diff := cmp.Diff(viaGateway, viaDirect); diff != "" {
					t.Fatalf("%s: the gateway and the decision service differ (-gateway +direct):\n%s", user, diff)
				}
				if diff := cmp.Diff(viaDirect, again); diff != "" {
					t.Fatalf("%s: not deterministic (-first +second):\n%s", user, diff)
				}
				if len(viaDirect.Assignments) != 1 {
					t.Fatalf("%s: %d assignments, want 1", user, len(viaDirect.Assignments))
				}
				a := viaDirect.Assignments[0]
				key, ok := variants[a.VariantID]
				if a.ExperimentID != expID || !ok || key != a.VariantKey {
					t.Fatalf("%s: assignment %+v is not one of the experiment's variants", user, a)
				}
				wantColor := map[string]string{"control": `{"color":"#0066cc"}`, "treatment": `{"color":"#00cc66"}`}[key]
				if string(a.Payload) != wantColor {
					t.Fatalf("%s: payload %s, want %s", user, a.Payload, wantColor)
				}
				counts[key]++
			}
			for _, k := range []string{"control", "treatment"} {
				if counts[k] < 80 || counts[k] > 120 {
					t.Errorf("%s got %d of 200 users, want 40-60%%", k, counts[k])
				}
			}
			t.Logf("%s: control %d, treatment %d of 200", engine, counts["control"], counts["treatment"])
		})
	}
}

// TestRestartKeepsEverything stops the binary and starts it again on the
// same data: the experiment, its published version and the numbering
// survive.
func TestRestartKeepsEverything(t *testing.T) {
	data := t.TempDir()
	p := start(t, nil, "-data", data)
	expID, _ := walkthrough(t, p)
	var snap struct{ Version int }
	call(t, "POST", p.url("control", "/experiments/"+expID+"/publish"), "", 200, &snap)
	p.stop(t)

	q := start(t, nil, "-data", data)
	var exp struct {
		Status   string
		Variants []struct{ Key string }
	}
	call(t, "GET", q.url("control", "/experiments/"+expID), "", 200, &exp)
	if exp.Status != "RUNNING" || len(exp.Variants) != 2 {
		t.Errorf("after a restart: status %s with %d variants, want RUNNING with 2", exp.Status, len(exp.Variants))
	}
	d := waitAssigned(t, decideURL(q.url("decision", "/decide"), "user-1", "prod"))
	if d.ConfigVersion != snap.Version {
		t.Errorf("after a restart the decision service serves version %d, want %d", d.ConfigVersion, snap.Version)
	}
	var next struct{ Version int }
	call(t, "POST", q.url("control", "/experiments/"+expID+"/publish"), "", 200, &next)
	if next.Version != snap.Version+1 {
		t.Errorf("the first publish after a restart is version %d, want %d", next.Version, snap.Version+1)
	}
}

func TestToken(t *testing.T) {
	p := start(t, []string{"EXPERIMENT_PLATFORM_TOKEN=s3cret"}, "-data", t.TempDir())
	tests := []struct {
		name, method, path, auth string
		want                     int
	}{
		{"reads need no token", "GET", "/api/environments", "", 200},
		{"a change without the token", "POST", "/api/environments", "", 401},
		{"a change with a wrong token", "POST", "/api/environments", "Bearer nope", 401},
		{"a change with the token", "POST", "/api/environments", "Bearer s3cret", 201},
		{"decide needs no token", "GET", "/api/decide?user_key=u&env=none", "", 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, p.url("gateway", tt.path), strings.NewReader(`{"name":"prod"}`))
			req.Header.Set("Content-Type", "application/json")
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("%s %s: %d, want %d", tt.method, tt.path, resp.StatusCode, tt.want)
			}
		})
	}
}

func TestRefusesNonLoopbackWithoutToken(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a hang guard
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), "-data", t.TempDir(), "-gateway-addr", "0.0.0.0:0", "-control-addr", "", "-decision-addr", "")
	cmd.Env = append(os.Environ(), "EXPERIMENT_PLATFORM_TOKEN=")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("it started listening on 0.0.0.0 without a token:\n%s", out)
	}
	if want := "listens beyond loopback: set -token"; !strings.Contains(string(out), want) {
		t.Errorf("output %q does not say %q", out, want)
	}
}

// TestWalkthroughS3 runs the walkthrough with -store s3://... on a real
// MinIO (when MINIO_BIN is set): the control plane publishes with
// minio-go, the decision service reads back through the s3 module.
func TestWalkthroughS3(t *testing.T) {
	endpoint := miniotest.Start(t)
	admin, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(miniotest.User, miniotest.Password, "")})
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.MakeBucket(context.Background(), "experiment-configs", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	p := start(t, []string{"AWS_ACCESS_KEY_ID=" + miniotest.User, "AWS_SECRET_ACCESS_KEY=" + miniotest.Password},
		"-data", t.TempDir(), "-store", "s3://experiment-configs/platform", "-s3-endpoint", "http://"+endpoint, "-s3-region", "us-east-1")
	expID, variants := walkthrough(t, p)
	d := waitAssigned(t, decideURL(p.url("gateway", "/api/decide"), "user-123", "prod"))
	if len(d.Assignments) != 1 || d.Assignments[0].ExperimentID != expID || variants[d.Assignments[0].VariantID] == "" {
		t.Errorf("decision %+v: want one of the experiment's variants", d)
	}
	info, err := admin.StatObject(context.Background(), "experiment-configs", "platform/configs/prod/version.json", minio.StatObjectOptions{})
	if err != nil || info.Size == 0 {
		t.Errorf("platform/configs/prod/version.json: %v", err)
	}
}

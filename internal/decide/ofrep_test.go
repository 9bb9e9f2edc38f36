package decide

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inprocess/experiment"
)

const ofrepYAML = `
version: 3
experiments:
  banner:
    client: true
    variants: {enabled: {allocation: 100%}}
  checkout:
    client: true
    targeting: [{conditions: [{attribute: country, operator: in, value: [US]}]}]
    variants:
      control: {allocation: 0-50%, payload: {color: blue, "10": 1, "2": 2}}
      treatment: {allocation: 50-100%, payload: {color: green}}
  layout:
    client: true
    variants: {a: {allocation: 0-50%}, b: {allocation: 50-100%}}
  killed:
    client: true
    status: paused
    variants: {enabled: {allocation: 100%}}
  server-only:
    variants: {enabled: {allocation: 100%}}
`

// ofrepServer serves ofrepYAML as prod (and, with more, other
// environments).
func ofrepServer(t *testing.T, cfg Config, more ...string) (*Server, *experiment.Ruleset) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "prod.yaml")
	writeFile(t, path, ofrepYAML)
	cfg.Environments = append(cfg.Environments, Environment{Name: "prod", Source: path})
	for _, env := range more {
		cfg.Environments = append(cfg.Environments, Environment{Name: env, Source: path})
	}
	cfg.Logger = quiet
	rs, err := experiment.Load(path, experiment.WithEnv("prod"))
	if err != nil {
		t.Fatal(err)
	}
	return startServer(t, cfg, append([]string{"prod"}, more...)...), rs
}

func ofrepPost(h http.Handler, path, body string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestOFREPFlag evaluates single flags for users on and off, and the
// protocol's errors.
func TestOFREPFlag(t *testing.T) {
	s, rs := ofrepServer(t, Config{})
	h := s.Handler()
	// A user in each variant of checkout.
	userIn := map[string]string{}
	for i := 0; len(userIn) < 2; i++ {
		u := fmt.Sprint("user-", i)
		if v := rs.Feature("checkout", experiment.ContextFor(u).With(map[string]any{"country": "US"})); userIn[v] == "" {
			userIn[v] = u
		}
	}
	layoutOf := rs.Feature("layout", experiment.ContextFor("user-1"))
	meta := func(reason string) string {
		return `"metadata":{"version":3,"environment":"prod","experimentReason":"` + reason + `"}}`
	}
	ctx := func(user, country string) string {
		return `{"context":{"targetingKey":"` + user + `","country":"` + country + `"}}`
	}
	tests := []struct {
		name     string
		flag     string
		body     string
		wantCode int
		want     string
	}{
		{"a switch", "banner", ctx("user-1", "US"), 200, `{"key":"banner","reason":"STATIC","variant":"enabled","value":true,` + meta("everyone")},
		{"a payload", "checkout", ctx(userIn["control"], "US"), 200,
			`{"key":"checkout","reason":"SPLIT","variant":"control","value":{"2":2,"10":1,"color":"blue"},` + meta("split")},
		{"the other payload", "checkout", ctx(userIn["treatment"], "US"), 200,
			`{"key":"checkout","reason":"SPLIT","variant":"treatment","value":{"color":"green"},` + meta("split")},
		{"off: the code default", "checkout", ctx("user-1", "FR"), 200, `{"key":"checkout","reason":"DEFAULT",` + meta("targeting")},
		{"a variant's name", "layout", ctx("user-1", "US"), 200, `{"key":"layout","reason":"SPLIT","variant":"` + layoutOf + `","value":"` + layoutOf + `",` + meta("split")},
		{"a switch turned off", "killed", ctx("user-1", "US"), 200, `{"key":"killed","reason":"DISABLED","value":false,` + meta("disabled")},
		{"not for clients", "server-only", ctx("user-1", "US"), 404, `{"key":"server-only","errorCode":"FLAG_NOT_FOUND","errorDetails":"no flag is named \"server-only\""}`},
		{"unknown", "nope", ctx("user-1", "US"), 404, `{"key":"nope","errorCode":"FLAG_NOT_FOUND","errorDetails":"no flag is named \"nope\""}`},
		{"no targeting key", "banner", `{"context":{"country":"US"}}`, 400,
			`{"key":"banner","errorCode":"TARGETING_KEY_MISSING","errorDetails":"context.targetingKey, the user id, is required"}`},
		{"no body", "banner", ``, 400, `{"key":"banner","errorCode":"TARGETING_KEY_MISSING","errorDetails":"context.targetingKey, the user id, is required"}`},
		{"a number as targeting key", "banner", `{"context":{"targetingKey":7}}`, 400,
			`{"key":"banner","errorCode":"INVALID_CONTEXT","errorDetails":"context.targetingKey must be a string"}`},
		{"a context that is not an object", "banner", `{"context":[1]}`, 400,
			`{"key":"banner","errorCode":"INVALID_CONTEXT","errorDetails":"context must be a JSON object"}`},
		{"a body that is not JSON", "banner", `{context`, 400, `{"key":"banner","errorCode":"PARSE_ERROR","errorDetails":"the request body is not JSON"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := ofrepPost(h, ofrepFlagPrefix+tt.flag, tt.body)
			if diff := cmp.Diff([]any{tt.wantCode, tt.want}, []any{w.Code, w.Body.String()}); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
			if !json.Valid(w.Body.Bytes()) {
				t.Errorf("not JSON: %s", w.Body)
			}
		})
	}
}

// TestOFREPBulk evaluates every flag for clients, in config order, with
// an ETag that a repeated request sends back for a 304, over loopback
// through Serve.
func TestOFREPBulk(t *testing.T) {
	s, rs := ofrepServer(t, Config{}) // for its config and ruleset
	srv := serveLoopback(t, Config{Environments: s.cfg.Environments}, "prod")
	post := func(body, extra string) wireResponse {
		return roundTripRaw(t, srv.addr, "POST "+ofrepBulkPath+" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+extra+
			"Content-Length: "+fmt.Sprint(len(body))+"\r\n\r\n"+body)
	}
	body := `{"context":{"targetingKey":"user-1","country":"US"}}`
	got := post(body, "")
	var flags struct {
		Flags []struct {
			Key     string `json:"key"`
			Variant string `json:"variant"`
		} `json:"flags"`
	}
	if err := json.Unmarshal([]byte(got.Body), &flags); err != nil || got.Code != 200 {
		t.Fatalf("%d %s (%v)", got.Code, got.Body, err)
	}
	var keys, variants []string
	for _, f := range flags.Flags {
		keys = append(keys, f.Key)
		variants = append(variants, f.Variant)
	}
	c := experiment.ContextFor("user-1").With(map[string]any{"country": "US"})
	wantVariants := []string{rs.Feature("banner", c), rs.Feature("checkout", c), rs.Feature("layout", c), ""}
	if diff := cmp.Diff([]any{[]string{"banner", "checkout", "layout", "killed"}, wantVariants}, []any{keys, variants}); diff != "" {
		t.Errorf("flags (-want +got):\n%s", diff)
	}
	etag := got.Header.Get("ETag")
	if len(etag) != 34 || etag[0] != '"' {
		t.Fatalf("ETag %q", etag)
	}
	again := post(body, "If-None-Match: W/\"other\", "+etag+"\r\n")
	if again.Code != 304 || again.Body != "" || again.Header.Get("ETag") != etag {
		t.Errorf("with If-None-Match: %d %q ETag %q; want 304, no body, the same ETag", again.Code, again.Body, again.Header.Get("ETag"))
	}
	other := post(`{"context":{"targetingKey":"user-1","country":"FR"}}`, "If-None-Match: "+etag+"\r\n")
	if other.Code != 200 || other.Header.Get("ETag") == etag {
		t.Errorf("another context: %d ETag %q; want 200 and another ETag", other.Code, other.Header.Get("ETag"))
	}
	if bad := post(`{"context":5}`, ""); bad.Code != 400 || bad.Body != `{"errorCode":"INVALID_CONTEXT","errorDetails":"context must be a JSON object"}` {
		t.Errorf("a bad context: %d %s", bad.Code, bad.Body)
	}
}

// TestOFREPEnvironment checks how a request picks the environment: the
// only one configured; else the Experiment-Environment header or the env
// query parameter, or a 400; and that OFREPAllExperiments serves every
// experiment.
func TestOFREPEnvironment(t *testing.T) {
	body := `{"context":{"targetingKey":"u"}}`
	one, _ := ofrepServer(t, Config{})
	if w := ofrepPost(one.Handler(), ofrepFlagPrefix+"banner", body); w.Code != 200 {
		t.Errorf("the only environment: %d %s", w.Code, w.Body)
	}
	two, _ := ofrepServer(t, Config{OFREPAllExperiments: true}, "staging")
	tests := []struct {
		name     string
		path     string
		header   []string
		wantCode int
		wantEnv  string
	}{
		{"not named", ofrepFlagPrefix + "banner", nil, 400, ""},
		{"the header", ofrepFlagPrefix + "banner", []string{ofrepEnvHeader, "staging"}, 200, "staging"},
		{"the query", ofrepFlagPrefix + "banner?env=staging", nil, 200, "staging"},
		{"the header wins", ofrepFlagPrefix + "banner?env=staging", []string{ofrepEnvHeader, "prod"}, 200, "prod"},
		{"an environment without a config", ofrepFlagPrefix + "banner", []string{ofrepEnvHeader, "dev"}, 503, ""},
		{"every experiment with OFREPAllExperiments", ofrepFlagPrefix + "server-only", []string{ofrepEnvHeader, "prod"}, 200, "prod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := ofrepPost(two.Handler(), tt.path, body, tt.header...)
			var got struct {
				ErrorCode string `json:"errorCode"`
				Metadata  struct {
					Environment string `json:"environment"`
				} `json:"metadata"`
			}
			_ = json.Unmarshal(w.Body.Bytes(), &got)
			if w.Code != tt.wantCode || got.Metadata.Environment != tt.wantEnv || (w.Code != 200 && got.ErrorCode != "GENERAL") {
				t.Errorf("%d %s; want %d in environment %q", w.Code, w.Body, tt.wantCode, tt.wantEnv)
			}
		})
	}
}

// TestOFREPBodyLimit refuses a body over 1 MiB under net/http too.
func TestOFREPBodyLimit(t *testing.T) {
	s, _ := ofrepServer(t, Config{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	resp, err := http.Post(srv.URL+ofrepBulkPath, "application/json", strings.NewReader(`{"context":{"targetingKey":"`+strings.Repeat("u", maxBody)+`"}}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("%d %s; want 413", resp.StatusCode, b)
	}
}

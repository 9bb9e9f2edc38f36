package control_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inprocess/experiment/platform/internal/control"
	"github.com/inprocess/experiment/platform/internal/publish"
	"github.com/inprocess/experiment/platform/internal/store"
	"github.com/inprocess/experiment/platform/internal/storetest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// fixture is a control plane on a real store and a directory bucket,
// served over loopback, with a clock that ticks one millisecond per
// reading and ids numbered in order, so that every response is the same
// on every run and engine.
type fixture struct {
	url    string
	store  *store.Store
	bucket *failingBucket
	vars   map[string]string
}

func newFixture(t testing.TB, engine string, token string) *fixture {
	t.Helper()
	var ticks, ids atomic.Int64
	base := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	st := storetest.Open(t, engine, store.Options{
		Now:   func() time.Time { return base.Add(time.Duration(ticks.Add(1)) * time.Millisecond) },
		NewID: func() string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", ids.Add(1)) },
	})
	dir, err := publish.NewDir(filepath.Join(t.TempDir(), "configs-bucket"))
	if err != nil {
		t.Fatal(err)
	}
	b := &failingBucket{Bucket: dir}
	pub := &publish.Publisher{Store: st, Bucket: b}
	h, err := control.New(control.Options{Store: st, Publish: pub.Publish, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &fixture{url: srv.URL, store: st, bucket: b, vars: map[string]string{}}
}

// failingBucket fails every Put with the message err while err is set.
type failingBucket struct {
	publish.Bucket
	mu  sync.Mutex
	err string
}

func (b *failingBucket) fail(msg string) {
	b.mu.Lock()
	b.err = msg
	b.mu.Unlock()
}

func (b *failingBucket) Put(ctx context.Context, key string, body []byte) error {
	b.mu.Lock()
	msg := b.err
	b.mu.Unlock()
	if msg != "" {
		return errors.New(msg)
	}
	return b.Bucket.Put(ctx, key, body)
}

// step is one request of a scenario. Its status is checked here; the
// whole response goes into the scenario's golden transcript.
type step struct {
	name   string
	method string
	path   string // {NAME} is replaced by a saved value
	body   string // sent as it is; {NAME} replaced
	ctype  string // default application/json when there is a body; "-" for none
	header map[string]string
	status int
	save   map[string]string // NAME: a path into the JSON response, such as "id" or "data.0.id"
	// failPublish makes the bucket's writes fail with this message from
	// this step on; "ok" makes them succeed again.
	failPublish string
}

// response is what a step records.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (f *fixture) expand(s string) string {
	for k, v := range f.vars {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

func (f *fixture) do(t testing.TB, s step) response {
	t.Helper()
	switch s.failPublish {
	case "":
	case "ok":
		f.bucket.fail("")
	default:
		f.bucket.fail(s.failPublish)
	}
	var body io.Reader
	if s.body != "" {
		body = strings.NewReader(f.expand(s.body))
	}
	req, err := http.NewRequest(s.method, f.url+f.expand(s.path), body)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case s.ctype == "-":
	case s.ctype != "":
		req.Header.Set("Content-Type", s.ctype)
	case s.body != "":
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range s.header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for name, path := range s.save {
		v, err := jsonPath(data, path)
		if err != nil {
			t.Fatalf("%s: saving %s from %s: %v\nbody: %s", s.name, name, path, err, data)
		}
		f.vars[name] = v
	}
	return response{resp.StatusCode, resp.Header, data}
}

// jsonPath reads a string or number at a dotted path of a JSON document.
func jsonPath(data []byte, path string) (string, error) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return "", err
	}
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i >= len(x) {
				return "", fmt.Errorf("no element %s", p)
			}
			v = x[i]
		default:
			return "", fmt.Errorf("no %s in %T", p, v)
		}
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	}
	return "", fmt.Errorf("%s is %T", path, v)
}

// transcriptHeaders are the response headers a transcript records.
var transcriptHeaders = []string{"Content-Type", "Retry-After", "Www-Authenticate", "X-Publish-Attempted", "X-Publish-Succeeded", "X-Publish-Error"}

// run runs the steps in order and compares their transcript with
// testdata/golden (rewritten with -update). The status of each step is
// checked as it runs.
func run(t *testing.T, f *fixture, golden string, steps []step) {
	t.Helper()
	var out bytes.Buffer
	seen := map[string]bool{}
	for _, s := range steps {
		if seen[s.name] {
			t.Fatalf("two steps are named %q", s.name)
		}
		seen[s.name] = true
		r := f.do(t, s)
		if r.status != s.status {
			t.Errorf("%s: %s %s: status %d, want %d; body %s", s.name, s.method, f.expand(s.path), r.status, s.status, r.body)
		}
		fmt.Fprintf(&out, "### %s\n> %s %s\n", s.name, s.method, s.path)
		if s.body != "" && len(s.body) < 300 {
			fmt.Fprintf(&out, "> %s\n", strings.NewReplacer("\n", `\n`, "\t", `\t`).Replace(s.body))
		}
		fmt.Fprintf(&out, "< %d\n", r.status)
		var hs []string
		for _, h := range transcriptHeaders {
			if v := r.header.Get(h); v != "" {
				hs = append(hs, "< "+strings.ToLower(h)+": "+v)
			}
		}
		sort.Strings(hs)
		for _, h := range hs {
			fmt.Fprintln(&out, h)
		}
		fmt.Fprintf(&out, "%s\n\n", r.body)
	}
	path := filepath.Join("testdata", golden)
	if *update {
		if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), out.String()); diff != "" {
		t.Errorf("transcript differs from %s (-want +got):\n%s", path, diff)
	}
}

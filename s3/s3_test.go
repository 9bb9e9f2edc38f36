package s3_test

import (
	"context"
	"crypto/md5"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/s3"
	"github.com/minio/minio-go/v7"
)

var quiet = slog.New(slog.DiscardHandler)

// snapshot is a published snapshot (doc.go's "Published snapshots") of the given version: at
// version 1 every user gets control, from version 2 on treatment, whose
// payload names the version.
func snapshot(env string, version int) string {
	control, treatment := 9999, -1
	if version >= 2 {
		control, treatment = -1, 9999
	}
	return fmt.Sprintf(`{"version": %d, "environment": %q, "publishedAt": "2026-02-20T12:00:00.000Z",
 "experiments": [{"id": "exp-42", "key": "checkout-button-color", "salt": "6f1c0e1a",
   "audienceRules": [], "targetingRules": [{"conditions": [{"attribute": "country", "operator": "neq", "value": "AQ"}]}],
   "variants": [{"id": "var-1", "key": "control", "payload": {"color": "#0066cc"}},
                {"id": "var-2", "key": "treatment", "payload": {"color": "#00cc%02d"}}],
   "allocations": [{"variantId": "var-1", "rangeStart": 0, "rangeEnd": %d},
                   {"variantId": "var-2", "rangeStart": 0, "rangeEnd": %d}]}]}`,
		version, env, version, control, treatment)
}

// yamlConfig is a YAML config that assigns as snapshot(_, version) does.
func yamlConfig(version int) string {
	variant, color := "control", "#0066cc"
	if version >= 2 {
		variant, color = "treatment", fmt.Sprintf("#00cc%02d", version)
	}
	return fmt.Sprintf(`version: %d
experiments:
  checkout-button-color:
    variants:
      %s:
        allocation: 0-100%%
        payload: {color: "%s"}
`, version, variant, color)
}

// assignment is what a user gets from checkout-button-color.
type assignment struct {
	Version int64
	Feature string
	Payload string
}

func assigned(l *experiment.Live) assignment {
	c := experiment.ContextFor("user-42")
	return assignment{l.Version(), l.Feature("checkout-button-color", c), string(l.Payload("checkout-button-color", c))}
}

// want is the assignment of snapshot and yamlConfig at version.
func want(version int) assignment {
	if version < 2 {
		return assignment{int64(version), "control", `{"color":"#0066cc"}`}
	}
	return assignment{int64(version), "treatment", fmt.Sprintf(`{"color":"#00cc%02d"}`, version)}
}

// watch starts Watch on src, polling every 20ms, and returns the Live with
// a channel of the versions installed and one of the errors.
func watch(t *testing.T, src experiment.Source) (*experiment.Live, <-chan int64, <-chan error) {
	t.Helper()
	updates, errs := make(chan int64, 100), make(chan error, 100)
	live, err := experiment.Watch(t.Context(), src, &experiment.WatchOptions{
		Interval: 20 * time.Millisecond,
		Logger:   quiet,
		OnUpdate: func(_, new *experiment.Ruleset) { updates <- new.Version() },
		OnError: func(err error) {
			select {
			case errs <- err:
			default:
			}
		},
	})
	if err != nil {
		t.Fatalf("Watch(%v): %v", src, err)
	}
	t.Cleanup(func() { live.Close() })
	return live, updates, errs
}

// awaitVersion waits until version is installed.
func awaitVersion(t *testing.T, updates <-chan int64, errs <-chan error, version int64) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case v := <-updates:
			if v == version {
				return
			}
			if v > version {
				t.Fatalf("version %d installed while waiting for %d", v, version)
			}
		case err := <-errs:
			t.Fatalf("reload failed while waiting for version %d: %v", version, err)
		case <-timeout:
			t.Fatalf("version %d not installed after 30s", version)
		}
	}
}

// TestSnapshotsWatch publishes versions 1, 2 and 3 the way the platform
// does, in both of its layouts, and checks that a Live watching Snapshots
// installs each and assigns as each says. The Region is left to be looked
// up.
func TestSnapshotsWatch(t *testing.T) {
	for _, layout := range []string{"snapshots/latest.json", "latest.json"} {
		t.Run(layout, func(t *testing.T) {
			st := newStore(t)
			st.publish("prod", 1, layout)
			src, err := s3.Snapshots("configs/prod", st.options())
			if err != nil {
				t.Fatal(err)
			}
			live, updates, errs := watch(t, src)
			if got := live.Env(); got != "prod" {
				t.Errorf("Env() = %q, want prod", got)
			}
			if diff := cmp.Diff(want(1), assigned(live)); diff != "" {
				t.Errorf("version 1 (-want +got):\n%s", diff)
			}
			for v := 2; v <= 3; v++ {
				st.publish("prod", v, layout)
				awaitVersion(t, updates, errs, int64(v))
				if diff := cmp.Diff(want(v), assigned(live)); diff != "" {
					t.Errorf("version %d (-want +got):\n%s", v, diff)
				}
			}
			if s := live.Status(); s.LastError != nil || s.Source != "s3://"+st.bucket+"/configs/prod/" {
				t.Errorf("Status() = %+v, want no error and source s3://%s/configs/prod/", s, st.bucket)
			}
		})
	}
}

// TestSnapshotsConditional fetches a Snapshots source step by step and
// counts the GETs of each object by status: an unchanged version.json costs
// a 304 and latest.json is not downloaded again (it may even be gone); a
// version.json ahead of a stale latest.json installs nothing until the
// snapshot is replaced; a broken version.json is an error.
func TestSnapshotsConditional(t *testing.T) {
	st := newStore(t)
	log := newRequestLog(st.bucket)
	opts := st.options()
	opts.Region, opts.Transport = "us-east-1", log
	src, err := s3.Snapshots("configs/prod/", opts)
	if err != nil {
		t.Fatal(err)
	}
	const (
		version = "configs/prod/version.json"
		latest  = "configs/prod/snapshots/latest.json"
	)
	steps := []struct {
		name    string
		change  func()
		want    int    // the snapshot version returned; 0 for ErrNotModified
		wantErr string // a part of the error, if one is wanted
		gets    map[string]int
	}{{
		name:   "first fetch",
		change: func() { st.publish("prod", 1, "snapshots/latest.json") },
		want:   1,
		gets:   map[string]int{version + " 200": 1, latest + " 200": 1},
	}, {
		name: "unchanged",
		gets: map[string]int{version + " 200": 1, version + " 304": 1, latest + " 200": 1},
	}, {
		name:   "unchanged, latest.json deleted",
		change: func() { st.remove(latest) },
		gets:   map[string]int{version + " 200": 1, version + " 304": 2, latest + " 200": 1},
	}, {
		// The platform rewrites objects with the same bytes: same ETag.
		name:   "latest.json put back, version.json rewritten with the same version",
		change: func() { st.put(latest, snapshot("prod", 1)); st.put(version, `{"version": 1, "by": "ci"}`) },
		gets:   map[string]int{version + " 200": 2, version + " 304": 2, latest + " 200": 1},
	}, {
		name:   "version.json ahead of a stale latest.json, which is not downloaded again",
		change: func() { st.put(version, `{"version": 2}`) },
		gets:   map[string]int{version + " 200": 3, version + " 304": 2, latest + " 200": 1, latest + " 304": 1},
	}, {
		name: "still stale",
		gets: map[string]int{version + " 200": 3, version + " 304": 3, latest + " 200": 1, latest + " 304": 2},
	}, {
		// version.json has the same bytes as in the last step: a 304,
		// and the version it said then.
		name:   "version 2 published",
		change: func() { st.publish("prod", 2, "snapshots/latest.json") },
		want:   2,
		gets:   map[string]int{version + " 200": 3, version + " 304": 4, latest + " 200": 2, latest + " 304": 2},
	}, {
		name:    "broken version.json",
		change:  func() { st.put(version, `{"v": 3}`) },
		wantErr: `s3: s3://` + st.bucket + `/configs/prod/version.json: no "version" number`,
		gets:    map[string]int{version + " 200": 4, version + " 304": 4, latest + " 200": 2, latest + " 304": 2},
	}, {
		name:    "missing version.json",
		change:  func() { st.remove(version) },
		wantErr: `s3: GET s3://` + st.bucket + `/configs/prod/version.json: NoSuchKey: The specified key does not exist.`,
		gets:    map[string]int{version + " 200": 4, version + " 304": 4, version + " 404": 1, latest + " 200": 2, latest + " 304": 2},
	}, {
		name:   "version 3 published",
		change: func() { st.publish("prod", 3, "snapshots/latest.json") },
		want:   3,
		gets:   map[string]int{version + " 200": 5, version + " 304": 4, version + " 404": 1, latest + " 200": 3, latest + " 304": 2},
	}}
	for _, step := range steps {
		if step.change != nil {
			step.change()
		}
		data, err := src.Fetch(t.Context())
		switch {
		case step.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), step.wantErr) {
				t.Errorf("%s: Fetch error = %v, want one containing %q", step.name, err, step.wantErr)
			}
		case step.want == 0:
			if !errors.Is(err, experiment.ErrNotModified) {
				t.Errorf("%s: Fetch = %.40q, %v; want ErrNotModified", step.name, data, err)
			}
		case err != nil:
			t.Errorf("%s: Fetch: %v", step.name, err)
		default:
			if diff := cmp.Diff(snapshot("prod", step.want), string(data)); diff != "" {
				t.Errorf("%s: Fetch returned (-want +got):\n%s", step.name, diff)
			}
		}
		if diff := cmp.Diff(step.gets, log.counts()); diff != "" {
			t.Errorf("%s: GETs by status so far (-want +got):\n%s", step.name, diff)
		}
	}
}

// swappable is a Source that delegates to another, which the test swaps.
type swappable struct {
	cur atomic.Pointer[experiment.Source]
}

func (s *swappable) Fetch(ctx context.Context) ([]byte, error) { return (*s.cur.Load()).Fetch(ctx) }
func (s *swappable) set(src experiment.Source)                 { s.cur.Store(&src) }
func (s *swappable) String() string                            { return fmt.Sprint(*s.cur.Load()) }

// TestWrongCredentials loads version 1 with good credentials, then reloads
// version 2 with wrong ones: the reload fails with an error that names the
// object and the store's error code, and the Live keeps version 1.
func TestWrongCredentials(t *testing.T) {
	tests := []struct {
		name     string
		id       string
		secret   string
		token    string
		wantCode string
		wantMsg  string
	}{
		{name: "wrong secret", id: rootUser, secret: "not-the-secret", wantCode: "SignatureDoesNotMatch",
			wantMsg: "SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided."},
		{name: "unknown access key", id: "nobody", secret: "whatever-secret", wantCode: "InvalidAccessKeyId",
			wantMsg: "InvalidAccessKeyId: The Access Key Id you provided does not exist in our records."},
		{name: "bogus session token", id: rootUser, secret: rootPassword, token: "not-a-token", wantCode: "InvalidTokenId",
			wantMsg: "InvalidTokenId: The security token included in the request is invalid"},
	}
	st := newStore(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prefix := strings.ReplaceAll(tc.name, " ", "-")
			st.publish(prefix, 1, "snapshots/latest.json")
			good, err := s3.Snapshots("configs/"+prefix+"/", st.options())
			if err != nil {
				t.Fatal(err)
			}
			opts := st.options()
			opts.AccessKeyID, opts.SecretAccessKey, opts.SessionToken = tc.id, tc.secret, tc.token
			bad, err := s3.Snapshots("configs/"+prefix+"/", opts)
			if err != nil {
				t.Fatal(err)
			}
			var src swappable
			src.set(good)
			live, err := experiment.Watch(t.Context(), &src, &experiment.WatchOptions{Interval: time.Hour, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			defer live.Close()

			src.set(bad)
			st.publish(prefix, 2, "snapshots/latest.json")
			err = live.Reload(t.Context())
			var resp minio.ErrorResponse
			if !errors.As(err, &resp) || resp.Code != tc.wantCode {
				t.Fatalf("Reload error = %v, want one wrapping a minio.ErrorResponse with code %s", err, tc.wantCode)
			}
			wantObject := "s3: GET s3://" + st.bucket + "/configs/" + prefix + "/version.json: "
			if !strings.Contains(err.Error(), wantObject+tc.wantMsg) {
				t.Errorf("Reload error = %q, want it to contain %q", err, wantObject+tc.wantMsg)
			}
			if diff := cmp.Diff(want(1), assigned(live)); diff != "" {
				t.Errorf("after the failed reload (-want +got):\n%s", diff)
			}
			if got := live.Status().LastError; got != err {
				t.Errorf("Status().LastError = %v, want %v", got, err)
			}
		})
	}
}

// TestCredentialChain leaves the keys in Options empty and checks each link
// of the AWS chain: the environment, the shared credentials file with
// AWS_PROFILE, and container credentials (the IAM provider), in that order;
// and that with none, requests go anonymous and the error says so.
func TestCredentialChain(t *testing.T) {
	st := newStore(t)
	st.publish("prod", 1, "snapshots/latest.json")

	// An ECS-style credentials endpoint; AWS_CONTAINER_CREDENTIALS_FULL_URI
	// may name one on loopback.
	var roleHits atomic.Int32
	role := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		roleHits.Add(1)
		if r.URL.Path != "/role" {
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{
			"AccessKeyId":     rootUser,
			"SecretAccessKey": rootPassword,
			"Token":           "",
			"Expiration":      time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		})
	}))
	defer role.Close()

	credsFile := filepath.Join(t.TempDir(), "credentials")
	err := os.WriteFile(credsFile, []byte(fmt.Sprintf(`[default]
aws_access_key_id = nobody
aws_secret_access_key = whatever-secret

[ci]
aws_access_key_id = %s
aws_secret_access_key = %s
`, rootUser, rootPassword)), 0o600)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		env       map[string]string
		wantErr   string // a part of the error; "" for success
		wantRoles int32  // requests to the credentials endpoint
	}{{
		name: "environment",
		env:  map[string]string{"AWS_ACCESS_KEY_ID": rootUser, "AWS_SECRET_ACCESS_KEY": rootPassword},
	}, {
		name: "shared credentials file and AWS_PROFILE",
		env:  map[string]string{"AWS_SHARED_CREDENTIALS_FILE": credsFile, "AWS_PROFILE": "ci"},
	}, {
		name:      "container credentials",
		env:       map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": role.URL + "/role"},
		wantRoles: 1,
	}, {
		name: "environment before the file",
		env: map[string]string{"AWS_ACCESS_KEY_ID": "nobody", "AWS_SECRET_ACCESS_KEY": "whatever-secret",
			"AWS_SHARED_CREDENTIALS_FILE": credsFile, "AWS_PROFILE": "ci"},
		wantErr: "InvalidAccessKeyId",
	}, {
		name:      "none: anonymous",
		env:       map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": role.URL + "/no-role"},
		wantErr:   "version.json: AccessDenied: Access Denied. (no credentials were found, so the request was anonymous",
		wantRoles: 1,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			isolateAWSEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			roleHits.Store(0)
			opts := st.options()
			opts.AccessKeyID, opts.SecretAccessKey = "", ""
			src, err := s3.Snapshots("configs/prod/", opts)
			if err != nil {
				t.Fatal(err)
			}
			live, err := experiment.Watch(t.Context(), src, &experiment.WatchOptions{Interval: time.Hour, Logger: quiet})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Watch: %v", err)
				}
				defer live.Close()
				if diff := cmp.Diff(want(1), assigned(live)); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Watch error = %v, want one containing %q", err, tc.wantErr)
			}
			// The anonymous chain asks again on each request: at least one.
			if got := roleHits.Load(); (got == 0) != (tc.wantRoles == 0) {
				t.Errorf("credentials endpoint asked %d times, want %d", got, tc.wantRoles)
			}
		})
	}
}

// isolateAWSEnv clears the environment the AWS credential chain reads, for
// the rest of the test, so that it finds nothing unless the test sets it.
func isolateAWSEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY", "AWS_SECRET_KEY",
		"AWS_PROFILE", "AWS_REGION", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	} {
		t.Setenv(k, "")
	}
	dir := t.TempDir()
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "no-credentials"))
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "no-config"))
}

// TestSnapshotsAnonymous reads a public prefix with no credentials at all:
// requests go out anonymous, which the bucket's policy allows there.
func TestSnapshotsAnonymous(t *testing.T) {
	st := newStore(t)
	policy := fmt.Sprintf(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ["*"]},
		"Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::%s/configs/public/*"]}]}`, st.bucket)
	if err := st.admin.SetBucketPolicy(t.Context(), st.bucket, policy); err != nil {
		t.Fatal(err)
	}
	st.publish("public", 1, "latest.json")
	isolateAWSEnv(t)
	role := httptest.NewServer(http.NotFoundHandler()) // no role either
	defer role.Close()
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", role.URL)

	src, err := s3.Snapshots("configs/public/", s3.Options{Endpoint: st.endpoint, Insecure: true, Region: "us-east-1", Bucket: st.bucket})
	if err != nil {
		t.Fatal(err)
	}
	live, updates, errs := watch(t, src)
	if diff := cmp.Diff(want(1), assigned(live)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	st.publish("public", 2, "latest.json")
	awaitVersion(t, updates, errs, 2)
	if diff := cmp.Diff(want(2), assigned(live)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestSnapshotsWithoutListBucket checks the fallback to latest.json when
// snapshots/latest.json is AccessDenied, as Amazon S3 answers for a missing
// object to a caller without s3:ListBucket. MinIO answers NoSuchKey, so a
// stand-in for S3 serves the objects here.
func TestSnapshotsWithoutListBucket(t *testing.T) {
	objects := map[string]string{
		"/bucket/configs/prod/version.json": `{"version": 1}`,
		"/bucket/configs/prod/latest.json":  snapshot("prod", 1),
	}
	var (
		mu     sync.Mutex // guards objects
		denied atomic.Int32
	)
	aws := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		body, ok := objects[r.URL.Path]
		mu.Unlock()
		if !ok {
			denied.Add(1)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>1</RequestId></Error>`)
			return
		}
		w.Header().Set("ETag", fmt.Sprintf(`"%x"`, md5.Sum([]byte(body))))
		w.Header().Set("Last-Modified", "Fri, 20 Feb 2026 12:00:00 GMT")
		fmt.Fprint(w, body)
	}))
	defer aws.Close()
	opts := s3.Options{Endpoint: strings.TrimPrefix(aws.URL, "http://"), Insecure: true, Region: "us-east-1",
		Bucket: "bucket", AccessKeyID: "id", SecretAccessKey: "secret"}
	src, err := s3.Snapshots("configs/prod/", opts)
	if err != nil {
		t.Fatal(err)
	}
	data, err := src.Fetch(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(snapshot("prod", 1), string(data)); diff != "" {
		t.Errorf("Fetch (-want +got):\n%s", diff)
	}
	if n := denied.Load(); n != 1 {
		t.Errorf("%d requests denied, want 1 (snapshots/latest.json)", n)
	}

	// With latest.json missing too, the error names both.
	mu.Lock()
	delete(objects, "/bucket/configs/prod/latest.json")
	objects["/bucket/configs/prod/version.json"] = `{"version": 2}`
	mu.Unlock()
	_, err = src.Fetch(t.Context())
	wantErr := "s3: GET s3://bucket/configs/prod/snapshots/latest.json: AccessDenied: Access Denied; " +
		"s3: GET s3://bucket/configs/prod/latest.json: AccessDenied: Access Denied"
	if err == nil || err.Error() != wantErr {
		t.Errorf("Fetch error = %v, want %q", err, wantErr)
	}
}

// TestObject polls one config object, a YAML config or a snapshot: the
// first Fetch returns it, an unchanged one is ErrNotModified at the cost
// of a 304, a changed one is returned, and a Live picks up each change.
func TestObject(t *testing.T) {
	tests := []struct {
		name string
		key  string
		body func(version int) string
	}{
		{name: "YAML config", key: "experiments.yaml", body: yamlConfig},
		{name: "snapshot", key: "configs/prod/snapshots/latest.json", body: func(v int) string { return snapshot("prod", v) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t)
			log := newRequestLog(st.bucket)
			opts := st.options()
			opts.Transport = log
			src, err := s3.Object(tc.key, opts)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := fmt.Sprint(src), "s3://"+st.bucket+"/"+tc.key; got != want {
				t.Errorf("String() = %q, want %q", got, want)
			}
			st.put(tc.key, tc.body(1))
			fetch := func(want string) {
				t.Helper()
				data, err := src.Fetch(t.Context())
				if want == "" {
					if !errors.Is(err, experiment.ErrNotModified) {
						t.Errorf("Fetch = %.40q, %v; want ErrNotModified", data, err)
					}
					return
				}
				if err != nil {
					t.Fatalf("Fetch: %v", err)
				}
				if diff := cmp.Diff(want, string(data)); diff != "" {
					t.Errorf("Fetch (-want +got):\n%s", diff)
				}
			}
			fetch(tc.body(1))
			fetch("")
			fetch("")
			st.put(tc.key, tc.body(2))
			fetch(tc.body(2))
			fetch("")
			wantGets := map[string]int{tc.key + " 200": 2, tc.key + " 304": 3}
			if diff := cmp.Diff(wantGets, log.counts()); diff != "" {
				t.Errorf("GETs by status (-want +got):\n%s", diff)
			}

			// A Live on a second source picks up each change.
			src2, err := s3.Object(tc.key, st.options())
			if err != nil {
				t.Fatal(err)
			}
			live, updates, errs := watch(t, src2)
			if diff := cmp.Diff(want(2), assigned(live)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			st.put(tc.key, tc.body(3))
			awaitVersion(t, updates, errs, 3)
			if diff := cmp.Diff(want(3), assigned(live)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestObjectErrors checks the failures of an Object fetch: each names the
// object, keeps the ETag of the last good body, and a Live keeps serving
// its last good config through them.
func TestObjectErrors(t *testing.T) {
	st := newStore(t)
	const key = "experiments.yaml"
	tests := []struct {
		name     string
		opts     func(*s3.Options)
		object   string // the object's new body; "" removes it
		wantIs   error
		wantCode string
		wantErr  string
		again    bool // whether a second Reload fails again
	}{{
		name:     "missing object",
		wantCode: minio.NoSuchKey,
		wantErr:  "s3: GET s3://" + st.bucket + "/" + key + ": NoSuchKey: The specified key does not exist.",
		again:    true,
	}, {
		name:     "missing bucket",
		opts:     func(o *s3.Options) { o.Bucket = "no-such-bucket" },
		object:   yamlConfig(2),
		wantCode: minio.NoSuchBucket,
		wantErr:  "s3: GET s3://no-such-bucket/" + key + ": NoSuchBucket: The specified bucket does not exist",
		again:    true,
	}, {
		name:    "over MaxBytes",
		opts:    func(o *s3.Options) { o.MaxBytes = 64 },
		object:  yamlConfig(2),
		wantIs:  experiment.ErrTooLarge,
		wantErr: fmt.Sprintf("s3: GET s3://%s/%s: config too large: %d bytes, over the limit of 64", st.bucket, key, len(yamlConfig(2))),
		again:   true,
	}, {
		name:    "not a config",
		object:  "experiments: [",
		wantIs:  experiment.ErrSyntax,
		wantErr: "experiment: s3://" + st.bucket + "/" + key + ":",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st.put(key, yamlConfig(1))
			opts := st.options()
			if tc.opts != nil {
				tc.opts(&opts)
			}
			good, err := s3.Object(key, st.options())
			if err != nil {
				t.Fatal(err)
			}
			src, err := s3.Object(key, opts)
			if err != nil {
				t.Fatal(err)
			}
			var sw swappable
			sw.set(good)
			live, err := experiment.Watch(t.Context(), &sw, &experiment.WatchOptions{Interval: time.Hour, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			defer live.Close()
			sw.set(src)
			if tc.object == "" {
				st.remove(key)
			} else {
				st.put(key, tc.object)
			}

			err = live.Reload(t.Context())
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Reload error = %v, want one containing %q", err, tc.wantErr)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("Reload error = %v, want one wrapping %v", err, tc.wantIs)
			}
			var resp minio.ErrorResponse
			if tc.wantCode != "" && (!errors.As(err, &resp) || resp.Code != tc.wantCode) {
				t.Errorf("Reload error = %v, want one wrapping a minio.ErrorResponse with code %s", err, tc.wantCode)
			}
			if diff := cmp.Diff(want(1), assigned(live)); diff != "" {
				t.Errorf("after the failed reload (-want +got):\n%s", diff)
			}
			// A failed fetch remembers no ETag, so it is tried in full
			// again; a broken config that was read is not parsed again
			// until it changes: the source answers "not modified", and
			// Reload returns the standing failure itself, which Status
			// keeps.
			err2 := live.Reload(t.Context())
			if tc.again && (err2 == nil || err2.Error() != err.Error()) {
				t.Errorf("second Reload error = %v, want %v again", err2, err)
			}
			if !tc.again && (err2 != err || live.Status().LastError != err) {
				t.Errorf("second Reload error = %v, Status().LastError = %v; want the same error %v for both", err2, live.Status().LastError, err)
			}
		})
	}
}

// TestTimeout points a source at a server that never answers: the fetch
// fails after Options.Timeout and says so.
func TestTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c) // read nothing, answer nothing
		}
	}()
	src, err := s3.Object("k.yaml", s3.Options{Endpoint: l.Addr().String(), Insecure: true, Region: "us-east-1",
		Bucket: "bucket", AccessKeyID: "id", SecretAccessKey: "secret", Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = src.Fetch(t.Context())
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Fetch took %v with a timeout of 200ms", elapsed)
	}
	const wantErr = "s3: GET s3://bucket/k.yaml: no answer within the timeout of 200ms: "
	if err == nil || !strings.HasPrefix(err.Error(), wantErr) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Fetch error = %v, want one starting %q and wrapping context.DeadlineExceeded", err, wantErr)
	}
}

// TestOptions checks the checks of Object and Snapshots, which make no
// request, and the names of the sources.
func TestOptions(t *testing.T) {
	ok := s3.Options{Bucket: "bkt"}
	tests := []struct {
		name     string
		src      func() (experiment.Source, error)
		wantName string
		wantErr  string
	}{
		{name: "object", src: func() (experiment.Source, error) { return s3.Object("dir/k.yaml", ok) }, wantName: "s3://bkt/dir/k.yaml"},
		{name: "snapshots", src: func() (experiment.Source, error) { return s3.Snapshots("configs/prod/", ok) }, wantName: "s3://bkt/configs/prod/"},
		{name: "snapshots, no final slash", src: func() (experiment.Source, error) { return s3.Snapshots("configs/prod", ok) }, wantName: "s3://bkt/configs/prod/"},
		{name: "snapshots at the root", src: func() (experiment.Source, error) { return s3.Snapshots("", ok) }, wantName: "s3://bkt/"},
		{name: "static keys", src: func() (experiment.Source, error) {
			return s3.Object("k", s3.Options{Bucket: "bkt", AccessKeyID: "id", SecretAccessKey: "secret", SessionToken: "t"})
		}, wantName: "s3://bkt/k"},
		{name: "endpoint with a port", src: func() (experiment.Source, error) {
			return s3.Object("k", s3.Options{Bucket: "bkt", Endpoint: "minio.internal:9000", Insecure: true})
		}, wantName: "s3://bkt/k"},
		{name: "no bucket", src: func() (experiment.Source, error) { return s3.Object("k", s3.Options{}) },
			wantErr: "s3: Options.Bucket is required"},
		{name: "no bucket for snapshots", src: func() (experiment.Source, error) { return s3.Snapshots("p/", s3.Options{}) },
			wantErr: "s3: Options.Bucket is required"},
		{name: "bad bucket name", src: func() (experiment.Source, error) { return s3.Object("k", s3.Options{Bucket: "b"}) },
			wantErr: `s3: Options.Bucket "b": Bucket name cannot be shorter than 3 characters`},
		{name: "session token without keys", src: func() (experiment.Source, error) {
			return s3.Object("k", s3.Options{Bucket: "bucket", SessionToken: "t"})
		}, wantErr: "s3: Options.SessionToken needs Options.AccessKeyID and Options.SecretAccessKey"},
		{name: "no key", src: func() (experiment.Source, error) { return s3.Object("", ok) },
			wantErr: "s3: Object needs a key"},
		{name: "access key without secret", src: func() (experiment.Source, error) {
			return s3.Object("k", s3.Options{Bucket: "bkt", AccessKeyID: "id"})
		}, wantErr: "s3: set both Options.AccessKeyID and Options.SecretAccessKey, or neither"},
		{name: "secret without access key", src: func() (experiment.Source, error) {
			return s3.Object("k", s3.Options{Bucket: "bkt", SecretAccessKey: "secret"})
		}, wantErr: "s3: set both Options.AccessKeyID and Options.SecretAccessKey, or neither"},
		{name: "endpoint with a scheme", src: func() (experiment.Source, error) {
			return s3.Object("k", s3.Options{Bucket: "bkt", Endpoint: "http://localhost:9000"})
		}, wantErr: `s3: Options.Endpoint "http://localhost:9000" must be a host[:port], with no scheme or path`},
		{name: "endpoint with a path", src: func() (experiment.Source, error) {
			return s3.Object("k", s3.Options{Bucket: "bkt", Endpoint: "localhost:9000/minio"})
		}, wantErr: `s3: Options.Endpoint "localhost:9000/minio" must be a host[:port]`},
		{name: "bad endpoint", src: func() (experiment.Source, error) {
			return s3.Object("k", s3.Options{Bucket: "bkt", Endpoint: "bad host"})
		}, wantErr: "s3: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src, err := tc.src()
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Errorf("error = %v, want one starting %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(src); got != tc.wantName {
				t.Errorf("String() = %q, want %q", got, tc.wantName)
			}
		})
	}
}

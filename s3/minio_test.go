package s3_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inprocess/experiment/s3"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// The tests run against a real MinIO server on loopback, started on first
// use by minioServer and stopped by TestMain.

// minioVersion is the server that .ci/run installs.
const minioVersion = "v0.0.0-20260212201848-7aac2a2c5b7c"

// The server's root credentials.
const (
	rootUser     = "experiment-root"
	rootPassword = "experiment-root-secret"
)

var server struct {
	once     sync.Once
	endpoint string // host:port
	skip     string // why there is no server to run
	err      error  // why the server did not start

	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
	dir    string
	out    syncBuffer // the server's output, for failures
}

func TestMain(m *testing.M) {
	code := m.Run()
	stopMinIO()
	os.Exit(code)
}

// minioServer returns the endpoint of the MinIO server, starting it on the
// first call. It skips the test when there is no minio binary.
func minioServer(t *testing.T) string {
	t.Helper()
	server.once.Do(startMinIO)
	if server.skip != "" {
		t.Skip(server.skip)
	}
	if server.err != nil {
		t.Fatal(server.err)
	}
	return server.endpoint
}

func startMinIO() {
	bin := os.Getenv("MINIO_BIN")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("minio"); err != nil {
			server.skip = "no MinIO server to test against: set MINIO_BIN to a minio binary or put minio on PATH; " +
				"install it with: go install github.com/minio/minio@" + minioVersion + " (as .ci/run does)"
			return
		}
	} else if _, err := os.Stat(bin); err != nil {
		server.err = fmt.Errorf("MINIO_BIN: %w", err)
		return
	}
	dir, err := os.MkdirTemp("", "experiment-s3-minio-")
	if err != nil {
		server.err = err
		return
	}
	server.dir = dir
	// A port picked free can be taken before the server binds it: try again.
	for range 3 {
		if server.err = launch(bin, dir); server.err == nil {
			return
		}
	}
}

// launch starts the server and waits until it is ready.
func launch(bin, dir string) error {
	addr, console := freeAddr(), freeAddr()
	cmd := exec.Command(bin, "server", filepath.Join(dir, "data"),
		"--address", addr, "--console-address", console,
		"--certs-dir", filepath.Join(dir, "certs"), "--quiet")
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+rootUser,
		"MINIO_ROOT_PASSWORD="+rootPassword,
		"MINIO_UPDATE=off",
		"MINIO_BROWSER=off",
	)
	server.out.Reset()
	cmd.Stdout, cmd.Stderr = &server.out, &server.out
	killWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", bin, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	server.cmd, server.exited = cmd, exited

	deadline := time.Now().Add(60 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("minio server exited before it was ready (%v):\n%s", cmd.ProcessState, server.out.String())
		default:
		}
		resp, err := client.Get("http://" + addr + "/minio/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				server.endpoint = addr
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	killMinIO()
	return fmt.Errorf("minio server not ready after 60s:\n%s", server.out.String())
}

// stopMinIO stops the server and removes its files.
func stopMinIO() {
	killMinIO()
	if server.dir != "" {
		_ = os.RemoveAll(server.dir)
	}
}

// killMinIO kills the server and waits for it to exit.
func killMinIO() {
	if server.cmd != nil {
		_ = server.cmd.Process.Kill()
		<-server.exited
		server.cmd = nil
	}
}

// freeAddr returns a loopback address with a port that was free.
func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// syncBuffer is a bytes.Buffer that the server's output goroutines and the
// tests can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func (b *syncBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b.Reset()
}

// store is a bucket of the server, with the root client that writes to it
// as the platform does.
type store struct {
	t        *testing.T
	endpoint string
	bucket   string
	admin    *minio.Client
}

// newStore creates a bucket for the test, named after it.
func newStore(t *testing.T) *store {
	t.Helper()
	endpoint := minioServer(t)
	admin, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(rootUser, rootPassword, "")})
	if err != nil {
		t.Fatal(err)
	}
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return '-'
	}, t.Name())
	name = strings.Trim(fmt.Sprintf("%.50s-%d", name, time.Now().UnixNano()%1e9), "-")
	if err := admin.MakeBucket(t.Context(), name, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("creating bucket %s: %v", name, err)
	}
	return &store{t: t, endpoint: endpoint, bucket: name, admin: admin}
}

// options returns Options for the bucket with the root credentials.
func (s *store) options() s3.Options {
	return s3.Options{Endpoint: s.endpoint, Insecure: true, Bucket: s.bucket, AccessKeyID: rootUser, SecretAccessKey: rootPassword}
}

func (s *store) put(key, body string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := s.admin.PutObject(ctx, s.bucket, key, strings.NewReader(body), int64(len(body)),
		minio.PutObjectOptions{ContentType: "application/json"})
	if err != nil {
		s.t.Fatalf("putting %s: %v", key, err)
	}
}

func (s *store) remove(key string) {
	s.t.Helper()
	if err := s.admin.RemoveObject(context.Background(), s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		s.t.Fatalf("removing %s: %v", key, err)
	}
}

// publish writes snapshot version of env under configs/ENV/ the way the
// platform does: the numbered snapshot, then the latest one at layout
// ("snapshots/latest.json", or "latest.json" as older platforms do), then
// version.json.
func (s *store) publish(env string, version int, layout string) {
	s.t.Helper()
	dir := "configs/" + env + "/"
	snap := snapshot(env, version)
	s.put(dir+fmt.Sprintf("snapshots/%d.json", version), snap)
	s.put(dir+layout, snap)
	s.put(dir+"version.json", fmt.Sprintf(`{"version": %d}`, version))
}

// requestLog is a Transport that counts the GETs of each object by status,
// as "KEY STATUS", so that tests see which bodies were downloaded.
type requestLog struct {
	bucket string
	mu     sync.Mutex
	n      map[string]int
}

func newRequestLog(bucket string) *requestLog {
	return &requestLog{bucket: bucket, n: map[string]int{}}
}

func (l *requestLog) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	key, ok := strings.CutPrefix(req.URL.Path, "/"+l.bucket+"/")
	if err == nil && req.Method == http.MethodGet && ok && req.URL.RawQuery == "" {
		l.mu.Lock()
		l.n[fmt.Sprintf("%s %d", key, resp.StatusCode)]++
		l.mu.Unlock()
	}
	return resp, err
}

// counts returns a copy of the counts so far.
func (l *requestLog) counts() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := make(map[string]int, len(l.n))
	for k, v := range l.n {
		m[k] = v
	}
	return m
}

package publish_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/inprocess/experiment/internal/wire"
	"github.com/inprocess/experiment/platform/internal/publish"
	"github.com/inprocess/experiment/platform/internal/store"
	"github.com/inprocess/experiment/platform/internal/storetest"
)

// These tests publish to a real MinIO server on loopback when MINIO_BIN
// names a minio binary (as for the s3 module's tests), and skip otherwise.

const (
	minioUser     = "platform-root"
	minioPassword = "platform-root-secret"
)

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

// startMinIO starts a server for the test and returns its host:port.
func startMinIO(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("MINIO_BIN")
	if bin == "" {
		t.Skip("no MinIO server to test against: set MINIO_BIN to a minio binary (.ci/run builds one)")
	}
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	console := cl.Addr().String()
	cl.Close()
	var out syncBuffer
	cmd := exec.Command(bin, "server", filepath.Join(dir, "data"), "--address", addr, "--console-address", console,
		"--certs-dir", filepath.Join(dir, "certs"), "--quiet")
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+minioUser, "MINIO_ROOT_PASSWORD="+minioPassword, "MINIO_UPDATE=off", "MINIO_BROWSER=off")
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	client := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case <-exited:
			t.Fatalf("minio exited before it was ready:\n%s", out.String())
		default:
		}
		if resp, err := client.Get("http://" + addr + "/minio/health/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
	}
	t.Fatalf("minio not ready within 60s (a hang guard):\n%s", out.String())
	return ""
}

func TestMinIOPublishAndWatch(t *testing.T) {
	endpoint := startMinIO(t)
	ctx := context.Background()
	admin, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(minioUser, minioPassword, "")})
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.MakeBucket(ctx, "experiment-configs", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	b, err := publish.NewS3(publish.S3Options{Bucket: "experiment-configs", Prefix: "team", Endpoint: endpoint, Insecure: true,
		Region: "us-east-1", AccessKeyID: minioUser, SecretAccessKey: minioPassword})
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.Open(t, "sqlite", store.Options{})
	p := &publish.Publisher{Store: st, Bucket: b}
	env := runningEnv(t, st, "prod")
	watchVersions(t, b, "prod", func() {
		if _, err := p.Publish(ctx, env.ID); err != nil {
			t.Fatal(err)
		}
	})
	obj, err := admin.GetObject(ctx, "experiment-configs", "team/"+wire.VersionKey("prod"), minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(obj); err != nil {
		t.Fatal(err)
	}
	if buf.String() != `{"version":3}` {
		t.Errorf("team/configs/prod/version.json = %s, want {\"version\":3}", buf.String())
	}
	info, err := admin.StatObject(ctx, "experiment-configs", "team/"+wire.SnapshotKey("prod", 2), minio.StatObjectOptions{})
	if err != nil || info.ContentType != "application/json" {
		t.Errorf("snapshots/2.json: %v, content type %q; want application/json", err, info.ContentType)
	}
	got, err := b.Get(ctx, wire.LatestKey("prod"))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := wire.ParseVersion(got); v != 3 {
		t.Errorf("Get(latest.json) has version %v, want 3", v)
	}
	if _, err := b.Get(ctx, wire.LatestKey("nope")); err == nil {
		t.Error("Get of a missing key succeeded")
	}
	// A wrong secret fails the publish with the store's message.
	bad, _ := publish.NewS3(publish.S3Options{Bucket: "experiment-configs", Endpoint: endpoint, Insecure: true, Region: "us-east-1", AccessKeyID: minioUser, SecretAccessKey: "wrong"})
	_, err = (&publish.Publisher{Store: st, Bucket: bad}).Publish(ctx, env.ID)
	if err == nil {
		t.Fatal("publishing with a wrong secret succeeded")
	}
	t.Logf("publish error with a wrong secret: %v", err)
}

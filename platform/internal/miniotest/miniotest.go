// Package miniotest starts a real MinIO server on loopback for tests,
// from the binary MINIO_BIN names (as the s3 module's tests do).
package miniotest

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The server's root credentials.
const (
	User     = "platform-root"
	Password = "platform-root-secret"
)

type outBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *outBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *outBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Start starts a MinIO server for the test, stopped when it ends, and
// returns its host:port. It skips the test when MINIO_BIN is unset.
func Start(t testing.TB) string {
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
	var out outBuffer
	cmd := exec.Command(bin, "server", filepath.Join(dir, "data"), "--address", addr, "--console-address", console,
		"--certs-dir", filepath.Join(dir, "certs"), "--quiet")
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+User, "MINIO_ROOT_PASSWORD="+Password, "MINIO_UPDATE=off", "MINIO_BROWSER=off")
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

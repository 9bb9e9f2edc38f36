package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestFinding3FIFOAtStart starts experimentd with a FIFO (which no one
// writes) at one environment's config path: it must listen, serve the other
// environment, answer 503 JSON for this one, and exit promptly on SIGTERM.
// Before the fix it never listened and ignored SIGTERM.
func TestFinding3FIFOAtStart(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "prod.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	good := filepath.Join(dir, "staging.yaml")
	writeFile(t, good, fmt.Sprintf(prodYAML, 3))
	d := startDaemon(t, "-shutdown-timeout", "1s", "-config", "prod="+fifo, "-config", "staging="+good)

	waitLoaded(t, d.base, map[string]int64{"staging": 3})
	code, body := get(t, decideURL(d.base, "user_key", "u", "env", "prod"))
	if want := `{"error":"No config available for environment \"prod\""}`; code != http.StatusServiceUnavailable || body != want {
		t.Errorf("prod: %d %s; want 503 %s", code, body, want)
	}
	d.terminate(t)
	if d.err != nil {
		t.Errorf("exit: %v; want status 0\n%s", d.err, d.logText())
	}
	// Whether the source refused the FIFO or hung opening it, the shutdown
	// says what it left behind, if anything.
	t.Logf("sources left behind: %v", d.logged("experimentd: the environment's source did not stop within the shutdown timeout; exiting without it"))
}

// TestFinding3SIGTERMDuringBlockedFetch sends SIGTERM while a fetch is
// blocked: experimentd must exit within its shutdown timeout (here 1s; the
// test only fails past a hang guard) with status 0. Before the fix, a
// config file replaced by a FIFO kept it running after SIGTERM, waiting
// in Live.Close, and a URL that never answers kept it from listening.
func TestFinding3SIGTERMDuringBlockedFetch(t *testing.T) {
	t.Run("file replaced by a FIFO", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "prod.yaml")
		writeFile(t, path, fmt.Sprintf(prodYAML, 1))
		d := startDaemon(t, "-interval", "20ms", "-shutdown-timeout", "1s", "-config", "prod="+path)
		waitLoaded(t, d.base, map[string]int64{"prod": 1})
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mkfifo(path, 0o644); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		// Wait (a bounded while) for a poll to block opening the FIFO. A
		// source that refuses FIFOs never blocks; the test goes on then.
		blocked := false
		for deadline := time.Now().Add(3 * time.Second); !blocked && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			blocked = blockedOnFIFO(d.cmd.Process.Pid)
		}
		t.Logf("a poll blocked opening the FIFO: %v", blocked)
		if code, _ := get(t, decideURL(d.base, "user_key", "u", "env", "prod")); code != http.StatusOK {
			t.Errorf("decide during the blocked fetch: %d; want 200 from the last good config", code)
		}
		d.terminate(t)
		if d.err != nil {
			t.Errorf("exit: %v; want status 0\n%s", d.err, d.logText())
		}
	})
	t.Run("URL that never answers", func(t *testing.T) {
		release := make(chan struct{})
		hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		t.Cleanup(hung.Close)
		t.Cleanup(func() { close(release) })
		d := startDaemon(t, "-fetch-timeout", "1h", "-shutdown-timeout", "1s", "-config", "prod="+hung.URL+"/prod.yaml")
		if code, body := get(t, decideURL(d.base, "user_key", "u", "env", "prod")); code != http.StatusServiceUnavailable {
			t.Errorf("decide during the first fetch: %d %s; want 503", code, body)
		}
		d.terminate(t)
		if d.err != nil {
			t.Errorf("exit: %v; want status 0\n%s", d.err, d.logText())
		}
	})
}

//go:build unix

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The tests in this file run the real experimentd binary, built once per
// test run, to send it real signals.

var otherBin = flag.String("bin", "", "run the tests that need the experimentd binary against this one instead of one built from the source (to measure or check another version)")

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binary builds experimentd into a temporary directory, once.
func binary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		if *otherBin != "" {
			binPath = *otherBin
			return
		}
		gotool, err := exec.LookPath("go")
		if err != nil {
			binErr = errors.New("no go command in PATH")
			return
		}
		if binDir, binErr = os.MkdirTemp("", "experimentd-test-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "experimentd")
		out, err := exec.Command(gotool, "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if binErr != nil {
		t.Skipf("cannot build experimentd: %v", binErr)
	}
	return binPath
}

// daemon is a running experimentd process.
type daemon struct {
	cmd    *exec.Cmd
	base   string        // http://addr
	exited chan struct{} // closed when the process has exited
	err    error         // cmd.Wait's, once exited is closed

	mu   sync.Mutex
	logs []map[string]any // its JSON log records
}

// hangGuard is how long a test waits for experimentd to do something
// before it fails: far more than any of it takes on a loaded machine.
const hangGuard = 30 * time.Second

// startDaemon runs experimentd on a free loopback port and waits until it
// listens; the test fails if it does not. The process is killed at the end
// of the test if it is still running.
func startDaemon(t *testing.T, args ...string) *daemon {
	t.Helper()
	d := &daemon{exited: make(chan struct{})}
	d.cmd = exec.Command(binary(t), append([]string{"-addr", "127.0.0.1:0", "-log-format", "json"}, args...)...)
	stderr, err := d.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) != nil {
				rec = map[string]any{"msg": sc.Text()}
			}
			d.mu.Lock()
			d.logs = append(d.logs, rec)
			d.mu.Unlock()
			if rec["msg"] == "experimentd: listening" {
				listening <- rec["addr"].(string)
			}
		}
		d.err = d.cmd.Wait()
		close(d.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-d.exited:
		default:
			_ = d.cmd.Process.Kill()
			<-d.exited
		}
	})
	select {
	case addr := <-listening:
		d.base = "http://" + addr
	case <-d.exited:
		t.Fatalf("experimentd exited before listening: %v\n%s", d.err, d.logText())
	case <-time.After(hangGuard):
		t.Fatalf("experimentd did not listen within %v\n%s", hangGuard, d.logText())
	}
	return d
}

// terminate sends SIGTERM and waits for the process to exit; the test
// fails if it does not.
func (d *daemon) terminate(t *testing.T) {
	t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-d.exited:
	case <-time.After(hangGuard):
		t.Fatalf("experimentd still running %v after SIGTERM\n%s", hangGuard, d.logText())
	}
}

// logged returns the log records whose message is msg.
func (d *daemon) logged(msg string) []map[string]any {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []map[string]any
	for _, r := range d.logs {
		if r["msg"] == msg {
			out = append(out, r)
		}
	}
	return out
}

func (d *daemon) logText() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var b bytes.Buffer
	for _, r := range d.logs {
		line, _ := json.Marshal(r)
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// blockedOnFIFO reports whether a thread of process pid sleeps in the
// kernel waiting for a FIFO's other end (Linux's wchan names the wait).
func blockedOnFIFO(pid int) bool {
	tasks, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "wchan"))
	for _, p := range tasks {
		b, _ := os.ReadFile(p)
		if w := string(b); strings.Contains(w, "partner") || strings.Contains(w, "fifo") {
			return true
		}
	}
	return false
}

package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inprocess/experiment/internal/decide"
)

var loadRounds = flag.Int("load.rounds", 1, "rounds of 200 concurrent requests in TestFinding11MemoryUnderLoad")

// memoryBound is the peak resident memory TestFinding11MemoryUnderLoad
// allows experimentd with its default limits; QUALITY.md gives the figure
// measured.
const memoryBound = 150 << 20

// TestFinding11MemoryUnderLoad drives experimentd, with its default
// limits, as a hostile client would and reads its resident memory from
// /proc: first 500 connections each holding an unfinished request line
// just under -max-header-bytes (the most a connection can hold; the figure
// per connection bounds memory at -max-conns), then 200 concurrent
// /decide requests with a 900 KB context, as the reliability probe sent,
// then 200 with a context of -max-context-bytes. Before the fix the 900 KB
// contexts were parsed and answered 200, and the peak reached about 1 GB;
// now they are refused with 431 after 68 KB of reading each.
func TestFinding11MemoryUnderLoad(t *testing.T) {
	dir := t.TempDir()
	prod := filepath.Join(dir, "prod.yaml")
	writeFile(t, prod, fmt.Sprintf(prodYAML, 1))
	d := startDaemon(t, "-config", "prod="+prod)
	waitLoaded(t, d.base, map[string]int64{"prod": 1})
	addr := strings.TrimPrefix(d.base, "http://")

	pid := d.cmd.Process.Pid
	request := func(contextBytes int) string {
		q := url.Values{"user_key": {"u"}, "env": {"prod"}, "context": {`{"a":"` + strings.Repeat("x", contextBytes-8) + `"}`}}
		return "GET /decide?" + q.Encode() + " HTTP/1.1\r\nHost: " + addr + "\r\nConnection: close\r\n\r\n"
	}
	phases := []struct {
		name         string
		contextBytes int
		want         map[int]int // status code -> count
	}{
		{"900 KB context", 900_000, map[int]int{431: 200 * *loadRounds}},
		{"context of -max-context-bytes", decide.DefaultMaxContextBytes, map[int]int{200: 200 * *loadRounds}},
	}
	for _, p := range phases {
		req := request(p.contextBytes)
		got := map[int]int{}
		for range *loadRounds {
			for code, n := range concurrently(t, addr, req, 200) {
				got[code] += n
			}
		}
		hwm := procStatus(t, pid, "VmHWM")
		t.Logf("%s: %d requests of %d bytes, 200 at a time: statuses %v; peak RSS so far %.1f MiB", p.name, 200**loadRounds, len(req), got, float64(hwm)/(1<<20))
		if diff := cmp.Diff(p.want, got); diff != "" {
			t.Errorf("%s: status counts (-want +got):\n%s", p.name, diff)
		}
		if hwm > memoryBound {
			t.Errorf("%s: peak RSS %.1f MiB; want at most %d MiB", p.name, float64(hwm)/(1<<20), memoryBound>>20)
		}
	}

	d.terminate(t)

	// A fresh process, so that the heap the phases above freed does not
	// hide what the held connections cost.
	d = startDaemon(t, "-config", "prod="+prod)
	waitLoaded(t, d.base, map[string]int64{"prod": 1})
	addr, pid = strings.TrimPrefix(d.base, "http://"), d.cmd.Process.Pid
	base := procStatus(t, pid, "VmRSS")
	const held = 500
	line := "GET /decide?context=" + strings.Repeat("x", decide.DefaultMaxHeaderBytes-1024)
	var conns []net.Conn
	for range held {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		if _, err := io.WriteString(c, line); err != nil {
			t.Fatal(err)
		}
	}
	waitRead(t, addr)
	rss := procStatus(t, pid, "VmRSS")
	t.Logf("%d connections holding %d bytes of request line each: RSS %.1f MiB, %.0f KiB per connection over the %.1f MiB idle",
		held, len(line), float64(rss)/(1<<20), float64(rss-base)/held/1024, float64(base)/(1<<20))
	for _, c := range conns {
		c.Close()
	}

	if hwm := procStatus(t, pid, "VmHWM"); hwm > memoryBound {
		t.Errorf("peak RSS %.1f MiB; want at most %d MiB", float64(hwm)/(1<<20), memoryBound>>20)
	}
	d.terminate(t)
}

// concurrently sends req on n connections at once and counts the
// response status codes; -1 counts connections that got no response.
func concurrently(t *testing.T, addr, req string, n int) map[int]int {
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code := -1
			defer func() {
				mu.Lock()
				codes[code]++
				mu.Unlock()
			}()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(hangGuard))
			<-start
			go func() { _, _ = io.WriteString(c, req) }()
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			code = resp.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	return codes
}

// waitRead waits until experimentd has read everything sent to its
// listening address addr: no server-side socket on its port has data
// queued (/proc/net/tcp's rx_queue).
func waitRead(t *testing.T, addr string) {
	t.Helper()
	_, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	local := fmt.Sprintf(":%04X ", p)
	for deadline := time.Now().Add(hangGuard); ; time.Sleep(10 * time.Millisecond) {
		b, err := os.ReadFile("/proc/net/tcp")
		if err != nil {
			t.Skipf("no /proc/net/tcp: %v", err)
		}
		queued := 0
		for _, row := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(row)
			if len(f) > 4 && strings.HasSuffix(f[1]+" ", local) {
				_, rx, _ := strings.Cut(f[4], ":")
				n, _ := strconv.ParseInt(rx, 16, 64)
				queued += int(n)
			}
		}
		if queued == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("experimentd left %d bytes unread for %v", queued, hangGuard)
		}
	}
}

// procStatus reads a size in /proc/PID/status, in bytes.
func procStatus(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("%s: %q", field, line)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

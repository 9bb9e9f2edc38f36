// Command loadtest measures experimentd builds side by side over loopback:
// requests per second and latency percentiles at a number of keep-alive
// connections, with a closed loop (each connection sends its next request
// when the last is answered) or at a fixed rate (latency from each
// request's scheduled time, so a stall is not hidden), and the server's CPU
// time per request read from /proc. It starts each binary itself, on a free
// loopback port, with the GOMAXPROCS and the CPUs (through taskset) asked
// for, and alternates the binaries round by round so that the noise of a
// shared machine falls on both alike. It first checks that every binary
// gives the same bodies for a set of requests (a trailing newline aside).
//
// Usage:
//
//	go build -o /tmp/experimentd.new ./cmd/experimentd
//	go run ./cmd/experimentd/loadtest -bin old=/tmp/experimentd.base -bin new=/tmp/experimentd.new \
//	    -procs 1 -server-cpus 0 -conns 64 -duration 10s -rounds 3
//
// Everything is bounded in time: each measurement lasts -duration after a
// -warmup, and the run ends after -rounds rounds. The config served is a
// generated published snapshot of -experiments experiments with targeting
// and payloads (written to a temporary folder), so every build under test
// can read it.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type binFlag []namedBin

type namedBin struct{ name, path string }

func (f *binFlag) String() string { return "" }

func (f *binFlag) Set(v string) error {
	name, path, ok := strings.Cut(v, "=")
	if !ok || name == "" || path == "" {
		return fmt.Errorf("want NAME=PATH, got %q", v)
	}
	*f = append(*f, namedBin{name, path})
	return nil
}

type options struct {
	bins        binFlag
	procs       int
	serverCPUs  string
	conns       int
	duration    time.Duration
	warmup      time.Duration
	rounds      int
	rate        float64
	experiments int
	users       int
	addr        string
	writeSnap   string
	pid         int
	client      string
	wrkThreads  int
	clientCPUs  string
}

func main() {
	var o options
	flag.Var(&o.bins, "bin", "an experimentd binary to measure, `NAME=PATH` (repeatable)")
	flag.IntVar(&o.procs, "procs", 1, "GOMAXPROCS of the server")
	flag.StringVar(&o.serverCPUs, "server-cpus", "", "run the server on these CPUs (a taskset list such as 0 or 0,1); empty: anywhere")
	flag.IntVar(&o.conns, "conns", 64, "keep-alive connections")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measurement")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "load before each measurement, not counted")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds; each measures every binary once, in alternating order")
	flag.Float64Var(&o.rate, "rate", 0, "requests per second in all (0: closed loop, as fast as the server answers)")
	flag.IntVar(&o.experiments, "experiments", 25, "experiments in the generated snapshot")
	flag.IntVar(&o.users, "users", 10000, "distinct user keys in the requests")
	flag.StringVar(&o.addr, "addr", "", "load a server already listening at `host:port` for -duration, serving environment prod (for profiling it); -bin is ignored")
	flag.StringVar(&o.client, "client", "go", "the load generator: go (this program's, open loop with -rate) or wrk (Debian's wrk, closed loop only; its latencies are its own)")
	flag.IntVar(&o.wrkThreads, "wrk-threads", 2, "wrk's threads, with -client wrk")
	flag.StringVar(&o.clientCPUs, "client-cpus", "", "run wrk on these CPUs (a taskset list), with -client wrk; for -client go run loadtest itself under taskset")
	flag.IntVar(&o.pid, "pid", 0, "with -addr, the server's process id, to measure its CPU time")
	flag.StringVar(&o.writeSnap, "write-snapshot", "", "write the generated snapshot to `file` and exit (to serve it to a server for -addr)")
	flag.Parse()
	if o.writeSnap != "" {
		if err := os.WriteFile(o.writeSnap, snapshot(o.experiments), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(1)
		}
		return
	}
	if o.addr != "" {
		r, err := measure(&o, nil, "", requests(o.users))
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(1)
		}
		fmt.Println(r)
		return
	}
	if len(o.bins) == 0 {
		fmt.Fprintln(os.Stderr, "loadtest: no -bin given; see -h")
		os.Exit(2)
	}
	if err := run(&o); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func run(o *options) error {
	dir, err := os.MkdirTemp("", "loadtest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	snap := filepath.Join(dir, "prod.json")
	if err := os.WriteFile(snap, snapshot(o.experiments), 0o644); err != nil {
		return err
	}
	reqs := requests(o.users)
	if err := sameResponses(o, snap, reqs); err != nil {
		return err
	}
	results := map[string][]result{}
	for round := range o.rounds {
		order := slices.Clone(o.bins)
		if round%2 == 1 {
			slices.Reverse(order)
		}
		for _, b := range order {
			r, err := measure(o, &b, snap, reqs)
			if err != nil {
				return fmt.Errorf("%s: %w", b.name, err)
			}
			fmt.Fprintf(os.Stderr, "round %d %-6s %s\n", round+1, b.name, r)
			results[b.name] = append(results[b.name], r)
		}
	}
	fmt.Printf("\nGOMAXPROCS=%d, server CPUs %q, %d connections, rate %s, %v per measurement, %d rounds (medians)\n\n",
		o.procs, o.serverCPUs, o.conns, rateText(o.rate), o.duration, o.rounds)
	fmt.Printf("client %s\n\n", o.client)
	fmt.Println("| build | req/s | p50 | p99 | p99.9 | server CPU per request |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
	for _, b := range o.bins {
		rs := results[b.name]
		fmt.Printf("| %s | %.0f | %v | %v | %s | %.1f µs |\n", b.name,
			median(rs, func(r result) float64 { return r.rps }),
			time.Duration(median(rs, func(r result) float64 { return float64(r.p50) })).Round(time.Microsecond),
			time.Duration(median(rs, func(r result) float64 { return float64(r.p99) })).Round(time.Microsecond),
			p999Text(time.Duration(median(rs, func(r result) float64 { return float64(r.p999) }))),
			median(rs, func(r result) float64 { return r.cpuPerReq }))
	}
	return nil
}

func p999Text(d time.Duration) string {
	if d == 0 {
		return "n/a"
	}
	return d.Round(time.Microsecond).String()
}

func rateText(r float64) string {
	if r == 0 {
		return "closed loop"
	}
	return fmt.Sprintf("%.0f/s", r)
}

func median(rs []result, f func(result) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	return v[len(v)/2]
}

// snapshot is a published snapshot of n experiments, each with targeting
// on country, some with an audience on plan, and two or three variants
// with payloads splitting the buckets.
func snapshot(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"version":1,"environment":"prod","publishedAt":"2026-02-20T12:00:00.000Z","experiments":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		audience := `[]`
		if i%3 == 0 {
			audience = `[{"conditions":[{"value":["pro","team"],"operator":"in","attribute":"plan"}]}]`
		}
		fmt.Fprintf(&b, `{"id":"exp-%02d","key":"experiment-%02d","salt":"salt-%02d","audienceRules":%s,`+
			`"targetingRules":[{"conditions":[{"value":["US","CA","GB"],"operator":"in","attribute":"country"},{"value":18,"operator":"gt","attribute":"age"}]}],`+
			`"variants":[{"id":"v-%02d-a","key":"control","payload":{"color":"#0066cc","n":%d}},{"id":"v-%02d-b","key":"treatment","payload":{"color":"#00cc66","n":%d}},{"id":"v-%02d-c","key":"other","payload":null}],`+
			`"allocations":[{"variantId":"v-%02d-a","rangeStart":0,"rangeEnd":4499},{"variantId":"v-%02d-b","rangeStart":4500,"rangeEnd":8999},{"variantId":"v-%02d-c","rangeStart":9000,"rangeEnd":9999}]}`,
			i, i, i, audience, i, i, i, i, i, i, i, i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// requests are raw HTTP/1.1 GET /decide requests for users user-0 ... with
// a few contexts in turn.
func requests(users int) [][]byte {
	contexts := []string{`{"country":"US","plan":"pro","age":30}`, `{"country":"FR","age":40}`, `{"country":"CA","plan":"free","age":20}`, ``}
	out := make([][]byte, users)
	for i := range out {
		q := "user_key=user-" + strconv.Itoa(i) + "&env=prod"
		if c := contexts[i%len(contexts)]; c != "" {
			q += "&context=" + url.QueryEscape(c)
		}
		out[i] = []byte("GET /decide?" + q + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: loadtest\r\nAccept: */*\r\n\r\n")
	}
	return out
}

// server is a running experimentd.
type server struct {
	cmd  *exec.Cmd
	pid  int
	addr string
	done chan struct{}
}

func start(o *options, b namedBin, snap string) (*server, error) {
	args := []string{"-addr", "127.0.0.1:0", "-log-format", "json", "-log-level", "info", "-config", "prod=" + snap, "-max-inflight", "4096"}
	name := b.path
	if o.serverCPUs != "" {
		args = append([]string{"-c", o.serverCPUs, b.path}, args...)
		name = "taskset"
	}
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(o.procs))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, done: make(chan struct{})}
	listening := make(chan string, 1)
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if strings.Contains(line, `"experimentd: listening"`) {
				if _, rest, ok := strings.Cut(line, `"addr":"`); ok {
					addr, _, _ := strings.Cut(rest, `"`)
					listening <- addr
				}
			}
		}
		_ = cmd.Wait()
	}()
	select {
	case s.addr = <-listening:
	case <-s.done:
		return nil, errors.New("exited before listening")
	case <-time.After(30 * time.Second):
		s.stop()
		return nil, errors.New("did not listen within 30s")
	}
	// Wait until prod serves.
	probe := requests(1)[0]
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if code, _, err := once(s.addr, probe); err == nil && code == 200 {
			return s, nil
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, errors.New("prod did not load within 30s")
		}
	}
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// cpuTime is the process's user and system CPU time, from /proc; 0 for a
// server loadtest did not start.
func (s *server) cpuTime() (time.Duration, error) {
	pid := s.pid
	if s.cmd != nil {
		pid = s.cmd.Process.Pid
	}
	if pid == 0 {
		return 0, nil
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command name, which is in parentheses.
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / ticks, nil
}

// once sends one request on a new connection and reads the response.
func once(addr string, req []byte) (int, []byte, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(req); err != nil {
		return 0, nil, err
	}
	return readResponse(bufio.NewReader(c), true)
}

// sameResponses checks that every binary answers a sample of the requests
// with the same status and body, but for a trailing newline.
func sameResponses(o *options, snap string, reqs [][]byte) error {
	sample := reqs[:min(len(reqs), 200)]
	var want [][]byte
	for i, b := range o.bins {
		s, err := start(o, b, snap)
		if err != nil {
			return fmt.Errorf("%s: %w", b.name, err)
		}
		for j, req := range sample {
			code, body, err := once(s.addr, req)
			if err != nil {
				s.stop()
				return fmt.Errorf("%s: %w", b.name, err)
			}
			body = append(fmt.Appendf(nil, "%d ", code), bytes.TrimSuffix(body, []byte("\n"))...)
			if i == 0 {
				want = append(want, body)
			} else if !bytes.Equal(want[j], body) {
				s.stop()
				return fmt.Errorf("%s answers %q with\n%s\nwhere %s answers\n%s", b.name, req, body, o.bins[0].name, want[j])
			}
		}
		s.stop()
	}
	fmt.Fprintf(os.Stderr, "the %d builds give the same %d responses\n", len(o.bins), len(sample))
	return nil
}

type result struct {
	rps             float64
	p50, p99, p999  time.Duration
	cpuPerReq       float64 // µs
	errors, answers int64
}

func (r result) String() string {
	return fmt.Sprintf("%8.0f req/s  p50 %8v  p99 %8v  p99.9 %8v  CPU/req %5.1f µs  errors %d",
		r.rps, r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), r.p999.Round(time.Microsecond), r.cpuPerReq, r.errors)
}

// measure starts b, loads it for the warmup and then the duration, and
// stops it. With a nil b it loads the server at -addr instead, and does
// not measure its CPU.
func measure(o *options, b *namedBin, snap string, reqs [][]byte) (result, error) {
	s := &server{addr: o.addr, pid: o.pid}
	if b != nil {
		var err error
		if s, err = start(o, *b, snap); err != nil {
			return result{}, err
		}
		defer s.stop()
	}
	if o.client == "wrk" {
		return measureWrk(o, s)
	}
	var (
		counting atomic.Bool
		answers  atomic.Int64
		errs     atomic.Int64
		mu       sync.Mutex
		lat      []time.Duration
		wg       sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(context.Background(), o.warmup+o.duration)
	defer cancel()
	var interval time.Duration
	if o.rate > 0 {
		interval = time.Duration(float64(o.conns) / o.rate * float64(time.Second))
	}
	for i := range o.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, 1<<16)
			n, e := load(ctx, s.addr, reqs, i*len(reqs)/o.conns, interval, &counting, &mine)
			answers.Add(n)
			errs.Add(e)
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	time.Sleep(o.warmup)
	cpu0, err := s.cpuTime()
	if err != nil {
		return result{}, err
	}
	t0 := time.Now()
	counting.Store(true)
	<-ctx.Done()
	counting.Store(false)
	elapsed := time.Since(t0)
	cpu1, _ := s.cpuTime()
	wg.Wait()
	if len(lat) == 0 {
		return result{}, fmt.Errorf("no answers (%d errors)", errs.Load())
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(float64(len(lat))*p))] }
	n := answers.Load()
	return result{
		rps: float64(n) / elapsed.Seconds(), p50: pct(0.50), p99: pct(0.99), p999: pct(0.999),
		cpuPerReq: float64((cpu1 - cpu0).Microseconds()) / float64(n), errors: errs.Load(), answers: n,
	}, nil
}

// load sends requests on one keep-alive connection until ctx is done,
// every interval (0: as soon as the last is answered), and records the
// latency of each answer while counting is set. It returns the answers
// counted and the errors.
func load(ctx context.Context, addr string, reqs [][]byte, next int, interval time.Duration, counting *atomic.Bool, lat *[]time.Duration) (answers, errs int64) {
	var c net.Conn
	var br *bufio.Reader
	sched := time.Now()
	for ctx.Err() == nil {
		if c == nil {
			var err error
			if c, err = net.Dial("tcp", addr); err != nil {
				errs++
				time.Sleep(10 * time.Millisecond)
				continue
			}
			br = bufio.NewReaderSize(c, 64<<10)
		}
		start := time.Now()
		if interval > 0 {
			sched = sched.Add(interval)
			if d := time.Until(sched); d > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(d):
				}
			}
			start = sched
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		_, err := c.Write(reqs[next%len(reqs)])
		next++
		var code int
		if err == nil {
			code, _, err = readResponse(br, false)
		}
		if err != nil || code != 200 {
			if ctx.Err() == nil {
				errs++
			}
			c.Close()
			c = nil
			continue
		}
		if counting.Load() {
			answers++
			*lat = append(*lat, time.Since(start))
		}
	}
	if c != nil {
		c.Close()
	}
	return
}

// readResponse reads one HTTP/1.1 response, with a Content-Length or
// chunked, returning the status and, if keep is set, the body.
func readResponse(br *bufio.Reader, keep bool) (int, []byte, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, nil, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, nil, fmt.Errorf("bad status line %q", line)
	}
	code, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, err
	}
	length, chunked := -1, false
	for {
		h, err := br.ReadSlice('\n')
		if err != nil {
			return 0, nil, err
		}
		if len(h) <= 2 {
			break
		}
		name, value, _ := bytes.Cut(bytes.TrimRight(h, "\r\n"), []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			length, err = strconv.Atoi(string(value))
			if err != nil {
				return 0, nil, err
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		}
	}
	var body []byte
	read := func(n int) error {
		if keep {
			b := make([]byte, n)
			if _, err := io.ReadFull(br, b); err != nil {
				return err
			}
			body = append(body, b...)
			return nil
		}
		_, err := br.Discard(n)
		return err
	}
	switch {
	case chunked:
		for {
			l, err := br.ReadSlice('\n')
			if err != nil {
				return 0, nil, err
			}
			size, err := strconv.ParseInt(string(bytes.TrimRight(l, "\r\n")), 16, 64)
			if err != nil {
				return 0, nil, err
			}
			if size == 0 {
				if _, err := br.ReadSlice('\n'); err != nil {
					return 0, nil, err
				}
				break
			}
			if err := read(int(size)); err != nil {
				return 0, nil, err
			}
			if _, err := br.Discard(2); err != nil {
				return 0, nil, err
			}
		}
	case length >= 0:
		if err := read(length); err != nil {
			return 0, nil, err
		}
	default:
		return 0, nil, errors.New("a response with neither Content-Length nor chunked")
	}
	return code, body, nil
}

// wrkScript makes wrk send the requests of requests(users), in turn.
func wrkScript(users int) string {
	var b strings.Builder
	b.WriteString("local paths = {\n")
	for _, r := range requests(users) {
		target, _, _ := strings.Cut(strings.TrimPrefix(string(r), "GET "), " ")
		fmt.Fprintf(&b, "  %q,\n", target)
	}
	b.WriteString("}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format(\"GET\", paths[(i % #paths) + 1])\nend\n")
	return b.String()
}

// measureWrk loads s with wrk for the warmup, then for the duration,
// reading requests per second and latency percentiles from wrk's report
// and the server's CPU time from /proc.
func measureWrk(o *options, s *server) (result, error) {
	dir, err := os.MkdirTemp("", "loadtest-wrk-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "requests.lua")
	if err := os.WriteFile(script, []byte(wrkScript(o.users)), 0o644); err != nil {
		return result{}, err
	}
	run := func(d time.Duration) (string, error) {
		args := []string{"-t", strconv.Itoa(o.wrkThreads), "-c", strconv.Itoa(o.conns), "-d", fmt.Sprintf("%.0fs", d.Seconds()), "--latency", "-s", script, "http://" + s.addr}
		name := "wrk"
		if o.clientCPUs != "" {
			args = append([]string{"-c", o.clientCPUs, "wrk"}, args...)
			name = "taskset"
		}
		out, err := exec.Command(name, args...).CombinedOutput()
		return string(out), err
	}
	if o.warmup >= time.Second {
		if out, err := run(o.warmup); err != nil {
			return result{}, fmt.Errorf("wrk: %v\n%s", err, out)
		}
	}
	cpu0, err := s.cpuTime()
	if err != nil {
		return result{}, err
	}
	out, err := run(o.duration)
	if err != nil {
		return result{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	cpu1, _ := s.cpuTime()
	r := result{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "Requests/sec:":
			r.rps, _ = strconv.ParseFloat(f[1], 64)
		case len(f) == 2 && f[0] == "50%":
			r.p50 = wrkDuration(f[1])
		case len(f) == 2 && f[0] == "99%":
			r.p99 = wrkDuration(f[1])
		case len(f) >= 4 && f[1] == "requests" && f[2] == "in":
			r.answers, _ = strconv.ParseInt(f[0], 10, 64)
		case len(f) >= 4 && f[0] == "Non-2xx":
			r.errors, _ = strconv.ParseInt(f[len(f)-1], 10, 64)
		}
	}
	if r.answers == 0 {
		return result{}, fmt.Errorf("no requests in wrk's report:\n%s", out)
	}
	// wrk does not report p99.9: it stays 0, shown as n/a.
	r.cpuPerReq = float64((cpu1 - cpu0).Microseconds()) / float64(r.answers)
	return r, nil
}

// wrkDuration reads one of wrk's latencies, such as 1.23ms or 512.00us.
func wrkDuration(s string) time.Duration {
	s = strings.Replace(s, "us", "µs", 1)
	d, _ := time.ParseDuration(s)
	return d
}

package gateway

import (
	"container/list"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/inprocess/experiment/internal/wire"
)

// RateLimit is the decide rate limit: at most Max requests per client IP
// in each fixed Window, which starts at the client's first request. IPs
// in Allowlist are not limited. The zero value is off.
type RateLimit struct {
	Enabled   bool
	Max       int
	Window    time.Duration
	Allowlist []string
}

// RateLimitFromEnv reads the platform's variables through getenv:
// DECIDE_RATE_LIMIT_ENABLED (on unless "false"), DECIDE_RATE_LIMIT_MAX
// (default 300), DECIDE_RATE_LIMIT_WINDOW_MS (default 60000; either
// number, when not a positive integer, is its default) and
// DECIDE_RATE_LIMIT_ALLOWLIST (comma-separated IPs).
func RateLimitFromEnv(getenv func(string) string) RateLimit {
	positive := func(key string, def int) int {
		if n, ok := parseInt(getenv(key)); ok && n > 0 {
			return n
		}
		return def
	}
	rl := RateLimit{
		Enabled: getenv("DECIDE_RATE_LIMIT_ENABLED") != "false",
		Max:     positive("DECIDE_RATE_LIMIT_MAX", 300),
		Window:  time.Duration(positive("DECIDE_RATE_LIMIT_WINDOW_MS", 60000)) * time.Millisecond,
	}
	for ip := range strings.SplitSeq(getenv("DECIDE_RATE_LIMIT_ALLOWLIST"), ",") {
		if ip = strings.TrimSpace(ip); ip != "" {
			rl.Allowlist = append(rl.Allowlist, ip)
		}
	}
	return rl
}

// parseInt is JavaScript's parseInt(s, 10): leading white space, a sign,
// then as many decimal digits as there are.
func parseInt(s string) (int, bool) {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg, s = s[0] == '-', s[1:]
	}
	n, digits := 0, 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		if n > math.MaxInt32 {
			return 0, false
		}
		n = n*10 + int(s[digits]-'0')
		digits++
	}
	if digits == 0 {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// maxClients is how many clients' windows are kept, least recently seen
// dropped first, as @fastify/rate-limit's LRU store does.
const maxClients = 5000

type limiter struct {
	rl    RateLimit
	allow map[string]bool
	mu    sync.Mutex
	lru   *list.List // of *window, most recent at the front
	byIP  map[string]*list.Element
}

type window struct {
	ip    string
	start time.Time
	count int
}

func newLimiter(rl RateLimit) *limiter {
	l := &limiter{rl: rl, allow: map[string]bool{}, lru: list.New(), byIP: map[string]*list.Element{}}
	for _, ip := range rl.Allowlist {
		l.allow[ip] = true
	}
	return l
}

// admit counts a request from ip and sets the x-ratelimit-* headers; over
// the limit it writes the 429 itself and returns false.
func (l *limiter) admit(w http.ResponseWriter, ip string, now time.Time) bool {
	if l.allow[ip] {
		return true
	}
	l.mu.Lock()
	el, ok := l.byIP[ip]
	if !ok || now.Sub(el.Value.(*window).start) >= l.rl.Window {
		if ok {
			l.lru.Remove(el)
		}
		el = l.lru.PushFront(&window{ip: ip, start: now})
		l.byIP[ip] = el
		for l.lru.Len() > maxClients {
			old := l.lru.Back()
			l.lru.Remove(old)
			delete(l.byIP, old.Value.(*window).ip)
		}
	} else {
		l.lru.MoveToFront(el)
	}
	win := el.Value.(*window)
	win.count++
	count, left := win.count, l.rl.Window-now.Sub(win.start)
	l.mu.Unlock()

	resetSec := int64(math.Ceil(left.Seconds()))
	h := w.Header()
	h.Set("x-ratelimit-limit", strconv.Itoa(l.rl.Max))
	h.Set("x-ratelimit-remaining", strconv.Itoa(max(0, l.rl.Max-count)))
	h.Set("x-ratelimit-reset", strconv.FormatInt(resetSec, 10))
	if count <= l.rl.Max {
		return true
	}
	h.Set("retry-after", strconv.FormatInt(resetSec, 10))
	b := append([]byte(`{"error":"Too Many Requests","message":`), wire.AppendString(nil, "Rate limit exceeded, retry in "+longDuration(left))...)
	b = append(b, `,"statusCode":429}`...)
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write(b)
	return false
}

// longDuration formats d as @lukeed/ms does in its long form: "999 ms",
// "30 seconds", "1 second", "1 minute" (60-89 s), "2 minutes", rounding
// to the nearest unit.
func longDuration(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	units := []struct {
		size float64
		name string
	}{{365.25 * 864e5, "year"}, {864e5, "day"}, {36e5, "hour"}, {6e4, "minute"}, {1e3, "second"}}
	if ms < 1e3 {
		return strconv.FormatInt(int64(ms), 10) + " ms"
	}
	for i := len(units) - 1; i >= 0; i-- {
		u := units[i]
		if i == 0 || ms < units[i-1].size {
			n := int64(math.Floor(ms/u.size + 0.5))
			if n == 1 {
				return "1 " + u.name
			}
			return strconv.FormatInt(n, 10) + " " + u.name + "s"
		}
	}
	return ""
}

// clientIP is the request's peer address, as request.ip without
// trustProxy: forwarding headers are ignored.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

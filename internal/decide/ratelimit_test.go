package decide

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"
)

// decideFrom answers one /decide request as if from remote, with the
// given headers (name, value pairs).
func decideFrom(h http.Handler, remote string, headers ...string) int {
	r := httptest.NewRequest("GET", "/decide?user_key=u&env=prod", nil)
	r.RemoteAddr = remote
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Add(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

// TestFinding12IPv6GroupedBy64 checks that the rate limit counts an IPv6
// client by its /64 and an IPv4 client by its address. Before the fix each
// IPv6 address had its own bucket, so one /64 was effectively unlimited.
func TestFinding12IPv6GroupedBy64(t *testing.T) {
	h := newTestServer(t, Config{Rate: 0.001, Burst: 1}).Handler()
	// One request each, in order: a client's second request is limited.
	steps := []struct {
		remote  string
		limited bool
	}{
		{"[2001:db8:1:2::1]:1000", false},
		{"[2001:db8:1:2:ffff:ffff:ffff:ffff]:1001", true}, // the same /64
		{"[2001:db8:1:2:0:0:0:2]:80", true},
		{"[2001:db8:1:3::1]:1000", false}, // the next /64
		{"192.0.2.1:5000", false},
		{"192.0.2.1:5001", true},             // another port, the same address
		{"[::ffff:192.0.2.1]:5002", true},    // IPv4-mapped: the same address
		{"192.0.2.2:5000", false},            // IPv4 is counted by /32
		{"[fe80::1%eth0]:1", false},          // zones are dropped
		{"[fe80::2%eth1]:1", true},           // fe80::/64 again
		{"not an address", false},            // unreadable remote addresses share one bucket
		{"also not an address", true},        //
		{"[2001:db8:ffff::1]:1", false},      //
		{"[2001:db8:ffff::1:0:0:1]:2", true}, // 2001:db8:ffff:0::/64
	}
	for _, s := range steps {
		code := decideFrom(h, s.remote)
		if got := code == http.StatusTooManyRequests; got != s.limited {
			t.Errorf("%s: status %d; want limited %v", s.remote, code, s.limited)
		}
	}
}

// TestFinding12TrustedProxy checks that the client is read from a proxy
// header only when the request comes from a -trusted-proxy. Before the fix
// there was no way to trust a proxy: behind a load balancer every user
// shared its bucket.
func TestFinding12TrustedProxy(t *testing.T) {
	t.Run("end to end", func(t *testing.T) {
		h := newTestServer(t, Config{Rate: 0.001, Burst: 1, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}).Handler()
		steps := []struct {
			name    string
			remote  string
			xff     string
			limited bool
		}{
			{"untrusted peer", "198.51.100.1:1", "203.0.113.1", false},
			{"the same untrusted peer spoofing another client is ignored", "198.51.100.1:2", "203.0.113.2", true},
			{"a trusted proxy for client A", "10.1.2.3:1", "203.0.113.10", false},
			{"the trusted proxy for client B", "10.1.2.3:2", "203.0.113.11", false},
			{"the trusted proxy for client A again", "10.1.2.3:3", "203.0.113.10", true},
			{"another trusted proxy for client A, A spoofing to its left", "10.9.9.9:1", "1.2.3.4, 203.0.113.10", true},
			{"the trusted proxy without a header is itself the client", "10.1.2.3:4", "", false},
		}
		for _, s := range steps {
			var hdr []string
			if s.xff != "" {
				hdr = []string{"X-Forwarded-For", s.xff}
			}
			code := decideFrom(h, s.remote, hdr...)
			if got := code == http.StatusTooManyRequests; got != s.limited {
				t.Errorf("%s: status %d; want limited %v", s.name, code, s.limited)
			}
		}
	})

	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:aaaa::/48")}
	tests := []struct {
		name    string
		header  string // -proxy-header
		remote  string
		headers []string // name, value pairs
		want    string
	}{
		{name: "untrusted peer, header ignored", remote: "198.51.100.1:1", headers: []string{"X-Forwarded-For", "203.0.113.1"}, want: "198.51.100.1"},
		{name: "no trusted proxies", remote: "10.0.0.1:1", headers: []string{"X-Forwarded-For", "203.0.113.1"}, want: "10.0.0.1"},
		{name: "trusted peer, one hop", remote: "10.0.0.1:1", headers: []string{"X-Forwarded-For", "203.0.113.1"}, want: "203.0.113.1"},
		{name: "rightmost hop wins over what the client wrote", remote: "10.0.0.1:1", headers: []string{"X-Forwarded-For", "1.1.1.1, 2.2.2.2,203.0.113.1"}, want: "203.0.113.1"},
		{name: "trusted hops are skipped", remote: "10.0.0.1:1", headers: []string{"X-Forwarded-For", "203.0.113.1, 10.0.0.7, 10.0.0.8"}, want: "203.0.113.1"},
		{name: "several header lines are one list", remote: "10.0.0.1:1", headers: []string{"X-Forwarded-For", "203.0.113.1", "X-Forwarded-For", "10.0.0.2"}, want: "203.0.113.1"},
		{name: "garbage left of the client is not read", remote: "10.0.0.1:1", headers: []string{"X-Forwarded-For", "<script>, 203.0.113.1"}, want: "203.0.113.1"},
		{name: "an unreadable hop stops at the last trusted one", remote: "10.0.0.1:1", headers: []string{"X-Forwarded-For", "203.0.113.1, garbage, 10.0.0.9"}, want: "10.0.0.9"},
		{name: "empty header", remote: "10.0.0.1:1", headers: []string{"X-Forwarded-For", ""}, want: "10.0.0.1"},
		{name: "every hop trusted", remote: "10.0.0.1:1", headers: []string{"X-Forwarded-For", "10.0.0.3, 10.0.0.2"}, want: "10.0.0.3"},
		{name: "hop with a port", remote: "10.0.0.1:1", headers: []string{"X-Forwarded-For", "203.0.113.1:5555"}, want: "203.0.113.1"},
		{name: "IPv6 hop, bare", remote: "10.0.0.1:1", headers: []string{"X-Forwarded-For", "2001:db8::1"}, want: "2001:db8::1"},
		{name: "IPv6 hop with a port", remote: "10.0.0.1:1", headers: []string{"X-Forwarded-For", "[2001:db8::1]:443"}, want: "2001:db8::1"},
		{name: "IPv6 hop in brackets", remote: "10.0.0.1:1", headers: []string{"X-Forwarded-For", "[2001:db8::1]"}, want: "2001:db8::1"},
		{name: "IPv6 trusted peer", remote: "[2001:db8:aaaa:1::5]:1", headers: []string{"X-Forwarded-For", "203.0.113.1"}, want: "203.0.113.1"},
		{name: "IPv4-mapped trusted peer", remote: "[::ffff:10.0.0.1]:1", headers: []string{"X-Forwarded-For", "203.0.113.1"}, want: "203.0.113.1"},
		{name: "Forwarded is ignored when X-Forwarded-For is the header", remote: "10.0.0.1:1", headers: []string{"Forwarded", "for=203.0.113.1"}, want: "10.0.0.1"},
		{name: "Forwarded", header: "Forwarded", remote: "10.0.0.1:1", headers: []string{"Forwarded", `for=192.0.2.60;proto=http;by=203.0.113.43, For="[2001:db8:cafe::17]:4711"`}, want: "2001:db8:cafe::17"},
		{name: "Forwarded, quoted comma", header: "Forwarded", remote: "10.0.0.1:1", headers: []string{"Forwarded", `for=192.0.2.60;x="a,b"`}, want: "192.0.2.60"},
		{name: "Forwarded, unknown stops", header: "Forwarded", remote: "10.0.0.1:1", headers: []string{"Forwarded", "for=192.0.2.60, for=unknown"}, want: "10.0.0.1"},
		{name: "Forwarded, element without for stops", header: "Forwarded", remote: "10.0.0.1:1", headers: []string{"Forwarded", "for=192.0.2.60, proto=https"}, want: "10.0.0.1"},
		{name: "X-Forwarded-For is ignored when Forwarded is the header", header: "Forwarded", remote: "10.0.0.1:1", headers: []string{"X-Forwarded-For", "203.0.113.1"}, want: "10.0.0.1"},
		{name: "hops past the rightmost 32 are not read", remote: "10.0.0.1:1", headers: []string{"X-Forwarded-For", "203.0.113.1, " + strings.Repeat("10.0.0.2, ", 32) + "10.0.0.3"}, want: "10.0.0.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := proxies{trusted: trusted, header: "X-Forwarded-For"}
			if tt.name == "no trusted proxies" {
				p.trusted = nil
			}
			if tt.header != "" {
				p.header = tt.header
			}
			r := httptest.NewRequest("GET", "/decide", nil)
			r.RemoteAddr = tt.remote
			for i := 0; i+1 < len(tt.headers); i += 2 {
				r.Header.Add(tt.headers[i], tt.headers[i+1])
			}
			if diff := cmp.Diff(tt.want, p.clientAddr(r).String()); diff != "" {
				t.Errorf("client (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzClientAddr feeds arbitrary proxy headers: the client is always the
// peer or, only when the peer is trusted, a hop named in the header.
func FuzzClientAddr(f *testing.F) {
	f.Add("10.0.0.1:1", "203.0.113.1, 10.0.0.2", true)
	f.Add("10.0.0.1:1", `for=192.0.2.60;proto=http, for="[2001:db8::17]:4711"`, false)
	f.Add("198.51.100.1:1", "203.0.113.1", true)
	f.Add("10.0.0.1:1", `for="\"`, false)
	f.Add("[::ffff:10.0.0.1]:1", ",,,", true)
	f.Fuzz(func(t *testing.T, remote, value string, xff bool) {
		p := proxies{trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, header: "Forwarded"}
		if xff {
			p.header = "X-Forwarded-For"
		}
		r := httptest.NewRequest("GET", "/decide", nil)
		r.RemoteAddr = remote
		r.Header.Set(p.header, value)
		got, peer := p.clientAddr(r), remoteAddr(remote)
		if got != peer && !p.trusts(peer) {
			t.Errorf("client %v from the header of untrusted peer %q", got, remote)
		}
		_ = clientKey(got)
	})
}

// TestFinding12LimiterBounded checks that the limiter remembers at most
// -rate-clients clients, forgetting the least recently seen first, and
// forgets clients whose bucket has refilled. Before the fix the map grew
// with every source address for ten minutes.
func TestFinding12LimiterBounded(t *testing.T) {
	key := func(i int) netip.Prefix { return clientKey(netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i)})) }
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	l := newClientLimiter(rate.Limit(0.001), 1, 100)
	if !l.allow(key(0), t0) || l.allow(key(0), t0) {
		t.Fatal("client 0: want its first request allowed and its second limited")
	}
	for i := 1; i <= 1000; i++ {
		l.allow(key(i), t0)
		if n := l.len(); n > 100 {
			t.Fatalf("after %d clients the limiter remembers %d; want at most 100", i+1, n)
		}
	}
	if !l.allow(key(0), t0) {
		t.Error("client 0 was not forgotten after 1,000 others; want its bucket started again")
	}
	if l.allow(key(1000), t0) {
		t.Error("client 1000, the most recent, was forgotten")
	}

	// A bucket that has refilled (burst 2 at 1/s: 2 s) is forgotten.
	l = newClientLimiter(rate.Limit(1), 2, 100)
	l.allow(key(1), t0)
	l.allow(key(2), t0.Add(time.Second))
	l.allow(key(3), t0.Add(2500*time.Millisecond))
	if n := l.len(); n != 2 {
		t.Errorf("remembers %d clients; want 2 (client 1 refilled and forgotten)", n)
	}
}

// TestLimiterMemoryPerClient measures what a remembered client costs, the
// figure behind -rate-clients' documented memory.
func TestLimiterMemoryPerClient(t *testing.T) {
	const n = 20_000
	l := newClientLimiter(rate.Limit(1), 10, n)
	t0 := time.Now()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range n {
		l.allow(clientKey(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})), t0)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("%.0f bytes of heap per remembered client (%d clients)", per, l.len())
	if per > 1024 {
		t.Errorf("%.0f bytes per client; want at most 1 KiB", per)
	}
	runtime.KeepAlive(l)
}

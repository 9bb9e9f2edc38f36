package decide

import (
	"container/list"
	"math"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// clientLimiter keeps a token bucket per client (see clientKey), at most
// max of them. A client idle for longer than its bucket takes to refill is
// forgotten, which changes nothing: a new bucket starts full. When the map
// is full the least recently seen client is forgotten, so it starts again
// with a full bucket: memory stays bounded, at the price of leniency
// towards whoever holds more than max prefixes. Safe for concurrent use.
type clientLimiter struct {
	limit  rate.Limit
	burst  int
	max    int
	refill time.Duration // how long an empty bucket takes to fill

	mu      sync.Mutex
	clients map[netip.Prefix]*list.Element // of *client; mu
	recent  list.List                      // of *client, most recently seen first; mu
}

type client struct {
	key  netip.Prefix
	lim  *rate.Limiter
	seen time.Time
}

func newClientLimiter(limit rate.Limit, burst, size int) *clientLimiter {
	l := &clientLimiter{limit: limit, burst: max(burst, 1), max: max(size, 1), clients: map[netip.Prefix]*list.Element{}}
	l.refill = time.Duration(math.Min(float64(l.burst)/float64(limit)*float64(time.Second), math.MaxInt64))
	return l
}

// allow reports whether the client key may make a request at now.
func (l *clientLimiter) allow(key netip.Prefix, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.clients[key]; ok {
		c := e.Value.(*client)
		c.seen = now
		l.recent.MoveToFront(e)
		return c.lim.AllowN(now, 1)
	}
	for e := l.recent.Back(); e != nil; e = l.recent.Back() {
		c := e.Value.(*client)
		if l.recent.Len() < l.max && now.Sub(c.seen) <= l.refill {
			break
		}
		l.recent.Remove(e)
		delete(l.clients, c.key)
	}
	c := &client{key: key, lim: rate.NewLimiter(l.limit, l.burst), seen: now}
	l.clients[key] = l.recent.PushFront(c)
	return c.lim.AllowN(now, 1)
}

// len is the number of clients remembered.
func (l *clientLimiter) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// clientKey is the prefix a client is limited by: an IPv4 address's /32
// and an IPv6 address's /64 (one host usually holds a whole /64). An
// IPv4-mapped IPv6 address counts as its IPv4 address. The zero Addr (an
// unreadable remote address) gives the zero Prefix: such clients share one
// bucket.
func clientKey(ip netip.Addr) netip.Prefix {
	ip = ip.Unmap().WithZone("")
	bits := 64
	if ip.Is4() {
		bits = 32
	}
	p, _ := ip.Prefix(bits)
	return p
}

// proxies are the operator's trusted reverse proxies (-trusted-proxy) and
// the header they name the client in (-proxy-header).
type proxies struct {
	trusted []netip.Prefix
	header  string // "X-Forwarded-For" or "Forwarded"
}

func (p *proxies) trusts(ip netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	for _, t := range p.trusted {
		if t.Contains(ip) {
			return true
		}
	}
	return false
}

// clientAddr is the address of the client that sent r: its remote address,
// unless that is a trusted proxy. Then it is the rightmost hop in the
// proxy header that is not itself a trusted proxy, read right to left, as
// each proxy appends the peer it saw. A hop that cannot be read (garbage,
// "unknown", an obfuscated name) stops the walk: the last trusted address
// is the client then. A client can write anything to the left of what the
// trusted proxies appended, and none of it is read. The zero Addr means
// r.RemoteAddr could not be read.
func (p *proxies) clientAddr(r *http.Request) netip.Addr {
	addr := remoteAddr(r.RemoteAddr)
	if len(p.trusted) == 0 || !addr.IsValid() || !p.trusts(addr) {
		return addr
	}
	hops := forwardedHops(r.Header.Values(p.header), p.header == "Forwarded")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, ok := parseHop(hops[i])
		if !ok {
			return addr
		}
		addr = hop
		if !p.trusts(addr) {
			return addr
		}
	}
	return addr
}

// remoteAddr reads an http.Request's RemoteAddr, "ip:port" or a bare ip.
func remoteAddr(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr()
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a
	}
	return netip.Addr{}
}

// maxHops bounds the work spent on one proxy header: hops beyond the
// rightmost maxHops are not read.
const maxHops = 32

// forwardedHops returns the hops named in the header's values, left to
// right, at most the rightmost maxHops: the comma-separated entries of
// X-Forwarded-For, or the for= parameters of Forwarded (RFC 7239), where an
// element without one counts as an unreadable hop.
func forwardedHops(values []string, rfc7239 bool) []string {
	var hops []string
	for _, v := range values {
		for _, elem := range splitQuoted(v, ',') {
			if !rfc7239 {
				hops = append(hops, strings.TrimSpace(elem))
				continue
			}
			node := ""
			for _, pair := range splitQuoted(elem, ';') {
				k, v, _ := strings.Cut(strings.TrimSpace(pair), "=")
				if strings.EqualFold(k, "for") {
					node = strings.Trim(v, `"`)
				}
			}
			hops = append(hops, node)
		}
	}
	if len(hops) > maxHops {
		hops = hops[len(hops)-maxHops:]
	}
	return hops
}

// splitQuoted splits s at each sep outside a double-quoted string.
func splitQuoted(s string, sep byte) []string {
	var parts []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			quoted = !quoted
		case s[i] == '\\' && quoted:
			i++
		case s[i] == sep && !quoted:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// parseHop reads one hop: an IPv4 or IPv6 address, optionally with a port
// ("192.0.2.1:80", "[2001:db8::1]:80") or in brackets ("[2001:db8::1]").
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a, true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr(), true
	}
	if inner, ok := strings.CutPrefix(s, "["); ok {
		if inner, ok := strings.CutSuffix(inner, "]"); ok {
			if a, err := netip.ParseAddr(inner); err == nil && a.Is6() {
				return a, true
			}
		}
	}
	return netip.Addr{}, false
}

package decide

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// connLimiter is a net.Listener that keeps at most max connections open
// (-max-conns). A connection that would go over closes the keep-alive
// connection that has been idle the longest, or, when none is idle, is
// answered 503 with a JSON error and closed. Its ConnState method must be
// the server's ConnState hook, which tells it which connections are idle.

type connLimiter struct {
	net.Listener
	max          int
	rejecting    chan struct{} // a slot per rejection being answered
	rejected     atomic.Int64  // connections answered 503
	evicted      atomic.Int64  // idle connections closed to make room
	mu           sync.Mutex
	open         map[*limitedConn]struct{} // mu
	rejectWindow time.Duration             // how long a rejected connection may take
}

// maxRejecting bounds the connections being answered 503 at once; past it
// a connection over the limit is closed without an answer.
const maxRejecting = 64

func newConnLimiter(ln net.Listener, size int) *connLimiter {
	return &connLimiter{
		Listener: ln, max: size,
		rejecting:    make(chan struct{}, maxRejecting),
		open:         map[*limitedConn]struct{}{},
		rejectWindow: time.Second,
	}
}

// Accept returns the next connection within the limit.
func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if c := l.admit(nc); c != nil {
			return c, nil
		}
		l.reject(nc)
	}
}

// admit registers nc if there is room or an idle connection to close for
// it, and returns nil otherwise.
func (l *connLimiter) admit(nc net.Conn) *limitedConn {
	l.mu.Lock()
	var victim *limitedConn
	if len(l.open) >= l.max {
		var oldest int64
		for c := range l.open {
			if since := c.idleSince.Load(); since != 0 && (victim == nil || since < oldest) {
				victim, oldest = c, since
			}
		}
		if victim == nil {
			l.mu.Unlock()
			return nil
		}
		l.forget(victim)
	}
	c := &limitedConn{Conn: nc, l: l}
	l.open[c] = struct{}{}
	l.mu.Unlock()
	if victim != nil {
		l.evicted.Add(1)
		_ = victim.Conn.Close()
	}
	return c
}

// forget drops c from the counts; l.mu must be held.
func (l *connLimiter) forget(c *limitedConn) {
	delete(l.open, c)
}

// ConnState records which connections are idle, for http.Server.ConnState
// (Serve's connection loop calls it too). It takes no lock: a request
// marks its connection with one atomic store.
func (l *connLimiter) ConnState(nc net.Conn, st http.ConnState) {
	l.markIdle(nc, st == http.StateIdle, time.Now())
}

// markIdle records whether nc is idle, since now if it is.
func (l *connLimiter) markIdle(nc net.Conn, idle bool, now time.Time) {
	c, ok := nc.(*limitedConn)
	if !ok {
		return
	}
	if idle {
		c.idleSince.Store(now.UnixNano())
	} else {
		c.idleSince.Store(0)
	}
}

// idleConns is the number of open connections that are idle.
func (l *connLimiter) idleConns() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for c := range l.open {
		if c.idleSince.Load() != 0 {
			n++
		}
	}
	return n
}

// openConns is the number of connections counted against the limit.
func (l *connLimiter) openConns() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.open)
}

var tooManyConns = cannedResponse(http.StatusServiceUnavailable, "application/json; charset=utf-8",
	append(append([]byte(`{"error":`), appendJSString(nil, "Too many open connections; retry shortly")...), '}'), "Retry-After: 1\r\n")

// reject answers nc 503 and closes it, in the background and within
// rejectWindow; it closes nc at once when maxRejecting are being answered.
func (l *connLimiter) reject(nc net.Conn) {
	l.rejected.Add(1)
	select {
	case l.rejecting <- struct{}{}:
	default:
		_ = nc.Close()
		return
	}
	go func() {
		defer func() { <-l.rejecting }()
		defer nc.Close()
		_ = nc.SetDeadline(time.Now().Add(l.rejectWindow))
		if _, err := nc.Write(tooManyConns); err != nil {
			return
		}
		// Read what the client sent until it closes, so that closing does
		// not reset the connection before the client has read the answer.
		if cw, ok := nc.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(nc, 64<<10))
	}()
}

// limitedConn is a connection counted by a connLimiter.
type limitedConn struct {
	net.Conn
	l         *connLimiter
	idleSince atomic.Int64 // unix nanoseconds since it is idle; 0 when it is not
}

// Close releases the connection's place.
func (c *limitedConn) Close() error {
	c.l.mu.Lock()
	c.l.forget(c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}

// cannedResponse is a whole HTTP/1.1 response, closing the connection,
// with body; extra holds more header lines.
func cannedResponse(code int, contentType string, body []byte, extra string) []byte {
	head := fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Type: %s\r\n%sConnection: close\r\nContent-Length: %d\r\n\r\n",
		code, http.StatusText(code), contentType, extra, len(body))
	return append([]byte(head), body...)
}

package decide

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// connLimiter is a net.Listener that keeps at most max connections open
// (-max-conns). A connection that would go over closes the keep-alive
// connection that has been idle the longest, or, when none is idle, is
// answered 503 with a JSON error and closed. Its ConnState method must be
// the server's ConnState hook, which tells it which connections are idle.
//
// Its connections also turn the plain-text errors net/http writes for a
// request it cannot read into the JSON errors the platform's server
// (Fastify) writes: 431 {"error":"Request Header Fields Too Large",
// "message":"Exceeded maximum allowed HTTP header size","statusCode":431}
// for a request line and headers over MaxHeaderBytes, 400 {"error":"Bad
// Request","message":"Client Error","statusCode":400} for a malformed
// request, and the same shape with net/http's text for the rare others.
type connLimiter struct {
	net.Listener
	max          int
	rejecting    chan struct{} // a slot per rejection being answered
	rejected     atomic.Int64  // connections answered 503
	evicted      atomic.Int64  // idle connections closed to make room
	mu           sync.Mutex
	open         map[*limitedConn]struct{}  // mu
	idle         map[*limitedConn]time.Time // idle since; mu
	rejectWindow time.Duration              // how long a rejected connection may take
}

// maxRejecting bounds the connections being answered 503 at once; past it
// a connection over the limit is closed without an answer.
const maxRejecting = 64

func newConnLimiter(ln net.Listener, size int) *connLimiter {
	return &connLimiter{
		Listener: ln, max: size,
		rejecting:    make(chan struct{}, maxRejecting),
		open:         map[*limitedConn]struct{}{},
		idle:         map[*limitedConn]time.Time{},
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
		for c, since := range l.idle {
			if victim == nil || since.Before(l.idle[victim]) {
				victim = c
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
	delete(l.idle, c)
}

// ConnState records which connections are idle, for http.Server.ConnState.
func (l *connLimiter) ConnState(nc net.Conn, st http.ConnState) {
	c, ok := nc.(*limitedConn)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, open := l.open[c]; !open {
		return
	}
	if st == http.StateIdle {
		l.idle[c] = time.Now()
	} else {
		delete(l.idle, c)
	}
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
	l *connLimiter
}

// Close releases the connection's place.
func (c *limitedConn) Close() error {
	c.l.mu.Lock()
	c.l.forget(c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}

// CloseWrite lets net/http half-close the connection after an error, as it
// does with a bare *net.TCPConn, so the client reads the answer.
func (c *limitedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Write writes p, or, if p is one of net/http's plain-text error answers,
// the same error as the platform's JSON.
func (c *limitedConn) Write(p []byte) (int, error) {
	code, body, ok := plainError(p)
	if !ok {
		return c.Conn.Write(p)
	}
	var js []byte
	switch code {
	case http.StatusRequestHeaderFieldsTooLarge:
		js = headerTooLargeBody
	case http.StatusBadRequest:
		js = fastifyClientError(code, "Client Error")
	default:
		js = fastifyClientError(code, body)
	}
	if _, err := c.Conn.Write(cannedResponse(code, "application/json", js, "")); err != nil {
		return 0, err
	}
	return len(p), nil
}

// plainErrorHeaders follow the status line of the error answers net/http
// writes itself, in one Write straight to the connection, when it cannot
// read a request. A response from a handler always has a Date header and
// its headers in another order, so it never matches.
const plainErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// plainError reads p as one of net/http's own error answers, "HTTP/1.1
// CODE TEXT" + plainErrorHeaders + body, returning the code and the body
// without its leading code.
func plainError(p []byte) (code int, body string, ok bool) {
	rest, found := bytes.CutPrefix(p, []byte("HTTP/1.1 "))
	if !found || len(rest) < 4 || rest[3] != ' ' {
		return 0, "", false
	}
	line := bytes.IndexByte(rest, '\r')
	if line < 0 || !bytes.HasPrefix(rest[line:], []byte(plainErrorHeaders)) {
		return 0, "", false
	}
	code, err := strconv.Atoi(string(rest[:3]))
	if err != nil || code < 400 || code > 599 {
		return 0, "", false
	}
	b := rest[line+len(plainErrorHeaders):]
	b = bytes.TrimPrefix(b, rest[:4]) // "431 "
	return code, string(b), true
}

// cannedResponse is a whole HTTP/1.1 response, closing the connection,
// with body; extra holds more header lines.
func cannedResponse(code int, contentType string, body []byte, extra string) []byte {
	head := fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Type: %s\r\n%sConnection: close\r\nContent-Length: %d\r\n\r\n",
		code, http.StatusText(code), contentType, extra, len(body))
	return append([]byte(head), body...)
}

package decide

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// This file is the HTTP/1.1 server behind Serve: a connection loop made
// for short requests with short answers, which does per request one read
// and, unless more requests are already buffered (pipelining), one write,
// and no more. net/http's server costs about 30 µs of CPU per request
// more on the machine of BENCHMARKS.md, mostly in the goroutine it starts
// to watch each connection for a client that goes away; that is most of
// a /decide request's cost, so Serve does without it. Handler still
// serves the same routes under any http.Server.
//
// It speaks HTTP/1.0 and 1.1 with keep-alive and pipelining, request
// bodies by Content-Length or chunked (up to maxBody), Expect:
// 100-continue, and the bounds of Config (see Serve). It writes every
// response with a Content-Length. It does not speak HTTP/2 or TLS (put a
// proxy in front for those), and a handler's request has no context that
// ends when the client goes away (its requests are short). A request it
// cannot read is answered as the platform's server (Fastify) answers:
// 400 {"error":"Bad Request","message":"Client Error","statusCode":400},
// 431 for a head over Config.MaxHeaderBytes, 413 for a body over maxBody,
// and the connection is closed.

// maxBody bounds a request body, as Fastify's default body limit (1 MiB).
const maxBody = 1 << 20

// httpServer serves the connections of one listener.
type httpServer struct {
	s        *Server
	handler  http.Handler
	conns    *connLimiter
	shutdown atomic.Bool
	wg       sync.WaitGroup // the connections' goroutines
	// accepting, when not nil, is closed when the accept loop (serve) has
	// returned: close waits for it before wg, so that no wg.Add can race
	// with wg.Wait.
	accepting chan struct{}

	mu   sync.Mutex
	live map[*conn1]struct{} // mu
}

// conn1 is one connection and the memory it reuses from request to
// request.
type conn1 struct {
	srv    *httpServer
	nc     net.Conn // as accepted (a *limitedConn)
	raw    net.Conn // the connection under it, written to directly
	br     *bufio.Reader
	bw     *bufio.Writer
	remote string
	idle   atomic.Bool // waiting for a request, so Shutdown may close it

	readDL, writeDL time.Time // the deadlines set last
	now             time.Time // when the current request came (serve)

	headBuf []byte
	vals    [16]string // backing of the request header's values
	req     http.Request
	url     url.URL
	hd      head
	w       respWriter
	body    bodyReader
}

func (hs *httpServer) serve(ln net.Listener) error {
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if hs.shutdown.Load() {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// Out of file descriptors and the like: wait a little, as net/http does.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		c := hs.newConn(nc)
		hs.wg.Add(1)
		go func() {
			defer hs.wg.Done()
			c.serve()
		}()
	}
}

func (hs *httpServer) newConn(nc net.Conn) *conn1 {
	c := &conn1{srv: hs, nc: nc, raw: nc, remote: nc.RemoteAddr().String()}
	if lc, ok := nc.(*limitedConn); ok {
		c.raw = lc.Conn
	}
	rw := newRawIO(c.raw)
	c.br = bufio.NewReaderSize(rw, 4096)
	c.bw = bufio.NewWriterSize(rw, 8192)
	c.w.c = c
	c.w.h = http.Header{}
	hs.mu.Lock()
	hs.live[c] = struct{}{}
	hs.mu.Unlock()
	return c
}

// close shuts the server down: no new connection is accepted, idle ones
// are closed at once and busy ones after their request; it waits for
// them until ctx is done, then closes those left.
func (hs *httpServer) close(ctx context.Context, ln net.Listener) error {
	hs.shutdown.Store(true)
	_ = ln.Close()
	done := make(chan struct{})
	go func() {
		if hs.accepting != nil {
			<-hs.accepting
		}
		hs.wg.Wait()
		close(done)
	}()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		hs.mu.Lock()
		for c := range hs.live {
			if c.idle.Load() {
				_ = c.raw.SetReadDeadline(aLongTimeAgo)
			}
		}
		hs.mu.Unlock()
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			hs.mu.Lock()
			for c := range hs.live {
				_ = c.raw.Close()
			}
			hs.mu.Unlock()
			return ctx.Err()
		case <-tick.C:
		}
	}
}

var aLongTimeAgo = time.Unix(1, 0)

func (c *conn1) serve() {
	defer func() {
		if v := recover(); v != nil {
			// As net/http does: the request's connection is dropped, the
			// server goes on.
			c.srv.s.log.Error("experimentd: panic serving a request; its connection is closed", "remote", c.remote, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		}
		c.srv.mu.Lock()
		delete(c.srv.live, c)
		c.srv.mu.Unlock()
		_ = c.nc.Close()
	}()
	cfg := &c.srv.s.cfg
	wait := cfg.RequestTimeout // for the first request; IdleTimeout between requests
	for {
		// The clock is read when the connection goes idle and when a
		// request comes; the Date header and the idle mark reuse c.now.
		if c.br.Buffered() == 0 { // no pipelined request waiting
			c.now = time.Now()
			c.setState(http.StateIdle, wait == cfg.IdleTimeout)
			if c.srv.shutdown.Load() {
				return
			}
			c.readDeadline(c.now.Add(wait), time.Second)
			if _, err := c.br.Peek(1); err != nil {
				return
			}
			c.setState(http.StateActive, false)
		}
		c.now = time.Now()
		// RequestTimeout to read the request and to write its answer. A
		// head already whole in the buffer cannot block, so it needs no
		// deadline of its own (serveOne sets one for a body still to
		// come); the write deadline moves at most once a second.
		if !headBuffered(c.br) {
			c.readDeadline(c.now.Add(cfg.RequestTimeout), 0)
		}
		if want := c.now.Add(cfg.RequestTimeout); c.writeDL.Before(want.Add(-time.Second)) {
			_ = c.raw.SetWriteDeadline(want)
			c.writeDL = want
		}
		keep, err := c.serveOne()
		if err != nil || !keep {
			_ = c.bw.Flush()
			c.lingerClose()
			return
		}
		if c.br.Buffered() == 0 && c.bw.Flush() != nil {
			return
		}
		wait = cfg.IdleTimeout
	}
}

// readDeadline sets the read deadline to t, unless the one set is no more
// than slack earlier than t.
func (c *conn1) readDeadline(t time.Time, slack time.Duration) {
	if c.readDL.Before(t.Add(-slack)) || c.readDL.After(t) {
		_ = c.raw.SetReadDeadline(t)
		c.readDL = t
	}
}

// headBuffered reports whether br holds a whole request head already
// (leading blank lines aside), which reading cannot block on.
func headBuffered(br *bufio.Reader) bool {
	b, _ := br.Peek(br.Buffered())
	for len(b) > 0 && (b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	return bytes.Contains(b, []byte("\n\r\n")) || bytes.Contains(b, []byte("\n\n"))
}

// setState tells the connection limiter whether c is idle, and marks it
// for Shutdown. A connection before its first request is not idle: it
// has not been served yet.
func (c *conn1) setState(st http.ConnState, idle bool) {
	c.idle.Store(st == http.StateIdle)
	if c.srv.conns == nil {
		return
	}
	if st == http.StateIdle && !idle {
		return
	}
	c.srv.conns.markIdle(c.nc, st == http.StateIdle, c.now)
}

// lingerClose half-closes the connection and reads what the client still
// sends for a moment, so that closing does not reset the connection
// before the client has read the answer.
func (c *conn1) lingerClose() {
	if cw, ok := c.raw.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		_ = c.raw.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		_, _ = io.Copy(io.Discard, io.LimitReader(c.raw, 256<<10))
	}
}

// serveOne reads one request and answers it. It reports whether the
// connection stays open.
func (c *conn1) serveOne() (bool, error) {
	s := c.srv.s
	text, err := c.readHead(s.cfg.MaxHeaderBytes)
	if err != nil {
		switch {
		case errors.Is(err, errHeadTooLarge):
			c.writeCanned(http.StatusRequestHeaderFieldsTooLarge, headerTooLargeBody)
		case errors.Is(err, bufio.ErrBufferFull), errors.Is(err, io.ErrUnexpectedEOF):
			c.writeCanned(http.StatusBadRequest, badRequestBody)
		}
		return false, err
	}
	h := c.w.reqHeader()
	clear(c.vals[:])
	if err := parseHead(text, h, &c.hd, c.vals[:]); err != nil {
		var he *headError
		if errors.As(err, &he) {
			c.writeCanned(he.code, fastifyClientError(he.code, he.msg))
		}
		return false, err
	}
	hd := &c.hd
	if hd.contentLength > maxBody {
		c.writeCanned(http.StatusRequestEntityTooLarge, bodyTooLargeBody)
		return false, errBodyTooLarge
	}
	if hd.chunked || hd.contentLength > int64(c.br.Buffered()) {
		c.readDeadline(c.now.Add(s.cfg.RequestTimeout), 0) // a body still to come
	}
	if hd.expectContinue && (hd.contentLength > 0 || hd.chunked) {
		_, _ = c.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
		if err := c.bw.Flush(); err != nil {
			return false, err
		}
	}
	c.url = url.URL{Path: hd.path, RawPath: hd.rawPath, RawQuery: hd.query}
	c.body.reset(c.br, hd.contentLength, hd.chunked)
	c.req = http.Request{
		Method: hd.method, URL: &c.url, Proto: hd.proto, ProtoMajor: 1, ProtoMinor: hd.minor,
		Header: h, Host: hd.host, RemoteAddr: c.remote, RequestURI: hd.target, Close: hd.close,
		ContentLength: max(hd.contentLength, 0), Body: &c.body,
	}
	if hd.chunked {
		c.req.ContentLength = -1
		c.req.TransferEncoding = transferChunked
	}
	if hd.contentLength <= 0 && !hd.chunked {
		c.req.Body = http.NoBody
	}
	c.w.start(&c.req)
	c.srv.handler.ServeHTTP(&c.w, &c.req)
	keep := c.w.finish()
	if !c.body.drain() {
		keep = false // a body too large or broken to skip: the next request cannot be found
	}
	return keep && !c.srv.shutdown.Load(), nil
}

var transferChunked = []string{"chunked"}

var (
	badRequestBody   = fastifyClientError(http.StatusBadRequest, "Client Error")
	bodyTooLargeBody = []byte(`{"statusCode":413,"code":"FST_ERR_CTP_BODY_TOO_LARGE","error":"Payload Too Large","message":"Request body is too large"}`)
	errBodyTooLarge  = errors.New("decide: request body too large")
)

// readHead reads a request line and headers, up to and without the blank
// line, as one string, failing with errHeadTooLarge past limit bytes.
// Blank lines before the request line are skipped (RFC 9112, 2.2).
func (c *conn1) readHead(limit int) (string, error) {
	buf := c.headBuf[:0]
	lineStart := 0
	for {
		frag, err := c.br.ReadSlice('\n')
		if len(buf)+len(frag) > limit {
			return "", errHeadTooLarge
		}
		buf = append(buf, frag...)
		switch {
		case err == bufio.ErrBufferFull:
			continue // the line goes on
		case err != nil:
			if len(buf) > 0 && errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
		line := buf[lineStart:]
		if blank := len(line) == 1 || (len(line) == 2 && line[0] == '\r'); !blank {
			lineStart = len(buf)
			continue
		}
		if lineStart == 0 {
			buf = buf[:0]
			continue
		}
		text := string(buf[:lineStart])
		if cap(buf) <= 16<<10 {
			c.headBuf = buf
		} else {
			c.headBuf = nil // a rare large head: do not keep its memory
		}
		return text, nil
	}
}

// writeCanned writes a whole error response that closes the connection.
func (c *conn1) writeCanned(code int, body []byte) {
	b := appendStatusLine(nil, code)
	b = append(b, "Content-Type: application/json\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\nConnection: close\r\n\r\n"...)
	b = append(b, body...)
	_, _ = c.bw.Write(b)
}

// respWriter is the http.ResponseWriter of a conn1's current request. It
// holds the body until the handler returns, then writes the whole
// response with a Content-Length.
type respWriter struct {
	c    *conn1
	h    http.Header // the response's
	reqH http.Header // the request's, reused
	r    *http.Request
	code int
	body []byte
	done bool // written whole by writeDirect
	keep bool // writeDirect's verdict

	scratchBuf [64]byte
}

// reqHeader returns an empty request header map, reused.
func (w *respWriter) reqHeader() http.Header {
	if w.reqH == nil || len(w.reqH) > 64 {
		w.reqH = http.Header{}
	} else {
		clear(w.reqH)
	}
	return w.reqH
}

func (w *respWriter) start(r *http.Request) {
	clear(w.h)
	w.r, w.code, w.body, w.done = r, 0, w.body[:0], false
}

func (w *respWriter) Header() http.Header { return w.h }

func (w *respWriter) WriteHeader(code int) {
	if w.code == 0 && code >= 200 && code <= 999 {
		w.code = code
	}
}

func (w *respWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	if w.r.Method == http.MethodHead || w.code == http.StatusNoContent || w.code == http.StatusNotModified {
		return len(p), nil
	}
	w.body = append(w.body, p...)
	return len(p), nil
}

// writeDirect writes a whole response with no headers but its content
// type and the server's own, straight into the connection's buffer: the
// path of Server.send, which skips the header map. It returns the
// connection's verdict as finish does.
func (w *respWriter) writeDirect(code int, contentType []string, body []byte) {
	w.done, w.code = true, code
	w.keep = !w.r.Close && !w.c.srv.shutdown.Load()
	b := w.c.bw
	_, _ = b.Write(appendStatusLine(w.c.scratch(), code))
	for _, v := range contentType { // the server's own values: no CR or LF to drop
		_, _ = b.WriteString("Content-Type: ")
		_, _ = b.WriteString(v)
		_, _ = b.WriteString("\r\n")
	}
	_, _ = b.WriteString("Content-Length: ")
	_, _ = b.Write(strconv.AppendInt(w.c.scratch(), int64(len(body)), 10))
	_, _ = b.WriteString("\r\nDate: ")
	_, _ = b.Write(httpDate(w.c.now))
	if w.keep {
		_, _ = b.WriteString("\r\nConnection: keep-alive\r\nKeep-Alive: ")
		_, _ = b.WriteString(w.c.srv.s.keepAlive[0])
		_, _ = b.WriteString("\r\n\r\n")
	} else {
		_, _ = b.WriteString("\r\nConnection: close\r\n\r\n")
	}
	if w.r.Method != http.MethodHead {
		_, _ = b.Write(body)
	}
}

// finish writes the response, unless writeDirect has, and reports
// whether the connection may stay open.
func (w *respWriter) finish() bool {
	if w.done {
		return w.keep
	}
	if w.code == 0 {
		w.code = http.StatusOK
	}
	keep := !w.r.Close && !w.c.srv.shutdown.Load()
	for _, v := range w.h["Connection"] {
		if v == "close" {
			keep = false
		}
	}
	b := w.c.bw
	_, _ = b.Write(appendStatusLine(w.c.scratch(), w.code))
	writeHeader(b, "Content-Type", w.h["Content-Type"])
	if w.code != http.StatusNoContent && w.code != http.StatusNotModified {
		if cl := w.h["Content-Length"]; len(cl) == 1 && w.r.Method == http.MethodHead {
			writeHeader(b, "Content-Length", cl) // HEAD: the length of the GET's body
		} else {
			_, _ = b.WriteString("Content-Length: ")
			_, _ = b.Write(strconv.AppendInt(w.c.scratch(), int64(len(w.body)), 10))
			_, _ = b.WriteString("\r\n")
		}
	}
	_, _ = b.WriteString("Date: ")
	_, _ = b.Write(httpDate(w.c.now))
	_, _ = b.WriteString("\r\n")
	if keep {
		writeHeader(b, "Connection", w.h["Connection"])
		writeHeader(b, "Keep-Alive", w.h["Keep-Alive"])
	} else {
		_, _ = b.WriteString("Connection: close\r\n")
	}
	for k := range w.h {
		if !finishWrites(k) {
			w.writeOtherHeaders()
			break
		}
	}
	_, _ = b.WriteString("\r\n")
	_, _ = b.Write(w.body)
	if cap(w.body) > maxPooledBuf {
		w.body = nil
	}
	return keep
}

// writeOtherHeaders writes the headers finish does not write itself, in
// name order.
func (w *respWriter) writeOtherHeaders() {
	keys := make([]string, 0, len(w.h))
	for k := range w.h {
		if !finishWrites(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		writeHeader(w.c.bw, k, w.h[k])
	}
}

// finishWrites reports whether finish writes (or drops) header k itself.
func finishWrites(k string) bool {
	switch k {
	case "Content-Type", "Content-Length", "Connection", "Keep-Alive", "Date", "Transfer-Encoding":
		return true
	}
	return false
}

// writeHeader writes a header's values, each on its line, dropping any
// CR or LF in them.
func writeHeader(b *bufio.Writer, name string, values []string) {
	for _, v := range values {
		_, _ = b.WriteString(name)
		_, _ = b.WriteString(": ")
		if strings.ContainsAny(v, "\r\n") {
			v = strings.NewReplacer("\r", "", "\n", "").Replace(v)
		}
		_, _ = b.WriteString(v)
		_, _ = b.WriteString("\r\n")
	}
}

// scratch returns a small buffer of c's for formatting.
func (c *conn1) scratch() []byte { return c.w.scratchBuf[:0] }

// statusLines are the status lines of the codes the server writes.
var statusLines sync.Map // int -> []byte

func appendStatusLine(dst []byte, code int) []byte {
	if code == http.StatusOK { // most answers: without the map's look-up
		return append(dst, "HTTP/1.1 200 OK\r\n"...)
	}
	if v, ok := statusLines.Load(code); ok {
		return append(dst, v.([]byte)...)
	}
	line := []byte("HTTP/1.1 " + strconv.Itoa(code) + " " + http.StatusText(code) + "\r\n")
	statusLines.Store(code, line)
	return append(dst, line...)
}

// httpDate is the Date header's value at now, formatted once a second.
func httpDate(now time.Time) []byte {
	sec := now.Unix()
	if d := currentDate.Load(); d != nil && d.sec == sec {
		return d.text
	}
	d := &dateText{sec: sec, text: now.UTC().AppendFormat(nil, http.TimeFormat)}
	currentDate.Store(d)
	return d.text
}

type dateText struct {
	sec  int64
	text []byte
}

var currentDate atomic.Pointer[dateText]

// bodyReader reads a request body, by length or chunked, up to maxBody.
type bodyReader struct {
	br        *bufio.Reader
	remaining int64 // of the body, or of the current chunk
	chunked   bool
	done      bool
	err       error
	total     int64
}

func (b *bodyReader) reset(br *bufio.Reader, length int64, chunked bool) {
	*b = bodyReader{br: br, remaining: max(length, 0), chunked: chunked}
	b.done = !chunked && length <= 0
}

var errBadChunk = errors.New("decide: malformed chunked body")

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.done {
		return 0, io.EOF
	}
	if b.chunked && b.remaining == 0 {
		if err := b.nextChunk(); err != nil {
			b.err = err
			return 0, err
		}
		if b.done {
			return 0, io.EOF
		}
	}
	if int64(len(p)) > b.remaining {
		p = p[:b.remaining]
	}
	n, err := b.br.Read(p)
	b.remaining -= int64(n)
	b.total += int64(n)
	if b.total > maxBody {
		b.err = errBodyTooLarge
		return n, b.err
	}
	if b.remaining == 0 && !b.chunked {
		b.done = true
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		b.err = err
	}
	return n, err
}

// nextChunk reads a chunk's size line (and, after a chunk, its CRLF); a
// zero size ends the body, after its trailers.
func (b *bodyReader) nextChunk() error {
	if b.total > 0 {
		if crlf, err := b.br.ReadSlice('\n'); err != nil || len(trimCRLF(crlf)) != 0 {
			return errBadChunk
		}
	}
	line, err := b.br.ReadSlice('\n')
	if err != nil {
		return errBadChunk
	}
	size := trimCRLF(line)
	if i := indexByte(size, ';'); i >= 0 {
		size = size[:i] // chunk extensions are ignored
	}
	n, err := strconv.ParseUint(string(size), 16, 63)
	if err != nil || len(size) == 0 {
		return errBadChunk
	}
	if n == 0 {
		for { // trailers, up to the blank line
			t, err := b.br.ReadSlice('\n')
			if err != nil {
				return errBadChunk
			}
			if len(trimCRLF(t)) == 0 {
				break
			}
		}
		b.done = true
		return nil
	}
	if int64(n) > maxBody {
		return errBodyTooLarge
	}
	b.remaining = int64(n)
	return nil
}

func trimCRLF(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func (b *bodyReader) Close() error { return nil }

// drain reads what is left of the body so that the next request can be
// read, and reports whether it could.
func (b *bodyReader) drain() bool {
	if b.done && b.err == nil {
		return true
	}
	if b.err != nil {
		return false
	}
	_, err := io.Copy(io.Discard, b)
	return err == nil
}

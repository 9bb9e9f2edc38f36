package decide

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
)

// Header values, shared by every response (net/http only reads them).
var (
	hdrJSON      = []string{"application/json; charset=utf-8"}
	hdrJSONPlain = []string{"application/json"} // as Fastify writes its client errors
	hdrText      = []string{"text/plain; version=0.0.4; charset=utf-8"}
	hdrKeepAlive = []string{"keep-alive"}
	hdrClose     = []string{"close"}
	hdrOne       = []string{"1"}
)

// contentLengths holds the Content-Length header values of bodies under
// len(contentLengths) bytes, made on first use (128 KiB of pointers), so
// that a response does not allocate one.
var contentLengths [16 << 10]atomic.Pointer[[]string]

func contentLength(n int) []string {
	if n >= len(contentLengths) {
		return []string{strconv.Itoa(n)}
	}
	if v := contentLengths[n].Load(); v != nil {
		return *v
	}
	v := []string{strconv.Itoa(n)}
	contentLengths[n].Store(&v) // a race stores an equal value
	return v
}

// send writes a whole response as the platform's server does: the
// content type, a Content-Length, and on a connection that stays open
// Connection: keep-alive with the Keep-Alive timeout. A HEAD request gets
// the headers alone. It returns code.
func (s *Server) send(w http.ResponseWriter, r *http.Request, code int, contentType []string, body []byte) int {
	if rw, ok := w.(*respWriter); ok && len(rw.h) == 0 {
		rw.writeDirect(code, contentType, body) // Serve's connection loop
		return code
	}
	h := w.Header()
	h["Content-Type"] = contentType
	if code != http.StatusNotModified {
		h["Content-Length"] = contentLength(len(body))
	}
	if !r.Close && h["Connection"] == nil {
		h["Connection"] = hdrKeepAlive
		h["Keep-Alive"] = s.keepAlive
	}
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return code
}

// bufPool holds response buffers.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooledBuf bounds the buffers kept for reuse.
const maxPooledBuf = 64 << 10

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) <= maxPooledBuf {
		*b = (*b)[:0]
		bufPool.Put(b)
	}
}

// sendError writes the JSON error {"error": msg}, the shape of the
// platform's own errors.
func (s *Server) sendError(w http.ResponseWriter, r *http.Request, code int, msg string) int {
	b := getBuf()
	defer putBuf(b)
	*b = append(*b, `{"error":`...)
	*b = appendJSString(*b, msg)
	*b = append(*b, '}')
	return s.send(w, r, code, hdrJSON, *b)
}

// notFound answers a route the server does not have, as the platform's
// router does: 404 {"message":"Route GET:/nope not found","error":"Not
// Found","statusCode":404}, naming the method and the request target as
// sent, query included.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) int {
	b := getBuf()
	defer putBuf(b)
	*b = append(*b, `{"message":`...)
	*b = appendJSString(*b, "Route "+r.Method+":"+latin1(r.RequestURI)+" not found")
	*b = append(*b, `,"error":"Not Found","statusCode":404}`...)
	return s.send(w, r, http.StatusNotFound, hdrJSON, *b)
}

// fastifyClientError is the body Fastify writes for a request it cannot
// read: {"error": status text, "message": msg, "statusCode": code}.
func fastifyClientError(code int, msg string) []byte {
	b := append([]byte(`{"error":`), appendJSString(nil, http.StatusText(code))...)
	b = append(b, `,"message":`...)
	b = appendJSString(b, msg)
	b = append(b, `,"statusCode":`...)
	b = strconv.AppendInt(b, int64(code), 10)
	return append(b, '}')
}

// headerTooLargeBody is the platform's 431 body.
var headerTooLargeBody = fastifyClientError(http.StatusRequestHeaderFieldsTooLarge, "Exceeded maximum allowed HTTP header size")

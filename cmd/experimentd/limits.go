package main

import (
	"fmt"
	"net/http"
)

// Defaults of the bounds. A decide request is a short GET whose context
// holds a few attributes, so 32 KiB of context and 64 KiB of request line
// and headers leave ample room (common proxies allow 8 to 16 KiB a line).
// The worst a client can do with them is hold every connection with an
// unfinished 64 KiB request line for -request-timeout, about 130 KiB of
// memory each (measured: see QUALITY.md), so the default -max-conns keeps
// that under about 270 MB; a request being answered adds tens of KiB at
// most, and each rate-limited client about 300 bytes.
const (
	defaultMaxHeaderBytes  = 64 << 10
	defaultMaxContextBytes = 32 << 10
	defaultMaxInflight     = 512
	defaultMaxConns        = 2048
	defaultRateClients     = 100_000
)

// bound applies the per-request bounds before next:
//   - 431 when the request line and headers are over -max-header-bytes
//     (net/http cuts requests a little larger itself; see connLimiter);
//   - 503 when -max-inflight requests are being answered already, except
//     for /health, so a probe still answers on a busy server.
//
// The context parameter's own bound (414) is checked by decide.
func (s *server) bound(next http.Handler) http.Handler {
	inflight := make(chan struct{}, s.opts.maxInflight)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := headSize(r); n > s.opts.maxHeaderBytes {
			w.Header().Set("Connection", "close")
			writeJSON(w, http.StatusRequestHeaderFieldsTooLarge, errorBody{fmt.Sprintf("Request line and headers are over the %d-byte limit", s.opts.maxHeaderBytes)})
			return
		}
		if r.URL.Path != "/health" {
			select {
			case inflight <- struct{}{}:
				defer func() { <-inflight }()
			default:
				w.Header().Set("Retry-After", "1")
				writeJSON(w, http.StatusServiceUnavailable, errorBody{"Too many requests in flight; retry shortly"})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// headSize is the size of r's request line and headers as sent (HTTP/1),
// give or take the spelling of header names.
func headSize(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2
	if r.Host != "" {
		n += len("Host: ") + len(r.Host) + 2
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + 2 + len(v) + 2
		}
	}
	return n + 2
}

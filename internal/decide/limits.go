package decide

import (
	"fmt"
	"net/http"
)

// bound applies the per-request bounds before next:
//   - 431 when the request line and headers are over Config.MaxHeaderBytes
//     (net/http cuts requests a little larger itself; see connLimiter);
//   - 503 when Config.MaxInflight requests are being answered already, except
//     for /health, so a probe still answers on a busy server.
//
// The context parameter's own bound (414) is checked by decide.
func (s *Server) bound(next http.Handler) http.Handler {
	inflight := make(chan struct{}, s.cfg.MaxInflight)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := headSize(r); n > s.cfg.MaxHeaderBytes {
			w.Header().Set("Connection", "close")
			writeJSON(w, http.StatusRequestHeaderFieldsTooLarge, errorBody{fmt.Sprintf("Request line and headers are over the %d-byte limit", s.cfg.MaxHeaderBytes)})
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

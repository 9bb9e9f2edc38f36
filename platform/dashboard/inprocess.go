package dashboard

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
)

// remoteKey carries the dashboard user's address (the incoming request's
// RemoteAddr) in the context of the API calls made for that request.
type remoteKey struct{}

func withRemote(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, remoteKey{}, addr)
}

// handlerTransport serves API requests by calling an http.Handler in the
// same process, so a dashboard mounted beside the API needs no socket. The
// request the handler sees has the dashboard user's RemoteAddr, so the
// API's per-client rules (the decide rate limit) apply to that user, not
// to the dashboard as a whole.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	in := req.Clone(req.Context())
	in.RequestURI = req.URL.RequestURI()
	in.Host = req.URL.Host
	if in.Body == nil {
		in.Body = http.NoBody
	}
	if addr, ok := req.Context().Value(remoteKey{}).(string); ok {
		in.RemoteAddr = addr
	} else {
		in.RemoteAddr = "127.0.0.1:0"
	}
	rec := &recorder{header: http.Header{}}
	t.h.ServeHTTP(rec, in)
	rec.WriteHeader(http.StatusOK) // a handler that wrote nothing
	return &http.Response{
		Status:        strconv.Itoa(rec.code) + " " + http.StatusText(rec.code),
		StatusCode:    rec.code,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        rec.sent,
		Body:          io.NopCloser(bytes.NewReader(rec.body.Bytes())),
		ContentLength: int64(rec.body.Len()),
		Request:       req,
	}, nil
}

// recorder is the http.ResponseWriter handlerTransport gives the handler.
// It keeps at most maxAPIResponse+1 bytes: call reports anything longer.
type recorder struct {
	header http.Header
	sent   http.Header // the header as it was at WriteHeader
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code, r.sent = code, r.header.Clone()
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	if room := maxAPIResponse + 1 - r.body.Len(); room > 0 {
		r.body.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

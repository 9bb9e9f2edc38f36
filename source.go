package experiment

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// ErrNotModified is returned (possibly wrapped) by a Source's Fetch when
// the config has not changed since the last Fetch that returned bytes.
var ErrNotModified = errors.New("experiment: config not modified")

// A Source fetches the bytes of a config for Watch. Fetch returns the
// config's current bytes, or an error wrapping ErrNotModified when they have
// not changed since the last Fetch that returned bytes (a Source may also
// return the same bytes again: they are parsed again). Any other error is a
// failed fetch: the last good config keeps serving.
//
// Watch calls Fetch from one goroutine at a time, so a Source needs no
// locking of its own. A Source that also implements fmt.Stringer is named
// by its String method in errors and logs.
type Source interface {
	Fetch(ctx context.Context) ([]byte, error)
}

// SourceFunc adapts a function to the Source interface, so that any store
// can be a Source in a few lines.
type SourceFunc func(ctx context.Context) ([]byte, error)

// Fetch calls f(ctx).
func (f SourceFunc) Fetch(ctx context.Context) ([]byte, error) { return f(ctx) }

// sourceName names a Source for errors and logs.
func sourceName(s Source) string {
	if st, ok := s.(fmt.Stringer); ok {
		return st.String()
	}
	return fmt.Sprintf("%T", s)
}

// FileSource returns a Source that reads the config file at path. It
// reports ErrNotModified while the file's identity, size and modification
// time are unchanged (and that time is more than two seconds older than
// the last read, as file system clocks are coarse), and also when the file
// has the same contents as the last one read. It follows symbolic links on every Fetch, so it
// sees in-place writes, a new file renamed over path, and the symbolic
// link swap of Kubernetes ConfigMap volumes.
//
// An in-place write can be read half-written; such a config usually fails
// to parse, keeping the last good one, and the finished write is read on a
// later Fetch. Writing a temporary file and renaming it over path avoids
// that. Files larger than MaxConfigSize fail with ErrTooLarge.
func FileSource(path string) Source {
	return &fileSource{path: path}
}

type fileSource struct {
	path   string
	last   os.FileInfo // of the last file read
	readAt time.Time   // when it was read
	sum    [sha256.Size]byte
}

// racyWindow is how long after a file's modification time its size and
// time are not trusted to tell a change: file systems take modification
// times from a coarse clock, so a same-size rewrite within one tick keeps
// the time (git calls this "racily clean"). Within the window the file is
// read and its hash compared.
const racyWindow = 2 * time.Second

func (s *fileSource) String() string { return s.path }

func (s *fileSource) Fetch(ctx context.Context) ([]byte, error) {
	fi, err := os.Stat(s.path)
	if err != nil {
		return nil, err
	}
	if s.last != nil && os.SameFile(fi, s.last) && fi.Size() == s.last.Size() && fi.ModTime().Equal(s.last.ModTime()) &&
		s.readAt.Sub(fi.ModTime()) > racyWindow {
		return nil, ErrNotModified
	}
	readAt := time.Now()
	f, err := os.Open(s.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := readLimited(f, MaxConfigSize)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.path, err)
	}
	s.last, s.readAt = fi, readAt
	sum := sha256.Sum256(data)
	if sum == s.sum {
		return nil, ErrNotModified
	}
	s.sum = sum
	return data, nil
}

// readLimited reads all of r, failing with ErrTooLarge past limit bytes.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return buf.Bytes(), nil
}

// HTTPOptions configures HTTPSource. The zero value means all defaults.
type HTTPOptions struct {
	// Client makes the requests. Default: a client with the default
	// transport, which verifies TLS certificates. Set one with a custom
	// tls.Config to trust a private CA; do not turn verification off.
	Client *http.Client

	// Timeout bounds each request, body included. Default: 10 seconds.
	Timeout time.Duration

	// MaxBytes caps the body; a larger one fails with ErrTooLarge.
	// Default: MaxConfigSize.
	MaxBytes int64

	// Header is added to every request, for credentials such as
	// Authorization. The source sets If-None-Match and If-Modified-Since
	// itself.
	Header http.Header
}

// HTTPSource returns a Source that fetches the config from an HTTP(S) URL:
// an object in S3, MinIO or GCS (public or presigned), a CDN, any web
// server. It sends If-None-Match with the last ETag and If-Modified-Since
// with the last Last-Modified, so an unchanged config costs a 304 and no
// parse. A status other than 200 or 304, a timeout, a truncated body and a
// body over MaxBytes are errors; the ETag is only remembered from a complete
// 200 response. opts may be nil.
func HTTPSource(url string, opts *HTTPOptions) Source {
	s := &httpSource{url: url}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Client == nil {
		s.opts.Client = &http.Client{}
	}
	if s.opts.Timeout <= 0 {
		s.opts.Timeout = 10 * time.Second
	}
	if s.opts.MaxBytes <= 0 {
		s.opts.MaxBytes = MaxConfigSize
	}
	return s
}

type httpSource struct {
	url          string
	opts         HTTPOptions
	etag         string
	lastModified string
}

func (s *httpSource) String() string { return s.url }

func (s *httpSource) Fetch(ctx context.Context) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range s.opts.Header {
		req.Header[k] = v
	}
	if s.etag != "" {
		req.Header.Set("If-None-Match", s.etag)
	}
	if s.lastModified != "" {
		req.Header.Set("If-Modified-Since", s.lastModified)
	}
	resp, err := s.opts.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		return nil, ErrNotModified
	default:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return nil, fmt.Errorf("GET %s: unexpected status %s", s.url, resp.Status)
	}
	if resp.ContentLength > s.opts.MaxBytes {
		return nil, fmt.Errorf("GET %s: %w: Content-Length %d is over the limit of %d bytes", s.url, ErrTooLarge, resp.ContentLength, s.opts.MaxBytes)
	}
	data, err := readLimited(resp.Body, s.opts.MaxBytes)
	if err != nil {
		return nil, fmt.Errorf("GET %s: reading the body: %w", s.url, err)
	}
	s.etag = resp.Header.Get("ETag")
	s.lastModified = resp.Header.Get("Last-Modified")
	return data, nil
}

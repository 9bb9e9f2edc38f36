package experiment

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
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
	return &httpSource{url: url, opts: httpDefaults(opts)}
}

// httpDefaults returns opts (nil for none) with its defaults filled in.
func httpDefaults(opts *HTTPOptions) HTTPOptions {
	var o HTTPOptions
	if opts != nil {
		o = *opts
	}
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = MaxConfigSize
	}
	return o
}

type httpSource struct {
	url          string
	opts         HTTPOptions
	etag         string
	lastModified string
}

func (s *httpSource) String() string { return s.url }

func (s *httpSource) Fetch(ctx context.Context) ([]byte, error) {
	cond := http.Header{}
	if s.etag != "" {
		cond.Set("If-None-Match", s.etag)
	}
	if s.lastModified != "" {
		cond.Set("If-Modified-Since", s.lastModified)
	}
	data, hdr, err := s.opts.get(ctx, s.url, cond, s.opts.MaxBytes)
	if err != nil {
		return nil, err
	}
	s.etag = hdr.Get("ETag")
	s.lastModified = hdr.Get("Last-Modified")
	return data, nil
}

// errNotFound is a 404, which SnapshotSource answers by trying the other
// layout.
var errNotFound = errors.New("not found")

// get makes one GET with the options' timeout, client and headers plus
// extra, and reads the body up to limit bytes. A 304 is ErrNotModified; a
// status other than 200 is an error.
func (o *HTTPOptions) get(ctx context.Context, url string, extra http.Header, limit int64) ([]byte, http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range o.Header {
		req.Header[k] = v
	}
	for k, v := range extra {
		req.Header[k] = v
	}
	resp, err := o.Client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		return nil, nil, ErrNotModified
	default:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		err := fmt.Errorf("GET %s: unexpected status %s", url, resp.Status)
		if resp.StatusCode == http.StatusNotFound {
			err = fmt.Errorf("%w: %w", errNotFound, err)
		}
		return nil, nil, err
	}
	if resp.ContentLength > limit {
		return nil, nil, fmt.Errorf("GET %s: %w: Content-Length %d is over the limit of %d bytes", url, ErrTooLarge, resp.ContentLength, limit)
	}
	data, err := readLimited(resp.Body, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: reading the body: %w", url, err)
	}
	return data, resp.Header, nil
}

// SnapshotSource returns a Source for the platform seed's storage layout,
// given the URL of one environment's folder, such as
// https://storage.example.com/experiment-configs/configs/prod/ (public, or
// behind a CDN or proxy that signs requests). On each Fetch it reads
// version.json ({"version": N}) there, and only when N is greater than the
// version it last returned does it fetch the snapshot:
// snapshots/latest.json, where the platform publishes it, or latest.json
// when that is absent (404). A snapshot whose version is not greater is
// ErrNotModified, so a stale latest.json is fetched again on the next poll.
// opts may be nil; MaxBytes caps the snapshot.
func SnapshotSource(dirURL string, opts *HTTPOptions) Source {
	return &snapshotSource{opts: httpDefaults(opts), dir: strings.TrimSuffix(dirURL, "/") + "/"}
}

type snapshotSource struct {
	opts HTTPOptions
	dir  string
	last float64 // the version last returned
	have bool
}

func (s *snapshotSource) String() string { return s.dir }

func (s *snapshotSource) Fetch(ctx context.Context) ([]byte, error) {
	data, _, err := s.opts.get(ctx, s.dir+"version.json", nil, 64<<10)
	if err != nil {
		return nil, err
	}
	version, err := snapshotVersion(data)
	if err != nil {
		return nil, fmt.Errorf("%sversion.json: %w", s.dir, err)
	}
	if s.have && version <= s.last {
		return nil, ErrNotModified
	}
	data, _, err = s.opts.get(ctx, s.dir+"snapshots/latest.json", nil, s.opts.MaxBytes)
	if errors.Is(err, errNotFound) {
		data, _, err = s.opts.get(ctx, s.dir+"latest.json", nil, s.opts.MaxBytes)
	}
	if err != nil {
		return nil, err
	}
	if got, err := snapshotVersion(data); err == nil {
		if s.have && got <= s.last {
			return nil, ErrNotModified // not replaced yet: try again next poll
		}
		version = got
	} // else Parse reports what is wrong with the snapshot
	s.last, s.have = version, true
	return data, nil
}

// snapshotVersion reads the version of version.json or of a snapshot.
func snapshotVersion(data []byte) (float64, error) {
	var v struct {
		Version *float64 `json:"version"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return 0, err
	}
	if v.Version == nil {
		return 0, errors.New(`no "version" number`)
	}
	return *v.Version, nil
}

package experiment

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/inprocess/experiment/internal/wire"
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
// that. Files larger than MaxConfigSize fail with ErrTooLarge. Anything
// but a regular file (after links are followed) is an error, and the file
// is opened without blocking, so a named pipe or device at path cannot hang
// a reload.
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
	if err := regularFile(s.path, fi); err != nil {
		return nil, err
	}
	if s.last != nil && os.SameFile(fi, s.last) && fi.Size() == s.last.Size() && fi.ModTime().Equal(s.last.ModTime()) &&
		s.readAt.Sub(fi.ModTime()) > racyWindow {
		return nil, ErrNotModified
	}
	readAt := time.Now()
	f, err := openRegular(s.path)
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

// openRegular opens path for reading without blocking (opening a named
// pipe with no writer would wait for one forever) and checks that what it
// opened is a regular file, as the path may have changed since a Stat.
func openRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		err = regularFile(path, fi)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// regularFile refuses anything but a regular file: a directory, a named
// pipe, a device or a socket can block a read or never end.
func regularFile(path string, fi os.FileInfo) error {
	if fi.Mode().IsRegular() {
		return nil
	}
	what := "not a regular file"
	switch t := fi.Mode().Type(); {
	case t&os.ModeDir != 0:
		what = "a directory"
	case t&os.ModeNamedPipe != 0:
		what = "a named pipe (FIFO)"
	case t&os.ModeDevice != 0 || t&os.ModeCharDevice != 0:
		what = "a device"
	case t&os.ModeSocket != 0:
		what = "a socket"
	}
	return fmt.Errorf("%s is %s; a config must be a regular file", path, what)
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

	// CrossHostRedirects lets a redirect to another host (or port) be
	// followed, with none of Header sent there. By default such a redirect
	// is an error, so that credentials in Header never reach another host.
	// A redirect from https to http is always an error. Set it only for
	// stores that redirect to a CDN by design.
	CrossHostRedirects bool
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
	client := http.Client{}
	if o.Client != nil {
		client = *o.Client // a copy: the caller's client is not changed
	}
	if client.CheckRedirect == nil {
		client.CheckRedirect = o.checkRedirect
	}
	o.Client = &client
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = MaxConfigSize
	}
	return o
}

// checkRedirect allows a redirect on the same host; to another host only
// with CrossHostRedirects, and then without Header; never from https to
// http; and at most 10 in a row.
func (o *HTTPOptions) checkRedirect(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	switch {
	case len(via) >= 10:
		return errors.New("stopped after 10 redirects")
	case first.Scheme == "https" && req.URL.Scheme != "https":
		return fmt.Errorf("refusing a redirect from https to %s", req.URL.Scheme)
	case canonicalHost(req.URL) == canonicalHost(first):
		return nil
	case !o.CrossHostRedirects:
		return fmt.Errorf("refusing a redirect to another host (%s); set HTTPOptions.CrossHostRedirects to follow it without credentials", req.URL.Host)
	}
	for k := range o.Header {
		req.Header.Del(k)
	}
	return nil
}

// canonicalHost is a URL's lower-case host with its port, the default one
// written out.
func canonicalHost(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return strings.ToLower(u.Hostname()) + ":" + port
}

type httpSource struct {
	url          string
	opts         HTTPOptions
	etag         string
	lastModified string
}

// String names the source by its URL, redacted (see redactURL).
func (s *httpSource) String() string { return redactURL(s.url) }

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
func (o *HTTPOptions) get(ctx context.Context, rawURL string, extra http.Header, limit int64) ([]byte, http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", redactURL(rawURL), errors.Unwrap(err))
	}
	for k, v := range o.Header {
		req.Header[k] = v
	}
	for k, v := range extra {
		req.Header[k] = v
	}
	resp, err := o.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = redactURL(ue.URL)
		}
		return nil, nil, err
	}
	defer resp.Body.Close()
	shown := redactURL(rawURL)
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		return nil, nil, ErrNotModified
	default:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		err := fmt.Errorf("GET %s: unexpected status %s", shown, resp.Status)
		if resp.StatusCode == http.StatusNotFound {
			err = fmt.Errorf("%w: %w", errNotFound, err)
		}
		return nil, nil, err
	}
	if resp.ContentLength > limit {
		return nil, nil, fmt.Errorf("GET %s: %w: Content-Length %d is over the limit of %d bytes", shown, ErrTooLarge, resp.ContentLength, limit)
	}
	data, err := readLimited(resp.Body, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: reading the body: %w", shown, err)
	}
	if closeDelimited(resp) && !looksLikeJSON(data) && !yamlDocumentEnded(data) {
		return nil, nil, fmt.Errorf("GET %s: the response has no Content-Length and is not chunked, so a body cut short cannot be told from a whole one; send a Content-Length, or end a YAML config with a \"...\" line", shown)
	}
	return data, resp.Header, nil
}

// closeDelimited reports whether an HTTP/1 response's body ends where the
// connection closes (no Content-Length, not chunked): then a body cut
// short looks complete. JSON cannot be cut short and still parse; YAML
// can.
func closeDelimited(resp *http.Response) bool {
	return resp.ProtoMajor == 1 && resp.ContentLength < 0 && !resp.Uncompressed &&
		!slices.Contains(resp.TransferEncoding, "chunked")
}

// yamlDocumentEnded reports whether a YAML text ends with the document end
// marker "...", on a line of its own.
func yamlDocumentEnded(data []byte) bool {
	data = bytes.TrimRight(data, " \t\r\n")
	return bytes.HasSuffix(data, []byte("\n...")) || bytes.Equal(data, []byte("..."))
}

// redactURL returns a URL fit for errors, logs and status pages: a password
// in it is replaced with "xxxxx" and every query value with "REDACTED", as
// presigned URLs carry their signature and credentials in the query. A URL
// that does not parse is replaced whole.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(a URL that does not parse)"
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q[k] = []string{"REDACTED"}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
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

// String names the source by its folder URL, redacted (see redactURL).
func (s *snapshotSource) String() string { return redactURL(s.dir) }

func (s *snapshotSource) Fetch(ctx context.Context) ([]byte, error) {
	data, _, err := s.opts.get(ctx, s.dir+wire.VersionName, nil, 64<<10)
	if err != nil {
		return nil, err
	}
	version, err := wire.ParseVersion(data)
	if err != nil {
		return nil, fmt.Errorf("%sversion.json: %w", redactURL(s.dir), err)
	}
	if s.have && version <= s.last {
		return nil, ErrNotModified
	}
	data, _, err = s.opts.get(ctx, s.dir+wire.LatestName, nil, s.opts.MaxBytes)
	if errors.Is(err, errNotFound) {
		data, _, err = s.opts.get(ctx, s.dir+wire.LegacyLatestName, nil, s.opts.MaxBytes)
	}
	if err != nil {
		return nil, err
	}
	got, err := wire.ParseVersion(data)
	if err != nil {
		return data, nil // Parse reports what is wrong with it; the next version is fetched
	}
	if s.have && got <= s.last {
		return nil, ErrNotModified // not replaced yet: try again next poll
	}
	s.last, s.have = got, true
	return data, nil
}

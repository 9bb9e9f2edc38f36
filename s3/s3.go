// Package s3 provides experiment Sources that read configs, with
// credentials, from a private Amazon S3 bucket or an S3-compatible store
// (MinIO, Ceph, Cloudflare R2, ...).
//
// It is a module of its own, github.com/inprocess/experiment/s3, built on
// github.com/minio/minio-go/v7, so that the experiment module itself stays
// free of an S3 client. For a public object, or one behind a CDN or a
// presigned URL, experiment.HTTPSource and experiment.SnapshotSource need no
// extra module.
//
// Object polls one config object; Snapshots polls the platform's published
// snapshots under a prefix. Both are meant for experiment.Watch:
//
//	src, err := s3.Snapshots("configs/prod/", s3.Options{Bucket: "experiment-configs", Region: "eu-west-1"})
//	if err != nil {
//		log.Fatal(err)
//	}
//	live, err := experiment.Watch(ctx, src, &experiment.WatchOptions{Interval: 30 * time.Second})
package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/internal/wire"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// Options configures Object and Snapshots. The zero value is not usable, as
// Bucket is required; every other field defaults as documented.
type Options struct {
	// Endpoint is the store's host, with an optional port and no scheme,
	// such as "s3.eu-west-1.amazonaws.com" or "minio.internal:9000".
	// Default: "s3.amazonaws.com".
	Endpoint string

	// Insecure sends requests over plain HTTP instead of HTTPS. Requests
	// are still signed, but the config can be read and altered on the way:
	// use it only for a local store or a trusted network. Default: false,
	// HTTPS with certificates verified.
	Insecure bool

	// Region is the bucket's region, such as "eu-west-1". Default: the
	// region in an AWS Endpoint's name, else looked up once with
	// GetBucketLocation (which needs the s3:GetBucketLocation permission);
	// set it to save that request.
	Region string

	// Bucket is the bucket's name. Required; Object and Snapshots check
	// that it is a valid bucket name.
	Bucket string

	// AccessKeyID, SecretAccessKey and SessionToken are static
	// credentials; SessionToken is only for temporary credentials. Set
	// both keys or neither, and a SessionToken only with them.
	//
	// Default (both keys empty): the standard AWS chain, tried in order on
	// the first request and again whenever its credentials expire:
	//  1. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
	//     AWS_SESSION_TOKEN (or AWS_ACCESS_KEY and AWS_SECRET_KEY);
	//  2. the shared credentials and config files (AWS_SHARED_CREDENTIALS_FILE
	//     and AWS_CONFIG_FILE, default ~/.aws/credentials and ~/.aws/config),
	//     profile AWS_PROFILE or "default";
	//  3. an IAM role: web identity (AWS_WEB_IDENTITY_TOKEN_FILE, as on EKS),
	//     container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or
	//     _FULL_URI, as on ECS), else the EC2 instance metadata service.
	// When none of them yields credentials, requests are anonymous, which
	// only a public bucket allows (the error then says so), and the chain
	// is tried again on each request.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string

	// Timeout bounds each request to the store, including the credential
	// lookup it may need, minio-go's retries of network errors and 5xx
	// responses, and reading the body. Default: 10 seconds.
	Timeout time.Duration

	// MaxBytes caps a config object; a larger one fails with an error
	// wrapping experiment.ErrTooLarge, before its body is downloaded when
	// the store reports its size. Default: experiment.MaxConfigSize.
	MaxBytes int64

	// Transport makes the HTTP requests. Default: minio-go's default
	// transport, which verifies TLS certificates. Set an *http.Transport
	// with its own tls.Config to trust a private CA; do not turn
	// verification off.
	Transport http.RoundTripper
}

// client is a store and the options, with defaults applied.
type client struct {
	core  minio.Core
	opts  Options
	chain *chain // the AWS chain, or nil for static credentials
}

func newClient(opts Options) (*client, error) {
	if opts.Bucket == "" {
		return nil, errors.New("s3: Options.Bucket is required")
	}
	if err := s3utils.CheckValidBucketName(opts.Bucket); err != nil {
		return nil, fmt.Errorf("s3: Options.Bucket %q: %w", opts.Bucket, err)
	}
	if (opts.AccessKeyID == "") != (opts.SecretAccessKey == "") {
		return nil, errors.New("s3: set both Options.AccessKeyID and Options.SecretAccessKey, or neither to use the AWS credential chain")
	}
	if opts.SessionToken != "" && opts.AccessKeyID == "" {
		return nil, errors.New("s3: Options.SessionToken needs Options.AccessKeyID and Options.SecretAccessKey")
	}
	if opts.Endpoint == "" {
		opts.Endpoint = "s3.amazonaws.com"
	}
	if strings.Contains(opts.Endpoint, "://") || strings.Contains(opts.Endpoint, "/") {
		return nil, fmt.Errorf("s3: Options.Endpoint %q must be a host[:port], with no scheme or path (set Options.Insecure for plain HTTP)", opts.Endpoint)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = experiment.MaxConfigSize
	}
	c := &client{opts: opts}
	var creds *credentials.Credentials
	if opts.AccessKeyID != "" {
		creds = credentials.NewStaticV4(opts.AccessKeyID, opts.SecretAccessKey, opts.SessionToken)
	} else {
		c.chain = &chain{Chain: credentials.Chain{Providers: []credentials.Provider{
			&credentials.EnvAWS{},
			&credentials.FileAWSCredentials{},
			&credentials.IAM{},
		}}}
		creds = credentials.New(c.chain)
	}
	mc, err := minio.New(opts.Endpoint, &minio.Options{
		Creds:     creds,
		Secure:    !opts.Insecure,
		Region:    opts.Region,
		Transport: opts.Transport,
	})
	if err != nil {
		return nil, fmt.Errorf("s3: %w", err)
	}
	c.core = minio.Core{Client: mc}
	return c, nil
}

// chain is the AWS credential chain. It remembers whether its last lookup
// found nothing, so that requests went out anonymous, to say so in errors.
type chain struct {
	credentials.Chain
	anonymous atomic.Bool // set by the credentials' goroutine, read by Fetch's
}

func (c *chain) RetrieveWithCredContext(cc *credentials.CredContext) (credentials.Value, error) {
	v, err := c.Chain.RetrieveWithCredContext(cc)
	c.anonymous.Store(v.SignerType.IsAnonymous())
	return v, err
}

func (c *chain) Retrieve() (credentials.Value, error) {
	return c.RetrieveWithCredContext(nil)
}

// url names an object for errors and logs.
func (c *client) url(key string) string { return "s3://" + c.opts.Bucket + "/" + key }

// get makes one GET of key, conditional on etag when it is not empty, and
// reads the body up to limit bytes. It returns the body and its ETag; an
// unchanged object is ErrNotModified. Other errors wrap minio.ErrorResponse
// when the store answered with one.
func (c *client) get(parent context.Context, key, etag string, limit int64) ([]byte, string, error) {
	ctx, cancel := context.WithTimeout(parent, c.opts.Timeout)
	defer cancel()
	var o minio.GetObjectOptions
	if etag != "" {
		if err := o.SetMatchETagExcept(etag); err != nil {
			return nil, "", fmt.Errorf("s3: GET %s: %w", c.url(key), err)
		}
	}
	body, info, _, err := c.core.GetObject(ctx, c.opts.Bucket, key, o)
	if err != nil {
		return nil, "", c.describe(parent, key, err)
	}
	defer body.Close()
	if info.Size > limit {
		return nil, "", fmt.Errorf("s3: GET %s: %w: %d bytes, over the limit of %d", c.url(key), experiment.ErrTooLarge, info.Size, limit)
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, "", fmt.Errorf("s3: GET %s: reading the body: %w", c.url(key), c.timedOut(parent, err))
	}
	if n > limit {
		return nil, "", fmt.Errorf("s3: GET %s: %w: more than %d bytes", c.url(key), experiment.ErrTooLarge, limit)
	}
	if info.Size >= 0 && n != info.Size {
		return nil, "", fmt.Errorf("s3: GET %s: truncated body: %d of %d bytes", c.url(key), n, info.Size)
	}
	return buf.Bytes(), info.ETag, nil
}

// describe turns a failed GET into an error that names the object and the
// store's error code, and says when the request went out anonymous. parent
// is the context of the Fetch.
func (c *client) describe(parent context.Context, key string, err error) error {
	var resp minio.ErrorResponse
	if !errors.As(err, &resp) {
		return fmt.Errorf("s3: GET %s: %w", c.url(key), c.timedOut(parent, err))
	}
	if resp.StatusCode == http.StatusNotModified {
		return experiment.ErrNotModified
	}
	hint := ""
	if c.chain != nil && c.chain.anonymous.Load() && (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized) {
		hint = " (no credentials were found, so the request was anonymous: set Options.AccessKeyID and Options.SecretAccessKey, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or an IAM role)"
	}
	if resp.Code == "" || resp.Code == resp.Message {
		return fmt.Errorf("s3: GET %s: %w%s", c.url(key), err, hint)
	}
	return fmt.Errorf("s3: GET %s: %s: %w%s", c.url(key), resp.Code, err, hint)
}

// timedOut says how long a request that ran out of Options.Timeout had;
// parent is the context of the Fetch, whose own deadline is not the
// timeout's.
func (c *client) timedOut(parent context.Context, err error) error {
	if errors.Is(err, context.DeadlineExceeded) && parent.Err() == nil {
		return fmt.Errorf("no answer within the timeout of %v: %w", c.opts.Timeout, err)
	}
	return err
}

// isMissing reports whether a GET failed because the object does not
// exist. S3 answers AccessDenied instead of NoSuchKey to a caller without
// the s3:ListBucket permission, so that counts too.
func isMissing(err error) bool {
	var resp minio.ErrorResponse
	return errors.As(err, &resp) && (resp.Code == minio.NoSuchKey || resp.Code == minio.AccessDenied)
}

// Object returns a Source for one config object in opts.Bucket: a YAML or
// JSON config, or a published snapshot, whatever experiment.Parse accepts.
// Each Fetch is one conditional GET (If-None-Match with the ETag of the
// last body returned), so an unchanged object costs a 304 with no body and
// is reported as experiment.ErrNotModified. The ETag is only remembered
// from a complete body of at most MaxBytes.
//
// Object fails only on an empty key or Options it cannot use (no valid
// Bucket, one key without the other, an Endpoint with a scheme); it makes
// no request, so a missing object or wrong credentials show up in the first
// Fetch, which is Watch's first load. Later changes to opts have no effect.
//
// The Source names itself "s3://BUCKET/KEY" in errors and logs. Like every
// Source, it is not safe for concurrent calls of Fetch; Watch makes one at
// a time.
func Object(key string, opts Options) (experiment.Source, error) {
	if key == "" {
		return nil, errors.New("s3: Object needs a key")
	}
	c, err := newClient(opts)
	if err != nil {
		return nil, err
	}
	return &objectSource{c: c, key: key}, nil
}

type objectSource struct {
	c    *client
	key  string
	etag string // of the last body returned
}

// String returns "s3://BUCKET/KEY".
func (s *objectSource) String() string { return s.c.url(s.key) }

// Fetch returns the object's bytes, or ErrNotModified if its ETag is the
// one last returned.
func (s *objectSource) Fetch(ctx context.Context) ([]byte, error) {
	data, etag, err := s.c.get(ctx, s.key, s.etag, s.c.opts.MaxBytes)
	if err != nil {
		return nil, err
	}
	s.etag = etag
	return data, nil
}

// Snapshots returns a Source for the platform seed's storage layout under
// prefix in opts.Bucket, such as "configs/prod/" (a missing final slash is
// added; an empty prefix is the bucket's root). It mirrors
// experiment.SnapshotSource, with signed requests:
//
// On each Fetch it reads PREFIX/version.json ({"version": N}), and only when
// N is greater than the version it last returned does it fetch the
// snapshot: PREFIX/snapshots/latest.json, where the platform publishes it,
// or PREFIX/latest.json when that does not exist (NoSuchKey, or
// AccessDenied, which S3 answers instead to a caller without
// s3:ListBucket). A snapshot whose own "version" is not greater than the
// last returned is stale, and is experiment.ErrNotModified; it is fetched
// again on the next poll. A snapshot without a readable version is
// returned, numbered N, for Parse to report what is wrong with it.
//
// Every GET is conditional on the ETag of the object's last complete read,
// so an unchanged version.json costs a 304 and no body, and so does a stale
// latest.json that has not been replaced yet. version.json may be at most
// 64 KiB, a snapshot Options.MaxBytes.
//
// Snapshots fails only on Options it cannot use, as Object does; it makes
// no request. The Source
// names itself "s3://BUCKET/PREFIX" in errors and logs. Like every Source,
// it is not safe for concurrent calls of Fetch; Watch makes one at a time.
func Snapshots(prefix string, opts Options) (experiment.Source, error) {
	c, err := newClient(opts)
	if err != nil {
		return nil, err
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return &snapshotSource{c: c, prefix: prefix}, nil
}

// snapshotLayouts are the snapshot's keys under the prefix, in the order
// tried.
var snapshotLayouts = [...]string{wire.LatestName, wire.LegacyLatestName}

type snapshotSource struct {
	c      *client
	prefix string

	versionETag string  // of the last version.json read
	version     float64 // the version it said

	snapETags [len(snapshotLayouts)]string // of the last snapshot read at each key, if its version was readable

	last float64 // the version last returned
	have bool    // whether a version was returned
}

// String returns "s3://BUCKET/PREFIX".
func (s *snapshotSource) String() string { return s.c.url(s.prefix) }

// Fetch returns the newest snapshot if its version is greater than the one
// last returned, and ErrNotModified otherwise.
func (s *snapshotSource) Fetch(ctx context.Context) ([]byte, error) {
	key := s.prefix + wire.VersionName
	data, etag, err := s.c.get(ctx, key, s.versionETag, 64<<10)
	switch {
	case errors.Is(err, experiment.ErrNotModified):
		// s.version is still what version.json says
	case err != nil:
		return nil, err
	default:
		v, err := wire.ParseVersion(data)
		if err != nil {
			return nil, fmt.Errorf("s3: %s: %w", s.c.url(key), err)
		}
		s.versionETag, s.version = etag, v
	}
	version := s.version
	if s.have && version <= s.last {
		return nil, experiment.ErrNotModified
	}

	var firstErr error
	for i, layout := range snapshotLayouts {
		data, etag, err = s.c.get(ctx, s.prefix+layout, s.snapETags[i], s.c.opts.MaxBytes)
		if errors.Is(err, experiment.ErrNotModified) {
			// The same bytes as the last read at this key, which were
			// stale (or returned, and are now older than version.json).
			return nil, experiment.ErrNotModified
		}
		if err == nil {
			got, verr := wire.ParseVersion(data)
			if verr != nil {
				// Parse reports what is wrong with it. Nothing is
				// remembered, so it is read again (and reported again)
				// until a good version replaces it.
				s.snapETags[i] = ""
				return data, nil
			}
			s.snapETags[i] = etag
			if s.have && got <= s.last {
				return nil, experiment.ErrNotModified // not replaced yet: try again next poll
			}
			s.last, s.have = got, true
			return data, nil
		}
		if !isMissing(err) {
			break
		}
		if firstErr == nil {
			firstErr = err
		} else {
			err = fmt.Errorf("%w; %w", firstErr, err)
		}
	}
	return nil, err
}

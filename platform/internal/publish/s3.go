package publish

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/internal/wire"
	"github.com/inprocess/experiment/s3"
)

// S3Options configures NewS3. Bucket is required.
type S3Options struct {
	// Bucket and Prefix place the layout: key K is the object PREFIX+K.
	// A Prefix that is not empty ends in "/" (one is added).
	Bucket string
	Prefix string
	// Endpoint, Insecure, Region and the static keys are as in package
	// s3's Options; with no keys, credentials come from the standard AWS
	// chain (environment, shared files, IAM role), as there.
	Endpoint        string
	Insecure        bool
	Region          string
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// Timeout bounds each request. Default: 30 seconds.
	Timeout time.Duration
}

// ParseS3URL reads a -store value s3://BUCKET/PREFIX into Bucket and
// Prefix.
func ParseS3URL(raw string) (bucket, prefix string, err error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", "", fmt.Errorf("publish: %q is not an s3://BUCKET/PREFIX URL", raw)
	}
	prefix = strings.TrimPrefix(u.Path, "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return u.Host, prefix, nil
}

// S3 is a Bucket in S3 or an S3-compatible store, written with minio-go
// and read back through package s3, whose credential handling it shares.
type S3 struct {
	opts   S3Options
	client *minio.Client
}

// NewS3 returns the Bucket. It makes no request: a missing bucket or
// wrong credentials fail the first publish.
func NewS3(opts S3Options) (*S3, error) {
	if opts.Bucket == "" {
		return nil, errors.New("publish: S3Options.Bucket is required")
	}
	if opts.Prefix != "" && !strings.HasSuffix(opts.Prefix, "/") {
		opts.Prefix += "/"
	}
	if opts.Endpoint == "" {
		opts.Endpoint = "s3.amazonaws.com"
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if (opts.AccessKeyID == "") != (opts.SecretAccessKey == "") {
		return nil, errors.New("publish: set both the S3 access key id and secret access key, or neither to use the AWS credential chain")
	}
	// The same credentials as package s3 uses for reading: static keys,
	// else the AWS chain.
	var creds *credentials.Credentials
	if opts.AccessKeyID != "" {
		creds = credentials.NewStaticV4(opts.AccessKeyID, opts.SecretAccessKey, opts.SessionToken)
	} else {
		creds = credentials.NewChainCredentials([]credentials.Provider{
			&credentials.EnvAWS{}, &credentials.FileAWSCredentials{}, &credentials.IAM{},
		})
	}
	c, err := minio.New(opts.Endpoint, &minio.Options{Creds: creds, Secure: !opts.Insecure, Region: opts.Region})
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	return &S3{opts: opts, client: c}, nil
}

// String returns s3://BUCKET/PREFIX.
func (b *S3) String() string { return "s3://" + b.opts.Bucket + "/" + b.opts.Prefix }

func (b *S3) readOptions(timeout time.Duration) s3.Options {
	return s3.Options{
		Endpoint: b.opts.Endpoint, Insecure: b.opts.Insecure, Region: b.opts.Region, Bucket: b.opts.Bucket,
		AccessKeyID: b.opts.AccessKeyID, SecretAccessKey: b.opts.SecretAccessKey, SessionToken: b.opts.SessionToken,
		Timeout: timeout,
	}
}

// Put uploads body with content type application/json.
func (b *S3) Put(ctx context.Context, key string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, b.opts.Timeout)
	defer cancel()
	_, err := b.client.PutObject(ctx, b.opts.Bucket, b.opts.Prefix+key, bytes.NewReader(body), int64(len(body)),
		minio.PutObjectOptions{ContentType: "application/json"})
	if err != nil {
		return fmt.Errorf("publish: PUT s3://%s/%s%s: %w", b.opts.Bucket, b.opts.Prefix, key, err)
	}
	return nil
}

// Get downloads key through package s3.
func (b *S3) Get(ctx context.Context, key string) ([]byte, error) {
	src, err := s3.Object(b.opts.Prefix+key, b.readOptions(b.opts.Timeout))
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	data, err := src.Fetch(ctx)
	var resp minio.ErrorResponse
	if errors.As(err, &resp) && resp.Code == minio.NoSuchKey {
		return nil, fmt.Errorf("publish: %w: %w", fs.ErrNotExist, err)
	}
	return data, err
}

// Source is package s3's Snapshots over env's folder.
func (b *S3) Source(env string, timeout time.Duration) (experiment.Source, error) {
	return s3.Snapshots(b.opts.Prefix+wire.EnvPrefix(env), b.readOptions(timeout))
}

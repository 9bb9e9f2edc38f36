// Package publish writes the platform's published snapshots in its
// storage layout (see package wire): to a directory, or to an S3 bucket,
// and records each publish in the store.
package publish

import (
	"context"
	"time"

	"github.com/inprocess/experiment"
)

// Bucket is where snapshots are published: a directory or an S3 bucket.
// Implementations are safe for concurrent use.
type Bucket interface {
	// Put stores body under key, replacing what was there; a reader sees
	// the old bytes or the new, never a mix.
	Put(ctx context.Context, key string, body []byte) error
	// Get returns the bytes under key, or an error wrapping
	// fs.ErrNotExist when there are none.
	Get(ctx context.Context, key string) ([]byte, error)
	// Source returns an experiment.Source over environment env's folder
	// of the layout, for experiment.Watch: what a decision service or the
	// library reads. timeout bounds each request.
	Source(env string, timeout time.Duration) (experiment.Source, error)
	// String names the bucket in logs and errors (with no credentials).
	String() string
}

package main

import (
	"log/slog"
	"time"

	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/internal/decide"
	"github.com/inprocess/experiment/platform/internal/publish"
)

// newDecision is the decision service: experimentd's server
// (internal/decide) over the bucket the control plane publishes to, each
// environment discovered on its first request and read back through the
// storage layout with the library's own readers, never from the control
// plane's memory. An environment requested before its first publish is
// retried on later requests (at most once a second), so a first publish
// is served without waiting for a poll; after that, version.json is
// polled every poll.
func newDecision(bucket publish.Bucket, poll time.Duration, log *slog.Logger) (*decide.Server, error) {
	return decide.New(decide.Config{
		Discover: func(env string) (experiment.Source, error) { return bucket.Source(env, 10*time.Second) },
		Interval: poll,
		Logger:   log,
	})
}

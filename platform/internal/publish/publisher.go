package publish

import (
	"context"
	"errors"
	"fmt"

	"github.com/inprocess/experiment/internal/wire"
	"github.com/inprocess/experiment/platform/internal/store"
)

// Publisher publishes environments: it builds each snapshot from the
// store, writes it to the bucket, and records it, as Store.Publish
// describes. It is safe for concurrent use.
type Publisher struct {
	Store  *store.Store
	Bucket Bucket
}

// Publish publishes the environment with id environmentID and returns the
// snapshot's bytes. The objects are written one after the other: the
// numbered snapshot, then snapshots/latest.json, then version.json, so a
// reader that sees version N finds snapshot N. A failed write fails the
// publish, records nothing and leaves the version number unused; objects
// already written are overwritten by the next publish.
func (p *Publisher) Publish(ctx context.Context, environmentID string) ([]byte, error) {
	body, _, err := p.Store.Publish(ctx, environmentID, func(ctx context.Context, snap *wire.Snapshot) ([]byte, error) {
		body, err := snap.Encode()
		if err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
		env := snap.Environment
		for _, o := range []struct {
			key  string
			body []byte
		}{
			{wire.SnapshotKey(env, snap.Version), body},
			{wire.LatestKey(env), body},
			{wire.VersionKey(env), wire.VersionIndex{Version: snap.Version}.Encode()},
		} {
			if err := p.Bucket.Put(ctx, o.key, o.body); err != nil {
				return nil, err
			}
		}
		return body, nil
	})
	var se *store.StoreError
	if errors.As(err, &se) {
		return nil, se.Err
	}
	return body, err
}

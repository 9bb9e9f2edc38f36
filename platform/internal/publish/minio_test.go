package publish_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/inprocess/experiment/internal/wire"
	"github.com/inprocess/experiment/platform/internal/miniotest"
	"github.com/inprocess/experiment/platform/internal/publish"
	"github.com/inprocess/experiment/platform/internal/store"
	"github.com/inprocess/experiment/platform/internal/storetest"
)

// This test publishes to a real MinIO server on loopback when MINIO_BIN
// names a minio binary, and skips otherwise.

func TestMinIOPublishAndWatch(t *testing.T) {
	endpoint := miniotest.Start(t)
	ctx := context.Background()
	admin, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(miniotest.User, miniotest.Password, "")})
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.MakeBucket(ctx, "experiment-configs", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	b, err := publish.NewS3(publish.S3Options{Bucket: "experiment-configs", Prefix: "team", Endpoint: endpoint, Insecure: true,
		Region: "us-east-1", AccessKeyID: miniotest.User, SecretAccessKey: miniotest.Password})
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.Open(t, "sqlite", store.Options{})
	p := &publish.Publisher{Store: st, Bucket: b}
	env := runningEnv(t, st, "prod")
	watchVersions(t, b, "prod", func() {
		if _, err := p.Publish(ctx, env.ID); err != nil {
			t.Fatal(err)
		}
	})
	obj, err := admin.GetObject(ctx, "experiment-configs", "team/"+wire.VersionKey("prod"), minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(obj); err != nil {
		t.Fatal(err)
	}
	if buf.String() != `{"version":3}` {
		t.Errorf("team/configs/prod/version.json = %s, want {\"version\":3}", buf.String())
	}
	info, err := admin.StatObject(ctx, "experiment-configs", "team/"+wire.SnapshotKey("prod", 2), minio.StatObjectOptions{})
	if err != nil || info.ContentType != "application/json" {
		t.Errorf("snapshots/2.json: %v, content type %q; want application/json", err, info.ContentType)
	}
	got, err := b.Get(ctx, wire.LatestKey("prod"))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := wire.ParseVersion(got); v != 3 {
		t.Errorf("Get(latest.json) has version %v, want 3", v)
	}
	if _, err := b.Get(ctx, wire.LatestKey("nope")); err == nil {
		t.Error("Get of a missing key succeeded")
	}
	// A wrong secret fails the publish with the store's message.
	bad, _ := publish.NewS3(publish.S3Options{Bucket: "experiment-configs", Endpoint: endpoint, Insecure: true, Region: "us-east-1", AccessKeyID: miniotest.User, SecretAccessKey: "wrong"})
	_, err = (&publish.Publisher{Store: st, Bucket: bad}).Publish(ctx, env.ID)
	if err == nil {
		t.Fatal("publishing with a wrong secret succeeded")
	}
	t.Logf("publish error with a wrong secret: %v", err)
}

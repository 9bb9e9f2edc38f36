package s3_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/s3"
)

// A service in AWS follows the snapshots that the platform publishes for
// its environment in a private bucket. The credentials come from the AWS
// chain: the environment, ~/.aws or the instance's or task's IAM role.
// (It needs a bucket to run, so it has no Output.)
func ExampleSnapshots() {
	src, err := s3.Snapshots("configs/prod/", s3.Options{
		Bucket: "experiment-configs",
		Region: "eu-west-1",
	})
	if err != nil {
		log.Fatal(err)
	}
	live, err := experiment.Watch(context.Background(), src, &experiment.WatchOptions{
		Interval: 30 * time.Second,
		OnError:  func(err error) { log.Printf("experiments: reload failed, keeping the last config: %v", err) },
	})
	if err != nil {
		log.Fatal(err) // experiment: fetching s3://experiment-configs/configs/prod/: s3: GET ...
	}
	defer live.Close()

	user := experiment.ContextFor("user-42").With(map[string]any{"country": "US"})
	var p struct {
		Color string `json:"color"`
	}
	if raw := live.Payload("checkout-button-color", user); raw != nil {
		_ = json.Unmarshal(raw, &p)
	}
	fmt.Println(live.Version(), live.Feature("checkout-button-color", user), p.Color)
}

// A YAML config in a MinIO bucket, with static keys. Each poll is one
// conditional GET: an unchanged object costs a 304 and no parse.
// (It needs a server to run, so it has no Output.)
func ExampleObject() {
	src, err := s3.Object("flags/experiments.yaml", s3.Options{
		Endpoint:        "minio.internal:9000",
		Bucket:          "flags",
		Region:          "us-east-1",
		AccessKeyID:     os.Getenv("FLAGS_ACCESS_KEY"),
		SecretAccessKey: os.Getenv("FLAGS_SECRET_KEY"),
	})
	if err != nil {
		log.Fatal(err)
	}
	live, err := experiment.Watch(context.Background(), src, &experiment.WatchOptions{
		Parse: []experiment.Option{experiment.WithEnv("prod")},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer live.Close()
	fmt.Println(live.VariantFor("newCheckout", experiment.ContextFor("user-42")))
}

package store_test

import (
	"context"
	"testing"

	"github.com/inprocess/experiment/platform/internal/store"
	"github.com/inprocess/experiment/platform/internal/storetest"
)

func TestSmoke(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t, engine, store.Options{})
			env, err := s.CreateEnvironment(ctx, "prod")
			if err != nil {
				t.Fatal(err)
			}
			e, err := s.CreateExperiment(ctx, store.NewExperiment{Key: "k", Name: "n", EnvironmentID: env.ID, TargetingRules: []byte(`[]`)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.SetStatus(ctx, e.ID, store.Running); err != nil {
				t.Fatal(err)
			}
			got, err := s.GetExperiment(ctx, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%+v", got)
		})
	}
}

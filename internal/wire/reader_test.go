package wire_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/internal/wire"
)

// TestLibraryReadsEncodedSnapshot checks that the library evaluates what
// Encode writes: an inlined audience rule gates the experiment, and the
// allocation gives every bucket to one variant.
func TestLibraryReadsEncodedSnapshot(t *testing.T) {
	s := wire.Snapshot{
		Version: 4, Environment: "prod", PublishedAt: "2026-01-02T03:04:05.006Z",
		Experiments: []wire.Experiment{{
			ID: "e1", Key: "checkout", Salt: "salt-1",
			AudienceRules: json.RawMessage(`[{"conditions":[{"value":"US","operator":"eq","attribute":"country"}]}]`),
			Variants:      []wire.Variant{{ID: "v1", Key: "green", Payload: json.RawMessage(`{"color":"#00cc66"}`)}},
			Allocations:   []wire.Allocation{{VariantID: "v1", RangeStart: 0, RangeEnd: 9999}},
		}},
	}
	data, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	rs, err := experiment.Parse(data, experiment.WithEnv("prod"))
	if err != nil {
		t.Fatal(err)
	}
	if rs.Version() != 4 {
		t.Errorf("Version() = %d, want 4", rs.Version())
	}
	tests := []struct {
		name    string
		country string
		want    []experiment.Assignment
	}{
		{"in the audience", "US", []experiment.Assignment{{ExperimentKey: "checkout", ExperimentID: "e1", VariantKey: "green", VariantID: "v1", Payload: json.RawMessage(`{"color":"#00cc66"}`)}}},
		{"outside the audience", "FR", []experiment.Assignment{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rs.Assignments(experiment.ContextFor("user-1").With(map[string]any{"country": tt.country}))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Assignments (-want +got):\n%s", diff)
			}
		})
	}
}

package wire

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

// sampleSnapshot has every kind of field: rules with and without an
// audience, payloads null and nested, a dangling allocation, and strings
// that encoding/json would escape.
func sampleSnapshot() *Snapshot {
	return &Snapshot{
		Version:     7,
		Environment: "prod <eu>",
		PublishedAt: FormatTime(time.Date(2026, 12, 1, 18, 38, 20, 339_999_999, time.UTC)),
		Experiments: []Experiment{
			{
				ID:             "48b7d777-4496-493b-8883-212b838f4ba4",
				Key:            "checkout-button-color",
				Salt:           "0f7c1b7e-8a53-4a53-9d0c-2f1e4e0b9a11",
				AudienceRules:  json.RawMessage(`[{"conditions":[{"value":["US","CA"],"operator":"in","attribute":"country"}]}]`),
				TargetingRules: json.RawMessage(`[{"conditions":[{"operator":"eq","attribute":"plan"}]}]`),
				Variants: []Variant{
					{ID: "v-control", Key: "control", Payload: json.RawMessage(`{"color":"#0066cc","html":"<b>&</b>","sep":"\u2028"}`)},
					{ID: "v-treatment", Key: "treatment"},
				},
				Allocations: []Allocation{
					{VariantID: "v-control", RangeStart: 0, RangeEnd: 4999},
					{VariantID: "v-treatment", RangeStart: 5000, RangeEnd: 9999},
					{VariantID: "deleted-variant", RangeStart: 10, RangeEnd: 5},
				},
			},
			{ID: "e2", Key: "empty", Salt: "s2"},
		},
	}
}

func TestSnapshotEncodeGolden(t *testing.T) {
	got, err := sampleSnapshot().Encode()
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "snapshot.json", got)
}

func TestSnapshotRoundTrip(t *testing.T) {
	want, err := sampleSnapshot().Encode()
	if err != nil {
		t.Fatal(err)
	}
	var s Snapshot
	if err := json.Unmarshal(want, &s); err != nil {
		t.Fatal(err)
	}
	got, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("Encode(Unmarshal(Encode(s))) (-want +got):\n%s", diff)
	}
}

func TestSnapshotEncodeEmpty(t *testing.T) {
	got, err := (&Snapshot{Version: 1, Environment: "e", PublishedAt: "2026-01-02T03:04:05.006Z"}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":1,"environment":"e","publishedAt":"2026-01-02T03:04:05.006Z","experiments":[]}`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSnapshotEncodeInvalidRaw(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Snapshot)
		want string
	}{
		{"audience rules", func(s *Snapshot) { s.Experiments[1].AudienceRules = json.RawMessage(`[`) }, "wire: experiments[1].audienceRules: unexpected end of JSON input"},
		{"targeting rules", func(s *Snapshot) { s.Experiments[0].TargetingRules = json.RawMessage(`{x}`) }, "wire: experiments[0].targetingRules: invalid character 'x'"},
		{"payload", func(s *Snapshot) { s.Experiments[0].Variants[1].Payload = json.RawMessage(`1 2`) }, "wire: experiments[0].variants[1].payload: more than one JSON value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sampleSnapshot()
			tt.edit(s)
			got, err := s.Encode()
			if err == nil {
				t.Fatalf("Encode = %s, want an error", got)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFormatTime(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		{"truncated, not rounded", time.Date(2026, 12, 1, 18, 38, 20, 339_999_999, time.UTC), "2026-12-01T18:38:20.339Z"},
		{"always three digits", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "2026-01-02T03:04:05.000Z"},
		{"converted to UTC", time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.FixedZone("X", 2*3600)), "2026-01-02T01:04:05.006Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, FormatTime(tt.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecisionEncoding(t *testing.T) {
	d := Decision{
		UserKey: "user-123", Environment: "prod", ConfigVersion: 3,
		Assignments: []Assignment{
			{ExperimentKey: "k", ExperimentID: "e", VariantKey: "control", VariantID: "v", Payload: json.RawMessage(`{"color":"#0066cc"}`)},
			{ExperimentKey: "k2", ExperimentID: "e2", VariantKey: "on", VariantID: "v2"},
		},
	}
	got, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"user_key":"user-123","environment":"prod","config_version":3,"assignments":[` +
		`{"experiment_key":"k","experiment_id":"e","variant_key":"control","variant_id":"v","payload":{"color":"#0066cc"}},` +
		`{"experiment_key":"k2","experiment_id":"e2","variant_key":"on","variant_id":"v2","payload":null}]}`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

package experiment

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSnapshotParity evaluates testdata/snapshots/quirks.json, a published
// snapshot built to hit every quirk of doc.go's "Published snapshots", for users and contexts whose
// decide responses were computed under Node by a reference written from the
// platform's decision code (its assigner and evaluator, with the npm
// murmurhash 2.0.1 it uses; see testdata/snapshots/README.md), not by this
// library. Each response must match field for field.
func TestSnapshotParity(t *testing.T) {
	r, err := Load("testdata/snapshots/quirks.json")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/snapshots/quirks.expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		UserKey  string          `json:"user_key"`
		Context  json.RawMessage `json:"context"`
		Response any             `json:"response"`
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.UserKey+" "+string(tc.Context), func(t *testing.T) {
			var attrs map[string]any
			if err := json.Unmarshal(tc.Context, &attrs); err != nil {
				t.Fatal(err)
			}
			resp := map[string]any{
				"user_key":       tc.UserKey,
				"environment":    r.Env(),
				"config_version": r.Version(),
				"assignments":    r.Assignments(ContextFor(tc.UserKey).With(attrs)),
			}
			b, err := json.Marshal(resp)
			if err != nil {
				t.Fatal(err)
			}
			var got any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.Response, got); diff != "" {
				t.Errorf("decide response (-platform +ours):\n%s", diff)
			}
		})
	}
}

func TestSnapshotLoad(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantErr   error
		wantPath  string
		wantWarns []string
		wantEnv   string
		wantVer   int64
	}{
		{name: "empty snapshot", in: `{"version": 3, "environment": "prod", "experiments": []}`, wantEnv: "prod", wantVer: 3},
		{name: "no version", in: `{"environment": "dev", "experiments": []}`, wantEnv: "dev"},
		{name: "WithEnv does not rename", in: `{"environment": "prod", "experiments": []}`, wantEnv: "prod"},
		{name: "unknown keys are ignored with a warning", in: `{"version": 1, "experiments": [{"id": "e", "key": "k", "salt": "s", "status": "RUNNING", "variants": [], "allocations": []}], "extra": 1}`, wantVer: 1,
			wantWarns: []string{`1:69: experiments[0].status: key "status" is not part of a published experiment; it is ignored`, `1:127: extra: key "extra" is not part of a published snapshot; it is ignored`}},
		{name: "unknown operator warns", in: `{"experiments": [{"id": "e", "key": "k", "targetingRules": [{"conditions": [{"attribute": "a", "operator": "gte", "value": 1}]}]}]}`,
			wantWarns: []string{`1:77: experiments[0].targetingRules[0].conditions[0]: operator "gte" is not one of the platform's (eq, neq, in, notIn, contains, gt, lt): the condition is false for every user`}},
		{name: "allocation to an unknown variant warns", in: `{"experiments": [{"id": "e", "key": "k", "variants": [], "allocations": [{"variantId": "x", "rangeStart": 0, "rangeEnd": 9999}]}]}`,
			wantWarns: []string{`1:74: experiments[0].allocations[0]: the allocation names no variant of the experiment: users in its range get nothing from it`}},
		{name: "experiment without key", in: `{"experiments": [{"id": "e"}]}`, wantErr: ErrMissingKey, wantPath: "experiments[0]"},
		{name: "variant without id", in: `{"experiments": [{"id": "e", "key": "k", "variants": [{"key": "a"}]}]}`, wantErr: ErrMissingKey, wantPath: "experiments[0].variants[0]"},
		{name: "condition without attribute", in: `{"experiments": [{"id": "e", "key": "k", "audienceRules": [{"conditions": [{"operator": "eq", "value": 1}]}]}]}`, wantErr: ErrMissingKey, wantPath: "experiments[0].audienceRules[0].conditions[0]"},
		{name: "variants not a list", in: `{"experiments": [{"id": "e", "key": "k", "variants": {}}]}`, wantErr: ErrInvalidValue, wantPath: "experiments[0].variants"},
		{name: "fractional version", in: `{"version": 1.5, "experiments": []}`, wantErr: ErrInvalidValue, wantPath: "version"},
		{name: "duplicate key", in: `{"experiments": [{"id": "e", "id": "f", "key": "k"}]}`, wantErr: ErrDuplicateKey, wantPath: "experiments[0].id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse([]byte(tt.in), WithEnv("staging"))
			if tt.wantErr != nil {
				var ce *ConfigError
				if !errors.Is(err, tt.wantErr) || !errors.As(err, &ce) || ce.Path != tt.wantPath {
					t.Fatalf("Parse = %v; want %v at %s", err, tt.wantErr, tt.wantPath)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Env() != tt.wantEnv || r.Version() != tt.wantVer {
				t.Errorf("Env, Version = %q, %d; want %q, %d", r.Env(), r.Version(), tt.wantEnv, tt.wantVer)
			}
			var warns []string
			for _, w := range r.Warnings() {
				warns = append(warns, w.String())
			}
			if diff := cmp.Diff(tt.wantWarns, warns); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSnapshotVectors checks the platform seed's five public bucket vectors
// through a snapshot: a 1-bucket allocation at each vector's bucket.
func TestSnapshotVectors(t *testing.T) {
	for _, v := range []struct {
		user, salt string
		bucket     int
	}{{"user-1", "salt-1", 2865}, {"alice", "exp-abc", 663}, {"", "", 7430}, {"user:with:colon", "salt:with:colon", 6663}, {"A", "B", 3590}} {
		snap := fmt.Sprintf(`{"experiments": [{"id": "e", "key": "k", "salt": %q, "variants": [{"id": "v", "key": "hit"}],
			"allocations": [{"variantId": "v", "rangeStart": %d, "rangeEnd": %d}]}]}`, v.salt, v.bucket, v.bucket)
		r := mustParse(t, snap)
		if got := r.Feature("k", ContextFor(v.user)); got != "hit" {
			t.Errorf("user %q, salt %q: not in the 1-bucket allocation at %d", v.user, v.salt, v.bucket)
		}
		if got := r.Payload("k", ContextFor(v.user)); got != nil {
			t.Errorf("absent payload = %s; want nil", got)
		}
	}
}

package experiment

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// This file checks the library against the cross-language vectors in
// testdata/vectors (see its README.md): bucket vectors computed with npm
// murmurhash by gen_buckets.mjs, and assignment vectors whose expected
// results come from the platform's decision logic (snapshots) or were
// derived by hand from those buckets (YAML configs). None of them is this
// library's own output.

// bucketVector is one entry of testdata/vectors/buckets.json.
type bucketVector struct {
	Name   string `json:"name"`
	User   string `json:"user"`
	Salt   string `json:"salt"`
	Hash   uint32 `json:"hash"`
	Bucket int    `json:"bucket"`
}

func readBucketVectors(t *testing.T) []bucketVector {
	t.Helper()
	data, err := os.ReadFile("testdata/vectors/buckets.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []bucketVector `json:"vectors"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Vectors) == 0 {
		t.Fatal("testdata/vectors/buckets.json has no vectors")
	}
	return file.Vectors
}

// TestVectorsBuckets checks hash32 and Bucket against every bucket vector,
// and that the file holds the platform's five public vectors.
func TestVectorsBuckets(t *testing.T) {
	vectors := readBucketVectors(t)
	seen := map[string]bool{}
	for _, v := range vectors {
		if seen[v.Name] {
			t.Fatalf("duplicate vector name %q", v.Name)
		}
		seen[v.Name] = true
		t.Run(v.Name, func(t *testing.T) {
			if v.Bucket != int(v.Hash%Buckets) {
				t.Fatalf("the file is inconsistent: bucket %d, but hash %d %% 10000 = %d", v.Bucket, v.Hash, v.Hash%Buckets)
			}
			if got := hash32(v.User, v.Salt); got != v.Hash {
				t.Errorf("hash32(%q, %q) = %d; want %d (%d-byte key)", v.User, v.Salt, got, v.Hash, len(v.User)+1+len(v.Salt))
			}
			if got := Bucket(v.User, v.Salt); got != v.Bucket {
				t.Errorf("Bucket(%q, %q) = %d; want %d", v.User, v.Salt, got, v.Bucket)
			}
		})
	}
	public := []bucketVector{
		{User: "user-1", Salt: "salt-1", Bucket: 2865},
		{User: "alice", Salt: "exp-abc", Bucket: 663},
		{User: "", Salt: "", Bucket: 7430},
		{User: "user:with:colon", Salt: "salt:with:colon", Bucket: 6663},
		{User: "A", Salt: "B", Bucket: 3590},
	}
	for _, p := range public {
		found := false
		for _, v := range vectors {
			if v.User == p.User && v.Salt == p.Salt && v.Bucket == p.Bucket {
				found = true
			}
		}
		if !found {
			t.Errorf("the platform's public vector (%q, %q) -> %d is not in buckets.json", p.User, p.Salt, p.Bucket)
		}
	}
}

// assignmentVectors is testdata/vectors/assignments.json.
type assignmentVectors struct {
	Snapshots []struct {
		Config   string `json:"config"`
		Expected string `json:"expected"`
	} `json:"snapshots"`
	Cases []struct {
		Name       string         `json:"name"`
		Config     string         `json:"config"`
		Env        string         `json:"env"`
		User       string         `json:"user"`
		Attributes map[string]any `json:"attributes"`
		Buckets    map[string]int `json:"buckets"`
		Why        string         `json:"why"`
		Expected   any            `json:"expected"`
	} `json:"cases"`
}

// TestVectorsAssignments evaluates every assignment vector: the snapshot
// files it references, and the hand-derived YAML cases. For the latter it
// also checks that each bucket the derivation relied on is the one in
// buckets.json, so a case's reasoning rests on the Node-computed buckets.
func TestVectorsAssignments(t *testing.T) {
	data, err := os.ReadFile("testdata/vectors/assignments.json")
	if err != nil {
		t.Fatal(err)
	}
	var file assignmentVectors
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Snapshots) == 0 || len(file.Cases) < 10 {
		t.Fatalf("%d snapshot files and %d cases; want at least 1 and 10", len(file.Snapshots), len(file.Cases))
	}
	independent := map[[2]string]int{} // {user, salt} -> bucket, from buckets.json
	for _, v := range readBucketVectors(t) {
		independent[[2]string{v.User, v.Salt}] = v.Bucket
	}

	for _, snap := range file.Snapshots {
		t.Run(snap.Config, func(t *testing.T) {
			r, err := Load(snap.Config)
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(snap.Expected)
			if err != nil {
				t.Fatal(err)
			}
			var cases []struct {
				UserKey  string         `json:"user_key"`
				Context  map[string]any `json:"context"`
				Response struct {
					Assignments any `json:"assignments"`
				} `json:"response"`
			}
			if err := json.Unmarshal(data, &cases); err != nil {
				t.Fatal(err)
			}
			if len(cases) == 0 {
				t.Fatalf("%s has no cases", snap.Expected)
			}
			for i, tc := range cases {
				t.Run(fmt.Sprintf("%d %s", i, tc.UserKey), func(t *testing.T) {
					got := jsonRoundTrip(t, r.Assignments(ContextFor(tc.UserKey).With(tc.Context)))
					if diff := cmp.Diff(tc.Response.Assignments, got); diff != "" {
						t.Errorf("user %q, context %v: assignments (-platform +ours):\n%s", tc.UserKey, tc.Context, diff)
					}
				})
			}
		})
	}

	seen := map[string]bool{}
	for _, tc := range file.Cases {
		if seen[tc.Name] {
			t.Fatalf("duplicate case name %q", tc.Name)
		}
		seen[tc.Name] = true
		t.Run(tc.Name, func(t *testing.T) {
			for salt, b := range tc.Buckets {
				want, ok := independent[[2]string{tc.User, salt}]
				if !ok {
					t.Errorf("bucket of user %q under salt %q is not in buckets.json", tc.User, salt)
				} else if b != want {
					t.Errorf("the case relies on bucket %d for user %q under salt %q; buckets.json has %d", b, tc.User, salt, want)
				}
				if got := Bucket(tc.User, salt); got != b {
					t.Errorf("Bucket(%q, %q) = %d; the case relies on %d", tc.User, salt, got, b)
				}
			}
			r, err := Load(tc.Config, WithEnv(tc.Env), WithLookupEnv(nil))
			if err != nil {
				t.Fatal(err)
			}
			got := jsonRoundTrip(t, r.Assignments(ContextFor(tc.User).With(tc.Attributes)))
			if diff := cmp.Diff(tc.Expected, got); diff != "" {
				t.Errorf("%s, env %q, user %q, attributes %v (%s): assignments (-hand-derived +ours):\n%s",
					tc.Config, tc.Env, tc.User, tc.Attributes, tc.Why, diff)
			}
		})
	}
}

// jsonRoundTrip encodes v as JSON and decodes it into an any, so it
// compares with what encoding/json read from a vector file.
func jsonRoundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

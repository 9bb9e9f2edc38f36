package wire

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestKeys(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"prefix", EnvPrefix("prod"), "configs/prod/"},
		{"snapshot", SnapshotKey("prod", 12), "configs/prod/snapshots/12.json"},
		{"latest", LatestKey("prod"), "configs/prod/snapshots/latest.json"},
		{"version", VersionKey("prod"), "configs/prod/version.json"},
		{"name inserted as it is", SnapshotKey("eu west/2", 1), "configs/eu west/2/snapshots/1.json"},
		{"names relative to the prefix", EnvPrefix("p") + VersionName + " " + EnvPrefix("p") + LatestName + " " + EnvPrefix("p") + LegacyLatestName,
			"configs/p/version.json configs/p/snapshots/latest.json configs/p/latest.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestVersionIndexEncode(t *testing.T) {
	for _, tt := range []struct {
		v    int64
		want string
	}{{1, `{"version":1}`}, {0, `{"version":0}`}, {1234567, `{"version":1234567}`}} {
		if diff := cmp.Diff(tt.want, string(VersionIndex{tt.v}.Encode())); diff != "" {
			t.Errorf("VersionIndex{%d} (-want +got):\n%s", tt.v, diff)
		}
	}
}

func TestParseVersion(t *testing.T) {
	tests := []struct {
		name, in string
		want     float64
		err      string
	}{
		{"index", `{"version":3}`, 3, ""},
		{"with spaces", `{"version": 3}`, 3, ""},
		{"snapshot", `{"version":12,"environment":"prod","experiments":[]}`, 12, ""},
		// Parse rejects such a snapshot, so readers must not remember it.
		{"fraction refused", `{"version":1.5}`, 0, "version 1.5 is not an integer"},
		{"beyond 2^53 refused", `{"version":1e300}`, 0, "version 1e+300 is not an integer"},
		{"2^53 kept", `{"version":9007199254740992}`, 9007199254740992, ""},
		{"missing", `{"environment":"prod"}`, 0, `no "version" number`},
		{"null", `{"version":null}`, 0, `no "version" number`},
		{"a string", `{"version":"3"}`, 0, "json: cannot unmarshal"},
		{"not an object", `[3]`, 0, "json: cannot unmarshal"},
		{"not JSON", `version: 3`, 0, "invalid character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseVersion([]byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("ParseVersion(%s) = %v, %v; want an error starting %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseVersion(%s) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{`{"version":3}`, `{"version":null}`, `[]`, `{"version":1e400}`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		v, err := ParseVersion(in)
		if err != nil {
			return
		}
		if v != v { // NaN cannot come out of JSON
			t.Fatalf("ParseVersion(%q) = NaN", in)
		}
		// A version that parses re-encodes and parses back to itself when
		// it is an integer.
		if i := int64(v); float64(i) == v {
			back, err := ParseVersion(VersionIndex{i}.Encode())
			if err != nil || back != v {
				t.Fatalf("round trip of %v: %v, %v", v, back, err)
			}
		}
	})
}

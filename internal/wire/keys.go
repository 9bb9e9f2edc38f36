package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// EnvPrefix returns the folder of environment env in the storage layout,
// "configs/{env}/", with env inserted as it is (spaces and slashes
// included, as the platform does). An empty env gives "configs//".
func EnvPrefix(env string) string { return "configs/" + env + "/" }

// SnapshotKey returns the key of version n of environment env's snapshot,
// "configs/{env}/snapshots/{n}.json".
func SnapshotKey(env string, n int64) string {
	return EnvPrefix(env) + "snapshots/" + strconv.FormatInt(n, 10) + ".json"
}

// LatestKey returns the key of environment env's newest snapshot,
// "configs/{env}/snapshots/latest.json".
func LatestKey(env string) string { return EnvPrefix(env) + LatestName }

// VersionKey returns the key of environment env's version index,
// "configs/{env}/version.json".
func VersionKey(env string) string { return EnvPrefix(env) + VersionName }

// The names of the layout's files relative to an environment's folder.
const (
	// VersionName is the version index: {"version":N}.
	VersionName = "version.json"
	// LatestName is the newest snapshot, where the platform publishes it.
	LatestName = "snapshots/latest.json"
	// LegacyLatestName is where a snapshot may also be found, directly in
	// the folder; readers try it when LatestName is absent.
	LegacyLatestName = "latest.json"
)

// VersionIndex is the body of version.json: the newest published version
// of an environment.
type VersionIndex struct {
	Version int64 `json:"version"`
}

// Encode returns v as the platform writes it: {"version":N}.
func (v VersionIndex) Encode() []byte {
	return append(strconv.AppendInt([]byte(`{"version":`), v.Version, 10), '}')
}

// ParseVersion reads the "version" number of a version index or of a
// snapshot. It fails when data is not a JSON object, has no numeric
// "version", or one ValidVersion refuses. Its errors carry no package
// prefix: callers name the file they read. The number is returned as a float64, as JavaScript reads it,
// so that readers compare versions as the platform's do.
func ParseVersion(data []byte) (float64, error) {
	var v struct {
		Version *float64 `json:"version"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return 0, err
	}
	if v.Version == nil {
		return 0, errNoVersion
	}
	if !ValidVersion(*v.Version) {
		return 0, fmt.Errorf("version %v is not an integer of at most 2^53", *v.Version)
	}
	return *v.Version, nil
}

// ValidVersion reports whether v can be a published version: an integer
// that a JavaScript number holds exactly (|v| <= 2^53). Readers never
// remember any other, so that a publish with a bad version cannot hide the
// good versions after it.
func ValidVersion(v float64) bool {
	return v == math.Trunc(v) && math.Abs(v) <= 1<<53
}

var errNoVersion = errors.New(`no "version" number`)

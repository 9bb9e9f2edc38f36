package experiment

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/inprocess/experiment/internal/wire"
)

// SnapshotDirSource returns a Source for one environment's folder of the
// platform seed's storage layout on disk, such as
// /srv/experiment-configs/configs/prod: SnapshotSource's rules, read from
// files instead of URLs. On each Fetch it reads version.json
// ({"version": N}) in dir, and only when N is greater than the version it
// last returned does it read the snapshot: snapshots/latest.json, or
// latest.json when that does not exist. A snapshot whose version is not
// greater is ErrNotModified, so a stale latest.json is read again on the
// next Fetch. A missing version.json is an error (nothing is published
// yet).
//
// The files are read as FileSource reads one: only regular files (after
// symbolic links), opened without blocking, a snapshot larger than
// MaxConfigSize fails with ErrTooLarge and a version.json larger than
// 64 KiB likewise. A writer should write each file to a temporary name
// and rename it into place; a snapshot read half-written fails to parse
// and is read again on the next Fetch.
//
// Like every Source it is called by Watch from one goroutine at a time.
func SnapshotDirSource(dir string) Source {
	return &snapshotDirSource{dir: dir}
}

type snapshotDirSource struct {
	dir  string
	last float64 // the version last returned
	have bool
}

// String names the source by its folder.
func (s *snapshotDirSource) String() string { return s.dir }

func (s *snapshotDirSource) Fetch(ctx context.Context) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := readRegular(filepath.Join(s.dir, "version.json"), 64<<10)
	if err != nil {
		return nil, err
	}
	version, err := wire.ParseVersion(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(s.dir, "version.json"), err)
	}
	if s.have && version <= s.last {
		return nil, ErrNotModified
	}
	data, err = readRegular(filepath.Join(s.dir, "snapshots", "latest.json"), MaxConfigSize)
	if errors.Is(err, fs.ErrNotExist) {
		data, err = readRegular(filepath.Join(s.dir, "latest.json"), MaxConfigSize)
	}
	if err != nil {
		return nil, err
	}
	got, err := wire.ParseVersion(data)
	if err != nil {
		return data, nil // Parse reports what is wrong with it; the next version is read
	}
	if s.have && got <= s.last {
		return nil, ErrNotModified // not replaced yet: read again next time
	}
	s.last, s.have = got, true
	return data, nil
}

// readRegular reads the regular file at path, without blocking on a named
// pipe, failing with ErrTooLarge past limit bytes.
func readRegular(path string, limit int64) ([]byte, error) {
	f, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := readLimited(f, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, nil
}

package experiment

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// dirSnapshot is a snapshot of the given version as the platform
// publishes it, with one experiment whose only variant is "v<version>".
func dirSnapshot(version string) string {
	return fmt.Sprintf(`{"version": %s, "environment": "prod", "publishedAt": "2026-02-20T12:00:00.000Z", "experiments": [
		{"id": "e1", "key": "banner", "salt": "s", "audienceRules": [], "targetingRules": [],
		 "variants": [{"id": "v1", "key": "v%s", "payload": null}],
		 "allocations": [{"variantId": "v1", "rangeStart": 0, "rangeEnd": 9999}]}]}`, version, version)
}

// writeAtomic writes data to path through a temporary file and a rename,
// as a publisher should, creating the folders.
func writeAtomic(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".tmp", []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
}

// TestSnapshotDirSource drives one source through a sequence of
// publications, checking what each Fetch returns: the snapshot's version,
// "not modified", or an error.
func TestSnapshotDirSource(t *testing.T) {
	type step struct {
		name  string
		files map[string]string // relative path -> contents ("" removes the file)
		want  string            // "version N", "not modified", or the start of an error
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{name: "the platform's layout", steps: []step{
			{name: "nothing published", want: "error: open "},
			{name: "first version", files: map[string]string{"snapshots/latest.json": dirSnapshot("1"), "version.json": `{"version":1}`}, want: "version 1"},
			{name: "unchanged", want: "not modified"},
			{name: "version.json ahead of a stale latest", files: map[string]string{"version.json": `{"version":2}`}, want: "not modified"},
			{name: "still stale: read again", want: "not modified"},
			{name: "latest catches up", files: map[string]string{"snapshots/latest.json": dirSnapshot("2")}, want: "version 2"},
			{name: "version.json goes back", files: map[string]string{"version.json": `{"version":1}`}, want: "not modified"},
			{name: "a broken version.json", files: map[string]string{"version.json": `{"v":3}`}, want: `error: ` + `VERSION: no "version" number`},
			{name: "a fractional version", files: map[string]string{"version.json": `{"version":2.5}`}, want: "error: VERSION: version 2.5 is not an integer of at most 2^53"},
			{name: "a version past 2^53", files: map[string]string{"version.json": `{"version":1e300}`}, want: "error: VERSION: version 1e+300 is not an integer of at most 2^53"},
			{name: "a new version", files: map[string]string{"snapshots/latest.json": dirSnapshot("7"), "version.json": `{"version":7}`}, want: "version 7"},
		}},
		{name: "latest.json at the folder's top", steps: []step{
			{name: "first version", files: map[string]string{"latest.json": dirSnapshot("3"), "version.json": `{"version":3}`}, want: "version 3"},
			{name: "snapshots/latest.json wins once it exists", files: map[string]string{"snapshots/latest.json": dirSnapshot("4"), "version.json": `{"version":4}`}, want: "version 4"},
		}},
		{name: "a snapshot whose version is unreadable is returned for Parse to reject", steps: []step{
			{name: "half-written", files: map[string]string{"snapshots/latest.json": `{"version": 1, "experi`, "version.json": `{"version":1}`}, want: "bytes"},
			{name: "read again once whole", files: map[string]string{"snapshots/latest.json": dirSnapshot("1")}, want: "version 1"},
		}},
		{name: "version.json but no snapshot", steps: []step{
			{name: "first", files: map[string]string{"version.json": `{"version":1}`}, want: "error: open "},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			src := SnapshotDirSource(dir)
			for _, st := range tt.steps {
				for rel, data := range st.files {
					writeAtomic(t, filepath.Join(dir, rel), data)
				}
				data, err := src.Fetch(t.Context())
				var got string
				switch {
				case errors.Is(err, ErrNotModified):
					got = "not modified"
				case err != nil:
					got = "error: " + strings.ReplaceAll(err.Error(), filepath.Join(dir, "version.json"), "VERSION")
				default:
					rs, perr := Parse(data)
					if perr != nil {
						got = "bytes"
						break
					}
					got = fmt.Sprintf("version %d", rs.Version())
					if v := rs.Feature("banner", ContextFor("u")); v != "v"+fmt.Sprint(rs.Version()) {
						t.Errorf("%s: banner %q in version %d", st.name, v, rs.Version())
					}
				}
				if !strings.HasPrefix(got, st.want) {
					t.Errorf("%s: Fetch = %q; want %q", st.name, got, st.want)
				}
			}
		})
	}
}

// TestSnapshotDirSourceRefusesNonRegularFiles puts a named pipe, then a
// directory, where version.json goes: Fetch fails at once, and never
// blocks on the pipe.
func TestSnapshotDirSourceRefusesNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "version.json")
	if err := mkfifo(path); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := SnapshotDirSource(dir).Fetch(t.Context())
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "a named pipe (FIFO)") {
			t.Errorf("Fetch on a FIFO: %v; want it refused as a named pipe", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Fetch blocked on a FIFO for 30 s")
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := SnapshotDirSource(dir).Fetch(t.Context()); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("Fetch on a directory: %v; want it refused", err)
	}
}

// TestSnapshotDirSourceTooLarge checks the snapshot's size bound.
func TestSnapshotDirSourceTooLarge(t *testing.T) {
	dir := t.TempDir()
	writeAtomic(t, filepath.Join(dir, "version.json"), `{"version":1}`)
	f, err := os.Create(filepath.Join(dir, "latest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxConfigSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := SnapshotDirSource(dir).Fetch(t.Context()); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Fetch of a snapshot over MaxConfigSize: %v; want ErrTooLarge", err)
	}
	if _, err := SnapshotDirSource(filepath.Join(dir, "nope")).Fetch(t.Context()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Fetch of a missing folder: %v; want fs.ErrNotExist", err)
	}
}

// TestSnapshotDirSourceWatch serves a folder through Watch and sees a new
// publication arrive on Reload.
func TestSnapshotDirSourceWatch(t *testing.T) {
	dir := t.TempDir()
	writeAtomic(t, filepath.Join(dir, "snapshots", "latest.json"), dirSnapshot("1"))
	writeAtomic(t, filepath.Join(dir, "version.json"), `{"version":1}`)
	live, err := Watch(t.Context(), SnapshotDirSource(dir), &WatchOptions{Interval: time.Hour, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	writeAtomic(t, filepath.Join(dir, "snapshots", "latest.json"), dirSnapshot("2"))
	writeAtomic(t, filepath.Join(dir, "version.json"), `{"version":2}`)
	mustDo(t, live.Reload(t.Context()))
	got := []any{live.Version(), live.Feature("banner", ContextFor("u")), live.Status().Source}
	if diff := cmp.Diff([]any{int64(2), "v2", dir}, got); diff != "" {
		t.Errorf("after publishing 2 (-want +got):\n%s", diff)
	}
}

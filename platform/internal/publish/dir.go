package publish

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/internal/wire"
)

// Dir is a Bucket in a local directory: key "a/b.json" is the file
// DIR/a/b.json. Each Put writes a temporary file, syncs it and renames it
// into place, so readers never see a partial file and a crash never
// leaves one. Keys must be relative paths with no empty, "." or ".."
// segment (an environment named ".." cannot be published to a
// directory); others fail.
type Dir struct {
	root string
}

// NewDir returns the Bucket in directory root, creating it if needed.
func NewDir(root string) (*Dir, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	return &Dir{root: abs}, nil
}

// Root returns the directory's absolute path.
func (d *Dir) Root() string { return d.root }

// String returns the directory's path.
func (d *Dir) String() string { return d.root }

// path returns the file of key, or an error when key is not a clean
// relative path.
func (d *Dir) path(key string) (string, error) {
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.ContainsRune(seg, 0) {
			return "", fmt.Errorf("publish: key %q cannot be stored in a directory: it has an empty, \".\" or \"..\" segment or a NUL", key)
		}
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

// Put writes body to key's file atomically.
func (d *Dir) Put(_ context.Context, key string, body []byte) error {
	path, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("publish: writing %s: %w", key, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".publish-*")
	if err != nil {
		return fmt.Errorf("publish: writing %s: %w", key, err)
	}
	tmp := f.Name()
	_, werr := f.Write(body)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("publish: writing %s: %w", key, err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("publish: writing %s: %w", key, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("publish: writing %s: %w", key, err)
	}
	return nil
}

// Get reads key's file.
func (d *Dir) Get(_ context.Context, key string) ([]byte, error) {
	path, err := d.path(key)
	if err != nil {
		return nil, fmt.Errorf("publish: %w: %w", fs.ErrNotExist, err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("publish: reading %s: %w", key, err)
	}
	return b, nil
}

// Source reads env's folder with experiment.SnapshotSource, over a
// file:// URL served by http.NewFileTransport: the library's own reader
// of the layout, on the directory.
func (d *Dir) Source(env string, timeout time.Duration) (experiment.Source, error) {
	prefix := wire.EnvPrefix(env)
	if _, err := d.path(prefix + wire.VersionName); err != nil {
		return nil, err
	}
	var u strings.Builder
	u.WriteString("file:///")
	for seg := range strings.SplitSeq(strings.TrimSuffix(prefix, "/"), "/") {
		u.WriteString(url.PathEscape(seg))
		u.WriteByte('/')
	}
	client := &http.Client{Transport: http.NewFileTransport(http.Dir(d.root))}
	return experiment.SnapshotSource(u.String(), &experiment.HTTPOptions{Client: client, Timeout: timeout}), nil
}

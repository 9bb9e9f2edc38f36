package decide

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/inprocess/experiment"
)

// sourceFor returns a function that makes the experiment.Source an
// Environment's Source names (see Environment). A local path is looked at
// each time a source is made, so a folder that appears later is read as
// a storage-layout folder from then on.
func sourceFor(spec string, timeout time.Duration) (func() experiment.Source, error) {
	if isURL(spec) {
		opts := &experiment.HTTPOptions{Timeout: timeout}
		path := spec
		if i := strings.IndexAny(path, "?#"); i >= 0 {
			path = path[:i]
		}
		for _, ext := range []string{".json", ".yaml", ".yml"} {
			if strings.HasSuffix(path, ext) {
				return func() experiment.Source { return experiment.HTTPSource(spec, opts) }, nil
			}
		}
		return func() experiment.Source { return experiment.SnapshotSource(spec, opts) }, nil
	}
	path, err := localPath(spec)
	if err != nil {
		return nil, err
	}
	return func() experiment.Source {
		if fi, err := os.Stat(path); err == nil && fi.IsDir() {
			return experiment.SnapshotDirSource(path)
		}
		return experiment.FileSource(path)
	}, nil
}

// layoutFor returns a function that makes the source of one environment
// of a storage layout (see Config.Layout), or nil for no layout.
func layoutFor(base string, timeout time.Duration) (func(env string) experiment.Source, error) {
	if base == "" {
		return nil, nil
	}
	if isURL(base) {
		u, err := url.Parse(base)
		if err != nil {
			return nil, fmt.Errorf("decide: Config.Layout %q: %w", base, err)
		}
		if u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("decide: Config.Layout %q: want a base URL without a query or fragment", base)
		}
		opts := &experiment.HTTPOptions{Timeout: timeout}
		prefix := strings.TrimSuffix(base, "/") + "/configs/"
		return func(env string) experiment.Source {
			return experiment.SnapshotSource(prefix+url.PathEscape(env)+"/", opts)
		}, nil
	}
	dir, err := localPath(base)
	if err != nil {
		return nil, fmt.Errorf("decide: Config.Layout: %w", err)
	}
	return func(env string) experiment.Source {
		return experiment.SnapshotDirSource(filepath.Join(dir, "configs", env))
	}, nil
}

// discoverer adapts Config.Discover to a layout's source function: an
// error becomes a source whose every fetch fails with it.
func discoverer(discover func(env string) (experiment.Source, error)) func(env string) experiment.Source {
	return func(env string) experiment.Source {
		src, err := discover(env)
		if err != nil {
			return failingSource{err}
		}
		return src
	}
}

// failingSource is a Source that cannot be read.
type failingSource struct{ err error }

func (f failingSource) Fetch(context.Context) ([]byte, error) { return nil, f.err }
func (f failingSource) String() string                        { return "an unavailable source" }

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// localPath reads a path, or a file:// URL of one (file:///srv/x or
// file:/srv/x; a host other than localhost is an error).
func localPath(s string) (string, error) {
	if !strings.HasPrefix(s, "file:") {
		return s, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%q: %w", s, err)
	}
	if u.Host != "" && u.Host != "localhost" {
		return "", fmt.Errorf("%q: a file URL must name a local path (file:///path), not host %q", s, u.Host)
	}
	if u.Path == "" {
		return "", fmt.Errorf("%q: a file URL with no path", s)
	}
	return filepath.FromSlash(u.Path), nil
}

// maxLayoutName bounds the name of an environment discovered in a layout.
const maxLayoutName = 200

// layoutName reports whether name can be an environment's folder in a
// layout: at most maxLayoutName bytes of UTF-8, without '/', '\\' or a
// control character, and not "." or "..". Other names are never looked
// up, so a request cannot read outside the layout's configs folder; the
// platform's decision service, which joins the name into a URL, reads
// "x/../prod" as prod.
func layoutName(name string) bool {
	if name == "" || name == "." || name == ".." || len(name) > maxLayoutName || !utf8.ValidString(name) {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c == 0x7f || c == '/' || c == '\\' {
			return false
		}
	}
	return true
}

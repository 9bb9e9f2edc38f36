package decide

import (
	"strings"
	"time"

	"github.com/inprocess/experiment"
)

// sourceFor turns an Environment's Source into an experiment.Source.
func sourceFor(src string, timeout time.Duration) experiment.Source {
	if !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
		return experiment.FileSource(src)
	}
	opts := &experiment.HTTPOptions{Timeout: timeout}
	path := src
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	for _, ext := range []string{".json", ".yaml", ".yml"} {
		if strings.HasSuffix(path, ext) {
			return experiment.HTTPSource(src, opts)
		}
	}
	return experiment.SnapshotSource(src, opts)
}

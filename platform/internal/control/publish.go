package control

import (
	"context"
	"net/http"
	"strings"
)

// maxPublishError is how much of a publish error x-publish-error carries.
const maxPublishError = 512

// autoPublish publishes the environment when do is set, and sets the
// x-publish-* headers of a route that can publish: attempted and
// succeeded, plus the error of an attempt that failed. A failed publish
// changes nothing else about the response. Call it after the mutation
// succeeded and before writing the response.
func (s *server) autoPublish(ctx context.Context, w http.ResponseWriter, environmentID string, do bool) {
	h := w.Header()
	if !do {
		h.Set("x-publish-attempted", "false")
		h.Set("x-publish-succeeded", "false")
		return
	}
	h.Set("x-publish-attempted", "true")
	if _, err := s.publish(ctx, environmentID); err != nil {
		s.log.Warn("control: publishing failed", "environment", environmentID, "error", err)
		h.Set("x-publish-succeeded", "false")
		h.Set("x-publish-error", headerSafe(err.Error()))
		return
	}
	h.Set("x-publish-succeeded", "true")
}

// headerSafe is an error message as x-publish-error carries it: each run
// of CR and LF one space (other control characters too), trimmed, cut to
// 512 bytes on a character boundary.
func headerSafe(msg string) string {
	var b strings.Builder
	space := false
	for _, r := range msg {
		if r < 0x20 || r == 0x7f {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	out := strings.TrimSpace(b.String())
	if len(out) > maxPublishError {
		cut := maxPublishError
		for cut > 0 && !isRuneStart(out[cut]) {
			cut--
		}
		out = out[:cut]
	}
	return out
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

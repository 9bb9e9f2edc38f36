package wire

import "time"

// TimeLayout is the platform's timestamp format, JavaScript's
// Date.prototype.toISOString: UTC, milliseconds, a Z suffix, as in
// "2026-12-01T18:38:20.339Z".
const TimeLayout = "2006-01-02T15:04:05.000Z"

// FormatTime returns t in UTC as TimeLayout, truncated (not rounded) to
// the millisecond as JavaScript's Date holds it.
func FormatTime(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format(TimeLayout)
}

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

// parseTime parses an RFC 3339 timestamp, YYYY-MM-DDTHH:MM:SS, an
// optional fraction of a second (digits past the ninth are truncated),
// and Z or ±HH:MM, as time.Time's UnmarshalText does, without allocating;
// unlike it, it insists on two-digit hours and on offsets of 00:00-23:59,
// as RFC 3339 does. It returns the instant in UTC.
func parseTime(s []byte) (time.Time, bool) {
	if len(s) < len("2006-01-02T15:04:05Z") {
		return time.Time{}, false
	}
	ok := true
	num := func(b []byte, lo, hi int) int {
		v := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				ok = false
				return 0
			}
			v = v*10 + int(c-'0')
		}
		if v < lo || v > hi {
			ok = false
		}
		return v
	}
	year := num(s[0:4], 0, 9999)
	month := num(s[5:7], 1, 12)
	day := 0
	if ok {
		day = num(s[8:10], 1, daysIn(month, year))
	}
	hour := num(s[11:13], 0, 23)
	minute := num(s[14:16], 0, 59)
	sec := num(s[17:19], 0, 59)
	if !ok || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	s = s[19:]
	nsec := 0
	if len(s) >= 2 && s[0] == '.' && isDigit(s[1]) {
		n := 1
		for ; n < len(s) && isDigit(s[n]); n++ {
			if n <= 9 {
				nsec = nsec*10 + int(s[n]-'0')
			}
		}
		for k := n; k <= 9; k++ {
			nsec *= 10
		}
		s = s[n:]
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if len(s) == 1 && s[0] == 'Z' {
		return t, true
	}
	if len(s) != len("-07:00") || (s[0] != '+' && s[0] != '-') || s[3] != ':' {
		return time.Time{}, false
	}
	zh, zm := num(s[1:3], 0, 23), num(s[4:6], 0, 59)
	if !ok {
		return time.Time{}, false
	}
	off := time.Duration(zh*60+zm) * time.Minute
	if s[0] == '-' {
		off = -off
	}
	return t.Add(-off), true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

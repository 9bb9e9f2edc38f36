package experiment

import (
	"github.com/twmb/murmur3"
)

// Buckets is the number of buckets users are hashed into. A user's bucket is
// a number in [0, Buckets).
const Buckets = 10000

// Bucket returns the bucket, in [0, 9999], of userID under salt:
//
//	murmur3_x86_32(UTF-8(userID + ":" + salt), seed 0) mod 10000
//
// This is the platform seed's bucket function, so both compute the same
// bucket for the same user and salt. Empty strings are valid inputs.
// Bucket allocates nothing and is safe for concurrent use.
func Bucket(userID, salt string) int {
	return int(hash32(userID, salt) % Buckets)
}

// hashBufSize is the stack buffer in which hash32 builds userID:salt for
// github.com/twmb/murmur3; longer inputs are hashed by the resumable state
// of hash.go instead, which needs no buffer.
const hashBufSize = 64

// hash32 returns MurmurHash3 x86_32 (seed 0) of userID + ":" + salt.
func hash32(userID, salt string) uint32 {
	n := len(userID) + 1 + len(salt)
	if n > hashBufSize {
		m := userHash(userID)
		m.writeString(salt)
		return m.sum()
	}
	var buf [hashBufSize]byte
	i := copy(buf[:], userID)
	buf[i] = ':'
	copy(buf[i+1:], salt)
	return murmur3.Sum32(buf[:n])
}

// span is the half-open bucket interval [lo, hi), 0 <= lo <= hi <= 10000.
// A percentage A-B% is the span [A*100, B*100).
type span struct{ lo, hi uint16 }

func (s span) contains(b int) bool { return int(s.lo) <= b && b < int(s.hi) }
func (s span) empty() bool         { return s.lo >= s.hi }
func (s span) all() bool           { return s.lo == 0 && s.hi == Buckets }

// overlaps reports whether s and t share a bucket. Empty spans overlap nothing.
func (s span) overlaps(t span) bool {
	return !s.empty() && !t.empty() && s.lo < t.hi && t.lo < s.hi
}

// isPercent reports whether a config string is meant as a percentage: it
// ends in '%' (ignoring surrounding whitespace). Such a string must then
// parse with parsePercent; it is never a group name.
func isPercent(s string) bool {
	s = trimSpace(s)
	return len(s) > 0 && s[len(s)-1] == '%'
}

// parsePercent parses "N%" or "A-B%" (SPEC 4): A and B are numbers from 0 to
// 100 with at most two decimals, A <= B, whitespace allowed around the
// numbers. "N%" is the span [0, N%). The returned string explains a failure.
func parsePercent(s string) (span, string) {
	const want = `expected "N%" or "A-B%" with numbers from 0 to 100, at most two decimals, A <= B`
	t := trimSpace(s)
	if len(t) == 0 || t[len(t)-1] != '%' {
		return span{}, want
	}
	t = t[:len(t)-1]
	lo, rest, ok := parseHundredths(t)
	if !ok {
		return span{}, want
	}
	rest = trimSpace(rest)
	if rest == "" {
		return span{0, lo}, ""
	}
	if rest[0] != '-' {
		return span{}, want
	}
	hi, rest, ok := parseHundredths(rest[1:])
	if !ok || trimSpace(rest) != "" {
		return span{}, want
	}
	if lo > hi {
		return span{}, "the lower bound is above the upper bound; " + want
	}
	return span{lo, hi}, ""
}

// parseHundredths reads optional whitespace and a decimal number with at most
// two decimals from the front of s, returning it times 100 (0..10000) and
// what follows it.
func parseHundredths(s string) (v uint16, rest string, ok bool) {
	s = trimLeftSpace(s)
	i, n := 0, 0
	for i < len(s) && isDigit(s[i]) {
		n = n*10 + int(s[i]-'0')
		if n > 100 {
			return 0, s, false
		}
		i++
	}
	if i == 0 {
		return 0, s, false
	}
	n *= 100
	if i < len(s) && s[i] == '.' {
		i++
		d := 0
		for d < 2 && i < len(s) && isDigit(s[i]) {
			if d == 0 {
				n += int(s[i]-'0') * 10
			} else {
				n += int(s[i] - '0')
			}
			d++
			i++
		}
		if d == 0 || (i < len(s) && isDigit(s[i])) {
			return 0, s, false // "5." or more than two decimals
		}
	}
	if n > Buckets {
		return 0, s, false
	}
	return uint16(n), s[i:], true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func trimLeftSpace(s string) string {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	return s
}

func trimSpace(s string) string {
	s = trimLeftSpace(s)
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

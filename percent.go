package experiment

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// checkSpans reports variants whose own percentages overlap (an error) and
// gaps between the ranges of different variants (a warning). It sorts the
// spans once and sweeps them, so its work is O(n log n) in the spans
// whatever they are: each span that overlaps an earlier-starting span of
// another variant is one error, naming that other span; the error is
// reported at the variant that comes later in the file.
// ownedSpan is a span of an experiment's variant v, for checkSpans.
type ownedSpan struct {
	s span
	v int
}

func (p *parser) checkSpans(e *experiment, where []variantAt, n *yaml.Node, path string) {
	all := p.scratch.owned[:0]
	for i := range e.arms {
		for _, s := range e.arms[i].alloc.spans {
			if !s.empty() {
				all = append(all, ownedSpan{s, i})
			}
		}
	}
	p.scratch.owned = all // for the next experiment's
	slices.SortStableFunc(all, func(a, b ownedSpan) int { return cmp.Compare(a.s.lo, b.s.lo) })
	// reach and other are the spans reaching furthest so far: reach of any
	// variant, other of a variant other than reach's. A span overlaps an
	// earlier-starting span of another variant exactly when it starts
	// before the end of one of them.
	reach, other := -1, -1
	for i, o := range all {
		partner := -1
		switch {
		case reach >= 0 && all[reach].v != o.v && o.s.lo < all[reach].s.hi:
			partner = reach
		case other >= 0 && o.s.lo < all[other].s.hi:
			partner = other
		}
		if partner >= 0 {
			a, b := o, all[partner]
			if a.v < b.v {
				a, b = b, a
			}
			p.errorf(where[a.v].node, p.path(where[a.v].at), ErrOverlap,
				"variant %q's range %s overlaps variant %q's range %s",
				e.variants[a.v].key, formatSpan(a.s), e.variants[b.v].key, formatSpan(b.s))
		}
		switch {
		case reach < 0 || o.s.hi > all[reach].s.hi:
			if reach >= 0 && all[reach].v != o.v {
				other = reach
			}
			reach = i
		case o.v != all[reach].v && (other < 0 || o.s.hi > all[other].s.hi):
			other = i
		}
	}
	for i := 1; i < len(all); i++ {
		prev, next := all[i-1], all[i]
		if prev.v != next.v && prev.s.hi < next.s.lo {
			p.warnf(n, path, "variants %q (%s) and %q (%s) leave %s unassigned; ranges are half-open, so %s would follow %s without a gap",
				e.variants[prev.v].key, formatSpan(prev.s), e.variants[next.v].key, formatSpan(next.s),
				formatSpan(span{prev.s.hi, next.s.lo}), formatSpan(span{prev.s.hi, next.s.hi}), formatSpan(prev.s))
		}
	}
}

// formatSpan writes a span back as a percentage, e.g. "20-30%".
func formatSpan(s span) string {
	return formatHundredths(s.lo) + "-" + formatHundredths(s.hi) + "%"
}

func formatHundredths(v uint16) string {
	s := strconv.Itoa(int(v) / 100)
	if f := v % 100; f != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%02d", f), "0")
	}
	return s
}

// span is the half-open bucket interval [lo, hi), 0 <= lo <= hi <= 10000.
// A percentage A-B% is the span [A*100, B*100).
type span struct{ lo, hi uint16 }

func (s span) contains(b int) bool { return int(s.lo) <= b && b < int(s.hi) }
func (s span) empty() bool         { return s.lo >= s.hi }
func (s span) all() bool           { return s.lo == 0 && s.hi == Buckets }

// isPercent reports whether a config string is meant as a percentage: it
// ends in '%' (ignoring surrounding whitespace). Such a string must then
// parse with parsePercent; it is never a group name.
func isPercent(s string) bool {
	s = trimSpace(s)
	return len(s) > 0 && s[len(s)-1] == '%'
}

// parsePercent parses "N%" or "A-B%" (doc.go's "Percentages and buckets"): A and B are numbers from 0 to
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

// overlaps reports whether s and t share a bucket.
func (s span) overlaps(t span) bool {
	return !s.empty() && !t.empty() && s.lo < t.hi && t.lo < s.hi
}

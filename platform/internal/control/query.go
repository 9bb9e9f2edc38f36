package control

import (
	"math"
	"strconv"
	"strings"

	"github.com/inprocess/experiment/platform/internal/jsvalue"
)

// jsNumber is JavaScript's Number(v) for a query value: a string is
// trimmed of white space and read as a decimal, Infinity, or a 0x, 0o or
// 0b literal, "" is 0, and anything else is NaN; an array is Number of its
// elements joined with commas (so NaN for two or more).
func jsNumber(v jsvalue.Value) float64 {
	switch v.Kind {
	case jsvalue.String:
		return stringToNumber(v.Str)
	case jsvalue.Array:
		parts := make([]string, len(v.Arr))
		for i, item := range v.Arr {
			parts[i] = item.Str
		}
		return stringToNumber(strings.Join(parts, ","))
	}
	return math.NaN()
}

// isJSSpace reports whether r is white space or a line terminator to
// JavaScript's String.prototype.trim.
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

func stringToNumber(s string) float64 {
	s = strings.TrimFunc(s, isJSSpace)
	switch s {
	case "":
		return 0
	case "Infinity", "+Infinity":
		return math.Inf(1)
	case "-Infinity":
		return math.Inf(-1)
	}
	if len(s) > 2 && s[0] == '0' {
		base := 0
		switch s[1] {
		case 'x', 'X':
			base = 16
		case 'o', 'O':
			base = 8
		case 'b', 'B':
			base = 2
		}
		if base != 0 {
			return radixNumber(s[2:], base)
		}
	}
	if !isDecimalLiteral(s) {
		return math.NaN()
	}
	f, _ := strconv.ParseFloat(s, 64) // ±Inf on overflow and 0 on underflow, as JavaScript
	return f
}

// radixNumber reads digits in base as JavaScript does, with no sign or
// separators, exactly up to 2^53 and rounded beyond.
func radixNumber(digits string, base int) float64 {
	if digits == "" {
		return math.NaN()
	}
	f := 0.0
	for _, c := range digits {
		d := -1
		switch {
		case c >= '0' && c <= '9':
			d = int(c - '0')
		case c >= 'a' && c <= 'f':
			d = int(c-'a') + 10
		case c >= 'A' && c <= 'F':
			d = int(c-'A') + 10
		}
		if d < 0 || d >= base {
			return math.NaN()
		}
		f = f*float64(base) + float64(d)
	}
	return f
}

// isDecimalLiteral reports whether s is a StrDecimalLiteral: an optional
// sign, digits with an optional fraction (or a fraction alone), and an
// optional exponent.
func isDecimalLiteral(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	intDigits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		intDigits++
	}
	fracDigits := 0
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			fracDigits++
		}
	}
	if intDigits+fracDigits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		expDigits := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			expDigits++
		}
		if expDigits == 0 {
			return false
		}
	}
	return i == len(s)
}

package wire

import (
	"math"
	"strconv"
)

// appendString appends s as a JSON string, as encoding/json would without
// HTML escaping: quotes, backslashes and control characters escaped,
// invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped. It is
// appendJSONString in encoding/json's mode (js.go).
func appendString(dst []byte, s string) []byte { return appendJSONString(dst, s, false) }

func appendInt(dst []byte, v int64) []byte { return strconv.AppendInt(dst, v, 10) }

// appendFloat appends a finite v as encoding/json formats a float64: the
// shortest representation, in exponent form only for very small or very
// large magnitudes.
func appendFloat(dst []byte, v float64) []byte {
	abs := math.Abs(v)
	fmt := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		fmt = 'e'
	}
	dst = strconv.AppendFloat(dst, v, fmt, -1, 64)
	if fmt == 'e' {
		// clean up e-09 to e-9, as encoding/json does
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

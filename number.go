package experiment

import (
	"encoding/json"
	"math"
	"strconv"
)

// number is a numeric value: an exact int64 when isInt, else a float64.
type number struct {
	i     int64
	f     float64
	isInt bool
}

func intNum(i int64) number     { return number{i: i, f: float64(i), isInt: true} }
func floatNum(f float64) number { return number{f: f} }

func uintNum(u uint64) number {
	if u <= math.MaxInt64 {
		return intNum(int64(u))
	}
	return floatNum(float64(u))
}

// cmp compares a and b exactly, whatever mix of integer and float they
// are: -1, 0 or +1, and false when either is NaN.
func (a number) cmp(b number) (int, bool) {
	switch {
	case a.isInt && b.isInt:
		return cmpOrdered(a.i, b.i), true
	case a.isInt:
		c, ok := cmpIntFloat(a.i, b.f)
		return c, ok
	case b.isInt:
		c, ok := cmpIntFloat(b.i, a.f)
		return -c, ok
	}
	if math.IsNaN(a.f) || math.IsNaN(b.f) {
		return 0, false
	}
	return cmpOrdered(a.f, b.f), true
}

func cmpOrdered[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpIntFloat compares i with f without rounding i to a float64, which
// would make 2^53+1 equal to 2^53.
func cmpIntFloat(i int64, f float64) (int, bool) {
	switch {
	case math.IsNaN(f):
		return 0, false
	case f >= 1<<63:
		return -1, true
	case f < -(1 << 63):
		return 1, true
	}
	whole := math.Trunc(f)
	if c := cmpOrdered(i, int64(whole)); c != 0 {
		return c, true
	}
	return cmpOrdered(0, f-whole), true
}

// toNumber reads a Go numeric attribute value without allocating.
func toNumber(v any) (number, bool) {
	switch t := v.(type) {
	case int:
		return intNum(int64(t)), true
	case int64:
		return intNum(t), true
	case float64:
		return floatNum(t), true
	case int32:
		return intNum(int64(t)), true
	case int16:
		return intNum(int64(t)), true
	case int8:
		return intNum(int64(t)), true
	case uint:
		return uintNum(uint64(t)), true
	case uint64:
		return uintNum(t), true
	case uint32:
		return intNum(int64(t)), true
	case uint16:
		return intNum(int64(t)), true
	case uint8:
		return intNum(int64(t)), true
	case float32:
		return floatNum(float64(t)), true
	case json.Number:
		return parseNumber(string(t))
	}
	return number{}, false
}

// parseNumber reads a JSON number, exactly when it is an integer.
func parseNumber(s string) (number, bool) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return intNum(i), true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return floatNum(f), true
	}
	return number{}, false
}

// Package jsvalue holds JSON values with the semantics of the platform's
// JavaScript services: JSON.parse for request bodies (with Fastify's guard
// against prototype keys), the JSONB normalisation that values stored in
// the database go through, and JSON.stringify for responses.
//
// A Value is immutable once built; the package is safe for concurrent use.
package jsvalue

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/inprocess/experiment/internal/wire"
)

// Kind is the JavaScript type of a Value.
type Kind uint8

// The kinds of values. Undefined is a missing value (an absent body, an
// absent key); the zero Value is Undefined.
const (
	Undefined Kind = iota
	Null
	Bool
	Number
	String
	Array
	Object
)

// Value is a JSON value as JavaScript holds it after JSON.parse. Numbers
// are float64, so integers beyond 2^53 lose precision and 1e400 is
// +Infinity, as in JavaScript.
type Value struct {
	Kind Kind
	Bool bool
	Num  float64
	Str  string
	Arr  []Value
	Obj  []Member // in JavaScript's property order; keys are unique
}

// Member is one property of an object.
type Member struct {
	Key string
	Val Value
}

// Get returns the property key of an object, and Undefined when v is not
// an object or has no such property.
func (v Value) Get(key string) Value {
	for _, m := range v.Obj {
		if m.Key == key {
			return m.Val
		}
	}
	return Value{}
}

// TypeName is the name zod gives v's type in "received ..." messages:
// undefined, null, boolean, number, NaN, string, array or object.
func (v Value) TypeName() string {
	switch v.Kind {
	case Null:
		return "null"
	case Bool:
		return "boolean"
	case Number:
		if math.IsNaN(v.Num) {
			return "NaN"
		}
		return "number"
	case String:
		return "string"
	case Array:
		return "array"
	case Object:
		return "object"
	}
	return "undefined"
}

// MaxDepth is the deepest nesting of arrays and objects Parse accepts.
const MaxDepth = 512

// ErrInvalid is returned (wrapped) by Parse for input that is not one
// JSON value, nests deeper than MaxDepth, or has a key Fastify refuses.
var ErrInvalid = errors.New("jsvalue: not valid JSON")

// Parse reads one JSON value as JSON.parse does behind Fastify's body
// parser: a duplicate key's last value wins at the key's first position,
// and a key "__proto__", or a key "constructor" whose value is an object
// with a key "prototype", makes the whole body invalid.
func Parse(data []byte) (Value, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := parseValue(dec, 0)
	if err != nil {
		return Value{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return Value{}, ErrInvalid
	}
	return v, nil
}

func parseValue(dec *json.Decoder, depth int) (Value, error) {
	tok, err := dec.Token()
	if err != nil {
		return Value{}, ErrInvalid
	}
	switch t := tok.(type) {
	case nil:
		return Value{Kind: Null}, nil
	case bool:
		return Value{Kind: Bool, Bool: t}, nil
	case string:
		return Value{Kind: String, Str: t}, nil
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return Value{}, ErrInvalid
		}
		return Value{Kind: Number, Num: f}, nil
	case json.Delim:
		if depth >= MaxDepth {
			return Value{}, ErrInvalid
		}
		if t == '[' {
			v := Value{Kind: Array, Arr: []Value{}}
			for dec.More() {
				item, err := parseValue(dec, depth+1)
				if err != nil {
					return Value{}, err
				}
				v.Arr = append(v.Arr, item)
			}
			if _, err := dec.Token(); err != nil {
				return Value{}, ErrInvalid
			}
			return v, nil
		}
		v := Value{Kind: Object, Obj: []Member{}}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return Value{}, ErrInvalid
			}
			key, _ := kt.(string)
			item, err := parseValue(dec, depth+1)
			if err != nil {
				return Value{}, err
			}
			if key == "__proto__" || (key == "constructor" && item.Kind == Object && item.Get("prototype").Kind != Undefined) {
				return Value{}, ErrInvalid
			}
			v.set(key, item)
		}
		if _, err := dec.Token(); err != nil {
			return Value{}, ErrInvalid
		}
		v.Obj = jsOrder(v.Obj)
		return v, nil
	}
	return Value{}, ErrInvalid
}

// set sets a property, keeping the position of an existing one.
func (v *Value) set(key string, val Value) {
	for i := range v.Obj {
		if v.Obj[i].Key == key {
			v.Obj[i].Val = val
			return
		}
	}
	v.Obj = append(v.Obj, Member{key, val})
}

// arrayIndex reports whether key is a JavaScript array index (a canonical
// decimal integer below 2^32-1), which objects list first, in numeric
// order, and returns it.
func arrayIndex(key string) (uint32, bool) {
	if key == "" || len(key) > 10 || (key[0] == '0' && len(key) > 1) {
		return 0, false
	}
	n, err := strconv.ParseUint(key, 10, 32)
	if err != nil || n == math.MaxUint32 {
		return 0, false
	}
	return uint32(n), true
}

// jsOrder puts an object's properties in JavaScript's order: array-index
// keys first in numeric order, then the others as they were.
func jsOrder(ms []Member) []Member {
	slices.SortStableFunc(ms, func(a, b Member) int {
		ai, aok := arrayIndex(a.Key)
		bi, bok := arrayIndex(b.Key)
		switch {
		case aok && bok:
			return int(int64(ai) - int64(bi))
		case aok:
			return -1
		case bok:
			return 1
		}
		return 0
	})
	return ms
}

// Normalize returns v as the platform returns a value it stored: written
// to a JSONB column (object keys sorted shorter first, then bytewise;
// numbers that JSON.stringify writes as null, such as 1e400, stored as
// null) and read back by JSON.parse (array-index keys first). Normalize is
// idempotent.
func Normalize(v Value) Value {
	switch v.Kind {
	case Number:
		if math.IsInf(v.Num, 0) || math.IsNaN(v.Num) {
			return Value{Kind: Null}
		}
	case Array:
		arr := make([]Value, len(v.Arr))
		for i, item := range v.Arr {
			arr[i] = Normalize(item)
		}
		return Value{Kind: Array, Arr: arr}
	case Object:
		obj := make([]Member, 0, len(v.Obj))
		for _, m := range v.Obj {
			if m.Val.Kind != Undefined { // JSON.stringify drops undefined properties
				obj = append(obj, Member{m.Key, Normalize(m.Val)})
			}
		}
		slices.SortFunc(obj, func(a, b Member) int {
			if len(a.Key) != len(b.Key) {
				return len(a.Key) - len(b.Key)
			}
			return bytesCompare(a.Key, b.Key)
		})
		return Value{Kind: Object, Obj: jsOrder(obj)}
	}
	return v
}

func bytesCompare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Append appends v to dst as JSON.stringify writes it. Undefined is
// written as null (JSON.stringify drops it from objects; Normalize does
// too).
func Append(dst []byte, v Value) []byte {
	switch v.Kind {
	case Null, Undefined:
		return append(dst, "null"...)
	case Bool:
		return strconv.AppendBool(dst, v.Bool)
	case Number:
		return wire.AppendNumber(dst, v.Num)
	case String:
		return wire.AppendString(dst, v.Str)
	case Array:
		dst = append(dst, '[')
		for i, item := range v.Arr {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = Append(dst, item)
		}
		return append(dst, ']')
	}
	dst = append(dst, '{')
	n := 0
	for _, m := range v.Obj {
		if m.Val.Kind == Undefined {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = wire.AppendString(dst, m.Key)
		dst = append(dst, ':')
		dst = Append(dst, m.Val)
	}
	return append(dst, '}')
}

// Encode returns v as JSON.stringify writes it.
func Encode(v Value) []byte { return Append(nil, v) }

// Canonical returns stored JSON (as a database returns it, spaces and
// all) as the platform returns it: parsed, normalised and re-encoded. It
// is how every JSON column is read back.
func Canonical(stored []byte) ([]byte, error) {
	v, err := Parse(stored)
	if err != nil {
		return nil, err
	}
	return Encode(Normalize(v)), nil
}

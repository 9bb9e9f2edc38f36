package wire

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is the type of a record.
type Kind uint8

const (
	// KindExposure is an exposure record ("type":"exposure").
	KindExposure Kind = iota + 1
	// KindEvent is an event record ("type":"event").
	KindEvent
)

// Record is one decoded record of either kind, for reading many records
// without allocating: its byte fields are views into the parsed line (or
// into the Record's own buffer when a string had escapes), valid until the
// next Parse or until the line is modified. The zero Record is ready to
// use. A Record is not safe for concurrent use.
type Record struct {
	Kind          Kind
	UserKey       []byte
	ExperimentKey []byte // exposures only
	VariantKey    []byte // exposures only
	ConfigVersion int64  // exposures only
	Event         []byte // events only
	Value         float64
	HasValue      bool // events only: "value" was a number
	Timestamp     time.Time

	scratch []byte // unescaped strings
}

// AsExposure returns r as an Exposure, its strings copied. It is
// meaningful only when r.Kind is KindExposure.
func (r *Record) AsExposure() Exposure {
	return Exposure{
		UserKey: string(r.UserKey), ExperimentKey: string(r.ExperimentKey), VariantKey: string(r.VariantKey),
		ConfigVersion: r.ConfigVersion, Timestamp: r.Timestamp,
	}
}

// AsEvent returns r as an Event, its strings copied. It is meaningful
// only when r.Kind is KindEvent.
func (r *Record) AsEvent() Event {
	return Event{UserKey: string(r.UserKey), Event: string(r.Event), Value: r.Value, HasValue: r.HasValue, Timestamp: r.Timestamp}
}

// SyntaxError is a record that could not be parsed: Offset is the byte
// offset in the line where the problem was found.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("wire: at byte %d: %s", e.Offset, e.Msg) }

// the keys Parse knows, as bits of a set
const (
	keyType = 1 << iota
	keyUser
	keyExperiment
	keyVariant
	keyVersion
	keyEvent
	keyValue
	keyTimestamp
)

const maxDepth = 32 // nesting allowed in the values of unknown keys

// Parse decodes one record, a JSON object with surrounding whitespace
// allowed, into r, following the rules of the package documentation. On
// error r's fields are undefined; the error is a *SyntaxError, or names
// the missing key or the unknown type.
func (r *Record) Parse(line []byte) error {
	if need := 3 * len(line); cap(r.scratch) < need {
		// An unescaped string is never longer than 3 times its escaped
		// form (a byte of invalid UTF-8 becomes U+FFFD), so appends to
		// scratch never move what earlier views point at.
		r.scratch = make([]byte, 0, need)
	}
	*r = Record{scratch: r.scratch[:0]}
	p := parser{b: line}
	seen, err := p.object(r)
	if err != nil {
		return err
	}
	return r.complete(seen)
}

func (r *Record) complete(seen int) error {
	need := keyType | keyUser | keyTimestamp
	switch r.Kind {
	case KindExposure:
		need |= keyExperiment | keyVariant | keyVersion
		r.Event, r.Value, r.HasValue = nil, 0, false
	case KindEvent:
		need |= keyEvent
		r.ExperimentKey, r.VariantKey, r.ConfigVersion = nil, nil, 0
	}
	if missing := need &^ seen; missing != 0 {
		for bit, name := range keyNames {
			if missing&(1<<bit) != 0 {
				return fmt.Errorf("wire: missing %q", name)
			}
		}
	}
	if len(r.UserKey) == 0 || (r.Kind == KindExposure && (len(r.ExperimentKey) == 0 || len(r.VariantKey) == 0)) ||
		(r.Kind == KindEvent && len(r.Event) == 0) {
		return ErrEmpty
	}
	return nil
}

var keyNames = [...]string{"type", "user_key", "experiment_key", "variant_key", "config_version", "event", "value", "timestamp"}

type parser struct {
	b []byte
	i int
}

func (p *parser) fail(msg string) error { return &SyntaxError{p.i, msg} }

func (p *parser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) expect(c byte) error {
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != c {
		if p.i >= len(p.b) {
			return p.fail(fmt.Sprintf("unexpected end, want %q", c))
		}
		return p.fail(fmt.Sprintf("unexpected %q, want %q", p.b[p.i], c))
	}
	p.i++
	return nil
}

func (p *parser) object(r *Record) (int, error) {
	if err := p.expect('{'); err != nil {
		return 0, err
	}
	seen := 0
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
	} else {
		for {
			p.ws()
			if p.i >= len(p.b) || p.b[p.i] != '"' {
				return 0, p.fail("want a key")
			}
			keyAt := p.i
			key, err := p.str(nil)
			if err != nil {
				return 0, err
			}
			if err := p.expect(':'); err != nil {
				return 0, err
			}
			p.ws()
			bit, err := p.field(r, key)
			if err != nil {
				return 0, err
			}
			if seen&bit != 0 {
				return 0, &SyntaxError{keyAt, fmt.Sprintf("duplicate key %q", key)}
			}
			seen |= bit
			p.ws()
			if p.i < len(p.b) && p.b[p.i] == ',' {
				p.i++
				continue
			}
			if err := p.expect('}'); err != nil {
				return 0, err
			}
			break
		}
	}
	p.ws()
	if p.i != len(p.b) {
		return 0, p.fail("data after the record")
	}
	return seen, nil
}

// field parses the value of key into r and returns key's bit (0 for an
// unknown key, whose value is skipped).
func (p *parser) field(r *Record, key []byte) (int, error) {
	var err error
	switch string(key) {
	case "type":
		var t []byte
		at := p.i
		if t, err = p.str(r); err != nil {
			return 0, err
		}
		switch string(t) {
		case "exposure":
			r.Kind = KindExposure
		case "event":
			r.Kind = KindEvent
		default:
			return 0, &SyntaxError{at, fmt.Sprintf("unknown type %q", t)}
		}
		return keyType, nil
	case "user_key":
		r.UserKey, err = p.str(r)
		return keyUser, err
	case "experiment_key":
		r.ExperimentKey, err = p.str(r)
		return keyExperiment, err
	case "variant_key":
		r.VariantKey, err = p.str(r)
		return keyVariant, err
	case "event":
		r.Event, err = p.str(r)
		return keyEvent, err
	case "config_version":
		r.ConfigVersion, err = p.integer()
		return keyVersion, err
	case "value":
		if p.literal("null") {
			return keyValue, nil
		}
		r.Value, err = p.number()
		r.HasValue = err == nil
		return keyValue, err
	case "timestamp":
		at := p.i
		var s []byte
		if s, err = p.str(r); err != nil {
			return 0, err
		}
		var ok bool
		if r.Timestamp, ok = parseTime(s); !ok {
			return 0, &SyntaxError{at, fmt.Sprintf("timestamp %q is not RFC 3339", s)}
		}
		return keyTimestamp, nil
	}
	return 0, p.skip(0)
}

func (p *parser) literal(word string) bool {
	if len(p.b)-p.i >= len(word) && string(p.b[p.i:p.i+len(word)]) == word {
		p.i += len(word)
		return true
	}
	return false
}

// str parses a JSON string at p.i. Without escapes or invalid UTF-8 it
// returns a view into the line; otherwise it unescapes into r's scratch
// (or a new slice when r is nil, for keys), as encoding/json would decode
// it: invalid UTF-8 and lone surrogates become U+FFFD.
func (p *parser) str(r *Record) ([]byte, error) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return nil, p.fail("want a string")
	}
	p.i++
	// Fast path: printable ASCII up to the closing quote, no escapes.
	if end := bytes.IndexByte(p.b[p.i:], '"'); end >= 0 {
		s := p.b[p.i : p.i+end]
		clean := true
		for _, c := range s {
			if c < 0x20 || c == '\\' || c >= utf8.RuneSelf {
				clean = false
				break
			}
		}
		if clean {
			p.i += end + 1
			return s, nil
		}
	}
	start, ascii := p.i, true
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if ascii || utf8.Valid(s) {
				return s, nil
			}
			p.i = start
			return p.unescape(r)
		case c == '\\':
			p.i = start
			return p.unescape(r)
		case c < 0x20:
			return nil, p.fail("control character in a string")
		case c >= utf8.RuneSelf:
			ascii = false
		}
		p.i++
	}
	return nil, p.fail("unterminated string")
}

func (p *parser) unescape(r *Record) ([]byte, error) {
	var out []byte
	if r != nil {
		out = r.scratch[len(r.scratch):]
	}
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			if r != nil {
				r.scratch = r.scratch[:len(r.scratch)+len(out)]
			}
			return out, nil
		case c < 0x20:
			return nil, p.fail("control character in a string")
		case c == '\\':
			if p.i+1 >= len(p.b) {
				return nil, p.fail("unterminated string")
			}
			e := p.b[p.i+1]
			p.i += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				rr, ok := p.hex4()
				if !ok {
					return nil, p.fail("bad \\u escape")
				}
				if utf16.IsSurrogate(rr) {
					// A high surrogate followed by an escaped low one is
					// one character; anything else is U+FFFD.
					save := p.i
					if p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
						p.i += 2
						if r2, ok := p.hex4(); ok {
							if d := utf16.DecodeRune(rr, r2); d != utf8.RuneError {
								out = utf8.AppendRune(out, d)
								continue
							}
						}
					}
					p.i = save
					rr = utf8.RuneError
				}
				out = utf8.AppendRune(out, rr)
			default:
				return nil, p.fail(fmt.Sprintf("bad escape \\%c", e))
			}
		case c < utf8.RuneSelf:
			out = append(out, c)
			p.i++
		default:
			rr, size := utf8.DecodeRune(p.b[p.i:])
			if rr == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, p.b[p.i:p.i+size]...)
			}
			p.i += size
		}
	}
	return nil, p.fail("unterminated string")
}

func (p *parser) hex4() (rune, bool) {
	if len(p.b)-p.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range p.b[p.i : p.i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	p.i += 4
	return r, true
}

// numberSpan scans a JSON number at p.i and returns it, reporting whether
// it has a fraction or an exponent.
func (p *parser) numberSpan() ([]byte, bool, error) {
	start := p.i
	if p.i < len(p.b) && p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.b) && p.b[p.i] == '0':
		p.i++
	case p.i < len(p.b) && '1' <= p.b[p.i] && p.b[p.i] <= '9':
		p.digits()
	default:
		p.i = start
		return nil, false, p.fail("want a number")
	}
	frac := false
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			return nil, false, p.fail("want digits after '.'")
		}
		frac = true
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return nil, false, p.fail("want digits in the exponent")
		}
		frac = true
	}
	return p.b[start:p.i], frac, nil
}

func (p *parser) digits() int {
	n := 0
	for p.i < len(p.b) && '0' <= p.b[p.i] && p.b[p.i] <= '9' {
		p.i++
		n++
	}
	return n
}

var errRange = errors.New("out of range")

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// number parses a JSON number as a finite float64, exactly as
// strconv.ParseFloat rounds it.
func (p *parser) number() (float64, error) {
	at := p.i
	s, _, err := p.numberSpan()
	if err != nil {
		return 0, err
	}
	// Fast path (Clinger): at most 15 significant digits and no exponent
	// is an integer below 2^53 divided by an exact power of ten, which
	// IEEE division rounds correctly.
	if v, ok := fastFloat(s); ok {
		return v, nil
	}
	v, err := strconv.ParseFloat(string(s), 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, &SyntaxError{at, fmt.Sprintf("number %s %v", s, errRange)}
	}
	return v, nil
}

func fastFloat(s []byte) (float64, bool) {
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	var mant uint64
	digits, scale, dot := 0, 0, false
	for _, c := range s {
		switch {
		case c == '.':
			dot = true
		case '0' <= c && c <= '9':
			if mant != 0 || c != '0' {
				digits++
			}
			mant = mant*10 + uint64(c-'0')
			if dot {
				scale++
			}
		default:
			return 0, false // an exponent
		}
		if digits > 15 || scale >= len(pow10) {
			return 0, false
		}
	}
	v := float64(mant) / pow10[scale]
	if neg {
		v = -v
	}
	return v, true
}

// integer parses a JSON number without fraction or exponent that fits an
// int64, as encoding/json decodes into an int64.
func (p *parser) integer() (int64, error) {
	at := p.i
	s, frac, err := p.numberSpan()
	if err != nil {
		return 0, err
	}
	if frac {
		return 0, &SyntaxError{at, fmt.Sprintf("config_version %s is not an integer", s)}
	}
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	var v uint64
	for _, c := range s {
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, &SyntaxError{at, "config_version " + errRange.Error()}
		}
		v = v*10 + d
	}
	switch {
	case !neg && v <= math.MaxInt64:
		return int64(v), nil
	case neg && v <= 1<<63:
		return int64(-v), nil
	}
	return 0, &SyntaxError{at, "config_version " + errRange.Error()}
}

// skip skips any JSON value: the value of a key Parse does not know.
func (p *parser) skip(depth int) error {
	if depth > maxDepth {
		return p.fail(fmt.Sprintf("nested deeper than %d levels", maxDepth))
	}
	if p.i >= len(p.b) {
		return p.fail("want a value")
	}
	switch c := p.b[p.i]; {
	case c == '"':
		_, err := p.str(nil)
		return err
	case c == '{' || c == '[':
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		p.i++
		p.ws()
		if p.i < len(p.b) && p.b[p.i] == end {
			p.i++
			return nil
		}
		for {
			p.ws()
			if c == '{' {
				if _, err := p.str(nil); err != nil {
					return err
				}
				if err := p.expect(':'); err != nil {
					return err
				}
				p.ws()
			}
			if err := p.skip(depth + 1); err != nil {
				return err
			}
			p.ws()
			if p.i < len(p.b) && p.b[p.i] == ',' {
				p.i++
				continue
			}
			return p.expect(end)
		}
	case p.literal("true"), p.literal("false"), p.literal("null"):
		return nil
	}
	_, _, err := p.numberSpan()
	return err
}

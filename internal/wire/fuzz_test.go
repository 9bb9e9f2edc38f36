package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"testing"
	"time"
)

var seedLines = []string{
	`{"type":"exposure","user_key":"u1","experiment_key":"checkout","variant_key":"blue","config_version":7,"timestamp":"2026-03-01T12:00:00.5Z"}`,
	`{"type":"event","user_key":"u1","event":"purchase","value":9.99,"timestamp":"2026-03-01T12:00:00.5Z"}`,
	`{"type":"event","user_key":"a\"b\\c\u0001\ud83d\ude00\ud800x","event":"e","value":null,"timestamp":"2026-03-01T12:00:00+01:00"}`,
	`{"type":"event","user_key":"u","event":"e","value":-1.5e-7,"timestamp":"2026-03-01T12:00:00.1234567891Z","extra":{"a":[1,{"b":"c"}]}}`,
	`{"type":"exposure","user_key":"u","experiment_key":"e","variant_key":"v","config_version":-9223372036854775808,"timestamp":"2024-02-29T23:59:59Z"}`,
	`{"type":"event","user_key":"u","user_key":"v"}`,
	`{"type":"event","user_key":"\xff\xfe","event":"e","timestamp":"2026-03-01T12:00:00Z"}`,
	`{"type":"event","user_key":"u","event":"e","value":123456789012345678,"timestamp":"2026-03-01T12:00:00Z"}`,
}

// FuzzParse checks Parse against a reference built on encoding/json and
// time.Time's UnmarshalText: both accept the same lines and decode the
// same fields.
func FuzzParse(f *testing.F) {
	for _, l := range seedLines {
		f.Add([]byte(l))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var r Record
		err := r.Parse(line)
		want, refErr := reference(line)
		if (err == nil) != (refErr == nil) {
			t.Fatalf("Parse(%q): %v; reference: %v", line, err, refErr)
		}
		if err != nil {
			return
		}
		got := map[string]string{
			"kind": fmt.Sprint(r.Kind), "user_key": string(r.UserKey), "experiment_key": string(r.ExperimentKey),
			"variant_key": string(r.VariantKey), "config_version": fmt.Sprint(r.ConfigVersion), "event": string(r.Event),
			"value": fmt.Sprint(r.Value, r.HasValue), "timestamp": r.Timestamp.UTC().Format(time.RFC3339Nano),
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("Parse(%q) %s = %q, reference %q", line, k, got[k], v)
			}
		}
	})
}

// reference decodes a record with encoding/json, by the package's rules.
func reference(line []byte) (map[string]string, error) {
	if !json.Valid(line) {
		return nil, fmt.Errorf("invalid JSON")
	}
	if err := uniqueKeysAndDepth(line); err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(line, &m); err != nil {
		return nil, err
	}
	out := map[string]string{"experiment_key": "", "variant_key": "", "config_version": "0", "event": "", "value": "0 false"}
	strField := func(k string, required bool) error {
		raw, ok := m[k]
		if !ok {
			if required {
				return fmt.Errorf("missing %s", k)
			}
			return nil
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			return fmt.Errorf("%s: not a string", k)
		}
		out[k] = s
		return nil
	}
	for _, k := range []string{"experiment_key", "variant_key", "event"} {
		if err := strField(k, false); err != nil {
			return nil, err
		}
	}
	if err := strField("type", true); err != nil {
		return nil, err
	}
	if err := strField("user_key", true); err != nil {
		return nil, err
	}
	if err := strField("timestamp", true); err != nil {
		return nil, err
	}
	ts, err := referenceTime(out["timestamp"])
	if err != nil {
		return nil, err
	}
	out["timestamp"] = ts.UTC().Format(time.RFC3339Nano)
	if raw, ok := m["config_version"]; ok {
		var v int64
		if err := json.Unmarshal(raw, &v); err != nil || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			return nil, fmt.Errorf("config_version")
		}
		out["config_version"] = fmt.Sprint(v)
	}
	if raw, ok := m["value"]; ok && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		var v float64
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("value")
		}
		out["value"] = fmt.Sprint(v, true)
	}
	switch out["type"] {
	case "exposure":
		out["kind"] = fmt.Sprint(KindExposure)
		if _, ok := m["config_version"]; !ok || out["experiment_key"] == "" || out["variant_key"] == "" {
			return nil, fmt.Errorf("exposure incomplete")
		}
		out["event"], out["value"] = "", "0 false"
	case "event":
		out["kind"] = fmt.Sprint(KindEvent)
		if out["event"] == "" {
			return nil, fmt.Errorf("event incomplete")
		}
		out["experiment_key"], out["variant_key"], out["config_version"] = "", "", "0"
	default:
		return nil, fmt.Errorf("type %q", out["type"])
	}
	if out["user_key"] == "" {
		return nil, fmt.Errorf("empty user")
	}
	delete(out, "type") // compared as "kind"
	return out, nil
}

// uniqueKeysAndDepth rejects a top level that is not an object, duplicate
// top-level keys, and nesting deeper than Parse allows.
func uniqueKeysAndDepth(line []byte) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	depth, keys, expectKey := 0, map[string]bool{}, false
	var stack []bool // per level: is an object
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // io.EOF: json.Valid already vouched for the syntax
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if depth == 0 && v != '{' {
					return fmt.Errorf("not an object")
				}
				depth++
				if depth > maxDepth+2 {
					return fmt.Errorf("too deep")
				}
				stack = append(stack, v == '{')
				expectKey = v == '{'
				continue
			default:
				depth--
				stack = stack[:len(stack)-1]
			}
		case string:
			if expectKey && depth == 1 {
				if keys[v] {
					return fmt.Errorf("duplicate %q", v)
				}
				keys[v] = true
				expectKey = false
				continue
			}
		default:
			if depth == 0 {
				return fmt.Errorf("not an object")
			}
		}
		if depth == 0 {
			if _, err := dec.Token(); err == nil {
				return fmt.Errorf("more data")
			}
			return nil
		}
		// After a value inside an object, a key comes next.
		expectKey = stack[len(stack)-1]
	}
}

// rfc3339 is RFC 3339's date-time, whose fields all have fixed widths and
// whose offset's hour is 00-23; time.Time's UnmarshalText also accepts a
// one-digit hour and offsets such as +24:00 and +00:60.
var rfc3339 = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$`)

func referenceTime(s string) (time.Time, error) {
	if !rfc3339.MatchString(s) {
		return time.Time{}, fmt.Errorf("not RFC 3339")
	}
	var t time.Time
	err := t.UnmarshalText([]byte(s))
	return t, err
}

// FuzzParseTime checks parseTime against time.Time's UnmarshalText, on
// strings of RFC 3339's shape.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-03-01T12:00:00Z", "2026-03-01T12:00:00.123456789+05:30", "2024-02-29T00:00:00-23:59",
		"2023-02-29T00:00:00Z", "2026-03-01T12:00:00.1234567891Z", "2026-03-01t12:00:00Z", "2026-03-01T24:00:00Z", "0000-01-01T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseTime([]byte(s))
		want, err := referenceTime(s)
		if ok != (err == nil) {
			t.Fatalf("parseTime(%q) ok %v; UnmarshalText: %v", s, ok, err)
		}
		if ok && !got.Equal(want) {
			t.Fatalf("parseTime(%q) = %v, UnmarshalText %v", s, got, want)
		}
	})
}

// FuzzAppend checks the encoders against encoding/json: a string as
// json.Marshal writes it (without HTML escaping), a float64 likewise.
func FuzzAppend(f *testing.F) {
	f.Add("plain", 1.5)
	f.Add("q\"b\\s/\b\f\n\r\t\x00\x1f\x7f é \u2028\u2029 \xff", 1e-7)
	f.Add("<&>", 1e21)
	f.Add("", math.Copysign(0, -1))
	f.Add("x", 123456789.125)
	f.Fuzz(func(t *testing.T, s string, v float64) {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s); string(got) != string(bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
			t.Fatalf("appendString(%q) = %s, encoding/json %s", s, got, want.Bytes())
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		jf, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendFloat(nil, v); string(got) != string(jf) {
			t.Fatalf("appendFloat(%v) = %s, encoding/json %s", v, got, jf)
		}
		// and the parser reads back exactly v
		p := parser{b: jf}
		back, err := p.number()
		if err != nil || (back != v && !(back == 0 && v == 0)) {
			t.Fatalf("number(%s) = %v, %v; want %v", jf, back, err, v)
		}
		if pv, _ := strconv.ParseFloat(string(jf), 64); pv != back {
			t.Fatalf("number(%s) = %v, ParseFloat %v", jf, back, pv)
		}
	})
}

package wire

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 500_000_000, time.UTC)

func TestAppendRoundTrip(t *testing.T) {
	exposures := []struct {
		name string
		e    Exposure
		want string
	}{
		{"plain", Exposure{"u1", "checkout", "blue", 7, t0},
			`{"type":"exposure","user_key":"u1","experiment_key":"checkout","variant_key":"blue","config_version":7,"timestamp":"2026-03-01T12:00:00.5Z"}`},
		{"escapes and a zone", Exposure{"a\"b\\c\n\x01é\u2028", "exp", "v", -3, time.Date(2026, 3, 1, 13, 0, 0, 0, time.FixedZone("", 3600))},
			`{"type":"exposure","user_key":"a\"b\\c\n\u0001é\u2028","experiment_key":"exp","variant_key":"v","config_version":-3,"timestamp":"2026-03-01T12:00:00Z"}`},
	}
	for _, tt := range exposures {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AppendExposure(nil, tt.e)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("AppendExposure (-want +got):\n%s", diff)
			}
			var r Record
			if err := r.Parse(got); err != nil {
				t.Fatal(err)
			}
			back := r.AsExposure()
			if !back.Timestamp.Equal(tt.e.Timestamp) {
				t.Errorf("timestamp %v, want %v", back.Timestamp, tt.e.Timestamp)
			}
			back.Timestamp = tt.e.Timestamp
			if diff := cmp.Diff(tt.e, back); diff != "" || r.Kind != KindExposure {
				t.Errorf("Parse kind %d (-want +got):\n%s", r.Kind, diff)
			}
		})
	}
	events := []struct {
		name string
		e    Event
		want string
	}{
		{"with a value", Event{"u1", "purchase", 9.99, true, t0},
			`{"type":"event","user_key":"u1","event":"purchase","value":9.99,"timestamp":"2026-03-01T12:00:00.5Z"}`},
		{"without a value", Event{"u1", "signup", 0, false, t0},
			`{"type":"event","user_key":"u1","event":"signup","value":null,"timestamp":"2026-03-01T12:00:00.5Z"}`},
		{"tiny value", Event{"u", "e", 1e-9, true, t0},
			`{"type":"event","user_key":"u","event":"e","value":1e-9,"timestamp":"2026-03-01T12:00:00.5Z"}`},
		{"invalid UTF-8 becomes U+FFFD", Event{"\xff", "e", -0.5, true, t0},
			`{"type":"event","user_key":"\ufffd","event":"e","value":-0.5,"timestamp":"2026-03-01T12:00:00.5Z"}`},
	}
	for _, tt := range events {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AppendEvent(nil, tt.e)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("AppendEvent (-want +got):\n%s", diff)
			}
			var r Record
			if err := r.Parse(got); err != nil {
				t.Fatal(err)
			}
			want := tt.e
			if want.UserKey == "\xff" {
				want.UserKey = "\ufffd"
			}
			if diff := cmp.Diff(want, r.AsEvent()); diff != "" || r.Kind != KindEvent {
				t.Errorf("Parse kind %d (-want +got):\n%s", r.Kind, diff)
			}
		})
	}
}

func TestAppendRefuses(t *testing.T) {
	long := strings.Repeat("x", MaxRecordBytes)
	tests := []struct {
		name string
		err  func() error
		want error
	}{
		{"exposure without user", func() error { _, err := AppendExposure(nil, Exposure{"", "e", "v", 1, t0}); return err }, ErrEmpty},
		{"exposure without variant", func() error { _, err := AppendExposure(nil, Exposure{"u", "e", "", 1, t0}); return err }, ErrEmpty},
		{"exposure at the zero time", func() error { _, err := AppendExposure(nil, Exposure{"u", "e", "v", 1, time.Time{}}); return err }, ErrTimestamp},
		{"exposure in year 10000", func() error {
			_, err := AppendExposure(nil, Exposure{"u", "e", "v", 1, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)})
			return err
		}, ErrTimestamp},
		{"exposure too long", func() error { _, err := AppendExposure(nil, Exposure{long, "e", "v", 1, t0}); return err }, ErrTooLong},
		{"event without name", func() error { _, err := AppendEvent(nil, Event{"u", "", 1, true, t0}); return err }, ErrEmpty},
		{"event with NaN", func() error { _, err := AppendEvent(nil, Event{"u", "e", math.NaN(), true, t0}); return err }, ErrValue},
		{"event with Inf", func() error { _, err := AppendEvent(nil, Event{"u", "e", math.Inf(-1), true, t0}); return err }, ErrValue},
		{"event too long", func() error { _, err := AppendEvent(nil, Event{"u", long, 1, true, t0}); return err }, ErrTooLong},
	}
	for _, tt := range tests {
		if err := tt.err(); !errors.Is(err, tt.want) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.want)
		}
	}
	// A refused record leaves dst as it was.
	dst := []byte("keep")
	if got, _ := AppendEvent(dst, Event{"u", long, 1, true, t0}); string(got) != "keep" {
		t.Errorf("AppendEvent changed dst to %q", got)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		line string
		want string // "" for success, else a substring of the error
	}{
		{"keys in any order, spaces", ` { "timestamp" : "2026-03-01T12:00:00Z" , "event":"e", "user_key":"u","type":"event" } `, ""},
		{"absent value", `{"type":"event","user_key":"u","event":"e","timestamp":"2026-03-01T12:00:00Z"}`, ""},
		{"unknown keys are skipped", `{"type":"event","user_key":"u","event":"e","timestamp":"2026-03-01T12:00:00Z","env":"prod","x":{"a":[1,2,{"b":null}],"c":true},"y":[]}`, ""},
		{"escaped key", `{"type":"event","user\u005fkey":"u","event":"e","timestamp":"2026-03-01T12:00:00Z"}`, ""},
		{"offset timestamp", `{"type":"event","user_key":"u","event":"e","timestamp":"2026-03-01T12:00:00.123456789+05:30"}`, ""},
		{"duplicate key", `{"type":"event","user_key":"u","user_key":"v","event":"e","timestamp":"2026-03-01T12:00:00Z"}`, `duplicate key "user_key"`},
		{"missing timestamp", `{"type":"event","user_key":"u","event":"e"}`, `missing "timestamp"`},
		{"missing config_version", `{"type":"exposure","user_key":"u","experiment_key":"x","variant_key":"v","timestamp":"2026-03-01T12:00:00Z"}`, `missing "config_version"`},
		{"missing type", `{"user_key":"u","event":"e","timestamp":"2026-03-01T12:00:00Z"}`, `missing "type"`},
		{"unknown type", `{"type":"click","user_key":"u"}`, `unknown type "click"`},
		{"empty user", `{"type":"event","user_key":"","event":"e","timestamp":"2026-03-01T12:00:00Z"}`, "empty user key"},
		{"string value", `{"type":"event","user_key":"u","event":"e","value":"9.99","timestamp":"2026-03-01T12:00:00Z"}`, "want a number"},
		{"value out of range", `{"type":"event","user_key":"u","event":"e","value":1e999,"timestamp":"2026-03-01T12:00:00Z"}`, "out of range"},
		{"fractional version", `{"type":"exposure","user_key":"u","experiment_key":"x","variant_key":"v","config_version":7.0,"timestamp":"2026-03-01T12:00:00Z"}`, "not an integer"},
		{"huge version", `{"type":"exposure","user_key":"u","experiment_key":"x","variant_key":"v","config_version":9223372036854775808,"timestamp":"2026-03-01T12:00:00Z"}`, "out of range"},
		{"bad timestamp", `{"type":"event","user_key":"u","event":"e","timestamp":"2026-02-30T12:00:00Z"}`, "not RFC 3339"},
		{"timestamp without zone", `{"type":"event","user_key":"u","event":"e","timestamp":"2026-03-01T12:00:00"}`, "not RFC 3339"},
		{"trailing data", `{"type":"event","user_key":"u","event":"e","timestamp":"2026-03-01T12:00:00Z"} x`, "data after"},
		{"trailing comma", `{"type":"event","user_key":"u",}`, "want a key"},
		{"not an object", `["type","event"]`, `want '{'`},
		{"empty line", ``, "unexpected end"},
		{"control character", "{\"type\":\"event\",\"user_key\":\"a\tb\"}", "control character"},
		{"too deep", `{"x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, "nested deeper"},
		{"unterminated", `{"type":"ev`, "unterminated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Record
			err := r.Parse([]byte(tt.line))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Parse: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Parse error %v, want one containing %q", err, tt.want)
			case err != nil && !strings.HasPrefix(err.Error(), "wire: "):
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestParseAllocatesNothing(t *testing.T) {
	line := []byte(`{"type":"event","user_key":"user-12345","event":"purchase","value":19.99,"timestamp":"2026-03-01T12:00:00.123Z"}`)
	esc := []byte(`{"type":"exposure","user_key":"us\"er","experiment_key":"e\u00e9","variant_key":"v","config_version":3,"timestamp":"2026-03-01T12:00:00Z"}`)
	var r Record
	for _, l := range [][]byte{line, esc} {
		if n := testing.AllocsPerRun(100, func() {
			if err := r.Parse(l); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("Parse(%s) allocates %v times", l, n)
		}
	}
}

func TestBatch(t *testing.T) {
	e1, _ := AppendExposure(nil, Exposure{"u1", "x", "a", 1, t0})
	e2, _ := AppendExposure(nil, Exposure{"u2", "x", "b", 1, t0})
	v1, _ := AppendEvent(nil, Event{"u1", "buy", 5, true, t0})
	exps := append(append(append([]byte{}, e1...), ','), e2...)
	body := AppendBatch(nil, "b-1", exps, v1)
	b, err := DecodeBatch(body)
	if err != nil {
		t.Fatal(err)
	}
	want := Batch{BatchID: "b-1",
		Exposures: []Exposure{{"u1", "x", "a", 1, t0}, {"u2", "x", "b", 1, t0}},
		Events:    []Event{{"u1", "buy", 5, true, t0}}}
	if diff := cmp.Diff(want, b); diff != "" {
		t.Errorf("DecodeBatch (-want +got):\n%s", diff)
	}
	if len(body) != BatchOverhead+len("b-1")+len(exps)+len(v1) {
		t.Errorf("BatchOverhead: body of %d bytes", len(body))
	}
	// encoding/json gives the same body.
	again, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(body), string(again)); diff != "" {
		t.Errorf("json.Marshal (-AppendBatch +Marshal):\n%s", diff)
	}

	for _, bad := range []struct{ name, body, want string }{
		{"no id", `{"exposures":[],"events":[]}`, "without batch_id"},
		{"event among exposures", `{"batch_id":"x","exposures":[` + string(v1) + `]}`, `want a record of "type":"exposure"`},
		{"bad record", `{"batch_id":"x","events":[{"type":"event"}]}`, "missing"},
		{"two objects", `{"batch_id":"x"} {}`, "data after"},
		{"too many", `{"batch_id":"x","events":[` + strings.TrimSuffix(strings.Repeat(string(v1)+",", MaxBatchRecords+1), ",") + `]}`, "more than 1000"},
	} {
		if _, err := DecodeBatch([]byte(bad.body)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: DecodeBatch error %v, want one containing %q", bad.name, err, bad.want)
		}
	}
}

package dashboard

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestParseJSONField(t *testing.T) {
	tests := []struct {
		name, text, want string
		wantErr          string
	}{
		{name: "blank", text: " \n\t"},
		{name: "compacted", text: "[\n  {\"a\": [1, 2.50]}\n]", want: `[{"a":[1,2.50]}]`},
		{name: "array wanted", text: `{}`, want: "", wantErr: "X must be a JSON array, not an object"},
		{name: "scalar", text: `"s"`, wantErr: `X must be a JSON array, such as [{"conditions": [{"attribute": "country", "operator": "eq", "value": "US"}]}]`},
		{name: "syntax, second line", text: "[\n  {\"a\" 1}]", wantErr: "X is not valid JSON: invalid character '1' after object key (line 2, column 8)"},
		{name: "truncated", text: `[{"a":`, wantErr: "X is not valid JSON: it ends too soon"},
		{name: "trailing", text: `[] []`, wantErr: "X has more after its JSON value (line 1, column 3)"},
		{name: "multibyte column", text: `["é", x]`, wantErr: "X is not valid JSON: invalid character 'x' looking for beginning of value (line 1, column 7)"},
		{name: "array", text: `[{"conditions":[]}]`, want: `[{"conditions":[]}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseJSONField("X", tt.text, "array")
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tt.wantErr || string(got) != tt.want {
				t.Errorf("got (%s, %q), want (%s, %q)", got, gotErr, tt.want, tt.wantErr)
			}
		})
	}
}

func FuzzParseJSONField(f *testing.F) {
	for _, s := range []string{"", "{}", "[]", `{"a":1}`, "[\n{\"a\" 1}]", `["é", x]`, `[] []`, `[{"a":`, "\xff", `{"a":"\u00e9"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, want := range []string{"object", "array"} {
			got, err := parseJSONField("X", text, want)
			if err != nil {
				if got != nil || !strings.HasPrefix(err.Error(), "X ") {
					t.Fatalf("error %q with value %q", err, got)
				}
				continue
			}
			if got == nil {
				if strings.TrimSpace(text) != "" {
					t.Fatalf("no value and no error for %q", text)
				}
				continue
			}
			var v any
			if json.Unmarshal(got, &v) != nil {
				t.Fatalf("%q gave invalid JSON %q", text, got)
			}
			if _, isObj := v.(map[string]any); isObj != (want == "object") {
				t.Fatalf("%q accepted as %s: %q", text, want, got)
			}
		}
	})
}

func TestPosition(t *testing.T) {
	for _, tt := range []struct {
		text      string
		off       int
		line, col int
	}{
		{"abc", 0, 1, 1}, {"abc", 2, 1, 3}, {"a\nbc", 3, 2, 2}, {"é\nx", 3, 2, 1}, {"abc", 99, 1, 4}, {"abc", -1, 1, 1},
	} {
		if l, c := position(tt.text, tt.off); l != tt.line || c != tt.col {
			t.Errorf("position(%q, %d) = %d:%d, want %d:%d", tt.text, tt.off, l, c, tt.line, tt.col)
		}
	}
}

func TestEvenSplit(t *testing.T) {
	for n := 1; n <= 12; n++ {
		vs := make([]variant, n)
		for i := range vs {
			vs[i].ID = string(rune('a' + i))
		}
		as := evenSplit(vs)
		next, smallest, largest := 0, buckets, 0
		for i, a := range as {
			if a.RangeStart != next || a.VariantID != vs[i].ID {
				t.Fatalf("%d variants: allocation %d is %+v, want it to start at %d", n, i, a, next)
			}
			size := a.RangeEnd - a.RangeStart + 1
			smallest, largest = min(smallest, size), max(largest, size)
			next = a.RangeEnd + 1
		}
		if next != buckets || largest-smallest > 1 {
			t.Errorf("%d variants: cover 0-%d, sizes %d..%d", n, next-1, smallest, largest)
		}
	}
	if diff := cmp.Diff([]allocation{{VariantID: "a", RangeStart: 0, RangeEnd: 4999}, {VariantID: "b", RangeStart: 5000, RangeEnd: 9999}},
		evenSplit([]variant{{ID: "a"}, {ID: "b"}})); diff != "" {
		t.Error(diff)
	}
}

func TestFormNumber(t *testing.T) {
	for in, want := range map[string]any{"0": json.Number("0"), " 12 ": json.Number("12"), "1.5": json.Number("1.5"), "1e3": json.Number("1e3"),
		"": "", "abc": "abc", "0x10": "0x10", "NaN": "NaN", "+1": "+1", "Infinity": "Infinity"} {
		if got := formNumber(in); got != want {
			t.Errorf("formNumber(%q) = %#v, want %#v", in, got, want)
		}
	}
}

func testDashboard(t testing.TB) *dashboard {
	h, err := New(Options{API: http.NotFoundHandler(), SessionKey: []byte(strings.Repeat("k", 32)), Now: func() time.Time { return time.Unix(1e9, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	return h.(*dashboard)
}

func TestSessionRoundTrip(t *testing.T) {
	d := testDashboard(t)
	for _, authed := range []bool{false, true} {
		s := newSession(authed, d.now())
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: d.encodeSession(s)})
		got, ok := d.readSession(req)
		if !ok || got != s {
			t.Errorf("read back %+v %v, want %+v", got, ok, s)
		}
		if !d.checkCSRF(got, d.csrfToken(s)) || d.checkCSRF(got, d.csrfToken(newSession(authed, d.now()))) {
			t.Error("the CSRF token is not bound to the session")
		}
	}
	other := testDashboard(t)
	other.key = []byte(strings.Repeat("o", 32))
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: d.encodeSession(newSession(true, d.now()))})
	if _, ok := other.readSession(req); ok {
		t.Error("a session signed with another key was accepted")
	}
	newToken := testDashboard(t)
	newToken.token = "another token"
	if _, ok := newToken.readSession(req); ok {
		t.Error("a session of the old token was accepted after the token changed")
	}
}

// FuzzSessionCookie: no cookie value makes a session except one this
// dashboard signed, and none panics.
func FuzzSessionCookie(f *testing.F) {
	d := testDashboard(f)
	f.Add(d.encodeSession(newSession(true, d.now())))
	f.Add("")
	f.Add("AAAA")
	f.Add(strings.Repeat("A", 76))
	f.Fuzz(func(t *testing.T, value string) {
		if !utf8.ValidString(value) || strings.ContainsAny(value, "; \"\\,\r\n\t") {
			return // not a cookie value a client can send
		}
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Cookie", sessionCookie+"="+value)
		s, ok := d.readSession(req)
		if ok && d.encodeSession(s) != value {
			t.Fatalf("accepted %q, which this dashboard did not sign", value)
		}
	})
}

func TestFlashIsSigned(t *testing.T) {
	d := testDashboard(t)
	s := newSession(true, d.now())
	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	d.setFlash(w, req, s, flash{Warn: true, Text: "hello"})
	c := w.Result().Cookies()[0]
	read := func(value string, s session) *flash {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(&http.Cookie{Name: flashCookie, Value: value})
		return d.takeFlash(httptest.NewRecorder(), req, s)
	}
	if f := read(c.Value, s); f == nil || *f != (flash{Warn: true, Text: "hello"}) {
		t.Errorf("flash read back as %+v", f)
	}
	if f := read(c.Value, newSession(true, d.now())); f != nil {
		t.Errorf("another session read the flash %+v", f)
	}
	if f := read("AGhlbGxv", s); f != nil {
		t.Errorf("an unsigned flash was shown: %+v", f)
	}
}

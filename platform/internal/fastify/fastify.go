// Package fastify reproduces what the platform's services answer from
// their framework (Fastify) rather than their routes: the JSON content
// type, the error envelopes, the unknown-route 404, and the query-string
// parser. The control plane, the decision service and the gateway share
// it, as the platform's three services share Fastify.
package fastify

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/inprocess/experiment/internal/wire"
	"github.com/inprocess/experiment/platform/internal/jsvalue"
)

// WriteJSON writes a JSON body with the platform's content type,
// application/json; charset=utf-8.
func WriteJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// WriteError writes {"error": msg}, the body of the platform's own
// errors.
func WriteError(w http.ResponseWriter, status int, msg string) {
	WriteJSON(w, status, ErrorBody(msg))
}

// ErrorBody is {"error": msg}.
func ErrorBody(msg string) []byte {
	b := append([]byte(`{"error":`), wire.AppendString(nil, msg)...)
	return append(b, '}')
}

// Error is one of Fastify's error envelopes,
// {"statusCode","code","error","message"}, without code when it is empty.
func Error(status int, code, message string) []byte {
	b := append([]byte(`{"statusCode":`), strconv.Itoa(status)...)
	if code != "" {
		b = append(b, `,"code":`...)
		b = wire.AppendString(b, code)
	}
	b = append(b, `,"error":`...)
	b = wire.AppendString(b, StatusText(status))
	b = append(b, `,"message":`...)
	b = wire.AppendString(b, message)
	return append(b, '}')
}

// StatusText is Node's name for a status, which differs from Go's for 413.
func StatusText(status int) string {
	if status == http.StatusRequestEntityTooLarge {
		return "Payload Too Large"
	}
	return http.StatusText(status)
}

// WriteNotFound is Fastify's answer to an unknown route or method, with
// its own key order; the message has the raw URL, query included.
func WriteNotFound(w http.ResponseWriter, r *http.Request) {
	uri := r.RequestURI
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	b := append([]byte(`{"message":`), wire.AppendString(nil, "Route "+r.Method+":"+uri+" not found")...)
	b = append(b, `,"error":"Not Found","statusCode":404}`...)
	WriteJSON(w, http.StatusNotFound, b)
}

// ParseQuery reads a raw query string as Fastify's querystring parser
// does: pairs split on &, each at its first =, + as a space, percent
// escapes decoded (a component that does not decode is kept as it is), a
// key given more than once an array of its values in order.
func ParseQuery(raw string) map[string]jsvalue.Value {
	out := map[string]jsvalue.Value{}
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, v = decodeComponent(k), decodeComponent(v)
		cur, ok := out[k]
		switch {
		case !ok:
			out[k] = jsvalue.Value{Kind: jsvalue.String, Str: v}
		case cur.Kind == jsvalue.String:
			out[k] = jsvalue.Value{Kind: jsvalue.Array, Arr: []jsvalue.Value{cur, {Kind: jsvalue.String, Str: v}}}
		default:
			cur.Arr = append(cur.Arr, jsvalue.Value{Kind: jsvalue.String, Str: v})
			out[k] = cur
		}
	}
	return out
}

// decodeComponent decodes + and percent escapes, returning s unchanged
// when an escape is malformed or the result is not UTF-8.
func decodeComponent(s string) string {
	if !strings.ContainsAny(s, "+%") {
		return s
	}
	s = strings.ReplaceAll(s, "+", " ")
	if d, ok := PercentDecode(s); ok {
		return d
	}
	return s
}

// PercentDecode decodes %XX escapes, failing on a malformed one or on a
// result that is not valid UTF-8 (as decodeURIComponent does).
func PercentDecode(s string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", false
		}
		b = append(b, byte(n))
		i += 2
	}
	if !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}

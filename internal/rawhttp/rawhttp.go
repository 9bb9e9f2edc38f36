// Package rawhttp is the HTTP/1.1 client the tests of this repository's
// servers use where net/http's client would not do: it writes a request as
// raw bytes (an oversized head, a bad framing, a pipelined pair) and reads
// one response, whose body it decodes as JSON, since every answer of those
// servers is JSON.
//
// It is for tests only: each function takes a testing.TB and fails the
// test on a broken connection. A connection is given HangGuard to finish,
// so a server that never answers fails the test instead of hanging it.
package rawhttp

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// HangGuard bounds each round trip; it is a guard against a hang, not a
// measure of speed.
const HangGuard = 30 * time.Second

// Response is a response read off a connection: its status, its
// Content-Type, and its body decoded as JSON (nil for an empty body).
type Response struct {
	Code        int
	ContentType string
	Body        any
}

// RoundTrip writes req to a new connection to addr and reads one
// response, writing and reading at once, as a server may answer before it
// has read the whole request.
func RoundTrip(t testing.TB, addr, req string) Response {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(HangGuard))
	go func() { _, _ = io.WriteString(c, req) }()
	return Read(t, bufio.NewReader(c))
}

// Read reads one response from br. A body that is not JSON is an error
// of the test (reported with t.Errorf, so the status can still be checked).
func Read(t testing.TB, br *bufio.Reader) Response {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	got := Response{Code: resp.StatusCode, ContentType: resp.Header.Get("Content-Type")}
	if err := json.Unmarshal(body, &got.Body); err != nil {
		t.Errorf("body %q is not JSON: %v", body, err)
	}
	return got
}

// JSONError is the Response of the servers' own errors: the status and
// {"error": msg}.
func JSONError(code int, msg string) Response {
	return Response{Code: code, ContentType: "application/json; charset=utf-8", Body: map[string]any{"error": msg}}
}

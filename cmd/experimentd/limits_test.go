package main

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inprocess/experiment/internal/rawhttp"
)

// fastifyError is the platform's answer to a request it cannot read.
func fastifyError(code int, text, msg string) rawhttp.Response {
	return rawhttp.Response{Code: code, ContentType: "application/json", Body: map[string]any{"error": text, "message": msg, "statusCode": float64(code)}}
}

// TestFinding11RequestSizeLimits sends oversized requests over loopback:
// each gets its status with a JSON error, whether experimentd's handler or
// net/http itself refuses it. Before the fix a context near net/http's 1 MB
// header limit was parsed in full (about 5 MB of memory per request), and
// net/http's own 431 was plain text.
func TestFinding11RequestSizeLimits(t *testing.T) {
	dir := t.TempDir()
	prod := filepath.Join(dir, "prod.yaml")
	writeFile(t, prod, fmt.Sprintf(prodYAML, 1))
	base := start(t, "-max-header-bytes", "16384", "-max-context-bytes", "4096", "-config", "prod="+prod)
	waitLoaded(t, base, map[string]int64{"prod": 1})
	addr := strings.TrimPrefix(base, "http://")

	request := func(context string, header string) string {
		q := url.Values{"user_key": {"u"}, "env": {"prod"}}
		if context != "" {
			q.Set("context", context)
		}
		return "GET /decide?" + q.Encode() + " HTTP/1.1\r\nHost: " + addr + "\r\n" + header + "Connection: close\r\n\r\n"
	}
	ctxOf := func(n int) string { return `{"a":"` + strings.Repeat("x", n-8) + `"}` } // n bytes
	tooLarge := fastifyError(431, "Request Header Fields Too Large", "Exceeded maximum allowed HTTP header size")
	tests := []struct {
		name string
		req  string
		want rawhttp.Response
	}{
		{name: "context at the limit", req: request(ctxOf(4096), ""),
			want: rawhttp.Response{Code: 200, ContentType: "application/json; charset=utf-8"}},
		{name: "context a byte over the limit", req: request(ctxOf(4097), ""),
			want: rawhttp.JSONError(414, "context is over the 4096-byte limit")},
		{name: "request line just over the limit, refused by the handler", req: request(ctxOf(4000), "X-Pad: "+strings.Repeat("p", 12500)+"\r\n"),
			want: tooLarge},
		{name: "900 KB context, refused by net/http", req: request(ctxOf(900_000), ""), want: tooLarge},
		{name: "a 100 KB header, refused by net/http", req: request("", "Cookie: "+strings.Repeat("c", 100_000)+"\r\n"), want: tooLarge},
		{name: "malformed request, refused by net/http", req: "GET /decide HTTP/1.1\r\nNo-Colon\r\n\r\n",
			want: fastifyError(400, "Bad Request", "Client Error")},
		{name: "no Host, refused by net/http", req: "GET /decide HTTP/1.1\r\n\r\n",
			want: fastifyError(400, "Bad Request", "Client Error")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rawhttp.RoundTrip(t, addr, tt.req)
			if tt.want.Code == 200 {
				got.Body = nil
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
		})
	}
}

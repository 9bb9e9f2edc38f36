package decide

import (
	"errors"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
)

// This file parses an HTTP/1.x request head for Serve's connection loop
// (http1.go). It is strict where leniency lets two parsers read one
// request differently (request smuggling): header names must be tokens
// with no space before the colon, continuation lines (obs-fold) are
// refused, Content-Length must be digits and agree with any repeat,
// Transfer-Encoding may only be "chunked" and never beside a
// Content-Length, and HTTP/1.1 needs one Host. Lines may end in CRLF or
// LF, as net/http accepts.

// headError is a request head that cannot be served: the status to
// answer, and the message for the platform's client-error body.
type headError struct {
	code int
	msg  string
}

func (e *headError) Error() string { return e.msg }

var (
	errBadRequest = &headError{http.StatusBadRequest, "Client Error"}
	errVersion    = &headError{http.StatusHTTPVersionNotSupported, "HTTP Version Not Supported"}
	errExpect     = &headError{http.StatusExpectationFailed, "Expectation Failed"}
)

// head is a parsed request head. Its strings are substrings of one string
// holding the whole head.
type head struct {
	method, target, proto string
	minor                 int // HTTP/1.minor
	path, rawPath, query  string
	host                  string
	contentLength         int64 // -1 when not given
	chunked               bool
	close                 bool // the client asked to close after this request
	expectContinue        bool
	nheaders              int
}

// parseHead reads the request line and headers in text (up to the blank
// line, excluded), adding the headers to h (which must be empty). The
// header values' slices are cut from vals while it has room, so that a
// request with few headers allocates none.
func parseHead(text string, h http.Header, hd *head, vals []string) error {
	*hd = head{contentLength: -1}
	line, rest := cutLine(text)
	if err := hd.requestLine(line); err != nil {
		return err
	}
	keepAlive, closing, hosts := false, false, 0
	for rest != "" {
		line, rest = cutLine(rest)
		if line == "" {
			return errBadRequest
		}
		if line[0] == ' ' || line[0] == '\t' {
			return errBadRequest // obs-fold
		}
		colon := strings.IndexByte(line, ':')
		if colon <= 0 || !validToken(line[:colon]) {
			return errBadRequest
		}
		name := canonicalName(line[:colon])
		value := trimSpace(line[colon+1:])
		if !validValue(value) {
			return errBadRequest
		}
		hd.nheaders++
		if prev, ok := h[name]; ok {
			h[name] = append(prev, value)
		} else if len(vals) > 0 {
			vals[0] = value
			h[name], vals = vals[:1:1], vals[1:]
		} else {
			h[name] = []string{value}
		}
		switch name {
		case "Host":
			hosts++
			hd.host = value
		case "Content-Length":
			n, ok := parseLength(value)
			if !ok || (hd.contentLength >= 0 && n != hd.contentLength) {
				return errBadRequest
			}
			hd.contentLength = n
		case "Transfer-Encoding":
			if !strings.EqualFold(value, "chunked") || hd.chunked {
				return errBadRequest
			}
			hd.chunked = true
		case "Connection":
			for _, t := range strings.Split(value, ",") {
				switch t = strings.TrimSpace(t); {
				case strings.EqualFold(t, "close"):
					closing = true
				case strings.EqualFold(t, "keep-alive"):
					keepAlive = true
				}
			}
		case "Expect":
			if !strings.EqualFold(value, "100-continue") {
				return errExpect
			}
			hd.expectContinue = true
		}
	}
	switch {
	case hd.chunked && hd.contentLength >= 0:
		return errBadRequest
	case hd.minor == 1 && hosts != 1, hosts > 1:
		return errBadRequest
	}
	hd.close = closing || (hd.minor == 0 && !keepAlive)
	return nil
}

// requestLine reads "METHOD SP target SP HTTP/1.x".
func (hd *head) requestLine(line string) error {
	m, rest, ok1 := strings.Cut(line, " ")
	t, proto, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || !validToken(m) || t == "" || strings.IndexByte(proto, ' ') >= 0 {
		return errBadRequest
	}
	switch proto {
	case "HTTP/1.1":
		hd.minor = 1
	case "HTTP/1.0":
		hd.minor = 0
	default:
		if strings.HasPrefix(proto, "HTTP/") && len(proto) == 8 && proto[6] == '.' {
			return errVersion
		}
		return errBadRequest
	}
	if hasControl(t) {
		return errBadRequest
	}
	hd.method, hd.target, hd.proto = internMethod(m), t, proto
	return hd.splitTarget()
}

// splitTarget reads the path and query of the request target: an
// origin-form path ("/decide?x"), an absolute URL, or "*" (OPTIONS).
// The path is percent-decoded, as net/http decodes it; a bad escape in
// the path is refused (the query is kept raw for parseDecideQuery).
func (hd *head) splitTarget() error {
	t := hd.target
	if t == "*" {
		hd.path = "*"
		return nil
	}
	if t[0] != '/' {
		u, err := url.ParseRequestURI(t)
		if err != nil || u.Host == "" {
			return errBadRequest
		}
		hd.path, hd.rawPath, hd.query = u.Path, u.RawPath, u.RawQuery
		if hd.path == "" {
			hd.path = "/"
		}
		return nil
	}
	p, q, _ := strings.Cut(t, "?")
	hd.query = q
	if strings.IndexByte(p, '%') < 0 {
		hd.path = p
		return nil
	}
	dec, err := url.PathUnescape(p)
	if err != nil {
		return errBadRequest
	}
	hd.path, hd.rawPath = dec, p
	return nil
}

// cutLine splits text after its first line, which ends in LF or CRLF; a
// lone CR is kept in the line, where validValue refuses it.
func cutLine(text string) (line, rest string) {
	i := strings.IndexByte(text, '\n')
	if i < 0 {
		return text, ""
	}
	line, rest = text[:i], text[i+1:]
	return strings.TrimSuffix(line, "\r"), rest
}

// hasControl reports whether s has a control character (below 0x20, or
// DEL), eight bytes at a time: a request target is most of a head.
func hasControl(s string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		b := s[i : i+8] // one bounds check; the eight loads are one
		w := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		// A byte below 0x20 borrows when 0x20 is taken from it, and so
		// does a DEL, XORed with 0x7f to zero, when 1 is; a byte of 0x80
		// or more is not counted (&^ w).
		if ((w-0x20*ones)|((w^0x7f*ones)-ones))&^w&highs != 0 {
			return true
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return true
		}
	}
	return false
}

// trimSpace is s without leading and trailing spaces and tabs (a header
// value's optional whitespace).
func trimSpace(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// validToken reports whether s is an HTTP token (RFC 9110 tchar+).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTchar(s[i]) {
			return false
		}
	}
	return true
}

func isTchar(c byte) bool { return tchars[c] }

// tchars marks the bytes of an HTTP token.
var tchars = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", byte(c)) >= 0
	}
	return t
}()

// validValue reports whether s may be a header value: no control
// characters but tab.
func validValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// parseLength reads a Content-Length: 1 to 18 digits.
func parseLength(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

// canonicalName is the canonical form of a header name (as net/http keys
// its Header), without allocating when it is canonical already.
func canonicalName(s string) string {
	upper := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if upper && c >= 'a' && c <= 'z' || !upper && c >= 'A' && c <= 'Z' {
			return textproto.CanonicalMIMEHeaderKey(s)
		}
		upper = c == '-'
	}
	return s
}

// internMethod returns the common methods as constants, so that a
// request's method does not keep its head alive.
func internMethod(m string) string {
	for _, k := range [...]string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodOptions, http.MethodPatch} {
		if m == k {
			return k
		}
	}
	return m
}

// errHeadTooLarge is a request line and headers over the limit.
var errHeadTooLarge = errors.New("decide: request head too large")

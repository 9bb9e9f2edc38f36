package control

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/inprocess/experiment/internal/wire"
	"github.com/inprocess/experiment/platform/internal/fastify"
	"github.com/inprocess/experiment/platform/internal/jsvalue"
)

// MaxBody is the largest request body the control plane reads, Fastify's
// default bodyLimit.
const MaxBody = 1 << 20

// The framework's answers, shared with the other services.
var (
	writeJSON      = fastify.WriteJSON
	writeError     = fastify.WriteError
	frameworkError = fastify.Error
	writeNotFound  = fastify.WriteNotFound
)

// writeBadURL is Fastify's answer to a path parameter with malformed
// percent-encoding, with its content type and key order.
func writeBadURL(w http.ResponseWriter, path string) {
	b := append([]byte(`{"error":"Bad Request","code":"FST_ERR_BAD_URL","message":`), wire.AppendString(nil, "'"+path+"' is not a valid url component")...)
	b = append(b, `,"statusCode":400}`...)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write(b)
}

// bodyError is a request body Fastify refuses before the route runs.
type bodyError struct {
	status  int
	code    string
	message string
}

var (
	errEmptyJSON   = &bodyError{http.StatusBadRequest, "FST_ERR_CTP_EMPTY_JSON_BODY", "Body cannot be empty when content-type is set to 'application/json'"}
	errInvalidJSON = &bodyError{http.StatusBadRequest, "FST_ERR_CTP_INVALID_JSON_BODY", "Body is not valid JSON but content-type is set to 'application/json'"}
	errTooLarge    = &bodyError{http.StatusRequestEntityTooLarge, "FST_ERR_CTP_BODY_TOO_LARGE", "Request body is too large"}
)

func unsupportedMediaType(contentType string) *bodyError {
	return &bodyError{http.StatusUnsupportedMediaType, "FST_ERR_CTP_INVALID_MEDIA_TYPE", "Unsupported Media Type: " + contentType}
}

func (e *bodyError) write(w http.ResponseWriter) {
	writeJSON(w, e.status, frameworkError(e.status, e.code, e.message))
}

// readBody reads the body of a POST, PUT, PATCH or DELETE as Fastify
// does: JSON for application/json (any case, any parameters), a string
// for text/plain, Undefined when there is neither a body nor a content
// type, and an error for anything else.
func readBody(r *http.Request) (jsvalue.Value, *bodyError) {
	ct := r.Header.Get("Content-Type")
	hasBody := r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody
	if _, ok := r.Header["Content-Type"]; !ok {
		if hasBody {
			return jsvalue.Value{}, unsupportedMediaType("undefined")
		}
		return jsvalue.Value{}, nil
	}
	media := mediaType(ct)
	if media != "application/json" && media != "text/plain" {
		return jsvalue.Value{}, unsupportedMediaType(ct)
	}
	if r.ContentLength > MaxBody {
		return jsvalue.Value{}, errTooLarge
	}
	var data []byte
	if r.Body != nil {
		var buf bytes.Buffer
		n, err := buf.ReadFrom(io.LimitReader(r.Body, MaxBody+1))
		if n > MaxBody {
			return jsvalue.Value{}, errTooLarge
		}
		if err != nil {
			return jsvalue.Value{}, &bodyError{http.StatusBadRequest, "", "control: reading the request body: " + err.Error()}
		}
		data = buf.Bytes()
	}
	if media == "text/plain" {
		return jsvalue.Value{Kind: jsvalue.String, Str: strings.ToValidUTF8(string(data), "\uFFFD")}, nil
	}
	if len(data) == 0 {
		return jsvalue.Value{}, errEmptyJSON
	}
	v, err := jsvalue.Parse(data)
	if err != nil {
		return jsvalue.Value{}, errInvalidJSON
	}
	return v, nil
}

// mediaType is the lower-case media type of a Content-Type header.
func mediaType(ct string) string {
	if m, _, err := mime.ParseMediaType(ct); err == nil {
		return m
	}
	m, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(m))
}

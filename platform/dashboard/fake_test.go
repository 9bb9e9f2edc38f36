package dashboard_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// fakeAPI is a stand-in for the platform's REST API in the rendering and
// error-display tests: it answers each "METHOD /api/path" (query string
// excluded) with a canned response and records the requests it got. The
// real control plane is exercised by the browser test.
type fakeAPI struct {
	t      *testing.T
	mu     sync.Mutex
	routes map[string]reply
	got    []gotRequest
}

type reply struct {
	status  int
	body    string
	headers map[string]string
}

type gotRequest struct {
	Method, Path, Query, Body string
	Auth, Remote              string
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{t: t, routes: map[string]reply{}}
	for k, v := range baseRoutes {
		f.routes[k] = v
	}
	return f
}

// on sets the reply for "METHOD /api/path".
func (f *fakeAPI) on(route string, status int, body string, headers ...string) *fakeAPI {
	h := map[string]string{}
	for i := 0; i+1 < len(headers); i += 2 {
		h[headers[i]] = headers[i+1]
	}
	f.mu.Lock()
	f.routes[route] = reply{status: status, body: body, headers: h}
	f.mu.Unlock()
	return f
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.got = append(f.got, gotRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body), Auth: r.Header.Get("Authorization"), Remote: r.RemoteAddr})
	rep, ok := f.routes[r.Method+" "+r.URL.Path]
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"message":"Route `+r.Method+":"+r.URL.Path+` not found","error":"Not Found","statusCode":404}`)
		return
	}
	for k, v := range rep.headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(rep.status)
	_, _ = io.WriteString(w, rep.body)
}

// requests returns the recorded requests other than GETs, which every page
// makes.
func (f *fakeAPI) mutations() []gotRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []gotRequest
	for _, g := range f.got {
		if g.Method != http.MethodGet {
			out = append(out, g)
		}
	}
	return out
}

func (f *fakeAPI) all() []gotRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]gotRequest(nil), f.got...)
}

// The canned platform: one environment, one running experiment with two
// variants at 50/50, an audience.
const (
	envID = "0b9c8d47-26f4-4a3e-9d0e-0d1c1b2a3f40"
	expID = "48b7d777-4496-493b-8883-212b838f4ba4"
	ctlID = "6f1b3c52-1d8e-4a53-9a0e-8c27b1f9d001"
	trtID = "6f1b3c52-1d8e-4a53-9a0e-8c27b1f9d002"
	audID = "a1d1e2c3-1111-4222-8333-944455556666"
)

const envJSON = `{"id":"` + envID + `","name":"production","createdAt":"2026-03-01T10:00:00.000Z","updatedAt":"2026-03-01T10:00:00.000Z"}`

const audienceJSON = `{"id":"` + audID + `","name":"pro users","environmentId":"` + envID + `","rules":[{"conditions":[{"value":"pro","operator":"eq","attribute":"plan"}]}],"createdAt":"2026-03-01T10:05:00.000Z","updatedAt":"2026-03-01T10:05:00.000Z","environment":` + envJSON + `}`

func experimentJSON(status string) string {
	return `{"id":"` + expID + `","key":"checkout-button","name":"Checkout button","description":"Which colour sells","salt":"6c1f1d1e-2f0a-4c8e-9a55-3b8f0c6d7e21","status":"` + status + `","environmentId":"` + envID + `","audienceId":null,"targetingRules":[{"conditions":[{"value":["US","CA"],"operator":"in","attribute":"country"}]}],"createdAt":"2026-03-01T10:10:00.000Z","updatedAt":"2026-03-01T11:00:00.000Z",` +
		`"variants":[{"id":"` + ctlID + `","key":"control","name":"Control","payload":{"color":"blue"},"experimentId":"` + expID + `"},{"id":"` + trtID + `","key":"treatment","name":"Treatment","payload":{"color":"green"},"experimentId":"` + expID + `"}],` +
		`"allocations":[{"id":"al-1","variantId":"` + ctlID + `","rangeStart":0,"rangeEnd":4999,"experimentId":"` + expID + `"},{"id":"al-2","variantId":"` + trtID + `","rangeStart":5000,"rangeEnd":9999,"experimentId":"` + expID + `"}],` +
		`"environment":` + envJSON + `,"audience":null}`
}

func pageOf(items ...string) string {
	n := len(items)
	pages := 0
	if n > 0 {
		pages = 1
	}
	return `{"data":[` + strings.Join(items, ",") + `],"pagination":{"page":1,"pageSize":100,"total":` + itoa(n) + `,"totalPages":` + itoa(pages) + `}}`
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

var baseRoutes = map[string]reply{
	"GET /api/environments":         {status: 200, body: pageOf(envJSON)},
	"GET /api/experiments":          {status: 200, body: pageOf(experimentJSON("RUNNING"))},
	"GET /api/experiments/" + expID: {status: 200, body: experimentJSON("RUNNING")},
	"GET /api/audiences":            {status: 200, body: pageOf(audienceJSON)},
}

package dashboard_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/inprocess/experiment/platform/dashboard"
)

// The dashboard mounted beside the API it calls. Here the API is a stand-in
// that knows no environments; the platform's gateway passes its /api
// handler, and wires Snapshot and History to its published store and
// database.
func ExampleNew() {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"data":[],"pagination":{"page":1,"pageSize":20,"total":0,"totalPages":0}}`)
	})
	dash, err := dashboard.New(dashboard.Options{API: api})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.Handle("/", dash)

	req := httptest.NewRequest(http.MethodGet, "/environments", nil)
	req.RemoteAddr = "127.0.0.1:50000" // without a token, loopback only
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, req)
	fmt.Println(w.Code, w.Header().Get("Content-Type"))
	fmt.Println(strings.Contains(w.Body.String(), "No environments yet."))
	// Output:
	// 200 text/html; charset=utf-8
	// true
}

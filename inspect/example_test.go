package inspect_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/inspect"
)

// A service mounts the inspector next to its other debug handlers. Here the
// config comes from a SourceFunc and the request from httptest; a service
// would Watch a FileSource or HTTPSource and call http.ListenAndServe.
func ExampleHandler() {
	src := experiment.SourceFunc(func(ctx context.Context) ([]byte, error) {
		return []byte("version: 3\nexperiments:\n  newCheckout: {control: 0-50%, treatment: 50-100%}\n"), nil
	})
	live, err := experiment.Watch(context.Background(), src, &experiment.WatchOptions{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	defer live.Close()

	mux := http.NewServeMux()
	mux.Handle("/debug/experiments/", http.StripPrefix("/debug/experiments", inspect.Handler(live, nil)))
	// log.Fatal(http.ListenAndServe("127.0.0.1:6060", mux))

	// Which variant does user-1 from the US get, and why?
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", `/debug/experiments/?user=user-1&attrs={"country":"US"}`, nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Println(strings.Contains(rec.Body.String(), "newCheckout"))
	// Output:
	// 200 text/html; charset=utf-8
	// true
}

// A fixed Ruleset, for a tool or a test that has no Live.
func ExampleForRuleset() {
	rs, err := experiment.Parse([]byte("experiments: {darkMode: 10%}\n"))
	if err != nil {
		log.Fatal(err)
	}
	h := inspect.Handler(inspect.ForRuleset(rs), &inspect.Options{Title: "Experiments (staging)"})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(rec.Code, strings.Contains(rec.Body.String(), `style="left:0%;width:10%"`))
	// Output:
	// 200 true
}

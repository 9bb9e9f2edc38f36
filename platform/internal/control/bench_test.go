package control_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/inprocess/experiment/platform/internal/storetest"
)

// The control plane's request latency over loopback HTTP, on each engine:
// one request per iteration, its response read in full.

func benchRequest(b *testing.B, method, url, body string, want int) {
	b.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		b.Fatalf("%s %s: %d: %s", method, url, resp.StatusCode, data)
	}
}

// benchFixture is an environment with a running experiment with two
// variants, 50/50.
func benchFixture(b *testing.B, engine string) (*fixture, string) {
	f := newFixture(b, engine, "")
	for _, s := range []step{
		{name: "env", method: "POST", path: "/environments", body: `{"name":"prod"}`, save: map[string]string{"ENV": "id"}},
		{name: "exp", method: "POST", path: "/experiments", body: `{"key":"checkout","name":"Checkout","environmentId":"{ENV}"}`, save: map[string]string{"EXP": "id"}},
		{name: "a", method: "POST", path: "/experiments/{EXP}/variants", body: `{"key":"control","name":"A","payload":{"color":"blue"}}`, save: map[string]string{"A": "id"}},
		{name: "b", method: "POST", path: "/experiments/{EXP}/variants", body: `{"key":"treatment","name":"B","payload":{"color":"green"}}`, save: map[string]string{"B": "id"}},
		{name: "alloc", method: "PUT", path: "/experiments/{EXP}/allocations", body: `{"allocations":[{"variantId":"{A}","rangeStart":0,"rangeEnd":4999},{"variantId":"{B}","rangeStart":5000,"rangeEnd":9999}]}`},
		{name: "run", method: "PATCH", path: "/experiments/{EXP}/status", body: `{"status":"RUNNING"}`},
	} {
		f.do(b, s)
	}
	return f, f.vars["EXP"]
}

func BenchmarkCreateExperiment(b *testing.B) {
	for _, engine := range storetest.Engines {
		b.Run(engine, func(b *testing.B) {
			f, _ := benchFixture(b, engine)
			env := f.vars["ENV"]
			b.ResetTimer()
			for i := range b.N {
				benchRequest(b, "POST", f.url+"/experiments", fmt.Sprintf(`{"key":"k%d","name":"Experiment %d","environmentId":"%s","targetingRules":[{"conditions":[{"attribute":"country","operator":"in","value":["US","CA"]}]}]}`, i, i, env), 201)
			}
		})
	}
}

// BenchmarkSetAllocations replaces a running experiment's allocations,
// which publishes its environment each time.
func BenchmarkSetAllocations(b *testing.B) {
	for _, engine := range storetest.Engines {
		b.Run(engine, func(b *testing.B) {
			f, exp := benchFixture(b, engine)
			body := f.expand(`{"allocations":[{"variantId":"{A}","rangeStart":0,"rangeEnd":4999},{"variantId":"{B}","rangeStart":5000,"rangeEnd":9999}]}`)
			b.ResetTimer()
			for range b.N {
				benchRequest(b, "PUT", f.url+"/experiments/"+exp+"/allocations", body, 200)
			}
		})
	}
}

// BenchmarkPublish is POST /experiments/:id/publish to the directory
// layout: the snapshot built, three files written and synced, the audit
// row inserted.
func BenchmarkPublish(b *testing.B) {
	for _, engine := range storetest.Engines {
		b.Run(engine, func(b *testing.B) {
			f, exp := benchFixture(b, engine)
			b.ResetTimer()
			for range b.N {
				benchRequest(b, "POST", f.url+"/experiments/"+exp+"/publish", "", 200)
			}
		})
	}
}

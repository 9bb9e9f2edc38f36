package control_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inprocess/experiment/platform/internal/storetest"
)

// TestResultsErrors: each way a results request can be wrong gets its
// status and JSON error. (TestEventsEndToEnd checks the numbers.)
func TestResultsErrors(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			srv := newEventsServer(t, engine)
			_, env, _ := call(t, "POST", srv.control+"/environments", `{"name":"prod"}`)
			_, exp, _ := call(t, "POST", srv.control+"/experiments", `{"key":"checkout","name":"Checkout","environmentId":"`+env+`"}`)
			_, other, _ := call(t, "POST", srv.control+"/experiments", `{"key":"silent","name":"Silent","environmentId":"`+env+`"}`)
			if st, _, msg := call(t, "POST", srv.control+"/events", goodBatch); st != 200 {
				t.Fatalf("events: %d %s", st, msg)
			}
			tests := []struct {
				name, id, query string
				status          int
				want            string
			}{
				{"no metric", exp, "", 400, `{"error":"control: give 1 to 20 metrics, as metric=EVENT[:mean|proportion]; got 0"}`},
				{"bad metric kind", exp, "metric=purchase:median", 400, `{"error":"control: aggregate: metric \"purchase:median\": kind \"median\" is not mean or proportion"}`},
				{"empty metric", exp, "metric=", 400, `{"error":"control: aggregate: metric \"\" has no event name"}`},
				{"unknown parameter", exp, "metric=purchase&colour=red", 400, `{"error":"control: unknown results parameter \"colour\" (metric, control, window, cuped, alternative, correction, alpha, absolute, bayesian, sequential)"}`},
				{"bad window", exp, "metric=purchase&window=3%20days", 400, `{"error":"control: window \"3 days\": want a duration such as 72h, not negative"}`},
				{"negative cuped", exp, "metric=purchase&cuped=-1h", 400, `{"error":"control: cuped \"-1h\": want a duration such as 72h, not negative"}`},
				{"bad alternative", exp, "metric=purchase&alternative=up", 400, `{"error":"control: alternative \"up\": want two-sided, greater or less"}`},
				{"bad correction", exp, "metric=purchase&correction=bonferroni", 400, `{"error":"control: correction \"bonferroni\": want holm or bh"}`},
				{"bad alpha", exp, "metric=purchase&alpha=5", 400, `{"error":"control: alpha \"5\": want a number between 0 and 1"}`},
				{"bad switch", exp, "metric=purchase&bayesian=maybe", 400, `{"error":"control: bayesian \"maybe\": want true or false"}`},
				{"twice", exp, "metric=purchase&alpha=0.1&alpha=0.2", 400, `{"error":"control: results parameter \"alpha\" given 2 times"}`},
				{"unknown experiment", "nope", "metric=purchase", 404, `{"error":"Experiment not found"}`},
				{"no exposures yet", other, "metric=purchase", 422, `{"error":"control: no exposures of experiment \"silent\" have been received"}`},
				{"unknown control", exp, "metric=purchase&control=blue", 422, `{"error":"analyze: control \"blue\" is not among the variants [control treatment]"}`},
				{"correction with the bayesian engine", exp, "metric=purchase&bayesian=true&correction=holm", 422, `{"error":"analyze: a multiple-testing correction needs the frequentist engine"}`},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					resp, err := http.Get(srv.control + "/experiments/" + tt.id + "/results?" + tt.query)
					if err != nil {
						t.Fatal(err)
					}
					defer resp.Body.Close()
					body, _ := io.ReadAll(resp.Body)
					if resp.StatusCode != tt.status || string(body) != tt.want {
						t.Errorf("status %d, want %d\n%s", resp.StatusCode, tt.status, cmp.Diff(tt.want, string(body)))
					}
				})
			}
		})
	}
}

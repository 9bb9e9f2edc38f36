package control_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/analysis/aggregate"
	"github.com/inprocess/experiment/analysis/analyze"
	"github.com/inprocess/experiment/analysis/stats"
	"github.com/inprocess/experiment/platform/internal/storetest"
)

const e2eRules = `
version: 4
experiments:
  checkout:
    control: 0-50%
    fast: 50-100%
`

// call sends a JSON request with the token and decodes the answer's
// "id" when it has one.
func call(t *testing.T, method, url, body string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+eventsToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var v struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(data, &v)
	return resp.StatusCode, v.ID, data
}

// TestEventsEndToEnd: a service assigns users with the library, which
// reports exposures, and records purchases with a Tracker; both go to the
// platform server through the library's HTTPSink and to a JSON Lines file
// through JSONLines. Aggregating the file (aggregate.Aggregate) and the
// database (aggregate.QuerySQL) gives the same statistics, and the
// platform's results route answers with the same report as `experiment
// analyze -json` on the file.
func TestEventsEndToEnd(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			srv := newEventsServer(t, engine)

			// The experiment on the platform, 50/50 as the service's rules.
			st, env, _ := call(t, "POST", srv.control+"/environments", `{"name":"prod"}`)
			st2, exp, _ := call(t, "POST", srv.control+"/experiments", `{"key":"checkout","name":"Checkout","environmentId":"`+env+`"}`)
			_, c, _ := call(t, "POST", srv.control+"/experiments/"+exp+"/variants", `{"key":"control","name":"Control"}`)
			_, f, _ := call(t, "POST", srv.control+"/experiments/"+exp+"/variants", `{"key":"fast","name":"Fast"}`)
			st3, _, msg := call(t, "PUT", srv.control+"/experiments/"+exp+"/allocations",
				`{"allocations":[{"variantId":"`+c+`","rangeStart":0,"rangeEnd":4999},{"variantId":"`+f+`","rangeStart":5000,"rangeEnd":9999}]}`)
			if st != 201 || st2 != 201 || st3 != 200 {
				t.Fatalf("setting up the experiment: %d, %d, %d %s", st, st2, st3, msg)
			}

			// The service and its two sinks.
			path := filepath.Join(t.TempDir(), "records.jsonl")
			out, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			file := experiment.NewJSONLines(out)
			sink, err := experiment.NewHTTPSink(experiment.HTTPSinkOptions{URL: srv.gateway + "/api", BatchSize: 300,
				Header: http.Header{"Authorization": {"Bearer " + eventsToken}}, Backoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			rules, err := experiment.Parse([]byte(e2eRules), experiment.WithExposures(func(e experiment.Exposure) {
				file.Exposure(e)
				sink.Exposure(e)
			}))
			if err != nil {
				t.Fatal(err)
			}
			track := experiment.NewTracker(func(e experiment.Event) {
				file.Event(e)
				sink.Event(e)
			})
			rate := map[string]float64{"control": 0.10, "fast": 0.15}
			rng := rand.New(rand.NewPCG(16, 13))
			const users = 1200
			for i := range users {
				user := "user-" + strconv.Itoa(i)
				variant := rules.Feature("checkout", experiment.ContextFor(user))
				if rng.Float64() < rate[variant] {
					for range 1 + rng.IntN(2) {
						track.TrackValue(user, "purchase", float64(100+rng.IntN(9900))/4) // quarters: sums are exact
					}
				}
				if i%7 == 0 {
					track.Track(user, "refund")
				}
			}
			if err := sink.Close(); err != nil {
				t.Fatal(err)
			}
			if err := file.Close(); err != nil {
				t.Fatal(err)
			}
			if err := out.Close(); err != nil {
				t.Fatal(err)
			}
			if s := sink.Stats(); s.Written != file.Stats().Written || s.Written < users {
				t.Fatalf("HTTP sink %+v, file %+v: want the same records", s, file.Stats())
			}

			// The statistics: the file streamed, and the database.
			opts := aggregate.Options{Experiment: "checkout", Metrics: []aggregate.Metric{
				{Event: "purchase", Kind: stats.Mean}, {Event: "purchase", Kind: stats.Proportion}, {Event: "refund", Kind: stats.Proportion}}}
			ex, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer ex.Close()
			ev, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer ev.Close()
			streamed, err := aggregate.Aggregate(ex, ev, opts)
			if err != nil {
				t.Fatal(err)
			}
			streamed.Counts = aggregate.Counts{} // what the stream read; QuerySQL has none
			stored, err := srv.store.Aggregate(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(streamed, stored); diff != "" {
				t.Errorf("statistics (-file +database):\n%s", diff)
			}
			if streamed.Users[0]+streamed.Users[1] != users {
				t.Errorf("users %v, want %d in all", streamed.Users, users)
			}

			// The report: the command on the file, the results route on the
			// database, directly and through the gateway.
			var stdout, stderr bytes.Buffer
			if code := analyze.Run([]string{"-exposures", path, "-events", path, "-experiment", "checkout",
				"-metric", "purchase:mean", "-metric", "purchase", "-metric", "refund", "-weights", "control=5000,fast=5000", "-json"}, &stdout, &stderr); code != 0 {
				t.Fatalf("analyze: exit %d: %s", code, stderr.String())
			}
			var want analyze.Report
			if err := json.Unmarshal(stdout.Bytes(), &want); err != nil {
				t.Fatal(err)
			}
			for _, base := range []string{srv.control, srv.gateway + "/api"} {
				resp, err := http.Get(base + "/experiments/" + exp + "/results?metric=purchase:mean&metric=purchase&metric=refund")
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("results: %s %s", resp.Status, body)
				}
				var got analyze.Report
				if err := json.Unmarshal(body, &got); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s: report (-analyze on the file +results route):\n%s", base, diff)
				}
				if !bytes.Equal(stdout.Bytes(), body) {
					t.Errorf("%s: the results route's JSON is not byte for byte the command's", base)
				}
			}
		})
	}
}

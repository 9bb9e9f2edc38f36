package control_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inprocess/experiment/analysis/aggregate"
	"github.com/inprocess/experiment/internal/wire"
	"github.com/inprocess/experiment/platform/internal/control"
	"github.com/inprocess/experiment/platform/internal/gateway"
	"github.com/inprocess/experiment/platform/internal/store"
	"github.com/inprocess/experiment/platform/internal/storetest"
)

const eventsToken = "events-token"

// eventsServer is the control plane with a token, directly and through
// the gateway, over loopback.
type eventsServer struct {
	control, gateway string
	store            *store.Store
}

func newEventsServer(t *testing.T, engine string) eventsServer {
	t.Helper()
	st := storetest.Open(t, engine, store.Options{})
	cp, err := control.New(control.Options{Store: st, Token: eventsToken})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(gateway.Options{Control: cp, Decision: http.NotFoundHandler()})
	if err != nil {
		t.Fatal(err)
	}
	c, g := httptest.NewServer(cp), httptest.NewServer(gw)
	t.Cleanup(c.Close)
	t.Cleanup(g.Close)
	return eventsServer{c.URL, g.URL, st}
}

// post sends body (hiding its length when chunked) and returns the status
// and body of the answer.
func post(t *testing.T, url, contentType, token string, body string, chunked bool) (int, string) {
	t.Helper()
	var r io.Reader = strings.NewReader(body)
	if chunked {
		r = io.MultiReader(r) // no length: the server reads until the end
	}
	req, err := http.NewRequest(http.MethodPost, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(data)
}

const (
	goodBatch = `{"batch_id":"b-1","exposures":[` +
		`{"type":"exposure","user_key":"u1","experiment_key":"checkout","variant_key":"control","config_version":4,"timestamp":"2026-03-01T12:00:00Z"},` +
		`{"type":"exposure","user_key":"u2","experiment_key":"checkout","variant_key":"treatment","config_version":4,"timestamp":"2026-03-01T12:00:01.5Z"}` +
		`],"events":[{"type":"event","user_key":"u1","event":"purchase","value":9.5,"timestamp":"2026-03-01T12:03:00Z"}]}`
	exposureOK = `{"type":"exposure","user_key":"u3","experiment_key":"checkout","variant_key":"control","config_version":4,"timestamp":"2026-03-01T12:00:00Z"}`
)

// TestEvents posts batches to POST /events on each engine, directly and
// through the gateway's /api/events: a good batch is stored, its repeat
// gets the same answer and stores nothing, and every bad request gets a
// JSON error with its status, naming the record and key at fault.
func TestEvents(t *testing.T) {
	huge := `{"batch_id":"big","exposures":[],"events":[],"pad":"` + strings.Repeat("x", wire.MaxBatchBytes) + `"}`
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			srv := newEventsServer(t, engine)
			tests := []struct {
				name        string
				gateway     bool
				contentType string
				token       string
				body        string
				chunked     bool
				status      int
				want        string
			}{
				{name: "good batch", body: goodBatch, status: 200,
					want: `{"batch_id":"b-1","exposures":2,"events":1}`},
				{name: "the same batch id again", body: goodBatch, status: 200,
					want: `{"batch_id":"b-1","exposures":2,"events":1}`},
				{name: "the same id through the gateway", gateway: true, body: goodBatch, status: 200,
					want: `{"batch_id":"b-1","exposures":2,"events":1}`},
				{name: "a new batch through the gateway", gateway: true, body: `{"batch_id":"b-2","exposures":[` + exposureOK + `]}`, status: 200,
					want: `{"batch_id":"b-2","exposures":1,"events":0}`},
				{name: "unauthenticated", token: "-", body: goodBatch, status: 401,
					want: `{"statusCode":401,"error":"Unauthorized","message":"a valid bearer token is required: send Authorization: Bearer TOKEN"}`},
				{name: "unauthenticated through the gateway", gateway: true, token: "wrong", body: goodBatch, status: 401,
					want: `{"statusCode":401,"error":"Unauthorized","message":"a valid bearer token is required: send Authorization: Bearer TOKEN"}`},
				{name: "oversize", body: huge, status: 413,
					want: `{"error":"control: the batch is larger than 1048576 bytes"}`},
				{name: "oversize without a length", body: huge, chunked: true, status: 413,
					want: `{"error":"control: the batch is larger than 1048576 bytes"}`},
				{name: "oversize through the gateway", gateway: true, body: huge, status: 413,
					want: `{"error":"control: the batch is larger than 1048576 bytes"}`},
				{name: "not JSON's media type", contentType: "text/plain", body: goodBatch, status: 415,
					want: `{"error":"control: a batch of events is application/json, not \"text/plain\""}`},
				{name: "empty body", body: "", status: 400,
					want: `{"error":"control: the batch is empty; want {\"batch_id\":...,\"exposures\":[...],\"events\":[...]}"}`},
				{name: "not JSON", body: `{"batch_id":`, status: 400,
					want: `{"error":"control: the batch is not a JSON object: unexpected EOF"}`},
				{name: "data after the batch", body: `{"batch_id":"x"} {}`, status: 400,
					want: `{"error":"control: data after the batch's JSON object"}`},
				{name: "no batch id", body: `{"exposures":[` + exposureOK + `]}`, status: 400,
					want: `{"error":"control: wire: batch without batch_id","field":"batch_id"}`},
				{name: "batch id not a string", body: `{"batch_id":7}`, status: 400,
					want: `{"error":"control: the batch's \"batch_id\" is a JSON number, want a string","field":"batch_id"}`},
				{name: "records not a list", body: `{"batch_id":"x","events":{}}`, status: 400,
					want: `{"error":"control: the batch's \"events\" is a JSON object, want an array of records","field":"events"}`},
				{name: "too many records", body: `{"batch_id":"x","exposures":[` + strings.Repeat(exposureOK+",", wire.MaxBatchRecords) + exposureOK + `]}`, status: 400,
					want: `{"error":"control: the batch has 1001 records, more than 1000"}`},
				{name: "bad timestamp", body: `{"batch_id":"x","exposures":[` + exposureOK + `],"events":[{"type":"event","user_key":"u1","event":"buy","timestamp":"2026-03-01T12:00:00Z"},{"type":"event","user_key":"u1","event":"buy","timestamp":"yesterday"}]}`, status: 400,
					want: `{"error":"control: record events[1], key \"timestamp\": wire: at byte 58: timestamp \"yesterday\" is not RFC 3339","list":"events","index":1,"field":"timestamp"}`},
				{name: "missing key", body: `{"batch_id":"x","exposures":[` + exposureOK + `,{"type":"exposure","user_key":"u1","experiment_key":"e","config_version":1,"timestamp":"2026-03-01T12:00:00Z"}]}`, status: 400,
					want: `{"error":"control: record exposures[1], key \"variant_key\": wire: missing \"variant_key\"","list":"exposures","index":1,"field":"variant_key"}`},
				{name: "empty user key", body: `{"batch_id":"x","events":[{"type":"event","user_key":"","event":"buy","timestamp":"2026-03-01T12:00:00Z"}]}`, status: 400,
					want: `{"error":"control: record events[0], key \"user_key\": wire: empty user key, experiment, variant or event name","list":"events","index":0,"field":"user_key"}`},
				{name: "value not a number", body: `{"batch_id":"x","events":[{"type":"event","user_key":"u","event":"buy","value":"9.5","timestamp":"2026-03-01T12:00:00Z"}]}`, status: 400,
					want: `{"error":"control: record events[0], key \"value\": wire: at byte 53: want a number","list":"events","index":0,"field":"value"}`},
				{name: "config version not an integer", body: `{"batch_id":"x","exposures":[{"type":"exposure","user_key":"u","experiment_key":"e","variant_key":"v","config_version":1.5,"timestamp":"2026-03-01T12:00:00Z"}]}`, status: 400,
					want: `{"error":"control: record exposures[0], key \"config_version\": wire: at byte 90: config_version 1.5 is not an integer","list":"exposures","index":0,"field":"config_version"}`},
				{name: "an exposure among the events", body: `{"batch_id":"x","events":[` + exposureOK + `]}`, status: 400,
					want: `{"error":"control: record events[0], key \"type\": \"type\" does not match the list the record is in","list":"events","index":0,"field":"type"}`},
				{name: "a record that is not an object", body: `{"batch_id":"x","events":[[1]]}`, status: 400,
					want: `{"error":"control: record events[0]: wire: at byte 0: unexpected '[', want '{'","list":"events","index":0}`},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					url := srv.control + "/events"
					if tt.gateway {
						url = srv.gateway + "/api/events"
					}
					ct, token := tt.contentType, tt.token
					if ct == "" {
						ct = "application/json"
					}
					switch token {
					case "":
						token = eventsToken
					case "-":
						token = ""
					}
					status, body := post(t, url, ct, token, tt.body, tt.chunked)
					if status != tt.status || body != tt.want {
						t.Errorf("status %d, want %d\n%s", status, tt.status, cmp.Diff(tt.want, body))
					}
				})
			}
			// What was stored: b-1 once (u1, u2) and b-2 (u3), nothing of
			// the refused batches.
			res, err := srv.store.Aggregate(context.Background(), aggregate.Options{Experiment: "checkout", Metrics: []aggregate.Metric{{Event: "purchase"}}})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]int64{2, 1}, res.Users); diff != "" {
				t.Errorf("users per variant (-want +got):\n%s", diff)
			}
			if s := res.Metrics[0].Total[0]; s.Sum != 9.5 {
				t.Errorf("control purchases sum to %v, want 9.5 (the repeated batch stored once)", s.Sum)
			}
		})
	}
}

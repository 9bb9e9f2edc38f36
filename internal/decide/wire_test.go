package decide

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/internal/wire"
)

// TestDecideBodyIsWireDecision checks that /decide's hand-written body is
// internal/wire's Decision, the one description of the platform's decide
// response, field for field (no unknown field), with the assignments the
// library computes for the same user and context.
func TestDecideBodyIsWireDecision(t *testing.T) {
	s := newTestServer(t, Config{})
	rs := s.envs.lookup("prod").config()
	for _, tc := range []struct {
		name, user, context string
	}{
		{"no context", "u1", ""},
		{"a context", "user-42", `{"country":"US","plan":"pro"}`},
		{"non-ASCII user", "ü\u2028", `{"country":"CA"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := url.Values{"user_key": {tc.user}, "env": {"prod"}}
			attrs := map[string]any{}
			if tc.context != "" {
				q.Set("context", tc.context)
				if err := json.Unmarshal([]byte(tc.context), &attrs); err != nil {
					t.Fatal(err)
				}
			}
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/decide?"+q.Encode(), nil))
			if w.Code != 200 {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
			dec.DisallowUnknownFields()
			var got wire.Decision
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("%s is not a wire.Decision: %v", w.Body, err)
			}
			want := wire.Decision{UserKey: tc.user, Environment: "prod", ConfigVersion: rs.Version(), Assignments: []wire.Assignment{}}
			for _, a := range rs.Assignments(experiment.ContextFor(tc.user).With(attrs)) {
				p := a.Payload
				if p == nil {
					p = json.RawMessage("null")
				}
				want.Assignments = append(want.Assignments, wire.Assignment{ExperimentKey: a.ExperimentKey, ExperimentID: a.ExperimentID, VariantKey: a.VariantKey, VariantID: a.VariantID, Payload: p})
			}
			if len(want.Assignments) == 0 && tc.context != "" {
				t.Fatal("the test config assigns nothing: the case checks nothing")
			}
			if diff := cmp.Diff(want, got, cmp.Transformer("compact", compactJSON)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return "invalid: " + string(raw)
	}
	return b.String()
}

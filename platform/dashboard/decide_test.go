package dashboard_test

import (
	"context"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"testing"

	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/platform/dashboard"
)

// decideJSON is the decision service's answer for user, at version, with
// the variant the snapshot at split gives.
func decideJSON(user string, version, split int) string {
	v, id, color := "control", ctlID, "blue"
	if experiment.Bucket(user, salt) >= split {
		v, id, color = "treatment", trtID, "green"
	}
	return fmt.Sprintf(`{"user_key":%q,"environment":"production","config_version":%d,"assignments":[{"experiment_key":"checkout-button","experiment_id":%q,"variant_key":%q,"variant_id":%q,"payload":{"color":%q}}]}`,
		user, version, expID, v, id, color)
}

func snapshotFunc(data []byte, err error) func(context.Context, string) ([]byte, error) {
	return func(_ context.Context, env string) ([]byte, error) {
		if env != "production" {
			return nil, fs.ErrNotExist
		}
		return data, err
	}
}

func TestDecidePreview(t *testing.T) {
	const user = "user-42"
	want := "control"
	if experiment.Bucket(user, salt) >= 4000 {
		want = "treatment"
	}
	query := "/decide?" + url.Values{"env": {"production"}, "user_key": {user}, "context": {`{"country": "US"}`}}.Encode()
	tests := []struct {
		name     string
		opts     dashboard.Options
		decide   string
		query    string
		want     []string
		wantNot  []string
		wantCall string // the decide query sent; "" for none
	}{
		{
			name: "explained", opts: dashboard.Options{Snapshot: snapshotFunc(snapshot(3, 4000, true), nil)}, decide: decideJSON(user, 3, 4000), query: query,
			want: []string{
				`config version <strong id="config-version">3</strong>: 1 assignment.`,
				`<td><strong class="variant">` + want + `</strong></td>`,
				`<h2>Why, from published version 3</h2>`,
				`<code>checkout-button</code></td>` + "\n" + `<td><span class="chip c`,
				`>` + want + `</span></td>`,
				`<span class="reason on">split</span>`,
				fmt.Sprintf(`bucket %d under salt &#34;%s&#34;`, experiment.Bucket(user, salt), salt),
				`<code>new-search</code>`,
			},
			wantNot:  []string{"disagree", "The decision service answered from version"},
			wantCall: "context=%7B%22country%22%3A%22US%22%7D&env=production&user_key=user-42",
		},
		{
			name: "from the history when there is no Snapshot", opts: dashboard.Options{History: fixedHistory}, decide: decideJSON(user, 3, 4000), query: query,
			want: []string{`<h2>Why, from published version 3</h2>`, `<span class="reason on">split</span>`},
		},
		{
			name: "a service behind the snapshot", opts: dashboard.Options{Snapshot: snapshotFunc(snapshot(3, 4000, true), nil)}, decide: decideJSON(user, 2, 4000), query: query,
			want: []string{"The decision service answered from version 2, the latest published is 3"},
		},
		{
			name: "a service that disagrees", opts: dashboard.Options{Snapshot: snapshotFunc(snapshot(3, 4000, true), nil)}, decide: strings.Replace(decideJSON(user, 3, 4000), `"variant_key":"`+want, `"variant_key":"other`, 1), query: query,
			want: []string{`<tr class="explained disagree">`, "The decision service gave other."},
		},
		{
			name: "never published", opts: dashboard.Options{Snapshot: snapshotFunc(nil, nil)}, decide: `{"error":"No config available for environment \"production\""}`, query: query,
			want: []string{`id="decide-error">No config available for environment &#34;production&#34;</p>`, "No published snapshot of this environment is available to the dashboard"},
		},
		{
			name: "no snapshot source", decide: decideJSON(user, 3, 4000), query: query,
			want: []string{"No published snapshot of this environment is available to the dashboard, so there is no explanation."},
		},
		{
			name: "snapshot error", opts: dashboard.Options{Snapshot: snapshotFunc(nil, fmt.Errorf("s3 down"))}, decide: decideJSON(user, 3, 4000), query: query,
			want: []string{`dashboard: reading the latest snapshot of &#34;production&#34;: s3 down`},
		},
		{
			name: "context not JSON", decide: decideJSON(user, 3, 4000), query: "/decide?env=production&user_key=u&context=%7Bcountry%7D",
			want:    []string{`id="context-error">The context is not valid JSON: invalid character &#39;c&#39; looking for beginning of object key string (line 1, column 2)</p>`},
			wantNot: []string{`id="assignments"`},
		},
		{
			name: "context not an object", decide: decideJSON(user, 3, 4000), query: "/decide?env=production&user_key=u&context=42",
			want: []string{`The context must be a JSON object, such as {&#34;color&#34;: &#34;blue&#34;}`},
		},
		{
			name: "empty user key: the service's message", decide: `{"error":"Too small: expected string to have >=1 characters"}`, query: "/decide?env=production&user_key=",
			want: []string{`id="decide-error">Too small: expected string to have &gt;=1 characters</p>`}, wantCall: "env=production&user_key=",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status := 200
			if strings.HasPrefix(tt.decide, `{"error"`) {
				status = 400
			}
			api := newFakeAPI(t).on("GET /api/decide", status, tt.decide)
			u := serve(t, api, tt.opts)
			r := u.get(tt.query)
			for _, w := range tt.want {
				if !strings.Contains(r.body, w) {
					t.Errorf("the page lacks %s\n%s", w, tail(r.body))
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(r.body, w) {
					t.Errorf("the page has %s", w)
				}
			}
			var sent []string
			for _, g := range api.all() {
				if g.Path == "/api/decide" {
					sent = append(sent, g.Query)
				}
			}
			if tt.wantCall != "" && (len(sent) != 1 || sent[0] != tt.wantCall) {
				t.Errorf("decide calls %q, want [%q]", sent, tt.wantCall)
			}
			if strings.Contains(tt.name, "context not") && len(sent) != 0 {
				t.Errorf("a bad context was sent: %q", sent)
			}
		})
	}
}

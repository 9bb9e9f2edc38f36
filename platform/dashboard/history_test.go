package dashboard_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/platform/dashboard"
)

const salt = "6c1f1d1e-2f0a-4c8e-9a55-3b8f0c6d7e21"

// snapshot is a published snapshot of production with checkout-button
// split at split (control below it, treatment from it), and, when extra,
// a second experiment.
func snapshot(version, split int, extra bool) []byte {
	exps := fmt.Sprintf(`{"id":%q,"key":"checkout-button","salt":%q,"audienceRules":[],"targetingRules":[],`+
		`"variants":[{"id":%q,"key":"control","payload":{"color":"blue"}},{"id":%q,"key":"treatment","payload":{"color":"green"}}],`+
		`"allocations":[{"variantId":%q,"rangeStart":0,"rangeEnd":%d},{"variantId":%q,"rangeStart":%d,"rangeEnd":9999}]}`,
		expID, salt, ctlID, trtID, ctlID, split-1, trtID, split)
	if extra {
		exps += `,{"id":"e2","key":"new-search","salt":"s2","audienceRules":[],"targetingRules":[],"variants":[{"id":"v","key":"on","payload":null}],"allocations":[{"variantId":"v","rangeStart":0,"rangeEnd":999}]}`
	}
	return []byte(fmt.Sprintf(`{"version":%d,"environment":"production","publishedAt":"2026-03-01T12:00:00.000Z","experiments":[%s]}`, version, exps))
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fixedHistory has three versions: v1 at 50/50, v2 at 40/60 with a second
// experiment, v3 like v2.
func fixedHistory(_ context.Context, env string, limit int) ([]dashboard.Version, error) {
	if env != envID {
		return nil, fmt.Errorf("history of %q", env)
	}
	vs := []dashboard.Version{
		{Version: 3, PublishedAt: t0.Add(2 * time.Hour), Snapshot: snapshot(3, 4000, true)},
		{Version: 2, PublishedAt: t0.Add(time.Hour), Snapshot: snapshot(2, 4000, true)},
		{Version: 1, PublishedAt: t0, Snapshot: snapshot(1, 5000, false)},
	}
	return vs[:min(limit, len(vs))], nil
}

// TestHistoryDiff compares v1 and v2 on the experiment page and checks the
// shares against a count made independently, bucket by bucket.
func TestHistoryDiff(t *testing.T) {
	u := serve(t, newFakeAPI(t), dashboard.Options{History: fixedHistory})
	r := u.get("/experiments/" + expID + "?from=1&to=2")
	if r.status != 200 {
		t.Fatalf("status %d\n%s", r.status, tail(r.body))
	}
	for _, v := range []string{"<strong>v3</strong>", "<strong>v2</strong>", "<strong>v1</strong>", "2026-03-01 13:00:00 UTC", `href="?from=1&amp;to=2#history">compare with v1</a>`} {
		if !strings.Contains(element(r.body, "versions"), v) {
			t.Errorf("the version list lacks %s", v)
		}
	}
	// Users user-0..user-9999 whose bucket is in 4000-4999 move from
	// control to treatment; new-search gains its first 10% of buckets.
	moved, added := 0, 0
	for i := range dashboard.DiffUsers {
		id := fmt.Sprintf("user-%d", i)
		if b := experiment.Bucket(id, salt); b >= 4000 && b <= 4999 {
			moved++
		}
		if experiment.Bucket(id, "s2") <= 999 {
			added++
		}
	}
	share := func(n int) string { return fmt.Sprintf("%.2f%%", 100*float64(n)/float64(dashboard.DiffUsers)) }
	diff := element(r.body, "diff")
	for _, want := range []string{
		"v1 → v2: which share of 10000 users change variant",
		`<tr class="this"><td><code>checkout-button</code></td><td>changed <span class="badge s-reshuffle">reshuffle</span></td><td>` + share(moved) + `</td>`,
		"control → treatment: " + share(moved),
		`<td><code>new-search</code></td><td>added</td><td>` + share(added) + `</td>`,
		"off → on: " + share(added),
	} {
		if !strings.Contains(diff, want) {
			t.Errorf("the comparison lacks %s\n%s", want, diff)
		}
	}
	if moved < 800 || moved > 1200 {
		t.Errorf("%d users in buckets 4000-4999: the hash is not spreading users", moved)
	}

	same := element(u.get("/experiments/"+expID+"?from=2&to=3").body, "diff")
	if !strings.Contains(same, `<td><code>checkout-button</code></td><td>unchanged</td><td>0.00%</td>`) {
		t.Errorf("v2 and v3 are the same, but the comparison says\n%s", same)
	}
}

func TestHistoryErrors(t *testing.T) {
	tests := []struct {
		name    string
		history func(context.Context, string, int) ([]dashboard.Version, error)
		query   string
		want    string
	}{
		{name: "not configured", want: "The publish history is not available"},
		{name: "failing", history: func(context.Context, string, int) ([]dashboard.Version, error) { return nil, fmt.Errorf("db down") },
			want: "dashboard: reading the publish history: db down"},
		{name: "empty", history: func(context.Context, string, int) ([]dashboard.Version, error) { return nil, nil }, want: "Nothing published yet."},
		{name: "unknown version", history: fixedHistory, query: "?from=1&to=9", want: `<p class="alert inline" id="diff-error">dashboard: pick two of the versions listed</p>`},
		{name: "bad attributes", history: fixedHistory, query: "?from=1&to=2&attrs=%7Bx", want: "The attributes is not valid JSON"},
		{name: "attributes not an object", history: fixedHistory, query: "?from=1&to=2&attrs=%5B%5D", want: "The attributes must be a JSON object, not an array"},
		{name: "broken snapshot", history: func(context.Context, string, int) ([]dashboard.Version, error) {
			return []dashboard.Version{{Version: 2, Snapshot: []byte(`{"version":2,"experiments":[{"key":""}]}`)}, {Version: 1, Snapshot: snapshot(1, 5000, false)}}, nil
		}, query: "?from=1&to=2", want: "dashboard: the newer version does not parse: experiment:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := serve(t, newFakeAPI(t), dashboard.Options{History: tt.history})
			r := u.get("/experiments/" + expID + tt.query)
			if r.status != 200 {
				t.Errorf("status %d", r.status)
			}
			if h := element(r.body, "history"); !strings.Contains(h, tt.want) {
				t.Errorf("the history section lacks %q:\n%s", tt.want, h)
			}
		})
	}
}

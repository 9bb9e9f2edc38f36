package dashboard_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/inprocess/experiment/platform/dashboard"
)

var published = []string{"X-Publish-Attempted", "true", "X-Publish-Succeeded", "true"}

// TestForms submits each form and checks the API call it makes, the
// redirect and the message on the next page.
func TestForms(t *testing.T) {
	exp := "/experiments/" + expID
	tests := []struct {
		name      string
		page      string // the page the form is on
		post      string
		form      url.Values
		routes    func(*fakeAPI)
		want      []gotRequest // Method, Path, Query, Body only
		wantTo    string
		wantFlash string
	}{
		{
			name: "create environment", page: "/environments", post: "/environments", form: url.Values{"name": {"staging"}},
			routes: func(f *fakeAPI) { f.on("POST /api/environments", 201, `{"id":"e2","name":"staging"}`) },
			want:   []gotRequest{{Method: "POST", Path: "/api/environments", Body: `{"name":"staging"}`}},
			wantTo: "/environments", wantFlash: `Created environment "staging".`,
		},
		{
			name: "create experiment without the optional fields", page: "/experiments/new", post: "/experiments",
			form:   url.Values{"key": {"checkout"}, "name": {"Checkout"}, "description": {"  "}, "environmentId": {envID}, "audienceId": {""}, "targetingRules": {""}},
			routes: func(f *fakeAPI) { f.on("POST /api/experiments", 201, experimentJSON("DRAFT")) },
			want:   []gotRequest{{Method: "POST", Path: "/api/experiments", Body: `{"environmentId":"` + envID + `","key":"checkout","name":"Checkout"}`}},
			wantTo: exp, wantFlash: "Created experiment “checkout-button” (draft).",
		},
		{
			name: "create experiment with everything", page: "/experiments/new", post: "/experiments",
			form: url.Values{"key": {"k"}, "name": {"N"}, "description": {"d"}, "environmentId": {envID}, "audienceId": {audID},
				"targetingRules": {`[ {"conditions": [ {"attribute": "plan", "operator": "eq", "value": "pro"} ]} ]`}},
			routes: func(f *fakeAPI) { f.on("POST /api/experiments", 201, experimentJSON("DRAFT")) },
			want: []gotRequest{{Method: "POST", Path: "/api/experiments",
				Body: `{"audienceId":"` + audID + `","description":"d","environmentId":"` + envID + `","key":"k","name":"N","targetingRules":[{"conditions":[{"attribute":"plan","operator":"eq","value":"pro"}]}]}`}},
			wantTo: exp,
		},
		{
			name: "edit details", page: exp, post: exp + "/details", form: url.Values{"name": {"New name"}, "description": {""}, "hadDescription": {"yes"}},
			routes: func(f *fakeAPI) { f.on("PATCH /api/experiments/"+expID, 200, experimentJSON("RUNNING")) },
			want:   []gotRequest{{Method: "PATCH", Path: "/api/experiments/" + expID, Body: `{"description":"","name":"New name"}`}},
			wantTo: exp, wantFlash: "Saved the name and description.",
		},
		{
			name: "start", page: exp, post: exp + "/status", form: url.Values{"status": {"RUNNING"}},
			routes: func(f *fakeAPI) {
				f.on("PATCH /api/experiments/"+expID+"/status", 200, experimentJSON("RUNNING"), published...)
			},
			want:   []gotRequest{{Method: "PATCH", Path: "/api/experiments/" + expID + "/status", Body: `{"status":"RUNNING"}`}},
			wantTo: exp, wantFlash: "The experiment is now RUNNING. The environment was published.",
		},
		{
			name: "a publish that failed is said", page: exp, post: exp + "/status", form: url.Values{"status": {"PAUSED"}},
			routes: func(f *fakeAPI) {
				f.on("PATCH /api/experiments/"+expID+"/status", 200, experimentJSON("PAUSED"), "X-Publish-Attempted", "true", "X-Publish-Succeeded", "false", "X-Publish-Error", "connect ECONNREFUSED 127.0.0.1:19000")
			},
			want:   []gotRequest{{Method: "PATCH", Path: "/api/experiments/" + expID + "/status", Body: `{"status":"PAUSED"}`}},
			wantTo: exp, wantFlash: "The experiment is now PAUSED. Publishing the environment failed: connect ECONNREFUSED 127.0.0.1:19000",
		},
		{
			name: "publish", page: exp, post: exp + "/publish",
			routes: func(f *fakeAPI) {
				f.on("POST /api/experiments/"+expID+"/publish", 200, `{"version":7,"environment":"production","publishedAt":"x","experiments":[]}`)
			},
			want:   []gotRequest{{Method: "POST", Path: "/api/experiments/" + expID + "/publish"}},
			wantTo: exp, wantFlash: "Published version 7 of environment “production”.",
		},
		{
			name: "delete", page: exp, post: exp + "/delete", form: url.Values{"confirm": {"yes"}},
			routes: func(f *fakeAPI) { f.on("DELETE /api/experiments/"+expID, 200, `{}`, published...) },
			want:   []gotRequest{{Method: "DELETE", Path: "/api/experiments/" + expID}},
			wantTo: "/experiments", wantFlash: "Deleted the experiment. The environment was published.",
		},
		{
			name: "add variant", page: exp, post: exp + "/variants", form: url.Values{"key": {"b"}, "name": {"B"}, "payload": {"{\n  \"color\": \"red\"\n}"}},
			routes: func(f *fakeAPI) { f.on("PATCH /api/experiments/"+expID+"/variants", 200, `[]`) },
			want:   []gotRequest{{Method: "PATCH", Path: "/api/experiments/" + expID + "/variants", Body: `{"create":[{"key":"b","name":"B","payload":{"color":"red"}}]}`}},
			wantTo: exp, wantFlash: "Added variant “b”.",
		},
		{
			name: "add variant without payload", page: exp, post: exp + "/variants", form: url.Values{"key": {"b"}, "name": {"B"}, "payload": {""}},
			routes: func(f *fakeAPI) { f.on("PATCH /api/experiments/"+expID+"/variants", 200, `[]`) },
			want:   []gotRequest{{Method: "PATCH", Path: "/api/experiments/" + expID + "/variants", Body: `{"create":[{"key":"b","name":"B"}]}`}},
			wantTo: exp,
		},
		{
			name: "edit variant name and clear payload", page: exp, post: exp + "/variants/" + ctlID, form: url.Values{"key": {"control"}, "name": {"Blue"}, "payload": {""}},
			routes: func(f *fakeAPI) { f.on("PATCH /api/experiments/"+expID+"/variants", 200, `[]`) },
			want:   []gotRequest{{Method: "PATCH", Path: "/api/experiments/" + expID + "/variants", Body: `{"update":[{"id":"` + ctlID + `","name":"Blue","payload":null}]}`}},
			wantTo: exp, wantFlash: "Saved variant “control”.",
		},
		{
			name: "a new key replaces the variant and moves its allocations", page: exp, post: exp + "/variants/" + trtID, form: url.Values{"key": {"green"}, "name": {"Treatment"}, "payload": {`{"color":"green"}`}},
			routes: func(f *fakeAPI) {
				f.on("PATCH /api/experiments/"+expID+"/variants", 200, `[{"id":"`+ctlID+`","key":"control"},{"id":"new-id","key":"green"}]`)
				f.on("PUT /api/experiments/"+expID+"/allocations", 200, `[]`, published...)
			},
			want: []gotRequest{
				{Method: "PATCH", Path: "/api/experiments/" + expID + "/variants", Body: `{"create":[{"key":"green","name":"Treatment","payload":{"color":"green"}}],"delete":[{"id":"` + trtID + `"}]}`},
				{Method: "PUT", Path: "/api/experiments/" + expID + "/allocations", Body: `{"allocations":[{"variantId":"` + ctlID + `","rangeStart":0,"rangeEnd":4999},{"variantId":"new-id","rangeStart":5000,"rangeEnd":9999}]}`},
			},
			wantTo: exp, wantFlash: "Renamed variant “treatment” to “green” (it has a new id). Its allocations moved with it. The environment was published.",
		},
		{
			name: "delete variant", page: exp, post: exp + "/variants/" + trtID + "/delete",
			routes: func(f *fakeAPI) { f.on("PATCH /api/experiments/"+expID+"/variants", 200, `[]`) },
			want:   []gotRequest{{Method: "PATCH", Path: "/api/experiments/" + expID + "/variants", Body: `{"delete":[{"id":"` + trtID + `"}]}`}},
			wantTo: exp, wantFlash: "Deleted the variant.",
		},
		{
			name: "allocations as typed, blank rows dropped", page: exp, post: exp + "/allocations",
			form: url.Values{"rows": {"4"}, "variant-0": {ctlID}, "start-0": {"0"}, "end-0": {"2999"}, "variant-1": {trtID}, "start-1": {" 3000 "}, "end-1": {"1e3"},
				"variant-2": {ctlID}, "start-2": {""}, "end-2": {""}, "variant-3": {""}, "start-3": {"abc"}, "end-3": {"1.5"}},
			routes: func(f *fakeAPI) { f.on("PUT /api/experiments/"+expID+"/allocations", 200, `[]`) },
			want: []gotRequest{{Method: "PUT", Path: "/api/experiments/" + expID + "/allocations",
				Body: `{"allocations":[{"rangeEnd":2999,"rangeStart":0,"variantId":"` + ctlID + `"},{"rangeEnd":1e3,"rangeStart":3000,"variantId":"` + trtID + `"},{"rangeEnd":1.5,"rangeStart":"abc","variantId":""}]}`}},
			wantTo: exp, wantFlash: "Saved the allocations.",
		},
		{
			name: "split evenly", page: exp, post: exp + "/allocations/even",
			routes: func(f *fakeAPI) { f.on("PUT /api/experiments/"+expID+"/allocations", 200, `[]`) },
			want: []gotRequest{{Method: "PUT", Path: "/api/experiments/" + expID + "/allocations",
				Body: `{"allocations":[{"variantId":"` + ctlID + `","rangeStart":0,"rangeEnd":4999},{"variantId":"` + trtID + `","rangeStart":5000,"rangeEnd":9999}]}`}},
			wantTo: exp, wantFlash: "Split the buckets evenly between 2 variants.",
		},
		{
			name: "targeting rules", page: exp, post: exp + "/targeting", form: url.Values{"targetingRules": {`[{"conditions":[{"attribute":"plan","operator":"neq","value":"free"}]}]`}},
			routes: func(f *fakeAPI) { f.on("PATCH /api/experiments/"+expID, 200, experimentJSON("RUNNING")) },
			want:   []gotRequest{{Method: "PATCH", Path: "/api/experiments/" + expID, Body: `{"targetingRules":[{"conditions":[{"attribute":"plan","operator":"neq","value":"free"}]}]}`}},
			wantTo: exp,
		},
		{
			name: "blank targeting clears it", page: exp, post: exp + "/targeting", form: url.Values{"targetingRules": {" \n"}},
			routes: func(f *fakeAPI) { f.on("PATCH /api/experiments/"+expID, 200, experimentJSON("RUNNING")) },
			want:   []gotRequest{{Method: "PATCH", Path: "/api/experiments/" + expID, Body: `{"targetingRules":[]}`}},
			wantTo: exp,
		},
		{
			name: "detach the audience", page: exp, post: exp + "/audience", form: url.Values{"audienceId": {""}},
			routes: func(f *fakeAPI) { f.on("PATCH /api/experiments/"+expID, 200, experimentJSON("RUNNING")) },
			want:   []gotRequest{{Method: "PATCH", Path: "/api/experiments/" + expID, Body: `{"audienceId":null}`}},
			wantTo: exp, wantFlash: "Detached the audience.",
		},
		{
			name: "set the audience", page: exp, post: exp + "/audience", form: url.Values{"audienceId": {audID}},
			routes: func(f *fakeAPI) { f.on("PATCH /api/experiments/"+expID, 200, experimentJSON("RUNNING")) },
			want:   []gotRequest{{Method: "PATCH", Path: "/api/experiments/" + expID, Body: `{"audienceId":"` + audID + `"}`}},
			wantTo: exp, wantFlash: "Set the audience.",
		},
		{
			name: "create audience", page: "/audiences", post: "/audiences?environmentId=" + envID, form: url.Values{"name": {"beta"}, "environmentId": {envID}, "rules": {""}},
			routes: func(f *fakeAPI) { f.on("POST /api/audiences", 201, audienceJSON) },
			want:   []gotRequest{{Method: "POST", Path: "/api/audiences", Body: `{"environmentId":"` + envID + `","name":"beta","rules":[]}`}},
			wantTo: "/audiences?environmentId=" + envID, wantFlash: "Created audience “beta”.",
		},
		{
			name: "edit audience", page: "/audiences", post: "/audiences/" + audID, form: url.Values{"name": {"pro"}, "rules": {`[{"conditions":[]}]`}},
			routes: func(f *fakeAPI) { f.on("PATCH /api/audiences/"+audID, 200, audienceJSON, published...) },
			want:   []gotRequest{{Method: "PATCH", Path: "/api/audiences/" + audID, Body: `{"name":"pro","rules":[{"conditions":[]}]}`}},
			wantTo: "/audiences", wantFlash: "Saved audience “pro”. The environment was published.",
		},
		{
			name: "delete audience", page: "/audiences", post: "/audiences/" + audID + "/delete", form: url.Values{"confirm": {"yes"}},
			routes: func(f *fakeAPI) { f.on("DELETE /api/audiences/"+audID, 200, audienceJSON) },
			want:   []gotRequest{{Method: "DELETE", Path: "/api/audiences/" + audID}},
			wantTo: "/audiences", wantFlash: "Deleted the audience; experiments that used it have none now.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t)
			if tt.routes != nil {
				tt.routes(api)
			}
			u := serve(t, api, dashboard.Options{})
			u.get(tt.page)
			r := u.post(tt.post, tt.form)
			if r.status != http.StatusSeeOther {
				t.Fatalf("status %d, want 303\n%s", r.status, tail(r.body))
			}
			if got := r.header.Get("Location"); got != tt.wantTo {
				t.Errorf("redirect to %q, want %q", got, tt.wantTo)
			}
			var got []gotRequest
			for _, g := range api.mutations() {
				got = append(got, gotRequest{Method: g.Method, Path: g.Path, Query: g.Query, Body: g.Body})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("API calls (-want +got):\n%s", diff)
			}
			next := u.follow(r)
			fl := element(next.body, "flash")
			if tt.wantFlash != "" && !strings.Contains(fl, ">"+escapeText(tt.wantFlash)+"</p>") {
				t.Errorf("flash %q, want %q", fl, tt.wantFlash)
			}
			if again := u.get(strings.TrimPrefix(r.header.Get("Location"), u.srv.URL)); strings.Contains(again.body, `id="flash"`) {
				t.Error("the flash message shows twice")
			}
		})
	}
}

func escapeText(s string) string {
	return strings.NewReplacer(`"`, "&#34;", "'", "&#39;", "&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// TestFormErrors: a refused form shows its page again with the API's
// status and message beside that form, and the values as typed; the
// dashboard's own checks (JSON fields) refuse before any API call.
func TestFormErrors(t *testing.T) {
	exp := "/experiments/" + expID
	tests := []struct {
		name       string
		post       string
		form       url.Values
		routes     func(*fakeAPI)
		wantStatus int
		wantID     string // the element with the message
		want       string
		wantValues []string // in the page: the submitted values
		wantCalls  int      // mutations sent to the API
	}{
		{
			name: "overlapping allocations", post: exp + "/allocations",
			form: url.Values{"rows": {"2"}, "variant-0": {ctlID}, "start-0": {"0"}, "end-0": {"5000"}, "variant-1": {trtID}, "start-1": {"5000"}, "end-1": {"9999"}},
			routes: func(f *fakeAPI) {
				f.on("PUT /api/experiments/"+expID+"/allocations", 400, `{"error":"Allocation ranges must not overlap"}`)
			},
			wantStatus: 400, wantID: "allocation-error", want: "Allocation ranges must not overlap",
			wantValues: []string{`name="end-0" value="5000"`, `name="start-1" value="5000"`}, wantCalls: 1,
		},
		{
			name: "allocation out of range", post: exp + "/allocations",
			form: url.Values{"rows": {"1"}, "variant-0": {ctlID}, "start-0": {"0"}, "end-0": {"10000"}},
			routes: func(f *fakeAPI) {
				f.on("PUT /api/experiments/"+expID+"/allocations", 400, `{"error":"Too big: expected number to be <=9999"}`)
			},
			wantStatus: 400, wantID: "allocation-error", want: "Too big: expected number to be &lt;=9999",
			wantValues: []string{`name="end-0" value="10000"`}, wantCalls: 1,
		},
		{
			name: "payload not JSON", post: exp + "/variants", form: url.Values{"key": {"b"}, "name": {"B"}, "payload": {"{\"color\": blue}"}},
			wantStatus: 400, wantID: "new-payload-error", want: "The payload is not valid JSON: invalid character &#39;b&#39; looking for beginning of value (line 1, column 11)",
			wantValues: []string{`<textarea name="payload" rows="3" class="mono bad" placeholder='{"color": "blue"}'>{&#34;color&#34;: blue}</textarea>`},
		},
		{
			name: "payload an array", post: exp + "/variants", form: url.Values{"key": {"b"}, "name": {"B"}, "payload": {"[1]"}},
			wantStatus: 400, wantID: "new-payload-error", want: "The payload must be a JSON object, not an array",
		},
		{
			name: "duplicate variant key", post: exp + "/variants", form: url.Values{"key": {"control"}, "name": {"B"}},
			routes: func(f *fakeAPI) {
				f.on("PATCH /api/experiments/"+expID+"/variants", 409, `{"error":"One or more variant keys already exist for this experiment"}`)
			},
			wantStatus: 409, wantID: "new-variant-error", want: "One or more variant keys already exist for this experiment",
			wantValues: []string{`name="key" value="control" placeholder="control"`}, wantCalls: 1,
		},
		{
			name: "transition refused", post: exp + "/status", form: url.Values{"status": {"RUNNING"}},
			routes: func(f *fakeAPI) {
				f.on("PATCH /api/experiments/"+expID+"/status", 422, `{"error":"Cannot transition from RUNNING to RUNNING"}`)
			},
			wantStatus: 422, wantID: "header-error", want: "Cannot transition from RUNNING to RUNNING", wantCalls: 1,
		},
		{
			name: "delete not confirmed", post: exp + "/delete",
			wantStatus: 400, wantID: "header-error", want: "dashboard: tick the box to confirm the deletion",
		},
		{
			name: "empty name", post: exp + "/details", form: url.Values{"name": {""}, "description": {"kept"}},
			routes: func(f *fakeAPI) {
				f.on("PATCH /api/experiments/"+expID, 400, `{"error":"Too small: expected string to have >=1 characters"}`)
			},
			wantStatus: 400, wantID: "details-error", want: "Too small: expected string to have &gt;=1 characters",
			wantValues: []string{`<details class="edit" open>`, `>kept</textarea>`}, wantCalls: 1,
		},
		{
			name: "bad operator", post: exp + "/targeting", form: url.Values{"targetingRules": {`[{"conditions":[{"attribute":"a","operator":"like"}]}]`}},
			routes: func(f *fakeAPI) {
				f.on("PATCH /api/experiments/"+expID, 400, `{"error":"Invalid option: expected one of \"eq\"|\"neq\"|\"in\"|\"notIn\"|\"contains\"|\"gt\"|\"lt\""}`)
			},
			wantStatus: 400, wantID: "targeting-error", want: "Invalid option: expected one of &#34;eq&#34;|&#34;neq&#34;|&#34;in&#34;|&#34;notIn&#34;|&#34;contains&#34;|&#34;gt&#34;|&#34;lt&#34;", wantCalls: 1,
		},
		{
			name: "targeting not a list", post: exp + "/targeting", form: url.Values{"targetingRules": {`{"conditions":[]}`}},
			wantStatus: 400, wantID: "targeting-error", want: "The targeting rules must be a JSON array, not an object",
		},
		{
			name: "audience of another environment", post: exp + "/audience", form: url.Values{"audienceId": {audID}},
			routes: func(f *fakeAPI) {
				f.on("PATCH /api/experiments/"+expID, 422, `{"error":"Audience must belong to the same environment"}`)
			},
			wantStatus: 422, wantID: "audience-error", want: "Audience must belong to the same environment", wantCalls: 1,
		},
		{
			name: "environment exists", post: "/environments", form: url.Values{"name": {"production"}},
			routes: func(f *fakeAPI) {
				f.on("POST /api/environments", 409, `{"error":"Environment with name \"production\" already exists"}`)
			},
			wantStatus: 409, wantID: "environment-error", want: "Environment with name &#34;production&#34; already exists",
			wantValues: []string{`name="name" value="production"`}, wantCalls: 1,
		},
		{
			name: "experiment key exists", post: "/experiments", form: url.Values{"key": {"checkout"}, "name": {"C"}, "environmentId": {envID}},
			routes: func(f *fakeAPI) {
				f.on("POST /api/experiments", 409, `{"error":"Experiment with key \"checkout\" already exists in this environment"}`)
			},
			wantStatus: 409, wantID: "create-error", want: "Experiment with key &#34;checkout&#34; already exists in this environment",
			wantValues: []string{`name="key" value="checkout"`, `<option value="` + envID + `" selected>production</option>`}, wantCalls: 1,
		},
		{
			name: "unknown environment: the framework's 500", post: "/experiments", form: url.Values{"key": {"k"}, "name": {"C"}, "environmentId": {"nope"}},
			routes: func(f *fakeAPI) {
				f.on("POST /api/experiments", 500, `{"statusCode":500,"code":"P2003","error":"Internal Server Error","message":"Foreign key constraint violated on the constraint: `+"`Experiment_environmentId_fkey`"+`"}`)
			},
			wantStatus: 500, wantID: "create-error", want: "Foreign key constraint violated on the constraint: `Experiment_environmentId_fkey`", wantCalls: 1,
		},
		{
			name: "audience rules not JSON", post: "/audiences", form: url.Values{"name": {"x"}, "environmentId": {envID}, "rules": {"[{"}},
			wantStatus: 400, wantID: "new-rules-error", want: "The rules is not valid JSON: it ends too soon",
		},
		{
			name: "audience exists", post: "/audiences", form: url.Values{"name": {"pro users"}, "environmentId": {envID}, "rules": {"[]"}},
			routes: func(f *fakeAPI) {
				f.on("POST /api/audiences", 409, `{"error":"Audience with name \"pro users\" already exists in this environment"}`)
			},
			wantStatus: 409, wantID: "new-audience-error", want: "Audience with name &#34;pro users&#34; already exists in this environment", wantCalls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t)
			if tt.routes != nil {
				tt.routes(api)
			}
			u := serve(t, api, dashboard.Options{})
			u.get("/environments") // a page with a form, for the CSRF token
			r := u.post(tt.post, tt.form)
			if r.status != tt.wantStatus {
				t.Errorf("status %d, want %d", r.status, tt.wantStatus)
			}
			el := element(r.body, tt.wantID)
			if !strings.Contains(el, ">"+tt.want+"</p>") {
				t.Errorf("#%s is %q, want the message %q\n%s", tt.wantID, el, tt.want, tail(r.body))
			}
			for _, v := range tt.wantValues {
				if !strings.Contains(r.body, v) {
					t.Errorf("the page does not keep %s", v)
				}
			}
			if got := len(api.mutations()); got != tt.wantCalls {
				t.Errorf("%d calls to the API, want %d: %+v", got, tt.wantCalls, api.mutations())
			}
		})
	}
}

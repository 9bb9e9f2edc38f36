package control_test

import (
	"testing"

	"github.com/inprocess/experiment/platform/internal/storetest"
)

// TestAudiences covers the audience routes, their publish triggers, and
// audience rules inlined into the published snapshot.
func TestAudiences(t *testing.T) {
	steps := []step{
		{name: "environment", method: "POST", path: "/environments", body: `{"name":"prod"}`, status: 201, save: map[string]string{"ENV": "id"}},
		{name: "other environment", method: "POST", path: "/environments", body: `{"name":"dev"}`, status: 201, save: map[string]string{"DEV": "id"}},
		{name: "create: name first", method: "POST", path: "/audiences", body: `{"environmentId":"","rules":null}`, status: 400},
		{name: "create: environmentId", method: "POST", path: "/audiences", body: `{"name":"us","environmentId":"","rules":null}`, status: 400},
		{name: "create: rules required", method: "POST", path: "/audiences", body: `{"name":"us","environmentId":"{ENV}"}`, status: 400},
		{name: "create: rules null", method: "POST", path: "/audiences", body: `{"name":"us","environmentId":"{ENV}","rules":null}`, status: 400},
		{name: "create: unknown environment", method: "POST", path: "/audiences", body: `{"name":"us","environmentId":"nope","rules":[]}`, status: 404},
		{name: "create", method: "POST", path: "/audiences", body: `{"name":"us","environmentId":"{ENV}","rules":[{"conditions":[{"attribute":"country","operator":"eq","value":"US"}]}]}`, status: 201, save: map[string]string{"US": "id"}},
		{name: "create: name taken in the environment", method: "POST", path: "/audiences", body: `{"name":"us","environmentId":"{ENV}","rules":[]}`, status: 409},
		{name: "create: same name in another environment", method: "POST", path: "/audiences", body: `{"name":"us","environmentId":"{DEV}","rules":[]}`, status: 201},
		{name: "create another", method: "POST", path: "/audiences", body: `{"name":"pro","environmentId":"{ENV}","rules":[{"conditions":[{"attribute":"plan","operator":"in","value":["pro","team"]}]}]}`, status: 201, save: map[string]string{"PRO": "id"}},
		{name: "list newest first", method: "GET", path: "/audiences", status: 200},
		{name: "list by environment, paged", method: "GET", path: "/audiences?environmentId={ENV}&page=2&pageSize=1", status: 200},
		{name: "list: environmentId empty", method: "GET", path: "/audiences?environmentId=", status: 400},
		{name: "get", method: "GET", path: "/audiences/{US}", status: 200},
		{name: "get unknown", method: "GET", path: "/audiences/nope", status: 404},

		{name: "experiment with the audience", method: "POST", path: "/experiments", body: `{"key":"checkout","name":"Checkout","environmentId":"{ENV}","audienceId":"{US}"}`, status: 201, save: map[string]string{"EXP": "id"}},
		{name: "variant", method: "POST", path: "/experiments/{EXP}/variants", body: `{"key":"on","name":"On"}`, status: 201, save: map[string]string{"ON": "id"}},
		{name: "allocation", method: "PUT", path: "/experiments/{EXP}/allocations", body: `{"allocations":[{"variantId":"{ON}","rangeStart":0,"rangeEnd":9999}]}`, status: 200},
		{name: "rules of an audience no running experiment uses do not publish", method: "PATCH", path: "/audiences/{PRO}", body: `{"rules":[]}`, status: 200},
		{name: "start: the snapshot inlines the audience's rules", method: "PATCH", path: "/experiments/{EXP}/status", body: `{"status":"RUNNING"}`, status: 200},
		{name: "snapshot with the audience's rules", method: "POST", path: "/experiments/{EXP}/publish", status: 200},
		{name: "patch: rules null", method: "PATCH", path: "/audiences/{US}", body: `{"rules":null}`, status: 400},
		{name: "patch: environmentId is ignored", method: "PATCH", path: "/audiences/{US}", body: `{"environmentId":"{DEV}"}`, status: 200},
		{name: "patch: a rename does not publish", method: "PATCH", path: "/audiences/{US}", body: `{"name":"united states"}`, status: 200},
		{name: "patch: renaming to a taken name", method: "PATCH", path: "/audiences/{US}", body: `{"name":"pro"}`, status: 409},
		{name: "patch: rules used by a running experiment publish", method: "PATCH", path: "/audiences/{US}", body: `{"rules":[{"conditions":[{"attribute":"country","operator":"in","value":["US","CA"]}]}]}`, status: 200},
		{name: "snapshot with the new rules", method: "POST", path: "/experiments/{EXP}/publish", status: 200},
		{name: "patch: unknown", method: "PATCH", path: "/audiences/nope", body: `{"name":"x"}`, status: 404},
		{name: "delete: unknown", method: "DELETE", path: "/audiences/nope", status: 404},
		{name: "delete an unused audience does not publish", method: "DELETE", path: "/audiences/{PRO}", status: 200},
		{name: "delete an audience a running experiment uses publishes", method: "DELETE", path: "/audiences/{US}", status: 200},
		{name: "the experiment lost its audience, updatedAt unchanged", method: "GET", path: "/experiments/{EXP}", status: 200},
	}
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			run(t, newFixture(t, engine, ""), "audiences.golden", steps)
		})
	}
}

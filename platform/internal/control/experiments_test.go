package control_test

import (
	"testing"

	"github.com/inprocess/experiment/platform/internal/storetest"
)

// TestExperiments covers the experiment, status, publish, variant and
// allocation routes: validation messages in the platform's order, the
// lifecycle and its 422, the publish triggers and x-publish-* headers.
func TestExperiments(t *testing.T) {
	steps := []step{
		{name: "environment", method: "POST", path: "/environments", body: `{"name":"prod"}`, status: 201, save: map[string]string{"ENV": "id"}},
		{name: "other environment", method: "POST", path: "/environments", body: `{"name":"dev"}`, status: 201, save: map[string]string{"DEV": "id"}},
		{name: "audience in the other environment", method: "POST", path: "/audiences", body: `{"name":"devs","environmentId":"{DEV}","rules":[]}`, status: 201, save: map[string]string{"DEVAUD": "id"}},

		// POST /experiments
		{name: "create: key first", method: "POST", path: "/experiments", body: `{"name":"","environmentId":""}`, status: 400},
		{name: "create: then name", method: "POST", path: "/experiments", body: `{"key":"k","name":"","environmentId":""}`, status: 400},
		{name: "create: description null", method: "POST", path: "/experiments", body: `{"key":"k","name":"n","description":null,"environmentId":"{ENV}"}`, status: 400},
		{name: "create: environmentId missing", method: "POST", path: "/experiments", body: `{"key":"k","name":"n"}`, status: 400},
		{name: "create: audienceId empty", method: "POST", path: "/experiments", body: `{"key":"k","name":"n","environmentId":"{ENV}","audienceId":""}`, status: 400},
		{name: "create: audienceId null", method: "POST", path: "/experiments", body: `{"key":"k","name":"n","environmentId":"{ENV}","audienceId":null}`, status: 400},
		{name: "create: targetingRules null", method: "POST", path: "/experiments", body: `{"key":"k","name":"n","environmentId":"{ENV}","targetingRules":null}`, status: 400},
		{name: "create: a rule not an object", method: "POST", path: "/experiments", body: `{"key":"k","name":"n","environmentId":"{ENV}","targetingRules":[1]}`, status: 400},
		{name: "create: conditions missing", method: "POST", path: "/experiments", body: `{"key":"k","name":"n","environmentId":"{ENV}","targetingRules":[{}]}`, status: 400},
		{name: "create: attribute a number", method: "POST", path: "/experiments", body: `{"key":"k","name":"n","environmentId":"{ENV}","targetingRules":[{"conditions":[{"attribute":1,"operator":"eq"}]}]}`, status: 400},
		{name: "create: operator unknown", method: "POST", path: "/experiments", body: `{"key":"k","name":"n","environmentId":"{ENV}","targetingRules":[{"conditions":[{"attribute":"a","operator":"like"}]}]}`, status: 400},
		{name: "create: the first failing item wins", method: "POST", path: "/experiments", body: `{"key":"k","name":"n","environmentId":"{ENV}","targetingRules":[{"conditions":[{"attribute":"a","operator":"eq"},{"operator":"x"}]},5]}`, status: 400},
		{name: "create: unknown audience", method: "POST", path: "/experiments", body: `{"key":"k","name":"n","environmentId":"{ENV}","audienceId":"nope"}`, status: 404},
		{name: "create: audience of another environment", method: "POST", path: "/experiments", body: `{"key":"k","name":"n","environmentId":"{ENV}","audienceId":"{DEVAUD}"}`, status: 422},
		{name: "create: audience check comes before the environment's", method: "POST", path: "/experiments", body: `{"key":"k","name":"n","environmentId":"nope","audienceId":"{DEVAUD}"}`, status: 422},
		{name: "create: unknown environment", method: "POST", path: "/experiments", body: `{"key":"k","name":"n","environmentId":"nope"}`, status: 404},
		{name: "create", method: "POST", path: "/experiments", body: `{"key":"checkout","name":"Checkout","description":"","environmentId":"{ENV}","status":"RUNNING","salt":"mine"}`, status: 201, save: map[string]string{"EXP": "id"}},
		{name: "create: key taken in the environment", method: "POST", path: "/experiments", body: `{"key":"checkout","name":"Again","environmentId":"{ENV}"}`, status: 409},
		{name: "create: same key in another environment", method: "POST", path: "/experiments", body: `{"key":"checkout","name":"Dev","environmentId":"{DEV}"}`, status: 201, save: map[string]string{"DEVEXP": "id"}},
		{name: "create with rules: keys stripped and reordered, numbers re-spelled", method: "POST", path: "/experiments",
			body:   `{"key":"banner","name":"Banner","environmentId":"{ENV}","targetingRules":[{"conditions":[{"attribute":"country","operator":"in","value":["US","CA"],"extra":1},{"attribute":"age","operator":"gt","value":1.0e1},{"attribute":"beta","operator":"eq"}],"note":"x"},{"conditions":[]}]}`,
			status: 201, save: map[string]string{"BANNER": "id"}},

		// GET /experiments
		{name: "list newest first", method: "GET", path: "/experiments", status: 200},
		{name: "list by environment", method: "GET", path: "/experiments?environmentId={DEV}", status: 200},
		{name: "list by status", method: "GET", path: "/experiments?status=RUNNING", status: 200},
		{name: "list: environmentId empty", method: "GET", path: "/experiments?environmentId=", status: 400},
		{name: "list: status lower case", method: "GET", path: "/experiments?status=draft", status: 400},
		{name: "list: status repeated", method: "GET", path: "/experiments?status=DRAFT&status=RUNNING", status: 400},
		{name: "list: environment first, then status, then paging", method: "GET", path: "/experiments?page=0&status=x&environmentId=", status: 400},
		{name: "list: unknown environment is empty", method: "GET", path: "/experiments?environmentId=nope&page=1&pageSize=1", status: 200},
		{name: "get", method: "GET", path: "/experiments/{EXP}", status: 200},
		{name: "get unknown", method: "GET", path: "/experiments/nope", status: 404},

		// PATCH /experiments/:id
		{name: "patch: no body", method: "PATCH", path: "/experiments/{EXP}", status: 400},
		{name: "patch: description null", method: "PATCH", path: "/experiments/{EXP}", body: `{"description":null}`, status: 400},
		{name: "patch: targetingRules null", method: "PATCH", path: "/experiments/{EXP}", body: `{"targetingRules":null}`, status: 400},
		{name: "patch: nothing known changes nothing", method: "PATCH", path: "/experiments/{EXP}", body: `{"status":"RUNNING","key":"x"}`, status: 200},
		{name: "patch: the same name still bumps updatedAt", method: "PATCH", path: "/experiments/{EXP}", body: `{"name":"Checkout"}`, status: 200},
		{name: "patch: unknown experiment", method: "PATCH", path: "/experiments/nope", body: `{"name":"x"}`, status: 404},
		{name: "patch: unknown experiment with an empty body", method: "PATCH", path: "/experiments/nope", body: `{}`, status: 404},
		{name: "patch: unknown experiment with an audience", method: "PATCH", path: "/experiments/nope", body: `{"audienceId":"{DEVAUD}"}`, status: 404},
		{name: "patch: unknown audience", method: "PATCH", path: "/experiments/{EXP}", body: `{"audienceId":"nope"}`, status: 404},
		{name: "patch: audience of another environment", method: "PATCH", path: "/experiments/{EXP}", body: `{"audienceId":"{DEVAUD}"}`, status: 422},
		{name: "patch: rules on a draft do not publish", method: "PATCH", path: "/experiments/{EXP}", body: `{"targetingRules":[],"audienceId":null}`, status: 200},

		// PATCH /experiments/:id/status
		{name: "status: missing", method: "PATCH", path: "/experiments/{EXP}/status", body: `{}`, status: 400},
		{name: "status: lower case", method: "PATCH", path: "/experiments/{EXP}/status", body: `{"status":"running"}`, status: 400},
		{name: "status: a number", method: "PATCH", path: "/experiments/{EXP}/status", body: `{"status":1}`, status: 400},
		{name: "status: unknown experiment", method: "PATCH", path: "/experiments/nope/status", body: `{"status":"RUNNING"}`, status: 404},
		{name: "status: DRAFT to PAUSED", method: "PATCH", path: "/experiments/{EXP}/status", body: `{"status":"PAUSED"}`, status: 422},
		{name: "status: DRAFT to DRAFT", method: "PATCH", path: "/experiments/{EXP}/status", body: `{"status":"DRAFT"}`, status: 422},

		// variants
		{name: "variant: key missing", method: "POST", path: "/experiments/{EXP}/variants", body: `{"name":"Blue"}`, status: 400},
		{name: "variant: payload an array", method: "POST", path: "/experiments/{EXP}/variants", body: `{"key":"control","name":"Blue","payload":[1]}`, status: 400},
		{name: "variant: payload null", method: "POST", path: "/experiments/{EXP}/variants", body: `{"key":"control","name":"Blue","payload":null}`, status: 400},
		{name: "variant: payload a string", method: "POST", path: "/experiments/{EXP}/variants", body: `{"key":"control","name":"Blue","payload":"x"}`, status: 400},
		{name: "variant: unknown experiment", method: "POST", path: "/experiments/nope/variants", body: `{"key":"control","name":"Blue"}`, status: 404},
		{name: "variant: create on a draft", method: "POST", path: "/experiments/{EXP}/variants", body: `{"key":"control","name":"Blue","payload":{"color":"#0066cc","nested":{"b":1,"a":2},"2":true,"10":false,"<&>":"\u2028"}}`, status: 201, save: map[string]string{"CONTROL": "id"}},
		{name: "variant: key taken", method: "POST", path: "/experiments/{EXP}/variants", body: `{"key":"control","name":"Again"}`, status: 409},
		{name: "variant: without payload", method: "POST", path: "/experiments/{EXP}/variants", body: `{"key":"treatment","name":"Green"}`, status: 201, save: map[string]string{"TREATMENT": "id"}},

		// allocations
		{name: "allocations: missing", method: "PUT", path: "/experiments/{EXP}/allocations", body: `{}`, status: 400},
		{name: "allocations: a string number", method: "PUT", path: "/experiments/{EXP}/allocations", body: `{"allocations":[{"variantId":"v","rangeStart":"1","rangeEnd":2}]}`, status: 400},
		{name: "allocations: a fraction", method: "PUT", path: "/experiments/{EXP}/allocations", body: `{"allocations":[{"variantId":"v","rangeStart":1.5,"rangeEnd":2}]}`, status: 400},
		{name: "allocations: below 0", method: "PUT", path: "/experiments/{EXP}/allocations", body: `{"allocations":[{"variantId":"v","rangeStart":-1,"rangeEnd":2}]}`, status: 400},
		{name: "allocations: above 9999", method: "PUT", path: "/experiments/{EXP}/allocations", body: `{"allocations":[{"variantId":"v","rangeStart":0,"rangeEnd":10000}]}`, status: 400},
		{name: "allocations: 1e400", method: "PUT", path: "/experiments/{EXP}/allocations", body: `{"allocations":[{"variantId":"v","rangeStart":0,"rangeEnd":1e400}]}`, status: 400},
		{name: "allocations: variantId empty", method: "PUT", path: "/experiments/{EXP}/allocations", body: `{"allocations":[{"variantId":"","rangeStart":0,"rangeEnd":1}]}`, status: 400},
		{name: "allocations: a range backwards", method: "PUT", path: "/experiments/{EXP}/allocations", body: `{"allocations":[{"variantId":"a","rangeStart":0,"rangeEnd":1},{"variantId":"b","rangeStart":10,"rangeEnd":5}]}`, status: 400},
		{name: "allocations: inclusive ends overlap", method: "PUT", path: "/experiments/{EXP}/allocations", body: `{"allocations":[{"variantId":"a","rangeStart":5000,"rangeEnd":9999},{"variantId":"b","rangeStart":0,"rangeEnd":5000}]}`, status: 400},
		{name: "allocations: backwards is checked before overlap", method: "PUT", path: "/experiments/{EXP}/allocations", body: `{"allocations":[{"variantId":"a","rangeStart":0,"rangeEnd":100},{"variantId":"b","rangeStart":50,"rangeEnd":60},{"variantId":"c","rangeStart":9,"rangeEnd":8}]}`, status: 400},
		{name: "allocations: unknown experiment with none", method: "PUT", path: "/experiments/nope/allocations", body: `{"allocations":[]}`, status: 200},
		{name: "allocations: unknown experiment", method: "PUT", path: "/experiments/nope/allocations", body: `{"allocations":[{"variantId":"a","rangeStart":0,"rangeEnd":1}]}`, status: 500},
		{name: "allocations: 50/50 on a draft, 5e3 is an integer", method: "PUT", path: "/experiments/{EXP}/allocations", body: `{"allocations":[{"variantId":"{TREATMENT}","rangeStart":5e3,"rangeEnd":9999},{"variantId":"{CONTROL}","rangeStart":0,"rangeEnd":4999}]}`, status: 200},

		// lifecycle with publishing
		{name: "status: DRAFT to RUNNING publishes", method: "PATCH", path: "/experiments/{EXP}/status", body: `{"status":"RUNNING"}`, status: 200},
		{name: "status: RUNNING to RUNNING", method: "PATCH", path: "/experiments/{EXP}/status", body: `{"status":"RUNNING"}`, status: 422},
		{name: "status: RUNNING to DRAFT", method: "PATCH", path: "/experiments/{EXP}/status", body: `{"status":"DRAFT"}`, status: 422},
		{name: "patch: name on a running experiment does not publish", method: "PATCH", path: "/experiments/{EXP}", body: `{"name":"Checkout button"}`, status: 200},
		{name: "patch: rules on a running experiment publish", method: "PATCH", path: "/experiments/{EXP}", body: `{"targetingRules":[{"conditions":[{"attribute":"plan","operator":"eq","value":"pro"}]}]}`, status: 200},
		{name: "patch: audience null on a running experiment publishes", method: "PATCH", path: "/experiments/{EXP}", body: `{"audienceId":null}`, status: 200},
		{name: "variant: create on a running experiment publishes", method: "POST", path: "/experiments/{EXP}/variants", body: `{"key":"extra","name":"Extra","payload":{}}`, status: 201, save: map[string]string{"EXTRA": "id"}},
		{name: "variant: update", method: "PATCH", path: "/experiments/{EXP}/variants/{EXTRA}", body: `{"name":"Extra!","payload":null}`, status: 200},
		{name: "variant: update with nothing", method: "PATCH", path: "/experiments/{EXP}/variants/{EXTRA}", body: `{}`, status: 200},
		{name: "variant: update, payload an array", method: "PATCH", path: "/experiments/{EXP}/variants/{EXTRA}", body: `{"payload":[]}`, status: 400},
		{name: "variant: update unknown", method: "PATCH", path: "/experiments/{EXP}/variants/nope", body: `{"name":"x"}`, status: 404},
		{name: "variant: update through another experiment", method: "PATCH", path: "/experiments/{DEVEXP}/variants/{EXTRA}", body: `{"name":"x"}`, status: 404},
		{name: "variant: delete through another experiment", method: "DELETE", path: "/experiments/{DEVEXP}/variants/{EXTRA}", status: 404},
		{name: "variant: delete", method: "DELETE", path: "/experiments/{EXP}/variants/{EXTRA}", status: 200},
		{name: "variant: delete again", method: "DELETE", path: "/experiments/{EXP}/variants/{EXTRA}", status: 404},

		// batch variants
		{name: "batch: empty is a no-op that still publishes", method: "PATCH", path: "/experiments/{EXP}/variants", body: `{}`, status: 200},
		{name: "batch: create null", method: "PATCH", path: "/experiments/{EXP}/variants", body: `{"create":null}`, status: 400},
		{name: "batch: update item without id", method: "PATCH", path: "/experiments/{EXP}/variants", body: `{"create":[{"key":"a","name":"A"}],"update":[{"name":"x"}]}`, status: 400},
		{name: "batch: create is checked first", method: "PATCH", path: "/experiments/{EXP}/variants", body: `{"update":[{"name":"x"}],"create":[{"key":"","name":"A"}]}`, status: 400},
		{name: "batch: delete an id of another experiment", method: "PATCH", path: "/experiments/{EXP}/variants", body: `{"delete":[{"id":"nope"}]}`, status: 404},
		{name: "batch: two creates with one key", method: "PATCH", path: "/experiments/{EXP}/variants", body: `{"create":[{"key":"dup","name":"A"},{"key":"dup","name":"B"}]}`, status: 409},
		{name: "batch: a key the experiment has", method: "PATCH", path: "/experiments/{EXP}/variants", body: `{"create":[{"key":"control","name":"A"}]}`, status: 409},
		{name: "batch: one id updated and deleted", method: "PATCH", path: "/experiments/{EXP}/variants", body: `{"update":[{"id":"{TREATMENT}","name":"x"}],"delete":[{"id":"{TREATMENT}"}]}`, status: 500},
		{name: "batch: unknown experiment, creates only", method: "PATCH", path: "/experiments/nope/variants", body: `{"create":[{"key":"a","name":"A"}]}`, status: 500},
		{name: "batch: unknown experiment, nothing to do", method: "PATCH", path: "/experiments/nope/variants", body: `{}`, status: 200},
		{name: "batch: delete, update and create reusing the deleted key", method: "PATCH", path: "/experiments/{EXP}/variants",
			body: `{"create":[{"key":"treatment","name":"Green again","payload":{"color":"#00cc66"}}],"update":[{"id":"{CONTROL}","payload":{"color":"#0066cc"}}],"delete":[{"id":"{TREATMENT}"}]}`, status: 200, save: map[string]string{"TREATMENT2": "1.id"}},
		{name: "get: the deleted variant's allocation stays", method: "GET", path: "/experiments/{EXP}", status: 200},

		// publishing
		{name: "publish: unknown experiment", method: "POST", path: "/experiments/nope/publish", status: 404},
		{name: "publish: empty JSON body", method: "POST", path: "/experiments/{EXP}/publish", ctype: "application/json", status: 400},
		{name: "publish: a body is ignored", method: "POST", path: "/experiments/{EXP}/publish", body: `{"x":1}`, status: 200},
		{name: "publish: a draft experiment publishes its environment", method: "POST", path: "/experiments/{BANNER}/publish", status: 200},
		{name: "publish: the store fails", method: "POST", path: "/experiments/{EXP}/publish", status: 500, failPublish: "Stub failure\r\n injected"},
		{name: "status: a failed publish keeps the change", method: "PATCH", path: "/experiments/{EXP}/status", body: `{"status":"PAUSED"}`, status: 200},
		{name: "status: PAUSED to RUNNING", method: "PATCH", path: "/experiments/{EXP}/status", body: `{"status":"RUNNING"}`, status: 200, failPublish: "ok"},
		{name: "publish: versions are not used up by failures", method: "POST", path: "/experiments/{EXP}/publish", status: 200},
		{name: "status: to ARCHIVED", method: "PATCH", path: "/experiments/{EXP}/status", body: `{"status":"ARCHIVED"}`, status: 200},
		{name: "status: ARCHIVED is final", method: "PATCH", path: "/experiments/{EXP}/status", body: `{"status":"RUNNING"}`, status: 422},
		{name: "allocations on an archived experiment do not publish", method: "PUT", path: "/experiments/{EXP}/allocations", body: `{"allocations":[]}`, status: 200},

		// delete
		{name: "delete: unknown", method: "DELETE", path: "/experiments/nope", status: 404},
		{name: "delete returns the experiment with its environment and publishes", method: "DELETE", path: "/experiments/{BANNER}", status: 200},
		{name: "delete: gone", method: "GET", path: "/experiments/{BANNER}", status: 404},
	}
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			run(t, newFixture(t, engine, ""), "experiments.golden", steps)
		})
	}
}

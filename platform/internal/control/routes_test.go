package control_test

import (
	"strings"
	"testing"

	"github.com/inprocess/experiment/platform/internal/storetest"
)

// TestFramework covers what the platform's framework answers before a
// route runs: unknown routes, media types, empty, invalid and oversized
// bodies, HEAD.
func TestFramework(t *testing.T) {
	big := `{"name":"` + strings.Repeat("x", 1<<20) + `"}`
	steps := []step{
		{name: "health", method: "GET", path: "/health", status: 200},
		{name: "HEAD is answered for GET routes", method: "HEAD", path: "/health", status: 200},
		{name: "unknown route", method: "GET", path: "/nope", status: 404},
		{name: "paths are case-sensitive", method: "GET", path: "/Environments", status: 404},
		{name: "the message has the query string", method: "POST", path: "/decide?user_key=u1&env=gw", status: 404},
		{name: "unknown method on a known path", method: "DELETE", path: "/environments/x", status: 404},
		{name: "no route one level deeper", method: "GET", path: "/environments/a/b", status: 404},
		{name: "trailing slash is an empty environment id", method: "GET", path: "/environments/", status: 404},
		{name: "trailing slash is an empty experiment id", method: "GET", path: "/experiments/", status: 404},
		{name: "text/plain body is a string", method: "POST", path: "/environments", body: `{"name":"x"}`, ctype: "text/plain", status: 400},
		{name: "no body and no content type", method: "POST", path: "/environments", status: 400},
		{name: "form body", method: "POST", path: "/environments", body: "name=x", ctype: "application/x-www-form-urlencoded", status: 415},
		{name: "vendor JSON type", method: "POST", path: "/environments", body: `{"name":"x"}`, ctype: "application/vnd.api+json", status: 415},
		{name: "body without a content type", method: "POST", path: "/environments", body: `{"name":"x"}`, ctype: "-", status: 415},
		{name: "empty JSON body", method: "POST", path: "/environments", ctype: "application/json", status: 400},
		{name: "empty JSON body on DELETE", method: "DELETE", path: "/experiments/x", ctype: "application/json", status: 400},
		{name: "invalid JSON", method: "POST", path: "/environments", body: `{"name":`, status: 400},
		{name: "white space only", method: "POST", path: "/environments", body: "  \n", status: 400},
		{name: "a __proto__ key", method: "POST", path: "/environments", body: `{"name":"x","__proto__":{"a":1}}`, status: 400},
		{name: "a constructor.prototype key", method: "POST", path: "/environments", body: `{"name":"x","constructor":{"prototype":{}}}`, status: 400},
		{name: "a constructor key alone is fine", method: "POST", path: "/environments", body: `{"name":"ctor","constructor":1}`, status: 201},
		{name: "body over 1 MiB", method: "POST", path: "/environments", body: big, status: 413},
		{name: "content type in any case with parameters", method: "POST", path: "/environments", body: `{"name":"cased"}`, ctype: "Application/JSON; charset=utf-8", status: 201},
		{name: "duplicate keys: the last wins", method: "POST", path: "/environments", body: `{"name":"first","name":"last"}`, status: 201},
	}
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			run(t, newFixture(t, engine, ""), "framework.golden", steps)
		})
	}
}

// TestEnvironments covers the environment routes and pagination with
// JavaScript's Number() parsing of the query.
func TestEnvironments(t *testing.T) {
	steps := []step{
		{name: "create", method: "POST", path: "/environments", body: `{"name":"prod"}`, status: 201, save: map[string]string{"PROD": "id"}},
		{name: "create another", method: "POST", path: "/environments", body: `{"name":"dev"}`, status: 201},
		{name: "names allow spaces and slashes", method: "POST", path: "/environments", body: `{"name":" eu/west "}`, status: 201},
		{name: "names are case-sensitive", method: "POST", path: "/environments", body: `{"name":"Prod"}`, status: 201},
		{name: "name taken", method: "POST", path: "/environments", body: `{"name":"prod"}`, status: 409},
		{name: "name missing", method: "POST", path: "/environments", body: `{}`, status: 400},
		{name: "name empty", method: "POST", path: "/environments", body: `{"name":""}`, status: 400},
		{name: "name a number", method: "POST", path: "/environments", body: `{"name":5}`, status: 400},
		{name: "name null", method: "POST", path: "/environments", body: `{"name":null}`, status: 400},
		{name: "body an array", method: "POST", path: "/environments", body: `[]`, status: 400},
		{name: "body null", method: "POST", path: "/environments", body: `null`, status: 400},
		{name: "unknown keys are dropped", method: "POST", path: "/environments", body: `{"name":"qa","id":"mine","createdAt":1}`, status: 201},
		{name: "list sorted by name, bytewise", method: "GET", path: "/environments", status: 200},
		{name: "get", method: "GET", path: "/environments/{PROD}", status: 200},
		{name: "get unknown", method: "GET", path: "/environments/nope", status: 404},
		{name: "page alone", method: "GET", path: "/environments?page=1", status: 400},
		{name: "pageSize alone", method: "GET", path: "/environments?pageSize=1", status: 400},
		{name: "page zero", method: "GET", path: "/environments?page=0&pageSize=10", status: 400},
		{name: "pageSize over 100", method: "GET", path: "/environments?page=1&pageSize=101", status: 400},
		{name: "pageSize zero", method: "GET", path: "/environments?page=1&pageSize=0", status: 400},
		{name: "page not a number", method: "GET", path: "/environments?page=abc&pageSize=1", status: 400},
		{name: "field errors come before the together rule", method: "GET", path: "/environments?page=abc", status: 400},
		{name: "hex and binary literals", method: "GET", path: "/environments?page=0x2&pageSize=0b10", status: 200},
		{name: "exponent and fraction", method: "GET", path: "/environments?page=.1e1&pageSize=2.0", status: 200},
		{name: "white space is trimmed", method: "GET", path: "/environments?page=%20+2%09&pageSize=+2", status: 200},
		{name: "empty is zero", method: "GET", path: "/environments?page=&pageSize=1", status: 400},
		{name: "Infinity", method: "GET", path: "/environments?page=Infinity&pageSize=1", status: 400},
		{name: "1e400", method: "GET", path: "/environments?page=1e400&pageSize=1", status: 400},
		{name: "a fraction", method: "GET", path: "/environments?page=1.5&pageSize=1", status: 400},
		{name: "beyond the safe integers", method: "GET", path: "/environments?page=9007199254740992&pageSize=1", status: 400},
		{name: "below the safe integers", method: "GET", path: "/environments?page=-9007199254740992&pageSize=1", status: 400},
		{name: "underscore separators", method: "GET", path: "/environments?page=1_0&pageSize=1", status: 400},
		{name: "a repeated key", method: "GET", path: "/environments?page=1&page=2&pageSize=1", status: 400},
		{name: "a signed hex literal", method: "GET", path: "/environments?page=-0x1&pageSize=1", status: 400},
		{name: "malformed percent-encoding decodes to garbage", method: "GET", path: "/environments?page=%zz&pageSize=1", status: 400},
		{name: "past the end", method: "GET", path: "/environments?page=9&pageSize=2", status: 200},
		{name: "the largest page", method: "GET", path: "/environments?page=9007199254740991&pageSize=100", status: 200},
		{name: "no PATCH route", method: "PATCH", path: "/environments/{PROD}", body: `{"name":"x"}`, status: 404},
	}
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			run(t, newFixture(t, engine, ""), "environments.golden", steps)
		})
	}
}

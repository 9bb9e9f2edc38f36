import fs from "node:fs";
const v = (id, key, payload, withPayload = true) => withPayload ? { id, key, payload } : { id, key };
const al = (variantId, rangeStart, rangeEnd) => ({ variantId, rangeStart, rangeEnd });
const c = (attribute, operator, value) => ({ attribute, operator, value });
const exp = (key, o) => ({ id: "id-" + key, key, salt: "salt-" + key, audienceRules: [], targetingRules: [], variants: [v("v1", "control", { color: "#0066cc" }), v("v2", "treatment", { color: "#00cc66" })], allocations: [al("v1", 0, 4999), al("v2", 5000, 9999)], ...o });
const one = (rules, extra = {}) => ({ targetingRules: rules, allocations: [al("v1", 0, 9999)], ...extra });
const experiments = [
  exp("split"),
  exp("holdout", { allocations: [al("v1", 0, 999), al("v2", 2000, 2999)] }),
  exp("first-wins", { allocations: [al("v1", 0, 5999), al("v2", 3000, 9999)] }),
  exp("unknown-variant", { allocations: [al("nope", 0, 4999), al("v2", 0, 9999)] }),
  exp("payloads", { variants: [v("p1", "null", null), v("p2", "absent", undefined, false), v("p3", "array", [3, "x", { b: 1, a: [true, null] }]), v("p4", "unicode", { "emoji": "😀", "é": "ü\n\"" })], allocations: [al("p1", 0, 2499), al("p2", 2500, 4999), al("p3", 5000, 7499), al("p4", 7500, 9999)] }),
  exp("fraction", { allocations: [al("v1", 0.5, 4999.5), al("v2", -100, 100000)] }),
  exp("neq-missing", one([{ conditions: [c("country", "neq", "US")] }])),
  exp("notin", one([{ conditions: [c("country", "notIn", ["US", "CA"])] }])),
  exp("notin-nonlist", one([{ conditions: [c("country", "notIn", "US")] }])),
  exp("in-nonlist", one([{ conditions: [c("country", "in", "US")] }])),
  exp("in-list", one([{ conditions: [c("country", "in", ["US", "CA", null, 21])] }])),
  exp("strict-number", one([{ conditions: [c("age", "eq", 21)] }])),
  exp("strict-string", one([{ conditions: [c("age", "eq", "21")] }])),
  exp("eq-bool", one([{ conditions: [c("beta", "eq", true)] }])),
  exp("eq-null", one([{ conditions: [c("plan", "eq", null)] }])),
  exp("eq-list", one([{ conditions: [c("tags", "eq", ["beta"])] }])),
  exp("neq-list", one([{ conditions: [c("tags", "neq", ["beta"])] }])),
  exp("dots", one([{ conditions: [c("user.plan", "eq", "pro")] }])),
  exp("dots-nested", one([{ conditions: [c("app.version.major", "gt", 1)] }])),
  exp("array-walk", one([{ conditions: [c("tags.0", "eq", "beta")] }])),
  exp("array-length", one([{ conditions: [c("tags.length", "gt", 1)] }])),
  exp("unknown-op", one([{ conditions: [c("age", "gte", 18)] }])),
  exp("unknown-op-or", one([{ conditions: [c("age", "matches", ".*")] }, { conditions: [c("country", "eq", "FR")] }])),
  exp("audience-and-targeting", one([{ conditions: [c("country", "in", ["US", "CA"])] }], { audienceRules: [{ conditions: [c("plan", "eq", "pro")] }] })),
  exp("contains", one([{ conditions: [c("email", "contains", "@example.com")] }])),
  exp("contains-nonstring", one([{ conditions: [c("age", "contains", "2")] }])),
  exp("gt-lt", one([{ conditions: [c("age", "gt", 18), c("age", "lt", 65)] }])),
  exp("gt-string", one([{ conditions: [c("age", "gt", "18")] }])),
  exp("no-value-eq", one([{ conditions: [{ attribute: "country", operator: "eq" }] }])),
  exp("no-value-neq", one([{ conditions: [{ attribute: "country", operator: "neq" }] }])),
  exp("proto-neq", one([{ conditions: [c("toString", "neq", "x")] }])),
  exp("proto-eq-undefined", one([{ conditions: [{ attribute: "constructor", operator: "eq" }] }])),
  exp("empty-conditions", one([{ conditions: [] }])),
  exp("rules-or", one([{ conditions: [c("country", "eq", "US")] }, { conditions: [c("plan", "eq", "pro")] }])),
  exp("dup", { salt: "dup-a" }),
  exp("dup", { id: "id-dup-2", salt: "dup-b", allocations: [al("v2", 0, 9999)] }),
  exp("salt-null", { salt: null }),
  exp("salt-missing", { salt: undefined }),
  exp("salt-number", { salt: 42 }),
  exp("bounds-strings", { allocations: [al("v1", "0", "4999"), al("v2", null, "9999")] }),
  exp("dup-variant-id", { variants: [v("v1", "first", 1), v("v1", "second", 2)], allocations: [al("v1", 0, 9999)] }),
  exp("no-allocations", { allocations: [] }),
];
const snapshot = { version: 7, environment: "prod", publishedAt: "2026-02-20T12:00:00.000Z", experiments };
const contexts = [
  {}, { country: "US" }, { country: "CA", plan: "pro" }, { country: "FR", plan: null, age: 21 }, { age: "21", beta: true },
  { age: 70, email: "a@example.com" }, { tags: ["beta", "x"] }, { tags: ["alpha"] }, { "user.plan": "free", user: { plan: "pro" } },
  { user: { plan: "pro" }, app: { version: { major: 2 } } }, { country: null }, { country: 21 }, { toString: "x" }, { constructor: 1, plan: "pro", country: "US" },
  { age: 18.5, country: "US", plan: "pro" }, { age: 65 }, { beta: "true" },
];
const users = ["user-123", "alice", "", "user:with:colon", "üñí", "😀"];
for (let i = 0; i < 40; i++) users.push("u" + i);
const cases = users.map((u, i) => ({ user_key: u, context: contexts[i % contexts.length] }));
fs.writeFileSync("quirks.json", JSON.stringify(snapshot, null, 1) + "\n");
fs.writeFileSync("cases.json", JSON.stringify(cases) + "\n");

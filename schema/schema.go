// Package experimentschema holds the JSON Schema (draft 2020-12) of the
// experiment config format, for editors and for programs that validate
// configs before they reach the library.
//
// The schema file is experiment.schema.json beside this package; editors
// that speak the YAML language server protocol pick it up from a first
// line such as
//
//	# yaml-language-server: $schema=https://raw.githubusercontent.com/inprocess/experiment/main/schema/experiment.schema.json
//
// The schema checks a config's shape: its keys, the forms an experiment
// may take, percentages, conditions and operators. It cannot check what
// depends on the rest of the document or on evaluation, which `experiment
// lint` (experiment.Check) reports: group and audience names that are not
// defined, variants whose ranges overlap, a percentage whose lower bound
// is above its upper bound, duplicate keys and YAML merge keys (which a
// YAML decoder resolves before a validator sees them), regular
// expressions that do not compile, and values too large or too deeply
// nested. A config the library loads always validates; a config that
// validates may still fail to load for those reasons.
package experimentschema

import _ "embed"

//go:embed experiment.schema.json
var schema []byte

// URL is the schema's $id, the address the README's yaml-language-server
// line uses.
const URL = "https://raw.githubusercontent.com/inprocess/experiment/main/schema/experiment.schema.json"

// JSON returns the schema document. Each call returns a new copy, which the
// caller may modify. It is safe for concurrent use.
func JSON() []byte {
	return append([]byte(nil), schema...)
}

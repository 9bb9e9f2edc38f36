package wire

import "encoding/json"

// Decision is the body of a 200 response of the decision service's
// GET /decide: the user's assignments in one environment's config.
type Decision struct {
	// UserKey and Environment echo the request's user_key and env.
	UserKey     string `json:"user_key"`
	Environment string `json:"environment"`
	// ConfigVersion is the version of the snapshot the assignments come
	// from.
	ConfigVersion int64 `json:"config_version"`
	// Assignments are the experiments the user is in, in the snapshot's
	// order. A nil slice is encoded by encoding/json as null: set an empty
	// one for [].
	Assignments []Assignment `json:"assignments"`
}

// Assignment is one experiment a user is assigned, with the variant's
// payload. A nil Payload is encoded as null, as the platform sends for a
// variant without one.
type Assignment struct {
	ExperimentKey string          `json:"experiment_key"`
	ExperimentID  string          `json:"experiment_id"`
	VariantKey    string          `json:"variant_key"`
	VariantID     string          `json:"variant_id"`
	Payload       json.RawMessage `json:"payload"`
}

// ErrorBody is the body of the decision service's and the control
// plane's own errors: {"error": message}.
type ErrorBody struct {
	Error string `json:"error"`
}

package store

import (
	"errors"
	"fmt"
)

// The errors the Store's methods return, wrapped or as they are; the
// control plane turns each into the platform's response.
var (
	ErrEnvironmentNotFound = errors.New("store: environment not found")
	ErrExperimentNotFound  = errors.New("store: experiment not found")
	ErrAudienceNotFound    = errors.New("store: audience not found")
	ErrVariantNotFound     = errors.New("store: variant not found")
	// ErrVariantsNotFound is a batch naming a variant the experiment does
	// not have.
	ErrVariantsNotFound = errors.New("store: one or more variants not found")
	// ErrAudienceEnvironment is an audience of another environment than
	// the experiment's.
	ErrAudienceEnvironment = errors.New("store: the audience belongs to another environment")
	// ErrDuplicate is a unique constraint: a name or key already taken.
	ErrDuplicate = errors.New("store: already exists")
)

// TransitionError is a status change the lifecycle does not allow.
type TransitionError struct {
	From, To Status
}

// Error says which move was refused.
func (e *TransitionError) Error() string {
	return fmt.Sprintf("store: cannot transition from %s to %s", e.From, e.To)
}

// RecordError is a failure the platform reports as a Prisma error, a 500
// with the Prisma code: P2025 (a record an operation needs is missing) or
// P2003 (a foreign key names no row).
type RecordError struct {
	Code    string // "P2025" or "P2003"
	Message string
}

// Error returns the message.
func (e *RecordError) Error() string { return e.Message }

// missingForUpdate is P2025 as Prisma words it for an update.
func missingForUpdate() error {
	return &RecordError{Code: "P2025", Message: "An operation failed because it depends on one or more records that were required but not found. No record was found for an update."}
}

// foreignKey is P2003 for the named constraint.
func foreignKey(constraint string) error {
	return &RecordError{Code: "P2003", Message: "Foreign key constraint violated on the constraint: `" + constraint + "`"}
}

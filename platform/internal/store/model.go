// Package store keeps the platform's data in a SQL database: embedded
// SQLite or PostgreSQL, with the platform's own schema (its tables,
// columns, constraints and enum), so that an existing platform database
// can be used as it is.
//
// One Store serves both engines; an Engine holds what differs between
// them (driver, placeholders, locking, error codes, migrations). Every
// method is safe for concurrent use. JSON values (rules, payloads,
// snapshots) go in and come out as canonical JSON: normalised the way the
// platform's JSONB columns and JavaScript services normalise them (see
// package jsvalue).
package store

import (
	"encoding/json"
	"time"
)

// Environment is a row of "Environment".
type Environment struct {
	ID        string
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Audience is a row of "Audience", with its environment.
type Audience struct {
	ID            string
	Name          string
	EnvironmentID string
	Rules         json.RawMessage // canonical JSON array
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Environment   *Environment // set where the platform includes it
}

// Status is an experiment's lifecycle state, the enum "ExperimentStatus".
type Status string

// The statuses.
const (
	Draft    Status = "DRAFT"
	Running  Status = "RUNNING"
	Paused   Status = "PAUSED"
	Archived Status = "ARCHIVED"
)

// Statuses lists the statuses in the enum's order.
var Statuses = []Status{Draft, Running, Paused, Archived}

// CanMove reports whether an experiment may go from status s to next:
// DRAFT to RUNNING or ARCHIVED, RUNNING to PAUSED or ARCHIVED, PAUSED to
// RUNNING or ARCHIVED, ARCHIVED nowhere. Staying put is not a move.
func (s Status) CanMove(next Status) bool {
	switch s {
	case Draft:
		return next == Running || next == Archived
	case Running:
		return next == Paused || next == Archived
	case Paused:
		return next == Running || next == Archived
	}
	return false
}

// Experiment is a row of "Experiment" with what the platform includes:
// variants, allocations, environment and audience. Which of them are set
// depends on the call (see each method).
type Experiment struct {
	ID             string
	Key            string
	Name           string
	Description    *string
	Salt           string
	Status         Status
	EnvironmentID  string
	AudienceID     *string
	TargetingRules json.RawMessage // canonical JSON, nil for SQL NULL
	CreatedAt      time.Time
	UpdatedAt      time.Time

	Variants    []Variant
	Allocations []Allocation
	Environment *Environment
	Audience    *Audience // without its Environment
}

// Variant is a row of "Variant".
type Variant struct {
	ID           string
	Key          string
	Name         string
	Payload      json.RawMessage // canonical JSON; nil for SQL NULL (shown as null)
	ExperimentID string
}

// Allocation is a row of "Allocation": buckets RangeStart to RangeEnd,
// inclusive, for VariantID, which need not exist.
type Allocation struct {
	ID           string
	VariantID    string
	RangeStart   int
	RangeEnd     int
	ExperimentID string
}

// ConfigVersion is a row of "ConfigVersion": the audit record of one
// publish.
type ConfigVersion struct {
	ID            string
	EnvironmentID string
	Version       int64
	// Snapshot is the published snapshot as stored: the published bytes
	// on SQLite; on PostgreSQL, whose JSONB column reorders keys, the
	// same value, compacted, with keys in JSONB order.
	Snapshot    json.RawMessage
	PublishedAt time.Time
}

// Page selects a page of a list: Size rows after skipping (Number-1)*Size.
type Page struct {
	Number int64 // from 1
	Size   int64 // from 1
}

func (p Page) offset() int64 { return (p.Number - 1) * p.Size }

// Package experiment runs feature flags and A/B experiments inside a Go
// service. TODO: overview.
package experiment

// Package platform is the experiment platform's control plane: the HTTP API
// that stores environments, experiments, variants, allocations and audiences,
// and publishes environment snapshots for the library and the decision
// service to read.
package platform

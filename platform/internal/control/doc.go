// Package control is the platform's control plane: the HTTP API of its
// experiment service (environments, experiments, variants, allocations,
// audiences, publishing), answering every request as the platform does,
// status codes, error bodies, key order and publish headers included.
//
// It keeps the platform's framework behaviour too (Fastify's): JSON-only
// bodies, its error envelopes for unknown routes, media types, empty,
// invalid and oversized bodies, and HEAD for every GET route. Validation
// failures are 400 {"error": message} with the message zod gives for the
// first failing field, fields checked in the order the platform declares
// them.
//
// Where this package differs from the platform on purpose, the package
// README's "Deliberate differences" says how and why.
package control

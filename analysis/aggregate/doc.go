// Package aggregate reduces exposure and event records to the sufficient
// statistics package stats works from: per variant, per metric, the
// users, the sum of their values and the sum of squares, and with CUPED
// the same for a pre-exposure covariate. It does so in two ways that give
// the same numbers: Aggregate streams JSON Lines files, holding state per
// user and never per line; QuerySQL runs one SQL query (aggregate.sql) on
// a database holding the records in two tables.
//
// # Attribution
//
// The rules are GrowthBook's:
//
//  1. A user's exposures to the experiment are grouped; the first
//     exposure's time is when the user enters the experiment.
//  2. A user exposed to more than one variant is excluded from every
//     result and counted in Result.Multiple.
//  3. An event counts for a metric when it is the metric's event, it is
//     the user's, and it happened at or after the user's first exposure
//     and, with a conversion window W, no later than first exposure + W.
//     Earlier events do not count (with CUPED, those in the pre-exposure
//     window [first − P, first) make the covariate).
//  4. A user's value for a Mean metric is the sum of the counted events'
//     values, an event without a value counting 1 (so a Mean metric of
//     valueless events counts them); for a Proportion metric it is 1 when
//     at least one event counted, else 0. Exposed users without events
//     count with value 0.
//
// Results are also split by the UTC day of each user's first exposure, so
// that summing the days in order gives the cumulative results over time.
package aggregate

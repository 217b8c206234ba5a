// Package declarations is the CMP declaration use case: submission (the
// requirement check, the submission window, the fee, the processing due date,
// claims and the one-pending marker, all in one transaction with the
// idempotency record and the "declaration received" email) and reading
// declarations back. Staff decisions (issue 5) extend the same state and
// history model: Status, History and Version, of the declaration record
// internal/partition stores.
package declarations

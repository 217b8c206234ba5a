// Package declarations is the CMP declaration use case: submission (the
// requirement check, the submission window, the fee, the processing due date,
// claims and the one-pending marker, all in one transaction with the
// idempotency record and the "declaration received" email), reading
// declarations back, and their lifecycle (staff decisions, resolutions,
// audit documents, deadlines, payment). The declaration record itself
// (Status, History, Version) is internal/partition's. Files by role:
//
//	states.go          the state machine: decisions, who makes them, transitions, deadlines
//	submit.go          the submission: request, snapshot, judgement, errors
//	snapshot.go        the snapshot a submission is judged on, from the partition's one Query
//	decide.go          the lifecycle: staff decisions and the change each makes, renewals
//	resolution.go      the certificant's resolution of a deficiency or failed audit
//	audit.go           audit selection and documentation (R-DEC-3)
//	deadlines.go       the deadlines job: lapses and reminders (R-DEC-2, R-DEC-3, R-REM-2)
//	payment.go         a paid or unpaid declaration (R-PAY-1, R-PAY-4)
//	store.go           the table: a submission's writes, reads by id and certificant
//	lifecycle_store.go the table: a change's writes, the queue, due entries
//	mail.go            the emails: received, status, audit documentation
package declarations

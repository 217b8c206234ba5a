// Package transcript is a certificant's CMP transcript: adding, listing and
// deleting activities (R-ACT), reviewing covid entries, disputing provider
// postings, and the progress of a certification's current cycle (R-REQ,
// R-ALLOC-3, R-CYC-3..7), all judged on the partition internal/partition
// reads in one Query.
package transcript

import (
	"errors"
)

// Errors of the transcript use case; the HTTP layer maps them to statuses.
var (
	// ErrNotFound: no such certificant or activity (404).
	ErrNotFound = errors.New("transcript: not found")
	// ErrClaimed: a declaration claims the activity (409, R-ACT-11).
	ErrClaimed = errors.New("transcript: the activity is claimed by a declaration")
	// ErrCovidTaken: the certificant has a covid entry already, not rejected (409, R-ACT-9).
	ErrCovidTaken = errors.New("transcript: one covid entry per certificant")
	// ErrNotReviewable: not a covid entry waiting for review (409, R-ACT-9).
	ErrNotReviewable = errors.New("transcript: not a covid entry pending review")
	// ErrPosted: a provider posted the activity; it is disputed, never
	// deleted or edited (409, R-PROV-3).
	ErrPosted = errors.New("transcript: the activity was posted by its provider")
	// ErrNotPosted: only a provider-posted activity can be disputed (409).
	ErrNotPosted = errors.New("transcript: the activity was not posted by a provider")
	// ErrDisputed: the activity is disputed already (409).
	ErrDisputed = errors.New("transcript: the activity is disputed already")
	// ErrBusy: the transcript kept changing under the change (409, retry).
	ErrBusy = errors.New("transcript: changed by others meanwhile")
)

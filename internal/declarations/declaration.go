// Package declarations is the CMP declaration use case: submission (the
// requirement check, the submission window, the fee, the processing due date,
// claims and the one-pending marker, all in one transaction with the
// idempotency record and the "declaration received" email) and reading
// declarations back. Staff decisions (issue 5) extend the same state and
// history model: Status, History and Version.
package declarations

import (
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/rules"
)

// State is a declaration's place in its lifecycle (R-DEC).
type State string

// The R-DEC states.
const (
	Submitted   State = "submitted"
	Processing  State = "processing"
	Approved    State = "approved"
	Deficient   State = "deficient"
	UnderAudit  State = "under_audit"
	AuditFailed State = "audit_failed"
	Appealed    State = "appealed"
	Rejected    State = "rejected"
	Deleted     State = "deleted"
	// AwaitingPayment: created with a fee not yet paid; its claims and
	// pending marker are held (R-PAY-1). Cancelled: unpaid after 24 hours
	// (R-PAY-4).
	AwaitingPayment State = "awaiting_payment"
	Cancelled       State = "cancelled"
)

// Transition is one recorded state change: who, when and why (R-DEC-5).
type Transition struct {
	State  State     `json:"state"`
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Reason string    `json:"reason,omitempty"`
}

// Declaration is a submitted CMP declaration. It keeps the quote it was
// charged (R-FEE-7) and the allocation it was judged by, so later rule or fee
// changes never alter it.
type Declaration struct {
	ID              string             `json:"id"`
	CertificantID   string             `json:"certificantId"`
	Certification   string             `json:"certification"`
	Status          State              `json:"status"`
	SubmittedAt     time.Time          `json:"submittedAt"`
	ProcessingDueOn civil.Date         `json:"processingDueOn"`
	Expiration      *civil.Date        `json:"expiration,omitempty"` // cycle end at submission; nil for voluntary (R-CYC-5)
	Reinstatement   bool               `json:"reinstatement"`
	CEWindow        calendar.Period    `json:"ceWindow"`
	Fee             fees.Quote         `json:"fee"`
	Allocations     []rules.Allocation `json:"allocations"`
	Warnings        []calendar.Warning `json:"warnings"`
	History         []Transition       `json:"history"`
	Version         int                `json:"version"`
	// DeadlineOn is the last day to resolve a deficiency or to upload audit
	// documentation (R-DEC-2, R-DEC-3); nil in other states.
	DeadlineOn *civil.Date `json:"deadlineOn,omitempty"`
	// Documents are the audit documentation uploaded (R-DEC-3).
	Documents []Document `json:"documents,omitempty"`
	// Reported lists the claimed activities a CE provider posted: an audit
	// asks no documentation for them (R-PROV-3).
	Reported []string `json:"providerReported,omitempty"`
	// Renewal is the cycle an approval granted (R-CYC-2, R-CYC-5).
	Renewal *calendar.Period `json:"renewal,omitempty"`
	// AuditSelected is decided from the id and recorded at submission, so no
	// later share change or retry alters it (R-DEC-3). Kept off the JSON
	// the certificant reads; stored as its own attribute (Item).
	AuditSelected bool `json:"-"`
}

// Earlier lists the fee-paying declarations among decls, for the R-FEE-2
// same-business-day reduction (fees.Quote keeps those of the right day).
// A deleted declaration kept its fee (R-DEC-2), so it counts too; a voluntary
// one has no expiration to be "within 3 months" of, so it does not.
func Earlier(decls []Declaration) []fees.EarlierDeclaration {
	out := make([]fees.EarlierDeclaration, 0, len(decls))
	for _, d := range decls {
		// A cancelled declaration was never paid (R-PAY-4).
		if d.Fee.TotalCents == 0 || d.Expiration == nil || d.Status == Cancelled {
			continue
		}
		out = append(out, fees.EarlierDeclaration{SubmittedAt: d.SubmittedAt, Expiration: *d.Expiration})
	}
	return out
}

// Claims are the activities d holds for its certification (R-ACT-11): those
// of its allocation while it waits or once approved; closing it otherwise
// (rejected, deleted) releases them.
func (d Declaration) Claims() []string {
	if d.Status.Final() && d.Status != Approved {
		return nil
	}
	return claimedActivities(d)
}

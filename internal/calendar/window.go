package calendar

import (
	"fmt"
	"time"

	"github.com/boc/cmp/internal/civil"
)

// SubmissionWindow bounds renewal declarations for a cycle ending on Expiration
// (R-CYC-7): none before Opens; after LateAfter they are accepted with a warning.
type SubmissionWindow struct {
	Opens      civil.Date `json:"opens"`
	LateAfter  civil.Date `json:"lateAfter"`
	Expiration civil.Date `json:"expiration"`
}

// SubmissionWindowFor is the R-CYC-7 window of a cycle ending on expiration:
// 2025-01-31 opens 2024-10-31 and is late after 2024-12-31.
func SubmissionWindowFor(expiration civil.Date) SubmissionWindow {
	return SubmissionWindow{
		Opens:      ShiftMonths(expiration, -windowOpensMonths),
		LateAfter:  ShiftMonths(expiration, -lateWithinMonths),
		Expiration: expiration,
	}
}

// Warning is advice attached to an accepted submission, with the rule behind it.
type Warning struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// Admission is the verdict on a declaration submitted at some instant.
type Admission struct {
	// Reinstatement: the certification has expired, so the declaration
	// reinstates it (R-CYC-4 window, R-FEE-3 fee).
	Reinstatement   bool       `json:"reinstatement"`
	ProcessingDueOn civil.Date `json:"processingDueOn"`
	Warnings        []Warning  `json:"warnings"`
}

// NotOpenError refuses a submission before its window opens (R-CYC-7).
type NotOpenError struct{ Opens civil.Date }

func (e *NotOpenError) Error() string {
	return fmt.Sprintf("the submission window opens on %s", e.Opens)
}

// Rule is the rule that refused the submission.
func (e *NotOpenError) Rule() string { return "R-CYC-7" }

// ReexaminationError refuses a declaration for a certification expired 10 or more
// years (R-CYC-8).
type ReexaminationError struct{ Expiration civil.Date }

func (e *ReexaminationError) Error() string {
	return fmt.Sprintf("certification expired on %s, 10 or more years ago: only re-examination restores it", e.Expiration)
}

// Rule is the rule that refused the submission.
func (e *ReexaminationError) Rule() string { return "R-CYC-8" }

// Admit decides whether a declaration for a certification whose cycle ends on
// expiration may be submitted at submittedAt. A zero expiration (voluntary,
// R-CYC-5) has no window. Errors are *NotOpenError or *ReexaminationError.
func Admit(expiration civil.Date, submittedAt time.Time) (Admission, error) {
	on := Today(submittedAt)
	a := Admission{ProcessingDueOn: ProcessingDue(submittedAt), Warnings: []Warning{}}
	if expiration.IsZero() {
		return a, nil
	}
	if on.After(expiration) {
		if ReexaminationRequired(expiration, on) {
			return Admission{}, &ReexaminationError{Expiration: expiration}
		}
		a.Reinstatement = true
		return a, nil
	}
	w := SubmissionWindowFor(expiration)
	if on.Before(w.Opens) {
		return Admission{}, &NotOpenError{Opens: w.Opens}
	}
	if on.After(w.LateAfter) {
		a.Warnings = append(a.Warnings, Warning{
			Rule: "R-CYC-7",
			Message: fmt.Sprintf("submitted less than 1 month before expiration on %s: processing takes up to %d business days (until %s) and may end after expiration",
				expiration, processingBusinessDays, a.ProcessingDueOn),
		})
	}
	return a, nil
}

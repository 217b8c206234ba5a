// Package exams is the examination-results use case: recording attempts (at
// most five per category and route), the score report and its email (held
// until transcripts arrive), score reviews and the certification report.
package exams

import (
	"fmt"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/partition"
)

// The R-EXAM constants in one place.
const (
	// MaxAttempts per category and route (R-EXAM-1).
	MaxAttempts = 5
	// ScoreBusinessDays is how soon after the exam the score email is owed (R-EXAM-2).
	ScoreBusinessDays = 20
	// ReviewDays after score receipt in which a review may be requested (R-EXAM-4).
	ReviewDays = 30
	// OptOutDays is how long before the exam an opt-out of publication must
	// arrive to count (R-EXAM-3).
	OptOutDays = 10
)

// ScoreDueBy is the last day the score email of an exam taken on examDate may
// go out (R-EXAM-2).
func ScoreDueBy(examDate civil.Date) civil.Date {
	return calendar.AddBusinessDays(examDate, ScoreBusinessDays)
}

// ReviewOpenUntil is the last day a review of a score received on receivedOn
// may be requested (R-EXAM-4).
func ReviewOpenUntil(receivedOn civil.Date) civil.Date { return receivedOn.AddDays(ReviewDays) }

// Published reports whether a pass on examDate goes into the certification
// report: only ASCPi ("international") certificants, and not when they opted
// out at least OptOutDays before the exam (R-EXAM-3). A zero optOutOn is no
// opt-out.
func Published(program string, examDate, optOutOn civil.Date) bool {
	if program != "ASCPi" {
		return false
	}
	return optOutOn.IsZero() || optOutOn.After(examDate.AddDays(-OptOutDays))
}

// RetestingAfter is what a candidate is told after failed attempt n of a
// category and route (R-EXAM-1/2).
func RetestingAfter(n int, certKey, route string) partition.Retesting {
	left := max(MaxAttempts-n, 0)
	r := partition.Retesting{AttemptsUsed: n, AttemptsLeft: left, Eligible: left > 0}
	if r.Eligible {
		r.Message = fmt.Sprintf("You have used %d of %d attempts for %s under route %s; %d remain. "+
			"To retake the examination, submit a new application and fee now that you have received this score.",
			n, MaxAttempts, certKey, route, left)
	} else {
		r.Message = fmt.Sprintf("You have used all %d attempts for %s under route %s and are not eligible "+
			"for further examination in this category under this route.", MaxAttempts, certKey, route)
	}
	return r
}

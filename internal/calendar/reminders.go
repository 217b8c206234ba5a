package calendar

import "github.com/boc/cmp/internal/civil"

// Milestone is the date a reminder is due: OffsetDays before the expiration
// (negative: after it, -1 being the day after).
type Milestone struct {
	OffsetDays int        `json:"offsetDays"`
	On         civil.Date `json:"on"`
}

// ReminderMilestones are the R-REM-1 reminder dates of a cycle ending on
// expiration, one per offset, in the offsets' order.
func ReminderMilestones(expiration civil.Date, offsets []int) []Milestone {
	ms := make([]Milestone, len(offsets))
	for i, off := range offsets {
		ms[i] = Milestone{OffsetDays: off, On: expiration.AddDays(-off)}
	}
	return ms
}

// ExpirationDue is the inverse of ReminderMilestones: the expiration date whose
// reminder at offsetDays falls on today, so a daily sweep can query cycles by
// expiration date (R-REM-1).
func ExpirationDue(today civil.Date, offsetDays int) civil.Date { return today.AddDays(offsetDays) }

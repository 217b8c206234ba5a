package calendar

import "github.com/boc/cmp/internal/civil"

// Period is an inclusive range of dates. The zero Period stands for "not time
// limited": a voluntary participant's certification (R-CYC-5).
type Period struct {
	Start civil.Date `json:"start"`
	End   civil.Date `json:"end"`
}

// IsZero reports whether p is the zero Period.
func (p Period) IsZero() bool { return p == Period{} }

// Contains reports whether d lies in p, both ends included.
func (p Period) Contains(d civil.Date) bool { return d.Between(p.Start, p.End) }

// CycleFromStart is the cycle of a certification started on start: through the
// last day of the month 36 months after the start month (R-CYC-1). A cycle
// granted by approving a reinstatement or a voluntary declaration starts on the
// approval date the same way.
func CycleFromStart(start civil.Date) Period {
	return Period{Start: start, End: start.FirstOfMonth().AddMonths(cycleMonths).EndOfMonth()}
}

// CycleEndingOn is the 36-month cycle that ends on expiration (R-CYC-1, R-CYC-2),
// for a cycle whose start was not recorded.
func CycleEndingOn(expiration civil.Date) Period {
	return Period{Start: expiration.AddDays(1).AddMonths(-cycleMonths), End: expiration}
}

// NextCycle is the renewed cycle after one expiring on expiration: from the next
// day, 36 months (R-CYC-2).
func NextCycle(expiration civil.Date) Period {
	return Period{
		Start: expiration.AddDays(1),
		End:   expiration.FirstOfMonth().AddMonths(cycleMonths).EndOfMonth(),
	}
}

// RenewalEffective is the day a renewal approved on approvedOn takes effect (the
// cycle updates and CM continues): never earlier than the first day of the month
// in which the old cycle expires (R-CYC-2).
func RenewalEffective(expiration, approvedOn civil.Date) civil.Date {
	if earliest := expiration.FirstOfMonth(); approvedOn.Before(earliest) {
		return earliest
	}
	return approvedOn
}

// CEWindow is the period in which activities must have been completed to count
// for a declaration submitted on submittedOn:
//   - a current certification: its cycle (R-CYC-3);
//   - an expired one, submitted after the cycle's end: the 3 years before
//     submission (R-CYC-4);
//   - a voluntary participant (zero cycle): the 3 years before submission (R-CYC-5).
func CEWindow(cycle Period, submittedOn civil.Date) Period {
	if !cycle.IsZero() && !submittedOn.After(cycle.End) {
		return cycle
	}
	return Period{Start: submittedOn.AddYears(-lookBackYears), End: submittedOn}
}

// Status is a certification's standing by date (R-CYC-8).
type Status string

const (
	StatusActive  Status = "active"
	StatusExpired Status = "expired"
	// StatusInactive: staff granted inactive status with an extended period
	// that has not ended (R-INA-1).
	StatusInactive Status = "inactive"
)

// StatusOn is the status on today of a certification whose latest approved cycle
// ends on expiration: expired from the day after. A zero expiration (voluntary,
// R-CYC-5) never expires.
func StatusOn(expiration, today civil.Date) Status {
	if !expiration.IsZero() && today.After(expiration) {
		return StatusExpired
	}
	return StatusActive
}

// ReexaminationRequired reports whether a certification expired on expiration has
// been expired for 10 or more years on today, so only re-examination restores it
// (R-CYC-8).
func ReexaminationRequired(expiration, today civil.Date) bool {
	if expiration.IsZero() {
		return false
	}
	return !today.Before(expiration.AddDays(1).AddYears(reexaminationYears))
}

// Credential is the text after a certificant's name: CODE(PROGRAM), with CM while
// a CMP-maintained cycle ending on cmThrough is valid on today (R-CYC-6, R-CAT-1).
// A zero cmThrough means no such cycle, as after a voluntary CM drops (R-CYC-5):
// MT(ASCPi)CM then reads MT(ASCPi). Which code to show (MLS or the legacy MT) is
// the caller's.
func Credential(code, program string, cmThrough, today civil.Date) string {
	text := code + "(" + program + ")"
	if !cmThrough.IsZero() && !today.After(cmThrough) {
		text += "CM"
	}
	return text
}

// ShiftMonths moves d by n months like civil.Date.AddMonths, except that the last
// day of a month maps to the last day of the target month. Expirations are month
// ends, so "3 months before 2025-04-30" is 2025-01-31, not 2025-01-30, and
// "within 3 months" relates month ends both ways.
func ShiftMonths(d civil.Date, n int) civil.Date {
	if d == d.EndOfMonth() {
		return d.FirstOfMonth().AddMonths(n).EndOfMonth()
	}
	return d.AddMonths(n)
}

package calendar

import (
	"time"

	"github.com/boc/cmp/internal/civil"
	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/us"
)

// federal is Monday to Friday without US federal holidays on their observed dates.
// Its holiday cache stays off (the default), so it is read-only after init and
// safe for concurrent use.
var federal = func() *cal.BusinessCalendar {
	c := cal.NewBusinessCalendar()
	c.AddHoliday(us.Holidays...)
	return c
}()

// IsBusinessDay reports whether d is neither a weekend day nor a US federal
// holiday (observed date).
func IsBusinessDay(d civil.Date) bool { return federal.IsWorkday(d.Time()) }

// AddBusinessDays returns the n-th business day after d (before d when n < 0);
// d itself need not be a business day. AddBusinessDays(d, 0) is d.
func AddBusinessDays(d civil.Date, n int) civil.Date {
	return civil.Of(federal.WorkdaysFrom(d.Time(), n))
}

// BusinessDayOf is the business day an instant counts for: its New York date, or
// the next business day when that date is a weekend or holiday, as a submission
// received on a Saturday is taken to be received on Monday.
func BusinessDayOf(t time.Time) civil.Date {
	d := Today(t)
	if IsBusinessDay(d) {
		return d
	}
	return AddBusinessDays(d, 1)
}

// SameBusinessDay reports whether two instants count for the same business day in
// New York (R-FEE-2).
func SameBusinessDay(a, b time.Time) bool { return BusinessDayOf(a) == BusinessDayOf(b) }

// ProcessingDue is the last day of processing for a declaration submitted at t:
// 30 business days after the business day it counts for (R-DEC-1, R-CYC-7).
func ProcessingDue(submittedAt time.Time) civil.Date {
	return AddBusinessDays(BusinessDayOf(submittedAt), processingBusinessDays)
}

package calendar

import (
	"sync"
	"time"

	"github.com/boc/cmp/internal/civil"
	"github.com/rickar/cal/v2/us"
)

// observedHolidays memoises, per year, the observed dates of the US federal
// holidays (the library recomputes every rule for every day it is asked
// about, ~45 µs for a 30-business-day step). sync.Map keeps it safe for
// concurrent use; the library's own cache is not.
var observedHolidays sync.Map // int year -> map[civil.Date]bool

func holidaysIn(year int) map[civil.Date]bool {
	if v, ok := observedHolidays.Load(year); ok {
		return v.(map[civil.Date]bool)
	}
	set := map[civil.Date]bool{}
	// An observed date can fall in the year before its holiday (New Year's Day
	// on a Saturday is observed on Friday, December 31).
	for _, y := range []int{year, year + 1} {
		for _, h := range us.Holidays {
			if _, observed := h.Calc(y); !observed.IsZero() && observed.Year() == year {
				set[civil.Of(observed)] = true
			}
		}
	}
	v, _ := observedHolidays.LoadOrStore(year, set)
	return v.(map[civil.Date]bool)
}

// IsBusinessDay reports whether d is neither a weekend day nor a US federal
// holiday (observed date).
func IsBusinessDay(d civil.Date) bool {
	switch d.Time().Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	return !holidaysIn(d.Year)[d]
}

// AddBusinessDays returns the n-th business day after d (before d when n < 0);
// d itself need not be a business day. AddBusinessDays(d, 0) is d.
func AddBusinessDays(d civil.Date, n int) civil.Date {
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d = d.AddDays(step)
		if IsBusinessDay(d) {
			n--
		}
	}
	return d
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

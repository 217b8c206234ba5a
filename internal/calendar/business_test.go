package calendar

import (
	"testing"

	"github.com/boc/cmp/internal/civil"
	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/us"
)

// The memoised holiday sets agree with the library's own business calendar on
// every day of four decades (observed dates across year ends included).
func TestIsBusinessDayMatchesLibrary(t *testing.T) {
	lib := cal.NewBusinessCalendar()
	lib.AddHoliday(us.Holidays...)
	for d := civil.MustParse("2000-01-01"); d.Year < 2040; d = d.AddDays(1) {
		if got, want := IsBusinessDay(d), lib.IsWorkday(d.Time()); got != want {
			t.Fatalf("%s: IsBusinessDay = %v, library says %v", d, got, want)
		}
	}
}

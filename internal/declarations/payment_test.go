package declarations

import (
	"testing"
	"time"

	"github.com/boc/cmp/internal/calendar"
)

// R-PAY-4: the job cancels on the first board day whose run comes 24 hours
// or more after the creation, whatever time of day the job runs.
func TestCancelOn(t *testing.T) {
	ny := calendar.Zone
	for _, tc := range []struct {
		created time.Time
		want    string
	}{
		{time.Date(2026, 12, 1, 0, 30, 0, 0, ny), "2026-12-03"},
		{time.Date(2026, 12, 1, 23, 59, 0, 0, ny), "2026-12-03"},
		// 23:30 New York is already the next day in UTC: the board's day counts.
		{time.Date(2026, 12, 1, 23, 30, 0, 0, ny).UTC(), "2026-12-03"},
		{time.Date(2026, 12, 31, 12, 0, 0, 0, ny), "2027-01-02"},
	} {
		if got := CancelOn(tc.created).String(); got != tc.want {
			t.Errorf("created %s: cancel on %s, want %s", tc.created, got, tc.want)
		}
	}
}

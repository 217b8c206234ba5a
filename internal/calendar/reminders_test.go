package calendar

import "testing"

func TestExpirationDue(t *testing.T) {
	// R-REM-1: for a cycle expiring 2025-01-31 the reminders fall 180, 90 and 30
	// days before and on the day after; the sweep of each such day finds it.
	days := map[int]string{180: "2024-08-04", 90: "2024-11-02", 30: "2025-01-01", -1: "2025-02-01"}
	for _, off := range DefaultReminderOffsets() {
		if got := ExpirationDue(d(days[off]), off); got != d("2025-01-31") {
			t.Errorf("ExpirationDue(%s, %d) = %s, want 2025-01-31", days[off], off, got)
		}
	}
	// Across a leap day and a year end, every offset leads back to its expiration.
	for _, exp := range []string{"2024-02-29", "2025-12-31"} {
		for _, off := range append(DefaultReminderOffsets(), 60, 0) {
			if got := ExpirationDue(d(exp).AddDays(-off), off); got != d(exp) {
				t.Errorf("ExpirationDue(%s, %d) = %s, want %s", d(exp).AddDays(-off), off, got, exp)
			}
		}
	}
}

func TestDefaultReminderOffsetsIsACopy(t *testing.T) {
	DefaultReminderOffsets()[0] = 1
	if DefaultReminderOffsets()[0] != 180 {
		t.Error("changing a returned slice changed the R-REM-1 default")
	}
}

package calendar

import "testing"

func TestReminderMilestones(t *testing.T) {
	// R-REM-1: 180, 90, 30 days before expiration and the day after.
	got := ReminderMilestones(d("2025-01-31"), DefaultReminderOffsets())
	want := []Milestone{
		{180, d("2024-08-04")},
		{90, d("2024-11-02")},
		{30, d("2025-01-01")},
		{-1, d("2025-02-01")},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d milestones, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("milestone %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestExpirationDueInvertsMilestones(t *testing.T) {
	// R-REM-1: the daily sweep finds the expiration each milestone belongs to.
	offsets := append(DefaultReminderOffsets(), 60, 0)
	for _, exp := range []string{"2025-01-31", "2024-02-29", "2025-12-31"} {
		for _, m := range ReminderMilestones(d(exp), offsets) {
			if got := ExpirationDue(m.On, m.OffsetDays); got != d(exp) {
				t.Errorf("ExpirationDue(%s, %d) = %s, want %s", m.On, m.OffsetDays, got, exp)
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

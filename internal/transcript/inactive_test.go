package transcript

import (
	"testing"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/partition"
)

// R-INA-2: a declaration of an inactive certification counts the points of
// the extended period (the cycle start through the extended end), and its
// requirements are those of the extended expiration; after the period the
// certification has expired and a declaration reinstates it (R-CYC-4).
func TestCycleOnInactive(t *testing.T) {
	d := civil.MustParse
	c := partition.Certification{Key: "ASCPi-MLS", CMPRequired: true, CycleStart: "2022-01-01", CycleEnd: "2026-06-30",
		InactiveUntil: "2026-06-30"}
	extended := calendar.Period{Start: d("2022-01-01"), End: d("2026-06-30")}
	for _, tc := range []struct {
		today          string
		window         calendar.Period
		requirementsOn string
	}{
		{"2025-03-15", extended, "2026-06-30"}, // past the original 2025-01-31
		{"2026-06-30", extended, "2026-06-30"},
		{"2026-07-01", calendar.Period{Start: d("2023-07-01"), End: d("2026-07-01")}, "2026-07-01"},
	} {
		cy := CycleOn(c, d(tc.today))
		if cy.CEWindow != tc.window || cy.RequirementsOn != d(tc.requirementsOn) {
			t.Errorf("on %s: window %+v, requirements of %s; want %+v, %s", tc.today, cy.CEWindow, cy.RequirementsOn, tc.window, tc.requirementsOn)
		}
	}
}

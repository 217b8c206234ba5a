package certificants

import (
	"testing"

	"github.com/boc/cmp/internal/civil"
)

// R-INA-1, R-INA-2: through its extended period a certification is inactive
// (with the extended end as its expiration); the day after, expired.
func TestOnInactive(t *testing.T) {
	c := Certification{Key: "ASCPi-MLS", Program: "ASCPi", Category: "MLS", CMPRequired: true, CycleStart: "2022-01-01", CycleEnd: "2026-06-30",
		InactiveUntil: "2026-06-30"}
	for _, tc := range []struct {
		today, status, credential string
	}{
		{"2025-01-31", "inactive", "MLS(ASCPi)CM"},
		{"2026-06-30", "inactive", "MLS(ASCPi)CM"},
		{"2026-07-01", "expired", "MLS(ASCPi)"},
	} {
		got := c.On(civil.MustParse(tc.today))
		if got.Status != tc.status || got.Credential != tc.credential {
			t.Errorf("on %s: %s %s, want %s %s", tc.today, got.Status, got.Credential, tc.status, tc.credential)
		}
	}
	c.InactiveUntil = ""
	if got := c.On(civil.MustParse("2025-01-31")); got.Status != "active" {
		t.Errorf("without an extended period: %s, want active", got.Status)
	}
}

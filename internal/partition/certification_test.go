package partition

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
)

// R-REM-1 (issue 7): a certification item carries its holder's address and
// given name, so the reminder sweep reads only the expiry index; only a
// certification with a cycle enters that index.
func TestCertificationItemCarriesRecipient(t *testing.T) {
	p := ProfileItem{ID: "c-1", Given: "Ana", Family: "Reyes", Email: "ana@example.org"}
	timed := NewCertificationItem("c-1", p, Certification{Key: "ASCPi-MLS", CycleEnd: "2027-01-31"})
	if timed.Email != p.Email || timed.Given != p.Given || timed.CertificantID != "c-1" {
		t.Errorf("item %+v lacks the recipient of %+v", timed, p)
	}
	if !strings.HasPrefix(timed.DatePK, "EXP#2027-01-31#") || timed.DateSK != "c-1#ASCPi-MLS" {
		t.Errorf("timed item ByDate key %q %q", timed.DatePK, timed.DateSK)
	}
	if voluntary := NewCertificationItem("c-1", p, Certification{Key: "ASCPi-SBB"}); voluntary.DatePK != "" || voluntary.DateSK != "" {
		t.Errorf("voluntary item indexed by date: %q %q", voluntary.DatePK, voluntary.DateSK)
	}
}

func date(s string) civil.Date { return civil.MustParse(s) }

// R-CYC-8: status is derived from the dates at every read: the day after
// the expiration the stored "active" reads expired, without CM, no job run.
func TestOnDayAfterExpiry(t *testing.T) {
	c := Certification{Key: "ASCPi-MLS", Program: "ASCPi", Category: "MLS", CMPRequired: true, Status: "active",
		Credential: "MLS(ASCPi)CM", CycleStart: "2022-02-01", CycleEnd: "2025-01-31"}
	if got := c.On(date("2025-01-31")); got.Status != "active" || got.Credential != "MLS(ASCPi)CM" {
		t.Errorf("on the expiration: %s %s, want active MLS(ASCPi)CM", got.Status, got.Credential)
	}
	if got := c.On(date("2025-02-01")); got.Status != "expired" || got.Credential != "MLS(ASCPi)" {
		t.Errorf("the day after: %s %s, want expired MLS(ASCPi)", got.Status, got.Credential)
	}
	// R-CYC-8: 10 or more years expired needs re-examination.
	if c.ReexaminationRequired(date("2035-01-31")) || !c.ReexaminationRequired(date("2035-02-01")) {
		t.Error("re-examination from 10 years after the day after the expiration")
	}
}

// R-CYC-2: a renewal approved before its effective date is stored as the
// new cycle with the old one kept: until the effective date the old cycle
// shows, the new one as nextCycle; from that day the new one, no job run.
func TestOnRenewalEffectiveDate(t *testing.T) {
	c := Certification{Key: "ASCPi-MLS", Program: "ASCPi", Category: "MLS", CMPRequired: true,
		CycleStart: "2025-02-01", CycleEnd: "2028-01-31", PriorCycleStart: "2022-02-01", PriorCycleEnd: "2025-01-31", EffectiveOn: "2025-01-01"}
	before := c.On(date("2024-12-31"))
	if before.CycleStart != "2022-02-01" || before.CycleEnd != "2025-01-31" || before.NextCycle == nil ||
		before.NextCycle.Start != date("2025-02-01") || before.NextCycle.End != date("2028-01-31") || before.Status != "active" {
		t.Errorf("before the effective date: %+v", before)
	}
	on := c.On(date("2025-01-01"))
	if on.CycleStart != "2025-02-01" || on.CycleEnd != "2028-01-31" || on.NextCycle != nil || on.Credential != "MLS(ASCPi)CM" {
		t.Errorf("on the effective date: %+v", on)
	}
	b, _ := json.Marshal(before)
	if !strings.Contains(string(b), `"nextCycle":{"start":"2025-02-01","end":"2028-01-31"}`) || strings.Contains(string(b), "prior") {
		t.Errorf("profile JSON %s", b)
	}
}

// R-CYC-5: a voluntary participant's CM period ending never makes the
// certification expired: the plain credential stays valid.
func TestOnVoluntaryNeverExpires(t *testing.T) {
	c := Certification{Key: "ASCPi-MT", Program: "ASCPi", Category: "MT", CMPRequired: false, CycleStart: "2022-02-01", CycleEnd: "2025-01-31"}
	if got := c.On(date("2025-01-31")); got.Status != "active" || got.Credential != "MT(ASCPi)CM" {
		t.Errorf("during CM: %s %s", got.Status, got.Credential)
	}
	if got := c.On(date("2040-02-01")); got.Status != "active" || got.Credential != "MT(ASCPi)" || got.ReexaminationRequired(date("2040-02-01")) {
		t.Errorf("after CM: %s %s, want active MT(ASCPi), never the 10-year rule", got.Status, got.Credential)
	}
}

// R-EXAM-2: a certification earned by a held pass is not in the public profile.
func TestPublicHidesHeldPass(t *testing.T) {
	p := Profile{Certifications: []Certification{{Key: "ASCPi-MLS"}, {Key: "ASCPi-SBB", ScoreHeld: true}}}
	if got := p.Public().Certifications; len(got) != 1 || got[0].Key != "ASCPi-MLS" || len(p.Certifications) != 2 {
		t.Errorf("public %+v (staff %d)", got, len(p.Certifications))
	}
}

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

// A registration makes its certification without storing it (an exam
// pass's is written with the attempt): a drawn number, the cycle from the
// start date (R-CYC-1), the route kept; invalid input is refused.
func TestNewCertification(t *testing.T) {
	now := time.Date(2025, 3, 4, 12, 0, 0, 0, calendar.Zone)
	c, err := NewCertification(Registration{Program: "ASCPi", Category: "MLT", StartedOn: civil.MustParse("2025-02-10"), Route: "route_1"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if c.Number == "" || c.Key != "ASCPi-MLT" || c.Route != "route_1" || c.CycleEnd != "2028-02-29" || c.Status != "active" {
		t.Errorf("made %+v", c)
	}
	if _, err := NewCertification(Registration{Program: "ASCPi", Category: "XYZ", StartedOn: civil.MustParse("2025-02-10")}, now); err == nil {
		t.Error("an unknown category made a certification")
	}
	if _, err := NewCertification(Registration{Program: "ASCPi", Category: "MLT", StartedOn: civil.MustParse("2025-03-05")}, now); err == nil {
		t.Error("a start in the future made a certification (R-CYC-1)")
	}
}

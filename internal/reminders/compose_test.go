package reminders

import (
	"strings"
	"testing"

	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/mail/mailtest"
)

func TestParseOffsets(t *testing.T) {
	cases := []struct {
		in      string
		want    []int
		wantErr bool
	}{
		{"", []int{180, 90, 30, -1}, false}, // R-REM-1 defaults
		{" 60, 7 ,-3", []int{60, 7, -3}, false},
		{"90,90", nil, true},
		{"0", nil, true},
		{"ninety", nil, true},
	}
	for _, c := range cases {
		got, err := ParseOffsets(c.in)
		if (err != nil) != c.wantErr || !equalInts(got, c.want) {
			t.Errorf("ParseOffsets(%q) = %v, %v; want %v (error %v)", c.in, got, err, c.want, c.wantErr)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// R-REM-1, R-CYC-7, R-FEE-1, R-FEE-3: the template and facts of each default milestone.
func TestComposeMilestones(t *testing.T) {
	exp := civil.MustParse("2025-01-31")
	d := Due{CertificantID: "c-1", CertKey: "ASCPi-MLS", Credential: "MLS(ASCPi)CM", Expiration: exp, Status: "active", CMPRequired: true}
	cases := []struct {
		offset   int
		template string
		data     map[string]string
	}{
		{180, TemplateUpcoming, map[string]string{"windowOpens": "2024-10-31", "daysLeft": "180"}},
		{90, TemplateWindowOpen, map[string]string{"windowOpens": "2024-10-31", "lateAfter": "2024-12-31", "expiration": "2025-01-31"}},
		{30, TemplateWindowOpen, map[string]string{"lateAfter": "2024-12-31", "daysLeft": "30"}},
		{-1, TemplateExpired, map[string]string{"applicationFee": "95.00", "reinstatementFee": "125.00", "totalFee": "220.00", "currency": "USD"}},
	}
	for _, c := range cases {
		e, ok, err := Compose(d, exp, c.offset, fees.DefaultTariff())
		if err != nil || !ok {
			t.Fatalf("offset %d: ok %v, err %v", c.offset, ok, err)
		}
		if e.Template != c.template {
			t.Errorf("offset %d: template %s, want %s", c.offset, e.Template, c.template)
		}
		for k, v := range c.data {
			if e.Data[k] != v {
				t.Errorf("offset %d: data[%s] = %q, want %q", c.offset, k, e.Data[k], v)
			}
		}
	}
}

// R-REM-1: one reminder per certification, cycle and milestone: the id names
// all three and nothing else.
func TestComposeIDIsPerCertificationCycleMilestone(t *testing.T) {
	exp := civil.MustParse("2025-01-31")
	base := Due{CertificantID: "c-1", CertKey: "ASCPi-MLS", Expiration: exp, Status: "active"}
	id := func(d Due, exp civil.Date, off int) string {
		e, ok, err := Compose(d, exp, off, fees.DefaultTariff())
		if err != nil || !ok {
			t.Fatalf("plan: %v %v", ok, err)
		}
		return e.ID
	}
	first := id(base, exp, 90)
	again := base
	again.Credential = "MT(ASCPi)CM" // display facts do not make a second reminder
	if id(again, exp, 90) != first {
		t.Errorf("same cycle and milestone gave two ids")
	}
	other := base
	other.CertKey = "ASCPi-SBB"
	next := base
	next.Expiration = civil.MustParse("2028-01-31")
	for _, diff := range []string{id(base, exp, 30), id(other, exp, 90), id(next, next.Expiration, 90)} {
		if diff == first {
			t.Errorf("different certification, cycle or milestone share id %s", first)
		}
	}
}

// R-REM-1, R-CYC-5: an inactive certification or one whose cycle moved
// (renewed) gets nothing for the cycle the sweep looked for; a voluntary CM
// cycle gets the reminders before its end but no reinstatement notice after.
func TestComposeSkips(t *testing.T) {
	exp := civil.MustParse("2025-01-31")
	cases := []struct {
		name   string
		d      Due
		offset int
	}{
		{"inactive", Due{CertificantID: "c-1", CertKey: "ASCPi-MLS", Expiration: exp, Status: "inactive", CMPRequired: true}, 90},
		{"renewed", Due{CertificantID: "c-1", CertKey: "ASCPi-MLS", Expiration: civil.MustParse("2028-01-31"), Status: "active", CMPRequired: true}, 90},
		{"no date", Due{CertificantID: "c-1", CertKey: "ASCPi-MLS", Status: "active", CMPRequired: true}, 90},
		{"voluntary day after", Due{CertificantID: "c-1", CertKey: "ASCPi-SBB", Expiration: exp, Status: "active"}, -1},
	}
	for _, c := range cases {
		if _, ok, err := Compose(c.d, exp, c.offset, fees.DefaultTariff()); ok || err != nil {
			t.Errorf("%s: ok %v err %v, want skipped", c.name, ok, err)
		}
	}
	voluntary := Due{CertificantID: "c-1", CertKey: "ASCPi-SBB", Expiration: exp, Status: "active"}
	if _, ok, err := Compose(voluntary, exp, 90, fees.DefaultTariff()); !ok || err != nil {
		t.Errorf("voluntary 90 days before: ok %v err %v, want a reminder", ok, err)
	}
}

// Every reminder template (upcoming, window open, expired, and the R-REM-1
// "still being processed" variant) renders with exactly the data Compose gives
// it, without debris, and the HTML part escapes the given name.
func TestComposenedEmailsRender(t *testing.T) {
	exp := civil.MustParse("2025-01-31")
	d := Due{CertificantID: "c-1", CertKey: "ASCPi-MLS", Credential: "MLS(ASCPi)CM", Expiration: exp, Status: "active", CMPRequired: true}
	processing := d
	processing.Processing = true
	seen := map[string]bool{}
	for _, tc := range []struct {
		d   Due
		off int
	}{{d, 180}, {d, 90}, {d, -1}, {processing, -1}} {
		e, _, err := Compose(tc.d, exp, tc.off, fees.DefaultTariff())
		if err != nil {
			t.Fatal(err)
		}
		seen[e.Template] = true
		e.Data["given"] = "<Ann>"
		m := mailtest.Render(t, e.Template, e.Data)
		if !strings.Contains(m.Subject, "2025-01-31") || !strings.Contains(m.Text, "MLS(ASCPi)CM") {
			t.Errorf("%s: subject %q lacks the expiration or text lacks the credential", e.Template, m.Subject)
		}
		if strings.Contains(m.HTML, "<Ann>") {
			t.Errorf("%s: HTML does not escape the name", e.Template)
		}
	}
	if len(seen) != 4 {
		t.Errorf("templates rendered %v, want all four", seen)
	}
}

// R-REM-1: the day after expiration, a declaration submitted in time and
// still being processed gets the "still being processed" email, with no
// reinstatement fee; without one the reinstatement email with its fee.
func TestComposeDayAfterWhileProcessing(t *testing.T) {
	exp := civil.MustParse("2025-01-31")
	d := Due{CertificantID: "c-1", CertKey: "ASCPi-MLS", Credential: "MLS(ASCPi)CM", Expiration: exp, Status: "active", CMPRequired: true, Processing: true}
	e, ok, err := Compose(d, exp, -1, fees.DefaultTariff())
	if err != nil || !ok || e.Template != TemplateProcessing || e.Data["reinstatementFee"] != "" {
		t.Errorf("processing: %+v %v %v, want %s without a fee", e, ok, err, TemplateProcessing)
	}
	d.Processing = false
	if e, _, _ := Compose(d, exp, -1, fees.DefaultTariff()); e.Template != TemplateExpired || e.Data["reinstatementFee"] != "125.00" {
		t.Errorf("no pending declaration: %+v, want %s with the 125.00 fee", e, TemplateExpired)
	}
}

package calendar

import (
	"testing"

	"github.com/boc/cmp/internal/civil"
)

func TestCycleFromStart(t *testing.T) {
	// R-CYC-1: valid through the last day of the month 36 months after the start month.
	cases := []struct{ start, end string }{
		{"2022-01-01", "2025-01-31"},
		{"2022-01-31", "2025-01-31"},
		{"2022-02-15", "2025-02-28"},
		{"2025-02-10", "2028-02-29"}, // leap year end
		{"2021-12-31", "2024-12-31"},
	}
	for _, c := range cases {
		got := CycleFromStart(d(c.start))
		if want := (Period{d(c.start), d(c.end)}); got != want {
			t.Errorf("CycleFromStart(%s) = %+v, want %+v", c.start, got, want)
		}
	}
}

func TestNextCycle(t *testing.T) {
	// R-CYC-2: the day after the old expiration, for 36 months.
	cases := []struct{ expiration, start, end string }{
		{"2025-01-31", "2025-02-01", "2028-01-31"},
		{"2025-02-28", "2025-03-01", "2028-02-29"},
		{"2024-12-31", "2025-01-01", "2027-12-31"},
	}
	for _, c := range cases {
		got := NextCycle(d(c.expiration))
		if want := (Period{d(c.start), d(c.end)}); got != want {
			t.Errorf("NextCycle(%s) = %+v, want %+v", c.expiration, got, want)
		}
	}
}

func TestRenewalEffective(t *testing.T) {
	// R-CYC-2: no earlier than the first day of the month the old cycle expires.
	cases := []struct{ expiration, approved, want string }{
		{"2025-01-31", "2024-11-15", "2025-01-01"},
		{"2025-01-31", "2025-01-01", "2025-01-01"},
		{"2025-01-31", "2025-01-20", "2025-01-20"},
		{"2025-01-31", "2025-02-10", "2025-02-10"}, // processing ran past expiration
	}
	for _, c := range cases {
		if got := RenewalEffective(d(c.expiration), d(c.approved)); got != d(c.want) {
			t.Errorf("RenewalEffective(%s, %s) = %s, want %s", c.expiration, c.approved, got, c.want)
		}
	}
}

func TestCEWindow(t *testing.T) {
	current := Period{d("2022-01-01"), d("2025-01-31")}
	cases := []struct {
		rule      string
		cycle     Period
		submitted string
		want      Period
	}{
		{"R-CYC-3", current, "2024-11-15", current},
		{"R-CYC-3", current, "2025-01-31", current}, // on the expiration day still current
		{"R-CYC-4", current, "2026-03-10", Period{d("2023-03-10"), d("2026-03-10")}},
		{"R-CYC-4", current, "2025-02-01", Period{d("2022-02-01"), d("2025-02-01")}},
		{"R-CYC-5", Period{}, "2022-05-15", Period{d("2019-05-15"), d("2022-05-15")}}, // booklet example
	}
	for _, c := range cases {
		if got := CEWindow(c.cycle, d(c.submitted)); got != c.want {
			t.Errorf("%s: CEWindow(%+v, %s) = %+v, want %+v", c.rule, c.cycle, c.submitted, got, c.want)
		}
	}
}

func TestPeriodContains(t *testing.T) {
	// R-CYC-3: inclusive at both ends.
	p := Period{d("2022-01-01"), d("2025-01-31")}
	for date, want := range map[string]bool{
		"2021-12-31": false, "2022-01-01": true, "2025-01-31": true, "2025-02-01": false,
	} {
		if got := p.Contains(d(date)); got != want {
			t.Errorf("Contains(%s) = %v, want %v", date, got, want)
		}
	}
}

func TestStatusOn(t *testing.T) {
	// R-CYC-8: expired on the day after expiration; R-CYC-5: voluntary never expires.
	cases := []struct {
		expiration civil.Date
		today      string
		want       Status
	}{
		{d("2025-01-31"), "2025-01-31", StatusActive},
		{d("2025-01-31"), "2025-02-01", StatusExpired},
		{civil.Date{}, "2040-01-01", StatusActive},
	}
	for _, c := range cases {
		if got := StatusOn(c.expiration, d(c.today)); got != c.want {
			t.Errorf("StatusOn(%s, %s) = %s, want %s", c.expiration, c.today, got, c.want)
		}
	}
}

func TestReexaminationRequired(t *testing.T) {
	// R-CYC-8: expired 10 or more years -> only re-examination.
	cases := []struct {
		expiration civil.Date
		today      string
		want       bool
	}{
		{d("2015-01-31"), "2025-01-31", false}, // expired since 2015-02-01: not yet 10 years
		{d("2015-01-31"), "2025-02-01", true},
		{d("2015-01-31"), "2030-06-01", true},
		{civil.Date{}, "2040-01-01", false},
	}
	for _, c := range cases {
		if got := ReexaminationRequired(c.expiration, d(c.today)); got != c.want {
			t.Errorf("ReexaminationRequired(%s, %s) = %v, want %v", c.expiration, c.today, got, c.want)
		}
	}
}

func TestCredential(t *testing.T) {
	// R-CYC-6, R-CAT-1: CM while a CMP-maintained cycle is valid; R-CYC-5: reverts when it drops.
	cases := []struct {
		code, program string
		cmThrough     civil.Date
		today         string
		want          string
	}{
		{"MLS", "ASCPi", d("2025-01-31"), "2025-01-31", "MLS(ASCPi)CM"},
		{"MLS", "ASCPi", d("2025-01-31"), "2025-02-01", "MLS(ASCPi)"},
		{"MLT", "ASCP", d("2026-06-30"), "2025-02-01", "MLT(ASCP)CM"},
		{"MT", "ASCPi", civil.Date{}, "2025-02-01", "MT(ASCPi)"},
		{"CTgyn", "ASCPi", d("2025-01-31"), "2024-06-01", "CTgyn(ASCPi)CM"},
	}
	for _, c := range cases {
		if got := Credential(c.code, c.program, c.cmThrough, d(c.today)); got != c.want {
			t.Errorf("Credential(%s, %s, %s, %s) = %q, want %q", c.code, c.program, c.cmThrough, c.today, got, c.want)
		}
	}
}

func TestShiftMonths(t *testing.T) {
	// R-CYC-7, R-FEE-2: month-end expirations move to month ends.
	cases := []struct {
		from string
		n    int
		want string
	}{
		{"2025-01-31", 3, "2025-04-30"},
		{"2025-04-30", 3, "2025-07-31"},
		{"2025-04-30", -3, "2025-01-31"},
		{"2024-11-30", 3, "2025-02-28"},
		{"2025-02-28", -3, "2024-11-30"},
		{"2025-01-30", 1, "2025-02-28"}, // not a month end: clamps like AddMonths
		{"2025-03-15", -3, "2024-12-15"},
	}
	for _, c := range cases {
		if got := ShiftMonths(d(c.from), c.n); got != d(c.want) {
			t.Errorf("ShiftMonths(%s, %d) = %s, want %s", c.from, c.n, got, c.want)
		}
	}
}

func TestCycleEndingOn(t *testing.T) {
	// R-CYC-1/2: the cycle that ends 2028-01-31 started 2025-02-01.
	for _, c := range []struct{ end, start string }{{"2028-01-31", "2025-02-01"}, {"2027-02-28", "2024-03-01"}} {
		if got := CycleEndingOn(d(c.end)); got.Start != d(c.start) || got.End != d(c.end) {
			t.Errorf("CycleEndingOn(%s) = %+v, want start %s", c.end, got, c.start)
		}
	}
}

package calendar

import (
	"errors"
	"testing"
	"time"

	"github.com/boc/cmp/internal/civil"
)

func TestSubmissionWindowFor(t *testing.T) {
	// R-CYC-7: opens 3 months before expiration (2025-01-31 opens 2024-10-31); late
	// after 1 month before. Month-end expirations keep month-end bounds.
	cases := []struct{ expiration, opens, lateAfter string }{
		{"2025-01-31", "2024-10-31", "2024-12-31"},
		{"2025-04-30", "2025-01-31", "2025-03-31"},
		{"2025-02-28", "2024-11-30", "2025-01-31"},
		{"2025-06-15", "2025-03-15", "2025-05-15"},
	}
	for _, c := range cases {
		got := SubmissionWindowFor(d(c.expiration))
		want := SubmissionWindow{Opens: d(c.opens), LateAfter: d(c.lateAfter), Expiration: d(c.expiration)}
		if got != want {
			t.Errorf("SubmissionWindowFor(%s) = %+v, want %+v", c.expiration, got, want)
		}
	}
}

func TestAdmit(t *testing.T) {
	exp := d("2025-01-31")
	type verdict int
	const (
		accepted verdict = iota
		late
		reinstatement
		notOpen
		reexamination
	)
	cases := []struct {
		rule       string
		expiration civil.Date
		at         time.Time
		want       verdict
	}{
		{"R-CYC-7", exp, ny("2024-10-30", 12, 0), notOpen},
		// 02:00 UTC on Oct 31 is still Oct 30 in New York.
		{"R-CYC-7", exp, time.Date(2024, 10, 31, 2, 0, 0, 0, time.UTC), notOpen},
		{"R-CYC-7", exp, ny("2024-10-31", 0, 0), accepted},
		{"R-CYC-7", exp, ny("2024-12-31", 23, 59), accepted},
		{"R-CYC-7", exp, ny("2025-01-01", 9, 0), late},
		{"R-CYC-7", exp, ny("2025-01-31", 23, 0), late},
		{"R-CYC-4", exp, ny("2025-02-01", 9, 0), reinstatement},
		{"R-CYC-8", exp, ny("2035-01-31", 9, 0), reinstatement},
		{"R-CYC-8", exp, ny("2035-02-01", 9, 0), reexamination},
		{"R-CYC-5", civil.Date{}, ny("2025-01-01", 9, 0), accepted},
	}
	for _, c := range cases {
		a, err := Admit(c.expiration, c.at)
		var got verdict
		var notOpenErr *NotOpenError
		var reexamErr *ReexaminationError
		switch {
		case errors.As(err, &notOpenErr):
			got = notOpen
			if notOpenErr.Opens != d("2024-10-31") || notOpenErr.Rule() != "R-CYC-7" {
				t.Errorf("%s at %s: %+v, want opening 2024-10-31 under R-CYC-7", c.rule, c.at, notOpenErr)
			}
		case errors.As(err, &reexamErr):
			got = reexamination
		case err != nil:
			t.Fatalf("%s at %s: unexpected error %v", c.rule, c.at, err)
		case a.Reinstatement:
			got = reinstatement
		case len(a.Warnings) > 0:
			got = late
			if a.Warnings[0].Rule != "R-CYC-7" {
				t.Errorf("late warning names %s, want R-CYC-7", a.Warnings[0].Rule)
			}
		}
		if got != c.want {
			t.Errorf("%s: Admit(%s, %s) = verdict %d, want %d", c.rule, c.expiration, c.at, got, c.want)
		}
		if err == nil && a.ProcessingDueOn != ProcessingDue(c.at) {
			t.Errorf("%s: processing due %s, want %s", c.rule, a.ProcessingDueOn, ProcessingDue(c.at))
		}
	}
}

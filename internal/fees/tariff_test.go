package fees

import (
	"testing"

	"github.com/boc/cmp/internal/civil"
)

func TestNewTariffRejects(t *testing.T) {
	negative := Original
	negative.Effective = d("2030-01-01")
	negative.VerificationCents = -1
	undated := Original
	undated.Effective = civil.Date{}
	cases := []struct {
		name string
		rows []Amounts
	}{
		{"no rows", nil},
		{"two rows on one date", []Amounts{Original, Original}},
		{"negative amount", []Amounts{Original, negative}},
		{"undated row", []Amounts{undated}},
	}
	for _, c := range cases {
		if _, err := NewTariff(c.rows...); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
}

func TestTariffAt(t *testing.T) {
	// R-FEE: the row in force is the latest effective on or before the date.
	raised := Original
	raised.Effective = d("2026-01-01")
	raised.ApplicationCents = 10500
	s, err := NewTariff(Original, raised)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		date string
		want int64
	}{
		{"2000-01-01", 9500},
		{"2025-12-31", 9500},
		{"2026-01-01", 10500},
		{"2040-06-30", 10500},
	}
	for _, c := range cases {
		row, err := s.At(d(c.date))
		if err != nil || row.ApplicationCents != c.want {
			t.Errorf("At(%s) = %d, %v; want %d", c.date, row.ApplicationCents, err, c.want)
		}
	}
	if _, err := s.At(d("1999-12-31")); err == nil {
		t.Error("a date before every row was priced")
	}
}

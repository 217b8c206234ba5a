package calendar

import (
	"testing"
	"time"

	"github.com/boc/cmp/internal/civil"
)

var d = civil.MustParse

// ny is a wall-clock instant in the board's zone.
func ny(date string, hour, minute int) time.Time {
	c := d(date)
	return time.Date(c.Year, c.Month, c.Day, hour, minute, 0, 0, Zone)
}

func TestToday(t *testing.T) {
	// "today" is New York's date, not UTC's.
	cases := []struct {
		utc  string
		want string
	}{
		{"2025-01-01T03:00:00Z", "2024-12-31"}, // 22:00 EST
		{"2025-01-01T05:00:00Z", "2025-01-01"}, // 00:00 EST
		{"2025-07-01T03:59:00Z", "2025-06-30"}, // 23:59 EDT
		{"2025-07-01T04:00:00Z", "2025-07-01"}, // 00:00 EDT
	}
	for _, c := range cases {
		now, err := time.Parse(time.RFC3339, c.utc)
		if err != nil {
			t.Fatal(err)
		}
		if got := Today(now); got != d(c.want) {
			t.Errorf("Today(%s) = %s, want %s", c.utc, got, c.want)
		}
	}
}

func TestIsBusinessDay(t *testing.T) {
	cases := []struct {
		date string
		want bool
		why  string
	}{
		{"2024-11-28", false, "Thanksgiving"},
		{"2024-11-29", true, "day after Thanksgiving is not a federal holiday"},
		{"2024-11-30", false, "Saturday"},
		{"2024-12-01", false, "Sunday"},
		{"2024-12-25", false, "Christmas on a Wednesday"},
		{"2021-12-24", false, "Christmas 2021 (Saturday) observed Friday"},
		{"2021-12-31", false, "New Year 2022 (Saturday) observed Friday of the previous year"},
		{"2022-12-26", false, "Christmas 2022 (Sunday) observed Monday"},
		{"2023-01-02", false, "New Year 2023 (Sunday) observed Monday"},
		{"2024-06-19", false, "Juneteenth"},
		{"2021-06-18", false, "Juneteenth 2021 (Saturday) observed Friday"},
		{"2022-06-20", false, "Juneteenth 2022 (Sunday) observed Monday"},
		{"2020-06-19", true, "Juneteenth became a federal holiday in 2021"},
		{"2026-07-03", false, "Independence Day 2026 (Saturday) observed Friday"},
		{"2025-01-20", false, "Martin Luther King Jr. Day"},
		{"2025-01-21", true, "ordinary Tuesday"},
	}
	for _, c := range cases {
		if got := IsBusinessDay(d(c.date)); got != c.want {
			t.Errorf("IsBusinessDay(%s) = %v, want %v (%s)", c.date, got, c.want, c.why)
		}
	}
}

func TestAddBusinessDays(t *testing.T) {
	// R-DEC-1 (30 business days), R-EXAM-2 (20), R-DEC-3 (30) all count this way.
	cases := []struct {
		from string
		n    int
		want string
	}{
		{"2024-11-27", 1, "2024-11-29"},  // over Thanksgiving
		{"2024-11-27", 2, "2024-12-02"},  // and the weekend
		{"2021-12-23", 1, "2021-12-27"},  // over Christmas observed Friday
		{"2021-12-30", 1, "2022-01-03"},  // over New Year observed Dec 31
		{"2024-12-24", 1, "2024-12-26"},  // over Christmas
		{"2024-11-30", 1, "2024-12-02"},  // from a Saturday
		{"2024-11-15", 30, "2024-12-31"}, // counted by hand
		{"2024-11-29", -1, "2024-11-27"}, // backwards over Thanksgiving
		{"2024-11-28", 0, "2024-11-28"},
	}
	for _, c := range cases {
		if got := AddBusinessDays(d(c.from), c.n); got != d(c.want) {
			t.Errorf("AddBusinessDays(%s, %d) = %s, want %s", c.from, c.n, got, c.want)
		}
	}
}

func TestSameBusinessDay(t *testing.T) {
	// R-FEE-2: same business day in America/New_York.
	cases := []struct {
		name string
		a, b time.Time
		want bool
	}{
		{"morning and night of one day", ny("2025-01-06", 9, 0), ny("2025-01-06", 23, 30), true},
		{"next day", ny("2025-01-06", 9, 0), ny("2025-01-07", 9, 0), false},
		// 20:00 EST Jan 6 and 01:00 EST Jan 7 are both Jan 7 in UTC.
		{"across New York midnight, same UTC day", ny("2025-01-06", 20, 0), ny("2025-01-07", 1, 0), false},
		// 18:00 and 21:00 EST Jan 6 are different UTC days.
		{"same New York day, different UTC days", ny("2025-01-06", 18, 0), ny("2025-01-06", 21, 0), true},
		{"Saturday counts for Monday", ny("2025-01-04", 10, 0), ny("2025-01-06", 10, 0), true},
		{"Friday and Saturday", ny("2025-01-03", 10, 0), ny("2025-01-04", 10, 0), false},
		{"Thanksgiving counts for Friday", ny("2024-11-28", 10, 0), ny("2024-11-29", 10, 0), true},
	}
	for _, c := range cases {
		if got := SameBusinessDay(c.a, c.b); got != c.want {
			t.Errorf("%s: SameBusinessDay = %v, want %v", c.name, got, c.want)
		}
		if got := SameBusinessDay(c.b, c.a); got != c.want {
			t.Errorf("%s: SameBusinessDay is not symmetric", c.name)
		}
	}
}

func TestProcessingDue(t *testing.T) {
	// R-DEC-1: 30 business days from submission; a Saturday submission counts from Monday.
	if got := ProcessingDue(ny("2024-11-15", 16, 0)); got != d("2024-12-31") {
		t.Errorf("Friday submission: due %s, want 2024-12-31", got)
	}
	if got, want := ProcessingDue(ny("2024-11-16", 16, 0)), AddBusinessDays(d("2024-11-18"), 30); got != want {
		t.Errorf("Saturday submission: due %s, want %s", got, want)
	}
}

func BenchmarkAddBusinessDays30(b *testing.B) {
	from := d("2024-11-15")
	for b.Loop() {
		AddBusinessDays(from, 30)
	}
}

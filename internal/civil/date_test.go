package civil

import (
	"encoding/json"
	"testing"
)

func TestAddMonthsClamps(t *testing.T) {
	cases := []struct {
		in   string
		n    int
		want string
	}{
		{"2022-01-31", 1, "2022-02-28"},
		{"2024-01-31", 1, "2024-02-29"},
		{"2025-01-31", -3, "2024-10-31"},
		{"2024-02-29", 12, "2025-02-28"},
		{"2022-01-15", 36, "2025-01-15"},
	}
	for _, c := range cases {
		if got := MustParse(c.in).AddMonths(c.n).String(); got != c.want {
			t.Errorf("%s %+d months = %s, want %s", c.in, c.n, got, c.want)
		}
	}
}

func TestEndOfMonthAndCompare(t *testing.T) {
	d := MustParse("2024-02-10")
	if got := d.EndOfMonth().String(); got != "2024-02-29" {
		t.Fatalf("EndOfMonth = %s", got)
	}
	if !d.Between(MustParse("2024-02-10"), MustParse("2024-02-10")) || d.Before(d) || !d.Before(d.AddDays(1)) {
		t.Fatal("comparison is wrong")
	}
	if n := MustParse("2024-02-28").DaysUntil(MustParse("2024-03-01")); n != 2 {
		t.Fatalf("DaysUntil = %d", n)
	}
}

func TestJSONAndParseRejects(t *testing.T) {
	var d Date
	if err := json.Unmarshal([]byte(`"2025-01-31"`), &d); err != nil || d.String() != "2025-01-31" {
		t.Fatalf("unmarshal: %v %v", d, err)
	}
	for _, bad := range []string{`"2025-1-31"`, `"2025-02-30"`, `20250131`, `"yesterday"`} {
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestStringMatchesLayout(t *testing.T) {
	for _, s := range []string{"0001-01-01", "0999-12-31", "2025-01-31", "9999-09-09"} {
		if got := MustParse(s).String(); got != s {
			t.Errorf("String() = %q, want %q", got, s)
		}
	}
	if (Date{}).String() != "" {
		t.Error("zero date should print empty")
	}
}

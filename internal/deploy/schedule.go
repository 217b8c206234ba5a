package deploy

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// CheckSchedule validates an EventBridge Scheduler expression — rate(...),
// cron(...) or at(...) — and its IANA time zone ("" means UTC).
func CheckSchedule(expr, timezone string) error {
	if timezone != "" {
		if _, err := time.LoadLocation(timezone); err != nil {
			return fmt.Errorf("time zone %q: %w", timezone, err)
		}
	}
	switch {
	case strings.HasPrefix(expr, "rate(") && strings.HasSuffix(expr, ")"):
		return checkRate(strings.TrimSuffix(strings.TrimPrefix(expr, "rate("), ")"))
	case strings.HasPrefix(expr, "cron(") && strings.HasSuffix(expr, ")"):
		return checkCron(strings.TrimSuffix(strings.TrimPrefix(expr, "cron("), ")"))
	case strings.HasPrefix(expr, "at(") && strings.HasSuffix(expr, ")"):
		if _, err := time.Parse("2006-01-02T15:04:05", strings.TrimSuffix(strings.TrimPrefix(expr, "at("), ")")); err != nil {
			return fmt.Errorf("at expression %q: %w", expr, err)
		}
		return nil
	}
	return fmt.Errorf("schedule %q: want rate(...), cron(...) or at(...)", expr)
}

func checkRate(body string) error {
	f := strings.Fields(body)
	if len(f) != 2 {
		return fmt.Errorf("rate(%s): want value and unit", body)
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 1 {
		return fmt.Errorf("rate(%s): value must be a positive integer", body)
	}
	unit := f[1]
	if n > 1 {
		unit = strings.TrimSuffix(unit, "s")
		if unit == f[1] {
			return fmt.Errorf("rate(%s): a value over 1 takes a plural unit", body)
		}
	}
	switch unit {
	case "minute", "hour", "day":
		return nil
	}
	return fmt.Errorf("rate(%s): unit must be minute(s), hour(s) or day(s)", body)
}

type cronField struct {
	name     string
	min, max int
	names    []string // names[i] stands for min+i
	special  func(string) bool
}

var months = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
var weekdays = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

var cronFields = []cronField{
	{name: "minutes", min: 0, max: 59},
	{name: "hours", min: 0, max: 23},
	{name: "day-of-month", min: 1, max: 31, special: func(s string) bool {
		if s == "L" || s == "LW" {
			return true
		}
		n, err := strconv.Atoi(strings.TrimSuffix(s, "W"))
		return strings.HasSuffix(s, "W") && err == nil && n >= 1 && n <= 31
	}},
	{name: "month", min: 1, max: 12, names: months},
	{name: "day-of-week", min: 1, max: 7, names: weekdays, special: func(s string) bool {
		if s == "L" {
			return true
		}
		if day, nth, ok := strings.Cut(s, "#"); ok {
			n, err := strconv.Atoi(nth)
			return inRange(day, 1, 7, weekdays) && err == nil && n >= 1 && n <= 5
		}
		return strings.HasSuffix(s, "L") && inRange(strings.TrimSuffix(s, "L"), 1, 7, weekdays)
	}},
	{name: "year", min: 1970, max: 2199},
}

// checkCron checks the six fields of an EventBridge cron expression.
func checkCron(body string) error {
	f := strings.Fields(body)
	if len(f) != len(cronFields) {
		return fmt.Errorf("cron(%s): want 6 fields, got %d", body, len(f))
	}
	if (f[2] == "?") == (f[4] == "?") {
		return fmt.Errorf("cron(%s): exactly one of day-of-month and day-of-week must be ?", body)
	}
	for i, spec := range cronFields {
		if err := spec.check(f[i]); err != nil {
			return fmt.Errorf("cron(%s): %w", body, err)
		}
	}
	return nil
}

func (c cronField) check(v string) error {
	if v == "?" && (c.name == "day-of-month" || c.name == "day-of-week") {
		return nil
	}
	for _, part := range strings.Split(v, ",") {
		if !c.part(part) {
			return fmt.Errorf("%s %q", c.name, v)
		}
	}
	return nil
}

// part accepts *, a, a-b, each optionally /step, and the field's specials.
func (c cronField) part(p string) bool {
	if c.special != nil && c.special(p) {
		return true
	}
	base, step, hasStep := strings.Cut(p, "/")
	if hasStep {
		n, err := strconv.Atoi(step)
		if err != nil || n < 1 || n > c.max {
			return false
		}
	}
	if base == "*" {
		return true
	}
	lo, hi, isRange := strings.Cut(base, "-")
	if !isRange {
		return inRange(base, c.min, c.max, c.names)
	}
	return inRange(lo, c.min, c.max, c.names) && inRange(hi, c.min, c.max, c.names)
}

func inRange(s string, lo, hi int, names []string) bool {
	for i, n := range names {
		if strings.EqualFold(s, n) {
			return lo+i <= hi
		}
	}
	n, err := strconv.Atoi(s)
	return err == nil && n >= lo && n <= hi
}

// Package scheduler fires ScheduleV2 events locally: it computes when a
// cron(...), rate(...) or at(...) expression next fires in its time zone, and
// builds the event EventBridge Scheduler delivers, whose time field is what
// jobs read as "today".
package scheduler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/boc/cmp/infra/local/template"
)

// Invoker runs one invocation.
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// Job is one schedule of one function.
type Job struct {
	Function string
	Schedule template.Schedule
	Fn       Invoker
}

// Run fires every enabled job on its clock until ctx ends. Like Scheduler,
// it invokes asynchronously and only logs failures.
func Run(ctx context.Context, jobs []Job, log *slog.Logger) {
	for _, j := range jobs {
		if !j.Schedule.Enabled {
			continue
		}
		go runJob(ctx, j, log)
	}
}

func runJob(ctx context.Context, j Job, log *slog.Logger) {
	loc, err := location(j.Schedule.Timezone)
	if err != nil {
		log.Error("schedule skipped", "function", j.Function, "err", err.Error())
		return
	}
	start := time.Now()
	after := start
	for {
		at, err := Next(j.Schedule.Expression, loc, start, after)
		if err != nil {
			log.Error("schedule stopped", "function", j.Function, "expression", j.Schedule.Expression, "err", err.Error())
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(at)):
		}
		ev, err := Event(j.Function, j.Schedule, at)
		if err != nil {
			log.Error("schedule event", "function", j.Function, "err", err.Error())
			return
		}
		log.Info("schedule fired", "function", j.Function, "event", j.Schedule.Event, "time", at.UTC().Format(time.RFC3339))
		if _, err := j.Fn.Invoke(ctx, ev); err != nil {
			log.Error("scheduled invocation failed", "function", j.Function, "err", err.Error())
		}
		after = at
	}
}

func location(tz string) (*time.Location, error) {
	if tz == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", tz, err)
	}
	return loc, nil
}

// Check validates an EventBridge Scheduler expression, rate(...), cron(...)
// or at(...), and its IANA time zone ("" means UTC), by AWS's grammar; it is
// the one parser of schedule expressions, used by the local scheduler and by
// the template's contract tests (cfn-lint does not check expressions). Cron's
// L, W and # pass Check but are not fired locally: Next refuses them.
func Check(expr, timezone string) error {
	if _, err := location(timezone); err != nil {
		return err
	}
	_, err := parse(expr)
	return err
}

// expression is a parsed schedule: exactly one of its fields is set.
type expression struct {
	rate time.Duration
	at   string // the at(...) body, read in the schedule's zone
	cron *cron
}

const atLayout = "2006-01-02T15:04:05"

func parse(expr string) (expression, error) {
	body := func(fn string) (string, bool) {
		if strings.HasPrefix(expr, fn+"(") && strings.HasSuffix(expr, ")") {
			return expr[len(fn)+1 : len(expr)-1], true
		}
		return "", false
	}
	if b, ok := body("rate"); ok {
		d, err := parseRate(b)
		return expression{rate: d}, err
	}
	if b, ok := body("at"); ok {
		if _, err := time.Parse(atLayout, b); err != nil {
			return expression{}, fmt.Errorf("at expression %q: %w", expr, err)
		}
		return expression{at: b}, nil
	}
	if b, ok := body("cron"); ok {
		c, err := parseCron(b)
		return expression{cron: c}, err
	}
	return expression{}, fmt.Errorf("schedule expression %q: want cron(...), rate(...) or at(...)", expr)
}

// Next is the first firing strictly after `after`. start anchors rate
// expressions (a schedule created at start fires at start+n, start+2n, ...).
func Next(expr string, loc *time.Location, start, after time.Time) (time.Time, error) {
	e, err := parse(expr)
	switch {
	case err != nil:
		return time.Time{}, err
	case e.rate > 0:
		n := after.Sub(start)/e.rate + 1
		return start.Add(n * e.rate), nil
	case e.cron != nil:
		return e.cron.next(after.In(loc))
	}
	t, err := time.ParseInLocation(atLayout, e.at, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("at expression: %w", err)
	}
	if !t.After(after) {
		return time.Time{}, fmt.Errorf("one-time schedule %s is in the past", expr)
	}
	return t, nil
}

// parseRate reads "<n> <unit>": singular unit for 1, plural above, as AWS
// requires.
func parseRate(s string) (time.Duration, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, fmt.Errorf("rate(%s): want rate(<n> <unit>)", s)
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("rate(%s): value must be a positive integer", s)
	}
	unit := f[1]
	if n > 1 {
		if unit = strings.TrimSuffix(unit, "s"); unit == f[1] {
			return 0, fmt.Errorf("rate(%s): a value over 1 takes a plural unit", s)
		}
	}
	units := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}
	u, ok := units[unit]
	if !ok {
		return 0, fmt.Errorf("rate(%s): unit must be minute(s), hour(s) or day(s)", s)
	}
	return time.Duration(n) * u, nil
}

// cron is AWS's six-field form: minutes hours day-of-month month day-of-week year.
type cron struct {
	min, hour, dom, month, dow, year map[int]bool // nil: any
	special                          string       // an L, W or # part, valid in AWS, not fired locally
}

var (
	monthNames = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	dayNames   = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
)

// field is one cron field's range; names[i] stands for lo+i.
type field struct {
	lo, hi  int
	names   []string
	special func(string) bool // L, W, # forms of the day fields
}

func (f field) num(s string) (int, bool) {
	for i, n := range f.names {
		if strings.EqualFold(s, n) {
			return f.lo + i, true
		}
	}
	v, err := strconv.Atoi(s)
	return v, err == nil && v >= f.lo && v <= f.hi
}

var (
	domField = field{lo: 1, hi: 31, special: func(s string) bool {
		if s == "L" || s == "LW" {
			return true
		}
		n, err := strconv.Atoi(strings.TrimSuffix(s, "W"))
		return strings.HasSuffix(s, "W") && err == nil && n >= 1 && n <= 31
	}}
	dowField = field{lo: 1, hi: 7, names: dayNames, special: func(s string) bool {
		day := field{lo: 1, hi: 7, names: dayNames}
		if s == "L" {
			return true
		}
		if d, nth, ok := strings.Cut(s, "#"); ok {
			_, dayOK := day.num(d)
			n, err := strconv.Atoi(nth)
			return dayOK && err == nil && n >= 1 && n <= 5
		}
		_, dayOK := day.num(strings.TrimSuffix(s, "L"))
		return strings.HasSuffix(s, "L") && dayOK
	}}
)

func parseCron(s string) (*cron, error) {
	f := strings.Fields(s)
	if len(f) != 6 {
		return nil, fmt.Errorf("cron(%s): want 6 fields", s)
	}
	var c cron
	specs := []struct {
		dst *map[int]bool
		field
	}{
		{&c.min, field{lo: 0, hi: 59}}, {&c.hour, field{lo: 0, hi: 23}}, {&c.dom, domField},
		{&c.month, field{lo: 1, hi: 12, names: monthNames}}, {&c.dow, dowField}, {&c.year, field{lo: 1970, hi: 2199}},
	}
	for i, sp := range specs {
		set, special, err := parseField(f[i], sp.field)
		if err != nil {
			return nil, fmt.Errorf("cron(%s) field %d: %w", s, i+1, err)
		}
		*sp.dst = set
		if c.special == "" {
			c.special = special
		}
	}
	if (f[2] == "?") == (f[4] == "?") {
		return nil, fmt.Errorf("cron(%s): exactly one of day-of-month and day-of-week must be ?", s)
	}
	return &c, nil
}

// parseField reads a, a-b, *, each optionally /step, comma-separated, and the
// field's specials (returned, not expanded).
func parseField(f string, sp field) (map[int]bool, string, error) {
	if f == "*" || (f == "?" && sp.special != nil) {
		return nil, "", nil
	}
	set, special := map[int]bool{}, ""
	num := func(s string) (int, error) {
		if v, ok := sp.num(s); ok {
			return v, nil
		}
		return 0, fmt.Errorf("%q is not in %d-%d", s, sp.lo, sp.hi)
	}
	for _, part := range strings.Split(f, ",") {
		if sp.special != nil && sp.special(part) {
			special = part
			continue
		}
		rng, step := part, 1
		if r, st, ok := strings.Cut(part, "/"); ok {
			var err error
			if step, err = strconv.Atoi(st); err != nil || step <= 0 || step > sp.hi {
				return nil, "", fmt.Errorf("bad step in %q", part)
			}
			rng = r
		}
		a, b := sp.lo, sp.hi
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			x, y, _ := strings.Cut(rng, "-")
			var err error
			if a, err = num(x); err != nil {
				return nil, "", err
			}
			if b, err = num(y); err != nil {
				return nil, "", err
			}
		default:
			v, err := num(rng)
			if err != nil {
				return nil, "", err
			}
			a, b = v, v
			if strings.Contains(part, "/") {
				b = sp.hi
			}
		}
		for v := a; v <= b; v += step {
			set[v] = true
		}
	}
	return set, special, nil
}

func has(set map[int]bool, v int) bool { return set == nil || set[v] }

// next walks minute by minute, skipping whole days that cannot match, up to
// a few years ahead.
func (c *cron) next(after time.Time) (time.Time, error) {
	if c.special != "" {
		return time.Time{}, fmt.Errorf("cron %q: L, W and # are not supported locally", c.special)
	}
	t := after.Truncate(time.Minute).Add(time.Minute)
	limit := after.AddDate(5, 0, 0)
	for t.Before(limit) {
		if !has(c.year, t.Year()) || !has(c.month, int(t.Month())) || !has(c.dom, t.Day()) || !has(c.dow, int(t.Weekday())+1) {
			y, m, d := t.Date()
			t = time.Date(y, m, d+1, 0, 0, 0, 0, t.Location())
			continue
		}
		if has(c.hour, t.Hour()) && has(c.min, t.Minute()) {
			return t, nil
		}
		t = t.Add(time.Minute)
	}
	return time.Time{}, fmt.Errorf("cron never fires within 5 years")
}

// Event is what a schedule delivers at `at`: its Input, with Scheduler's
// context attributes filled in, or else the default Scheduled Event shape.
func Event(function string, sc template.Schedule, at time.Time) ([]byte, error) {
	id := randomUUID()
	arn := fmt.Sprintf("arn:aws:scheduler:%s:%s:schedule/default/%s-%s", template.Region, template.AccountID, function, sc.Event)
	when := at.UTC().Format(time.RFC3339)
	if sc.Input != "" {
		r := strings.NewReplacer("<aws.scheduler.scheduled-time>", when, "<aws.scheduler.execution-id>", id,
			"<aws.scheduler.schedule-arn>", arn, "<aws.scheduler.attempt-number>", "1")
		return []byte(r.Replace(sc.Input)), nil
	}
	b, err := json.Marshal(map[string]any{
		"version": "0", "id": id, "detail-type": "Scheduled Event", "source": "aws.scheduler",
		"account": template.AccountID, "time": when, "region": template.Region,
		"resources": []string{arn}, "detail": map[string]any{},
	})
	if err != nil {
		return nil, fmt.Errorf("encode scheduled event: %w", err)
	}
	return b, nil
}

// EventForDay is the event the schedule delivers on the calendar day of
// `day` (its year, month and day; the clock is ignored): at its first firing
// that day in its zone, or at noon when it does not fire that day.
func EventForDay(function string, sc template.Schedule, day time.Time) ([]byte, error) {
	loc, err := location(sc.Timezone)
	if err != nil {
		return nil, err
	}
	y, m, d := day.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, loc)
	at := time.Date(y, m, d, 12, 0, 0, 0, loc)
	if strings.HasPrefix(sc.Expression, "cron(") {
		if t, err := Next(sc.Expression, loc, midnight, midnight.Add(-time.Second)); err == nil && t.Before(midnight.AddDate(0, 0, 1)) {
			at = t
		}
	}
	return Event(function, sc, at)
}

func randomUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

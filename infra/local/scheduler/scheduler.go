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

// Next is the first firing strictly after `after`. start anchors rate
// expressions (a schedule created at start fires at start+n, start+2n, ...).
func Next(expr string, loc *time.Location, start, after time.Time) (time.Time, error) {
	switch {
	case strings.HasPrefix(expr, "rate(") && strings.HasSuffix(expr, ")"):
		d, err := parseRate(expr[5 : len(expr)-1])
		if err != nil {
			return time.Time{}, err
		}
		n := after.Sub(start)/d + 1
		return start.Add(n * d), nil
	case strings.HasPrefix(expr, "at(") && strings.HasSuffix(expr, ")"):
		t, err := time.ParseInLocation("2006-01-02T15:04:05", expr[3:len(expr)-1], loc)
		if err != nil {
			return time.Time{}, fmt.Errorf("at expression: %w", err)
		}
		if !t.After(after) {
			return time.Time{}, fmt.Errorf("one-time schedule %s is in the past", expr)
		}
		return t, nil
	case strings.HasPrefix(expr, "cron(") && strings.HasSuffix(expr, ")"):
		c, err := parseCron(expr[5 : len(expr)-1])
		if err != nil {
			return time.Time{}, err
		}
		return c.next(after.In(loc))
	}
	return time.Time{}, fmt.Errorf("schedule expression %q: want cron(...), rate(...) or at(...)", expr)
}

func parseRate(s string) (time.Duration, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, fmt.Errorf("rate(%s): want rate(<n> <unit>)", s)
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("rate(%s): value must be a positive integer", s)
	}
	units := map[string]time.Duration{"minute": time.Minute, "minutes": time.Minute, "hour": time.Hour, "hours": time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour}
	u, ok := units[f[1]]
	if !ok {
		return 0, fmt.Errorf("rate(%s): unit must be minutes, hours or days", s)
	}
	return time.Duration(n) * u, nil
}

// cron is AWS's six-field form: minutes hours day-of-month month day-of-week year.
type cron struct {
	min, hour, dom, month, dow, year map[int]bool // nil: any
}

func parseCron(s string) (*cron, error) {
	f := strings.Fields(s)
	if len(f) != 6 {
		return nil, fmt.Errorf("cron(%s): want 6 fields", s)
	}
	months := []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	days := []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
	var c cron
	var err error
	specs := []struct {
		dst      *map[int]bool
		lo, hi   int
		names    []string
		nameBase int
	}{
		{&c.min, 0, 59, nil, 0}, {&c.hour, 0, 23, nil, 0}, {&c.dom, 1, 31, nil, 0},
		{&c.month, 1, 12, months, 1}, {&c.dow, 1, 7, days, 1}, {&c.year, 1970, 2199, nil, 0},
	}
	for i, sp := range specs {
		if *sp.dst, err = parseField(f[i], sp.lo, sp.hi, sp.names, sp.nameBase); err != nil {
			return nil, fmt.Errorf("cron(%s) field %d: %w", s, i+1, err)
		}
	}
	if (f[2] == "?") == (f[4] == "?") {
		return nil, fmt.Errorf("cron(%s): exactly one of day-of-month and day-of-week must be ?", s)
	}
	return &c, nil
}

func parseField(f string, lo, hi int, names []string, nameBase int) (map[int]bool, error) {
	if f == "*" || f == "?" {
		return nil, nil
	}
	num := func(s string) (int, error) {
		for i, n := range names {
			if strings.EqualFold(s, n) {
				return i + nameBase, nil
			}
		}
		v, err := strconv.Atoi(s)
		if err != nil || v < lo || v > hi {
			return 0, fmt.Errorf("%q is not in %d-%d (L, W and # are not supported locally)", s, lo, hi)
		}
		return v, nil
	}
	set := map[int]bool{}
	for _, part := range strings.Split(f, ",") {
		rng, step := part, 1
		if r, st, ok := strings.Cut(part, "/"); ok {
			var err error
			if step, err = strconv.Atoi(st); err != nil || step <= 0 {
				return nil, fmt.Errorf("bad step in %q", part)
			}
			rng = r
		}
		a, b := lo, hi
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			x, y, _ := strings.Cut(rng, "-")
			var err error
			if a, err = num(x); err != nil {
				return nil, err
			}
			if b, err = num(y); err != nil {
				return nil, err
			}
		default:
			v, err := num(rng)
			if err != nil {
				return nil, err
			}
			a, b = v, v
			if strings.Contains(part, "/") {
				b = hi
			}
		}
		for v := a; v <= b; v += step {
			set[v] = true
		}
	}
	return set, nil
}

func has(set map[int]bool, v int) bool { return set == nil || set[v] }

// next walks minute by minute, skipping whole days that cannot match, up to
// a few years ahead.
func (c *cron) next(after time.Time) (time.Time, error) {
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

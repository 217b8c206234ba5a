package scheduler

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/boc/cmp/infra/local/template"
)

func TestNext(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	at := func(s string, loc *time.Location) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		expr        string
		loc         *time.Location
		after, want string
	}{
		{"cron(0 6 * * ? *)", ny, "2026-03-07 06:00", "2026-03-08 06:00"}, // across the DST change, still 06:00 local
		{"cron(30 5 ? * MON-FRI *)", ny, "2026-11-20 06:00", "2026-11-23 05:30"},
		{"cron(0/15 * * * ? *)", time.UTC, "2026-01-01 10:07", "2026-01-01 10:15"},
		{"cron(0 0 1 JAN,JUL ? *)", time.UTC, "2026-02-01 00:00", "2026-07-01 00:00"},
		{"rate(1 hour)", time.UTC, "2026-01-01 10:30", "2026-01-01 11:00"},
	}
	start := at("2026-01-01 00:00", time.UTC)
	for _, c := range cases {
		got, err := Next(c.expr, c.loc, start, at(c.after, c.loc))
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if want := at(c.want, c.loc); !got.Equal(want) {
			t.Errorf("%s after %s: got %s, want %s", c.expr, c.after, got.In(c.loc), want)
		}
	}
	for _, bad := range []string{"cron(0 6 * * * *)", "cron(0 6 L * ? *)", "cron(0 6 * *)", "rate(0 days)", "rate(1 week)", "every day"} {
		if _, err := Next(bad, time.UTC, start, start); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// api.md Scheduled jobs: the job reads "today" from the event's time field.
func TestEventForDay(t *testing.T) {
	sc := template.Schedule{Event: "Daily", Expression: "cron(0 6 * * ? *)", Timezone: "America/New_York"}
	b, err := EventForDay("JobFunction", sc, time.Date(2026, 7, 4, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var ev struct {
		Source, Time string
		Detail       string `json:"detail-type"`
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Source != "aws.scheduler" || ev.Detail != "Scheduled Event" || ev.Time != "2026-07-04T10:00:00Z" {
		t.Errorf("event %s", b)
	}
	sc.Input = `{"at":"<aws.scheduler.scheduled-time>"}`
	b, _ = EventForDay("JobFunction", sc, time.Date(2026, 7, 4, 0, 0, 0, 0, time.UTC))
	if string(b) != `{"at":"2026-07-04T10:00:00Z"}` {
		t.Errorf("input event %s", b)
	}
}

// Check takes the EventBridge Scheduler grammar, including what is not fired
// locally (L, W, #), and refuses what AWS would.
func TestCheck(t *testing.T) {
	tests := []struct {
		expr, tz string
		ok       bool
	}{
		{"cron(0 6 * * ? *)", "America/New_York", true},
		{"cron(15 10 ? * MON-FRI *)", "", true},
		{"cron(0/15 * * * ? 2026)", "UTC", true},
		{"cron(0 8 L * ? *)", "", true},
		{"cron(0 8 ? * 2#1 *)", "", true},
		{"cron(0 8 15W JAN,JUL ? *)", "", true},
		{"rate(1 day)", "", true},
		{"rate(5 minutes)", "", true},
		{"at(2026-01-31T06:00:00)", "America/New_York", true},
		{"cron(0 6 * * * *)", "", false},        // both day fields set
		{"cron(0 6 ? * ? *)", "", false},        // neither
		{"cron(0 24 * * ? *)", "", false},       // hour out of range
		{"cron(60 6 * * ? *)", "", false},       // minute out of range
		{"cron(0 6 * 13 ? *)", "", false},       // month out of range
		{"cron(0 6 ? * FUNDAY *)", "", false},   // unknown weekday
		{"cron(0 6 * * ?)", "", false},          // five fields
		{"cron(0 6 * * ? *)", "Eastern", false}, // not an IANA zone
		{"cron(0 6 * * ? *)", "America/Nowhere", false},
		{"rate(1 days)", "", false},
		{"rate(2 day)", "", false},
		{"rate(0 minutes)", "", false},
		{"rate(1 week)", "", false},
		{"at(2026-01-31 06:00)", "", false},
		{"daily", "", false},
		{"cron(0 12 ? * 6L *)", "", true},
		{"cron(0/0 * * * ? *)", "", false},   // step 0
		{"cron(0 6 ? * MON#6 *)", "", false}, // no sixth Monday
		{"cron(? 6 * * ? *)", "", false},     // ? only in the day fields
	}
	for _, tc := range tests {
		if err := Check(tc.expr, tc.tz); (err == nil) != tc.ok {
			t.Errorf("Check(%q, %q) = %v, want ok=%v", tc.expr, tc.tz, err, tc.ok)
		}
	}
}

// Valid in AWS, refused when fired locally: the local scheduler cannot play it.
func TestNextRefusesSpecials(t *testing.T) {
	for _, expr := range []string{"cron(0 12 ? * MON#1 *)", "cron(0 6 L * ? *)", "cron(0 6 15W * ? *)"} {
		if _, err := Next(expr, time.UTC, time.Now(), time.Now()); err == nil {
			t.Errorf("Next fired %s", expr)
		}
	}
}

package schedule

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/httpapi"
)

type report struct {
	Day string `json:"day"`
}

// "Today" is the board's date (America/New_York) of the event's time, not the
// UTC date and not the clock's.
func TestDailyRunsTheBoardsDayOfTheEvent(t *testing.T) {
	tests := []struct {
		time string
		want string
	}{
		{"2025-03-01T03:00:00Z", "2025-02-28"}, // 22:00 EST the day before
		{"2025-03-01T05:00:00Z", "2025-03-01"},
		{"2025-07-01T03:59:00Z", "2025-06-30"}, // 23:59 EDT
		{"2025-07-01T04:00:00Z", "2025-07-01"},
	}
	for _, tc := range tests {
		var logs bytes.Buffer
		h := Daily(httpapi.NewLogger(&logs), "test job", func(_ context.Context, d civil.Date) (report, error) {
			return report{Day: d.String()}, nil
		})
		var ev Event
		if err := json.Unmarshal([]byte(`{"time":"`+tc.time+`","detail-type":"Scheduled Event"}`), &ev); err != nil {
			t.Fatal(err)
		}
		rep, err := h(context.Background(), ev)
		if err != nil || rep.Day != tc.want {
			t.Errorf("%s: ran %q err %v, want %s", tc.time, rep.Day, err, tc.want)
		}
		if !strings.Contains(logs.String(), `"job":"test job"`) || !strings.Contains(logs.String(), `"day":"`+tc.want+`"`) {
			t.Errorf("%s: log %s", tc.time, logs.String())
		}
	}
}

func TestDailyRefusesAnEventWithoutATime(t *testing.T) {
	ran := false
	h := Daily(httpapi.NewLogger(&bytes.Buffer{}), "test job", func(context.Context, civil.Date) (report, error) {
		ran = true
		return report{}, nil
	})
	if _, err := h(context.Background(), Event{}); err == nil || ran {
		t.Errorf("err %v ran %v, want an error and no run", err, ran)
	}
}

// A failed run answers the job's error (the scheduler retries) and its report.
func TestDailyAnswersTheJobsError(t *testing.T) {
	boom := errors.New("boom")
	h := Daily(httpapi.NewLogger(&bytes.Buffer{}), "test job", func(_ context.Context, d civil.Date) (report, error) {
		return report{Day: d.String()}, boom
	})
	rep, err := h(context.Background(), Event{Time: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)})
	if !errors.Is(err, boom) || rep.Day != "2025-03-01" {
		t.Errorf("rep %+v err %v", rep, err)
	}
}

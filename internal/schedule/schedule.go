// Package schedule turns a daily job into the handler of its EventBridge
// Scheduler event.
package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
)

// Event is the part of a scheduled event a daily job reads: its time.
type Event struct {
	Time time.Time `json:"time"`
}

// Daily is the handler that runs job for the board's date of the event's
// time, not of the clock, so a retried or replayed event runs the day it was
// meant for. Each run is logged under name with the job's report.
func Daily[R any](log *slog.Logger, name string, job func(context.Context, civil.Date) (R, error)) func(context.Context, Event) (R, error) {
	return func(ctx context.Context, ev Event) (R, error) {
		if ev.Time.IsZero() {
			var none R
			return none, fmt.Errorf("%s: scheduled event without a time", name)
		}
		day := calendar.Today(ev.Time)
		rep, err := job(ctx, day)
		if err != nil {
			log.Error("job failed", "job", name, "day", day.String(), "report", rep, "error", err.Error())
			return rep, err
		}
		log.Info("job done", "job", name, "day", day.String(), "report", rep)
		return rep, nil
	}
}

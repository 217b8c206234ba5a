package main

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/events"
	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/reminders"
)

// handler runs the sweep for the board's date of the scheduled time, so a
// retried or replayed event sweeps the day it was meant for.
func handler(s *reminders.Sweeper) func(context.Context, events.CloudWatchEvent) (reminders.Report, error) {
	return func(ctx context.Context, ev events.CloudWatchEvent) (reminders.Report, error) {
		if ev.Time.IsZero() {
			return reminders.Report{}, errors.New("scheduled event without a time")
		}
		return s.Run(ctx, calendar.Today(ev.Time))
	}
}

// Command declaration-deadlines is the daily job of open deficiencies and
// audits (R-DEC-2, R-DEC-3, R-REM-2), fired by EventBridge Scheduler in
// America/New_York; the day is the scheduled event's time.
package main

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/declarations"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/httpapi"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	table, err := dynamo.FromEnv(context.Background())
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	store := declarations.NewTableStore(table)
	// Lapses never read the transcript and never select audits: no loader, no share.
	lc := declarations.NewLifecycle(store, nil, time.Now, 0)
	lambda.Start(func(ctx context.Context, ev events.CloudWatchEvent) (declarations.DeadlineReport, error) {
		if ev.Time.IsZero() {
			return declarations.DeadlineReport{}, errors.New("scheduled event without a time")
		}
		rep, err := lc.RunDeadlines(ctx, store, calendar.Today(ev.Time))
		log.Info("deadlines swept", "day", rep.Day, "reminded", rep.Reminded, "lapsed", rep.Lapsed, "unchanged", rep.Unchanged)
		return rep, err
	})
}

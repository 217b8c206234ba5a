// Command certification-expiry is the daily job that expires certifications
// the day after their cycle ends (R-CYC-8) and drops a voluntary
// participant's CM (R-CYC-5), fired by EventBridge Scheduler in
// America/New_York; the day is the scheduled event's time.
package main

import (
	"context"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/expiry"
	"github.com/boc/cmp/internal/httpapi"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	table, err := dynamo.FromEnv(context.Background())
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(func(ctx context.Context, ev events.CloudWatchEvent) (expiry.Report, error) {
		if ev.Time.IsZero() {
			return expiry.Report{}, errors.New("scheduled event without a time")
		}
		rep, err := expiry.Run(ctx, table, calendar.Today(ev.Time))
		log.Info("expiries swept", "day", rep.Day, "expired", rep.Expired, "cmDropped", rep.CMDropped, "unchanged", rep.Unchanged)
		return rep, err
	})
}

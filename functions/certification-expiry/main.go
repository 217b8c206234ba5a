// Command certification-expiry is the daily job that expires certifications
// the day after their cycle ends (R-CYC-8) and drops a voluntary
// participant's CM (R-CYC-5), fired by EventBridge Scheduler in
// America/New_York; the day is the scheduled event's time.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/boot"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/expiry"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/schedule"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	table := boot.Table(boot.AWS(log), log)
	lambda.Start(schedule.Daily(log, "certification expiry", func(ctx context.Context, today civil.Date) (expiry.Report, error) {
		return expiry.Run(ctx, table, today)
	}))
}

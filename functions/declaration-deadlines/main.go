// Command declaration-deadlines is the daily job of open deficiencies and
// audits (R-DEC-2, R-DEC-3, R-REM-2), fired by EventBridge Scheduler in
// America/New_York; the day is the scheduled event's time.
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/boot"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/declarations"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/schedule"
	"github.com/boc/cmp/internal/transcript"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	table := boot.Table(boot.AWS(log), log)
	store := declarations.NewTableStore(table)
	// The transcript loader names the activities an audit reminder lists (R-REM-2).
	lc := declarations.NewLifecycle(store, transcript.NewLoader(table), time.Now)
	lambda.Start(schedule.Daily(log, "declaration deadlines", func(ctx context.Context, today civil.Date) (declarations.DeadlineReport, error) {
		return lc.RunDeadlines(ctx, store, today)
	}))
}

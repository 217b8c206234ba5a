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
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	store := declarations.NewTableStore(boot.Table(context.Background(), log))
	// Lapses never read the transcript and never select audits: no loader, no share.
	lc := declarations.NewLifecycle(store, nil, time.Now, 0)
	lambda.Start(schedule.Daily(log, "declaration deadlines", func(ctx context.Context, today civil.Date) (declarations.DeadlineReport, error) {
		return lc.RunDeadlines(ctx, store, today)
	}))
}

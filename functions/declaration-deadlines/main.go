// Command declaration-deadlines is the daily job of open deficiencies and
// audits (R-DEC-2, R-DEC-3, R-REM-2) and of every fee-bearing thing still
// unpaid 24 hours after it was created (R-PAY-4), fired by EventBridge
// Scheduler in America/New_York; the day is the scheduled event's time.
package main

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/billing"
	"github.com/boc/cmp/internal/boot"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/declarations"
	"github.com/boc/cmp/internal/exams"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/inactive"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/payment"
	"github.com/boc/cmp/internal/schedule"
	"github.com/boc/cmp/internal/verification"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	table := boot.Table(boot.AWS(log), log)
	store := declarations.NewTableStore(table)
	// The partition loader names the activities an audit reminder lists (R-REM-2).
	lc := declarations.NewLifecycle(store, declarations.NewPartitionLoader(table), time.Now)
	// Each paid kind cancels its own unpaid things; no intent is created here.
	reader := partition.NewReader(table)
	orders := verification.NewService(reader, reader,
		verification.NewTableStore(table), fees.DefaultTariff(), os.Getenv("PUBLIC_BASE_URL"), time.Now)
	cancels := billing.NewCancels(billing.NewLedger(table, nil, time.Now), map[payment.Kind]payment.Canceller{
		payment.KindDeclaration:  lc,
		payment.KindVerification: verification.NewPayments(orders, verification.NewTableStore(table)),
		payment.KindScoreReview:  exams.NewReviewPayments(exams.NewTableStore(table, time.Now), reader),
		payment.KindInactive:     inactive.NewPayments(inactive.NewService(table, fees.DefaultTariff(), time.Now)),
	})
	lambda.Start(schedule.Daily(log, "declaration deadlines", func(ctx context.Context, today civil.Date) (declarations.DeadlineReport, error) {
		rep, err := lc.RunDeadlines(ctx, store, today)
		cancelled, unchanged, cerr := cancels.Run(ctx, today)
		rep.Cancelled, rep.Unchanged = rep.Cancelled+cancelled, rep.Unchanged+unchanged
		return rep, errors.Join(err, cerr)
	}))
}

// Command score-emails is the daily job that owes each held score email once
// its transcripts are in, and reports scores past their due day (R-EXAM-2).
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/boot"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/exams"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/schedule"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	table := boot.Table(boot.AWS(log), log)
	// The job never certifies: only recording a pass does.
	svc := exams.NewService(exams.NewTableStore(table, time.Now), partition.NewReader(table), fees.DefaultTariff(), time.Now)
	lambda.Start(schedule.Daily(log, "score emails", func(ctx context.Context, today civil.Date) (exams.SweepResult, error) {
		return svc.SendScores(ctx, today, log)
	}))
}

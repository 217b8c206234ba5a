// Command score-emails is the daily job that owes each held score email once
// its transcripts are in, and reports scores past their due day (R-EXAM-2).
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/certificants"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/exams"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/httpapi"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	table, err := dynamo.FromEnv(context.Background())
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	// The job never certifies: only recording a pass does.
	svc := exams.NewService(exams.NewTableStore(table, time.Now), certificants.NewTableStore(table, time.Now), nil, fees.DefaultSchedule(), time.Now)
	lambda.Start(exams.ScheduledHandler(svc, log))
}

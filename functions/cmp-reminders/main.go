// Command cmp-reminders is the daily CMP reminder sweep (R-REM-1), fired by
// EventBridge Scheduler in America/New_York.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/reminders"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	sweeper, err := fromEnv(context.Background())
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(handler(sweeper))
}

// fromEnv reads REMINDER_OFFSETS ("180,90,30,-1") and REMINDER_WORKERS.
func fromEnv(ctx context.Context) (*reminders.Sweeper, error) {
	offsets, err := reminders.ParseOffsets(os.Getenv("REMINDER_OFFSETS"))
	if err != nil {
		return nil, fmt.Errorf("REMINDER_OFFSETS: %w", err)
	}
	workers := 16
	if s := os.Getenv("REMINDER_WORKERS"); s != "" {
		if workers, err = strconv.Atoi(s); err != nil || workers < 1 {
			return nil, fmt.Errorf("REMINDER_WORKERS %q: want a positive number", s)
		}
	}
	table, err := dynamo.FromEnv(ctx)
	if err != nil {
		return nil, err
	}
	store := reminders.NewTableStore(table, time.Now)
	return reminders.NewSweeper(store, offsets, fees.DefaultSchedule(), workers, httpapi.NewLogger(os.Stdout)), nil
}

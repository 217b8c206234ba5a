// Command cmp-reminders is the daily CMP reminder sweep (R-REM-1), fired by
// EventBridge Scheduler in America/New_York.
package main

import (
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/boot"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/reminders"
	"github.com/boc/cmp/internal/schedule"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	table := boot.Table(boot.AWS(log), log)
	sweeper, err := reminders.SweeperFromEnv(reminders.NewTableStore(table, time.Now), fees.DefaultTariff(), log)
	if err != nil {
		boot.Fatal(log, err)
	}
	lambda.Start(schedule.Daily(log, "cmp reminders", sweeper.Run))
}

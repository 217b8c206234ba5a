// Command exams serves examination results: attempts (a pass registers the
// certification through the certificants use case), transcript receipt,
// score reviews and the certification report.
package main

import (
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/boot"
	"github.com/boc/cmp/internal/certificants"
	"github.com/boc/cmp/internal/exams"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/httpapi/examsapi"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	table := boot.Table(boot.AWS(log), log)
	people := certificants.NewService(certificants.NewTableStore(table, time.Now), time.Now)
	svc := exams.NewService(exams.NewTableStore(table, time.Now), certificants.NewTableStore(table, time.Now), people,
		fees.DefaultSchedule(), time.Now)
	lambda.Start(examsapi.NewRouter(svc, table, time.Now, log).Handler())
}

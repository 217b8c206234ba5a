// Command exams serves examination results: attempts (a pass registers the
// certification it earns with the attempt), transcript receipt,
// score reviews (their fees' PaymentIntents, R-PAY-2) and the certification
// report.
package main

import (
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/billing"
	"github.com/boc/cmp/internal/boot"
	"github.com/boc/cmp/internal/boot/secrets"
	"github.com/boc/cmp/internal/exams"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/httpapi/examsapi"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/stripeapi"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	cfg := boot.AWS(log)
	table := boot.Table(cfg, log)
	keys := secrets.StripeOrExit(cfg, log)
	svc := exams.NewService(exams.NewTableStore(table, time.Now), partition.NewReader(table),
		fees.DefaultTariff(), time.Now)
	ledger := billing.NewLedger(table, stripeapi.New(keys.SecretKey, keys.BaseURL), time.Now)
	lambda.Start(examsapi.NewRouter(svc, table, ledger, time.Now, log).Handler())
}

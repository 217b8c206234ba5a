// Command verifications serves third-party verification orders (their fees'
// PaymentIntents, R-PAY-2) and the public verification records of the HTTP API.
package main

import (
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/billing"
	"github.com/boc/cmp/internal/boot"
	"github.com/boc/cmp/internal/boot/secrets"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/httpapi/verificationapi"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/stripeapi"
	"github.com/boc/cmp/internal/verification"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	cfg := boot.AWS(log)
	table := boot.Table(cfg, log)
	keys := secrets.StripeOrExit(cfg, log)
	reader := partition.NewReader(table)
	svc := verification.NewService(reader, reader,
		verification.NewTableStore(table), fees.DefaultTariff(), os.Getenv("PUBLIC_BASE_URL"), time.Now)
	ledger := billing.NewLedger(table, stripeapi.New(keys.SecretKey, keys.BaseURL), time.Now)
	lambda.Start(verificationapi.NewRouter(svc, table, ledger, log).Handler())
}

// Command certificants serves the certificants routes of the HTTP API, with
// the inactive status requests (their fees' PaymentIntents, R-PAY-2).
package main

import (
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/billing"
	"github.com/boc/cmp/internal/boot"
	"github.com/boc/cmp/internal/boot/secrets"
	"github.com/boc/cmp/internal/certificants"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/httpapi/certificantsapi"
	"github.com/boc/cmp/internal/httpapi/inactiveapi"
	"github.com/boc/cmp/internal/inactive"
	"github.com/boc/cmp/internal/stripeapi"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	cfg := boot.AWS(log)
	table := boot.Table(cfg, log)
	keys := secrets.StripeOrExit(cfg, log)
	svc := certificants.NewService(certificants.NewTableStore(table, time.Now), time.Now)
	rt := certificantsapi.NewRouter(svc, log)
	ledger := billing.NewLedger(table, stripeapi.New(keys.SecretKey, keys.BaseURL), time.Now)
	inactiveapi.Mount(rt, inactive.NewService(table, fees.DefaultTariff(), time.Now), table, ledger)
	lambda.Start(rt.Handler())
}

// Command declarations serves the declaration routes of the HTTP API.
package main

import (
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/billing"
	"github.com/boc/cmp/internal/boot"
	"github.com/boc/cmp/internal/boot/secrets"
	"github.com/boc/cmp/internal/declarations"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/httpapi/declarationsapi"
	"github.com/boc/cmp/internal/payment"
	"github.com/boc/cmp/internal/stripeapi"
	"github.com/boc/cmp/internal/transcript"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	cfg := boot.AWS(log)
	table := boot.Table(cfg, log)
	keys := secrets.StripeOrExit(cfg, log)
	intents := stripeapi.New(keys.SecretKey, keys.BaseURL)
	lambda.Start(newRouter(table, intents, log).Handler())
}

// newRouter wires the use case on the table and Stripe; tests build it on a
// counting client.
func newRouter(table *dynamo.Table, intents payment.Intents, log *slog.Logger) *httpapi.Router {
	store, loader := declarations.NewTableStore(table), transcript.NewLoader(table)
	// AUDIT_SHARE_PERCENT: share of declarations audited (R-DEC-3, default 5),
	// recorded on each declaration at submission.
	share, err := declarations.ParseAuditShare(os.Getenv("AUDIT_SHARE_PERCENT"))
	if err != nil {
		log.Error("AUDIT_SHARE_PERCENT invalid, using the default", "error", err.Error())
		share = declarations.DefaultAuditShareBP
	}
	svc := declarations.NewService(store, loader, billing.NewLedger(table, intents, time.Now), fees.DefaultSchedule(), time.Now).WithAuditShare(share)
	rt := declarationsapi.NewRouter(svc, log)
	declarationsapi.Mount(rt, declarations.NewLifecycle(store, loader, time.Now))
	return rt
}

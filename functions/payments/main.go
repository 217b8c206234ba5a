// Command payments serves the Stripe webhook (public, signed, R-PAY-3) and
// the certificants' payment records (R-PAY-5). Each paid kind's state
// change comes from its own use case.
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
	"github.com/boc/cmp/internal/exams"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/httpapi/paymentsapi"
	"github.com/boc/cmp/internal/inactive"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/payment"
	"github.com/boc/cmp/internal/stripeapi"
	"github.com/boc/cmp/internal/verification"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	cfg := boot.AWS(log)
	table := boot.Table(cfg, log)
	keys := secrets.StripeOrExit(cfg, log)
	lambda.Start(newRouter(table, stripeapi.NewVerifier(keys.WebhookSecret), log).Handler())
}

// newRouter wires the webhook's processor with every paid kind's effect.
func newRouter(table *dynamo.Table, verify paymentsapi.Verifier, log *slog.Logger) *httpapi.Router {
	ledger := billing.NewLedger(table, nil, time.Now)
	// A paid order's emails carry its recipients' links.
	reader := partition.NewReader(table)
	orders := verification.NewService(reader, reader,
		verification.NewTableStore(table), fees.DefaultTariff(), os.Getenv("PUBLIC_BASE_URL"), time.Now)
	effects := map[payment.Kind]payment.Effect{
		payment.KindDeclaration:  declarations.NewPaidEffect(declarations.NewTableStore(table)),
		payment.KindVerification: verification.NewPayments(orders, verification.NewTableStore(table)),
		payment.KindScoreReview:  exams.NewReviewPayments(exams.NewTableStore(table, time.Now), reader),
		payment.KindInactive:     inactive.NewPayments(inactive.NewService(table, fees.DefaultTariff(), time.Now)),
	}
	return paymentsapi.NewRouter(billing.NewProcessor(ledger, effects, log), ledger, verify, time.Now, log)
}

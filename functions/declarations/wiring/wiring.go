// Package wiring builds the declarations function's router on the clients its
// main made. It is apart from main so the local stack's e2e tests (their own
// module, infra/local) can build the same router on a counting client.
package wiring

import (
	"log/slog"
	"os"
	"time"

	"github.com/boc/cmp/internal/billing"
	"github.com/boc/cmp/internal/declarations"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/httpapi/declarationsapi"
	"github.com/boc/cmp/internal/payment"
)

// Router wires the use case on the table and Stripe.
func Router(table *dynamo.Table, intents payment.Intents, log *slog.Logger) *httpapi.Router {
	store, loader := declarations.NewTableStore(table), declarations.NewPartitionLoader(table)
	// AUDIT_SHARE_PERCENT: share of declarations audited (R-DEC-3, default 5),
	// recorded on each declaration at submission.
	share, err := declarations.ParseAuditShare(os.Getenv("AUDIT_SHARE_PERCENT"))
	if err != nil {
		log.Error("AUDIT_SHARE_PERCENT invalid, using the default", "error", err.Error())
		share = declarations.DefaultAuditShareBP
	}
	svc := declarations.NewService(store, loader, fees.DefaultTariff(), time.Now).WithAuditShare(share)
	rt := declarationsapi.NewRouter(svc, billing.NewLedger(table, intents, time.Now), log)
	declarationsapi.Mount(rt, declarations.NewLifecycle(store, loader, time.Now))
	return rt
}

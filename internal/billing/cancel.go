package billing

import (
	"context"
	"errors"
	"fmt"

	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/payment"
)

// dateIndex holds the payments' entries of their cancel day (payment.Puts).
const dateIndex = "ByDate"

// Cancels is the daily job's R-PAY-4 step for every paid kind: what is
// still unpaid on its cancel day is cancelled by its kind's use case.
type Cancels struct {
	ledger *Ledger
	kinds  map[payment.Kind]payment.Canceller
}

// NewCancels wires the ledger and one payment.Canceller per kind.
func NewCancels(ledger *Ledger, kinds map[payment.Kind]payment.Canceller) *Cancels {
	return &Cancels{ledger: ledger, kinds: kinds}
}

// Run cancels every payable thing whose cancel day is today and whose
// payment is still requires_payment. Each cancel is conditional on that
// state, so a rerun or a parallel run of the day, or a payment committed
// first, leaves it unchanged; one failure does not stop the others.
func (c *Cancels) Run(ctx context.Context, today civil.Date) (cancelled, unchanged int, err error) {
	var errs []error
	for _, pk := range dynamo.DatePKs(dynamo.UnpaidDateKind, today.String()) {
		var due []payment.Pointer
		if err := c.ledger.table.QueryIndex(ctx, dateIndex, "datePk", pk, &due); err != nil {
			return cancelled, unchanged, fmt.Errorf("payments due on %s: %w", today, err)
		}
		for _, p := range due {
			done, err := c.cancel(ctx, p, today)
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("cancel unpaid %s: %w", p.About, err))
			case done:
				cancelled++
			default:
				unchanged++
			}
		}
	}
	return cancelled, unchanged, errors.Join(errs...)
}

func (c *Cancels) cancel(ctx context.Context, p payment.Pointer, today civil.Date) (bool, error) {
	var r payment.Record
	found, err := c.ledger.table.Get(ctx, dynamo.PaymentKey(p.CertificantID, p.About), &r)
	if err != nil || !found || r.Status != payment.RequiresPayment {
		return false, err
	}
	k, ok := c.kinds[r.Kind]
	if !ok {
		return false, fmt.Errorf("no canceller for payments of kind %s", r.Kind)
	}
	return k.CancelUnpaid(ctx, r, today)
}

package declarations

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/payment"
)

// ActorStripe is the "by" of the transition a payment makes.
const ActorStripe = "stripe"

// PaidEffect makes a paid declaration submitted (R-PAY-1): its processing
// due date counted from the payment, the "declaration received" email with
// its receipt line, all in the webhook's transaction (payment.Effect).
type PaidEffect struct{ store *TableStore }

// NewPaidEffect reads declarations from store.
func NewPaidEffect(store *TableStore) *PaidEffect { return &PaidEffect{store: store} }

// Paid is the transition awaiting_payment -> submitted at paidAt.
func (e *PaidEffect) Paid(ctx context.Context, p payment.Record, paidAt time.Time) ([]dynamo.Write, error) {
	d, found, err := e.store.Get(ctx, p.About)
	if err != nil {
		return nil, err
	}
	if !found || d.Status != partition.AwaitingPayment {
		return nil, fmt.Errorf("declaration %s: %w", p.About, payment.ErrNotAwaiting)
	}
	party, err := e.store.Party(ctx, d)
	if err != nil {
		return nil, err
	}
	n := d
	n.Status, n.Version = partition.Submitted, d.Version+1
	n.ProcessingDueOn = calendar.ProcessingDue(paidAt) // R-DEC-1 from the payment
	n.History = append(append([]partition.Transition{}, d.History...), partition.Transition{State: partition.Submitted, At: paidAt.UTC(), By: ActorStripe,
		Reason: "fee paid"})
	receipt := payment.ReceiptLine(p, paidAt)
	c := Change{From: d, To: n, Mail: dynamo.NewOutbox(ReceivedTemplate, party.Email, ReceivedMail(n, party.Given, receipt), paidAt, n.ID)}
	return changeWrites(c)
}

// CancelUnpaid cancels the declaration of an unpaid payment on its cancel
// day (billing.Cancels), releasing its claims and pending marker, with the
// payment cancelled in the same transaction so a later payment is flagged,
// never applied (R-PAY-4); false when nothing is due (paid, already
// cancelled). The certificant is told by the cancelled status email.
func (l *Lifecycle) CancelUnpaid(ctx context.Context, p payment.Record, today civil.Date) (bool, error) {
	d, found, err := l.store.Get(ctx, p.About)
	if err != nil || !found || d.Status != partition.AwaitingPayment || today.Before(payment.CancelOn(d.SubmittedAt)) {
		return false, err
	}
	cancel, err := payment.CancelWrite(d.CertificantID, d.ID)
	if err != nil {
		return false, err
	}
	_, err = l.transit(ctx, d, Cancel, ActorJobName, "not paid within 24 hours (R-PAY-4)", func(_ *partition.Declaration, c *Change) {
		c.Also = append(c.Also, cancel.Else(ErrStale)) // paid meanwhile
	}, today)
	if errors.Is(err, ErrStale) {
		return false, nil
	}
	return err == nil, err
}

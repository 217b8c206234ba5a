package exams

import (
	"context"
	"fmt"
	"time"

	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/payment"
)

// Review states: a review with a fee is registered (received) once paid
// (R-PAY-1); unpaid after 24 hours it is cancelled and removed, so the
// attempt may be reviewed again (R-PAY-4).
const (
	ReviewAwaitingPayment = "awaiting_payment"
	ReviewReceived        = "received"
)

// reviewWhat names a score review in the payment emails.
const reviewWhat = "score review"

// ReviewPayments is a score review's side of its fee (R-PAY): the
// webhook's payment registers it (payment.Effect), the job cancels it
// unpaid (payment.Canceller).
type ReviewPayments struct {
	table    *dynamo.Table
	profiles Profiles
	now      func() time.Time
}

// NewReviewPayments reads reviews from store and the certificants' emails
// from profiles.
func NewReviewPayments(store *TableStore, profiles Profiles) *ReviewPayments {
	return &ReviewPayments{table: store.table, profiles: profiles, now: store.now}
}

// awaiting reads the review payment r is for while it awaits the payment,
// and its certificant: the payment knows the review's id, the key is the
// attempt's, so the certificant's few reviews are read.
func (p *ReviewPayments) awaiting(ctx context.Context, r payment.Record) (reviewItem, partition.Profile, bool, error) {
	var items []reviewItem
	if err := p.table.QueryPrefix(ctx, dynamo.CertificantPK(r.CertificantID), dynamo.ScoreReviewPrefix, &items); err != nil {
		return reviewItem{}, partition.Profile{}, false, fmt.Errorf("reviews of %s: %w", r.CertificantID, err)
	}
	for _, it := range items {
		if it.ID != r.About || it.Status != ReviewAwaitingPayment {
			continue
		}
		prof, found, err := p.profiles.Profile(ctx, r.CertificantID)
		if err == nil && !found {
			err = fmt.Errorf("no profile of certificant %s", r.CertificantID)
		}
		return it, prof, err == nil, err
	}
	return reviewItem{}, partition.Profile{}, false, nil
}

// awaitingCond holds while the review still awaits its payment.
var awaitingCond = dynamo.Condition{Expr: "#s = :from", Names: map[string]string{"#s": "status"},
	Values: map[string]any{":from": ReviewAwaitingPayment}}

// Paid registers the review at paidAt and tells the certificant, with the
// receipt, in the webhook's transaction.
func (p *ReviewPayments) Paid(ctx context.Context, r payment.Record, paidAt time.Time) ([]dynamo.Write, error) {
	it, prof, ok, err := p.awaiting(ctx, r)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("score review %s: %w", r.About, payment.ErrNotAwaiting)
	}
	cond := awaitingCond
	cond.Values = map[string]any{":from": ReviewAwaitingPayment, ":to": ReviewReceived}
	received, err := dynamo.Update(reviewLabel, it.Key, "SET #s = :to", cond)
	if err != nil {
		return nil, err
	}
	mail, err := dynamo.PutOutbox(payment.PaidMail(r, prof.Email, prof.Name.Given, reviewWhat, paidAt))
	return []dynamo.Write{received, mail}, err
}

// CancelUnpaid removes a review still unpaid on its cancel day, cancels
// its payment and tells the certificant, in one transaction (R-PAY-4);
// false when it was paid or cancelled already.
func (p *ReviewPayments) CancelUnpaid(ctx context.Context, r payment.Record, _ civil.Date) (bool, error) {
	it, prof, ok, err := p.awaiting(ctx, r)
	if err != nil || !ok {
		return false, err
	}
	del, err := dynamo.Delete(reviewLabel, it.Key, awaitingCond)
	if err != nil {
		return false, err
	}
	return payment.Cancel(ctx, p.table, r, del, prof.Email, prof.Name.Given, reviewWhat, p.now())
}

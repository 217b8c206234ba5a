package inactive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/payment"
)

// Payments is an inactive request's side of its fee (R-PAY): the
// webhook's payment registers it (payment.Effect), the job cancels it
// unpaid (payment.Canceller).
type Payments struct{ svc *Service }

// NewPayments reads and writes requests through svc.
func NewPayments(svc *Service) *Payments { return &Payments{svc: svc} }

// awaiting reads the request payment r is for while it awaits payment.
func (p *Payments) awaiting(ctx context.Context, r payment.Record) (InactiveRequest, requestItem, partition.CertificationItem, bool, error) {
	req, it, held, err := p.svc.request(ctx, r.CertificantID, r.About)
	if errors.Is(err, ErrNotFound) || (err == nil && req.Status != AwaitingPayment) {
		return req, it, held, false, nil
	}
	return req, it, held, err == nil, err
}

// unchanged holds while the stored request is still it, as read.
func unchanged(it requestItem) dynamo.Condition {
	return dynamo.Condition{Expr: "id = :id AND doc = :doc", Values: map[string]any{":id": it.ID, ":doc": it.Doc}}
}

// Paid registers the request at paidAt (requested: staff may decide it)
// and owes its received email, in the webhook's transaction.
func (p *Payments) Paid(ctx context.Context, r payment.Record, paidAt time.Time) ([]dynamo.Write, error) {
	req, it, held, ok, err := p.awaiting(ctx, r)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("inactive request %s: %w", r.About, payment.ErrNotAwaiting)
	}
	req.Status = Requested
	doc, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	next := it
	next.Doc = string(doc)
	w, err := dynamo.Put(labelOpen, next, unchanged(it))
	if err != nil {
		return nil, err
	}
	mail, err := dynamo.PutOutbox(dynamo.NewOutbox(ReceivedTemplate, held.Email, receivedMail(req, held), paidAt, req.ID))
	return []dynamo.Write{w, mail}, err
}

// CancelUnpaid removes a request still unpaid on its cancel day, freeing
// the certification's open request, cancels its payment and tells the
// certificant, in one transaction (R-PAY-4); false when it was paid or
// cancelled already.
func (p *Payments) CancelUnpaid(ctx context.Context, r payment.Record, _ civil.Date) (bool, error) {
	_, it, held, ok, err := p.awaiting(ctx, r)
	if err != nil || !ok {
		return false, err
	}
	del, err := dynamo.Delete(labelOpen, it.Key, unchanged(it))
	if err != nil {
		return false, err
	}
	return payment.Cancel(ctx, p.svc.table, r, del, held.Email, held.Given, "inactive status request", p.svc.now())
}

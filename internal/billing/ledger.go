// Package billing is the card payment use case (R-PAY): the one
// PaymentIntent of each payable thing (Ledger, through the payment.Intents
// port), and the Stripe webhook's events applied exactly once (Processor),
// with the state change the paid thing's use case supplies (payment.Effect).
package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/payment"
)

// Ledger reads and writes payment records in the table.
type Ledger struct {
	table   *dynamo.Table
	intents payment.Intents
	// lease bounds how long one request holds the right to create an
	// intent; a crash mid-creation frees it after that.
	lease time.Duration
	now   func() time.Time
}

// NewLedger wires the table and the Stripe port (nil where no intent is
// ever created, e.g. the webhook).
func NewLedger(table *dynamo.Table, intents payment.Intents, now func() time.Time) *Ledger {
	return &Ledger{table: table, intents: intents, lease: 15 * time.Second, now: now}
}

// Get reads a payment by what it is about; false when there is none.
func (l *Ledger) Get(ctx context.Context, about string) (payment.Record, bool, error) {
	var p payment.Pointer
	found, err := l.table.Get(ctx, dynamo.PaymentPointerKey(about), &p)
	if err != nil || !found {
		return payment.Record{}, false, err
	}
	var r payment.Record
	found, err = l.table.Get(ctx, dynamo.PaymentKey(p.CertificantID, about), &r)
	if err == nil && !found {
		err = fmt.Errorf("payment pointer without record for %s", about)
	}
	return r, err == nil, err
}

// List reads a certificant's payments (one Query of the partition's PAY#
// items, then its profile); false when the certificant does not exist.
func (l *Ledger) List(ctx context.Context, certificantID string) ([]payment.Record, bool, error) {
	if certificantID == "" || len(certificantID) > 128 {
		return nil, false, nil
	}
	var v struct{}
	found, err := l.table.Get(ctx, dynamo.ProfileKey(certificantID), &v)
	if err != nil || !found {
		return nil, false, err
	}
	var rs []payment.Record
	if err := l.table.QueryPrefix(ctx, dynamo.CertificantPK(certificantID), dynamo.PaymentPrefix, &rs); err != nil {
		return nil, false, fmt.Errorf("list payments: %w", err)
	}
	return rs, true, nil
}

// Info answers the payment of about for a 201, creating its one
// PaymentIntent when it has none yet: the request that takes the record's
// lease creates it, the others wait for it to be stored. A crash between
// Stripe and the store leaves the lease to expire; the next request creates
// it again with the same Stripe idempotency key, which Stripe answers with
// the same intent, so a payable thing never gets a second one.
func (l *Ledger) Info(ctx context.Context, certificantID, about string) (payment.Info, error) {
	key := dynamo.PaymentKey(certificantID, about)
	deadline := l.now().Add(l.lease + 5*time.Second)
	for wait := 20 * time.Millisecond; ; wait = min(wait*2, 500*time.Millisecond) {
		// The lease first: a fresh payment (the common case) costs no read.
		took, err := l.takeLease(ctx, key)
		if err != nil {
			return payment.Info{}, err
		}
		var r payment.Record
		found, err := l.table.Get(ctx, key, &r)
		if err != nil {
			return payment.Info{}, err
		}
		if !found {
			return payment.Info{}, fmt.Errorf("no payment for %s", about)
		}
		if took {
			return l.create(ctx, r)
		}
		if r.IntentID != "" || r.Status != payment.RequiresPayment {
			return payment.Info{Status: r.Status, AmountCents: r.AmountCents, ClientSecret: r.ClientSecret}, nil
		}
		if l.now().After(deadline) {
			return payment.Info{}, payment.ErrBusy
		}
		select {
		case <-ctx.Done():
			return payment.Info{}, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// takeLease holds the record's lease unless an intent exists or another
// request holds a live lease.
func (l *Ledger) takeLease(ctx context.Context, key dynamo.Key) (bool, error) {
	now := l.now()
	w, err := dynamo.Update("lease", key, "SET leaseUntil = :until", dynamo.Condition{
		Expr:   "attribute_exists(pk) AND attribute_not_exists(intentId) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)",
		Values: map[string]any{":now": now.Unix(), ":until": now.Add(l.lease).Unix()},
	})
	if err != nil {
		return false, err
	}
	err = l.table.Apply(ctx, w)
	if errors.Is(err, dynamo.ErrConditionFailed) {
		return false, nil
	}
	return err == nil, err
}

// intentPointer finds a payment from its intent (the webhook's entry).
type intentPointer struct {
	dynamo.Key
	Type          string `dynamodbav:"type"`
	CertificantID string `dynamodbav:"certificantId"`
	About         string `dynamodbav:"about"`
}

func (l *Ledger) create(ctx context.Context, r payment.Record) (payment.Info, error) {
	in, err := l.intents.Create(ctx, payment.IntentRequest{AmountCents: r.AmountCents, Currency: r.Currency,
		IdempotencyKey: payment.StripeIdempotencyKey(r.About),
		Metadata:       map[string]string{"paymentId": r.ID, "about": r.About, "kind": string(r.Kind), "certificantId": r.CertificantID}})
	if err != nil {
		return payment.Info{}, fmt.Errorf("create payment intent for %s: %w: %w", r.About, payment.ErrUnavailable, err)
	}
	set, err := dynamo.Update("intent", r.Key, "SET intentId = :i, clientSecret = :cs REMOVE leaseUntil", dynamo.Condition{
		Expr: "attribute_not_exists(intentId)", Values: map[string]any{":i": in.ID, ":cs": in.ClientSecret}})
	if err != nil {
		return payment.Info{}, err
	}
	ptr, err := dynamo.Put("intent-pointer", intentPointer{Key: dynamo.IntentKey(in.ID), Type: "intent-pointer",
		CertificantID: r.CertificantID, About: r.About}, dynamo.Condition{})
	if err != nil {
		return payment.Info{}, err
	}
	if err := l.table.Transact(ctx, set, ptr); err != nil {
		if errors.Is(err, dynamo.ErrConditionFailed) {
			// Stored by a request whose lease had expired: answer its intent.
			return l.Info(ctx, r.CertificantID, r.About)
		}
		return payment.Info{}, fmt.Errorf("store payment intent for %s: %w", r.About, err)
	}
	return payment.Info{Status: payment.RequiresPayment, AmountCents: r.AmountCents, ClientSecret: in.ClientSecret}, nil
}

// ByIntent reads the payment of a Stripe PaymentIntent; false when the
// intent is not one of ours.
func (l *Ledger) ByIntent(ctx context.Context, intentID string) (payment.Record, bool, error) {
	if intentID == "" || len(intentID) > 255 {
		return payment.Record{}, false, nil
	}
	var p intentPointer
	found, err := l.table.Get(ctx, dynamo.IntentKey(intentID), &p)
	if err != nil || !found {
		return payment.Record{}, false, err
	}
	var r payment.Record
	found, err = l.table.Get(ctx, dynamo.PaymentKey(p.CertificantID, p.About), &r)
	if err == nil && !found {
		err = fmt.Errorf("intent pointer without payment for %s", p.About)
	}
	return r, err == nil, err
}

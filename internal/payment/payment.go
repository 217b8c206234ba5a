// Package payment is the card payment of every fee (R-PAY): the payment
// record kept in the payer's partition, the one PaymentIntent per payable
// thing (created through the Intents port, never twice), and the Stripe
// webhook's outcome applied exactly once per event, with the state change
// the use case of the paid thing supplies (Effect). It knows no Stripe SDK:
// internal/stripeapi adapts it.
package payment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fees"
)

// Kind is what a payment pays for; each kind's use case supplies its Effect.
type Kind string

// The fee-bearing writes (R-FEE, R-PAY-1).
const (
	KindDeclaration  Kind = "declaration"
	KindVerification Kind = "verification_order"
	KindScoreReview  Kind = "score_review"
	KindInactive     Kind = "inactive_request"
)

// Status is a payment's state.
type Status string

const (
	// RequiresPayment: created, the card not yet confirmed (or declined).
	RequiresPayment Status = "requires_payment"
	// Succeeded: Stripe reported the payment; the thing took effect.
	Succeeded Status = "succeeded"
	// Cancelled: unpaid after 24 hours, the thing was cancelled (R-PAY-4).
	Cancelled Status = "cancelled"
	// RefundDue: paid after it was cancelled; never applied, flagged for a
	// manual refund (R-PAY-4).
	RefundDue Status = "refund_due"
	// NotRequired: a zero total, nothing to pay (R-PAY-1); never stored.
	NotRequired Status = "not_required"
)

// Currency of every fee (R-FEE: US cents); Stripe spells it lower case.
const Currency = "USD"

// Record is a payment as stored (pk=C#<certificant>, sk=PAY#<about>).
type Record struct {
	dynamo.Key
	Type          string `dynamodbav:"type"`
	ID            string `dynamodbav:"id"`
	CertificantID string `dynamodbav:"certificantId"`
	Kind          Kind   `dynamodbav:"kind"`
	About         string `dynamodbav:"about"`
	AmountCents   int64  `dynamodbav:"amountCents"`
	Currency      string `dynamodbav:"currency"`
	Status        Status `dynamodbav:"status"`
	CreatedAt     string `dynamodbav:"createdAt"`
	PaidAt        string `dynamodbav:"paidAt,omitempty"`
	// IntentID and ClientSecret are Stripe's answer to the one creation;
	// the secret goes only to the payer, never to a log or a listing.
	IntentID     string `dynamodbav:"intentId,omitempty"`
	ClientSecret string `dynamodbav:"clientSecret,omitempty"`
	// EventID is the Stripe event that settled the payment.
	EventID string `dynamodbav:"eventId,omitempty"`
	// LeaseUntil (epoch seconds) is held by whoever is creating the intent
	// now, so racing requests make one creation between them.
	LeaseUntil int64 `dynamodbav:"leaseUntil,omitempty"`
	Version    int   `dynamodbav:"version"`
}

// ItemType is the type attribute of payment records.
const ItemType = "payment"

// ID is the payment id of what it is about: one payment per payable thing.
func ID(about string) string { return "pay-" + about }

// StripeIdempotencyKey is the key every creation of about's intent carries,
// so Stripe itself answers a repeated creation with the same intent.
func StripeIdempotencyKey(about string) string { return "cmp-" + ID(about) }

// New is the record of a fee owed now for about.
func New(kind Kind, certificantID, about string, amountCents int64, now time.Time) Record {
	return Record{
		Key:  dynamo.PaymentKey(certificantID, about),
		Type: ItemType, ID: ID(about), CertificantID: certificantID, Kind: kind, About: about,
		AmountCents: amountCents, Currency: Currency, Status: RequiresPayment,
		CreatedAt: now.UTC().Format(time.RFC3339), Version: 1,
	}
}

// Pointer finds a payment's partition from what it is about. It is also
// the payment's ByDate entry on its cancel day (CancelOn), so the daily job
// finds every kind's unpaid things in one place (R-PAY-4).
type Pointer struct {
	dynamo.Key
	Type          string `dynamodbav:"type"`
	CertificantID string `dynamodbav:"certificantId"`
	About         string `dynamodbav:"about,omitempty"`
	DatePK        string `dynamodbav:"datePk,omitempty"`
	DateSK        string `dynamodbav:"dateSk,omitempty"`
}

// CancelOn is the day the daily job cancels a thing created at created and
// still unpaid: the day after the one on which 24 hours have passed, so
// whatever time the job runs that day, it runs after them (R-PAY-4).
func CancelOn(created time.Time) civil.Date {
	return calendar.Today(created.Add(24 * time.Hour)).AddDays(1)
}

// Puts are the writes of a new payment, for the transaction that creates
// the thing it pays for: the record and its pointer (the job's entry for
// the cancel day), both put if absent.
func Puts(r Record) ([]dynamo.Write, error) {
	created, err := time.Parse(time.RFC3339, r.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("payment %s: creation time: %w", r.ID, err)
	}
	rec, err := dynamo.Put(LabelPayment, r, dynamo.IfAbsent)
	if err != nil {
		return nil, err
	}
	day := CancelOn(created).String()
	ptr, err := dynamo.Put("payment-pointer", Pointer{Key: dynamo.PaymentPointerKey(r.About), Type: "payment-pointer",
		CertificantID: r.CertificantID, About: r.About,
		DatePK: dynamo.DatePK(dynamo.UnpaidDateKind, day, r.About), DateSK: string(r.Kind) + "#" + r.CertificantID + "#" + r.About},
		dynamo.IfAbsent)
	if err != nil {
		return nil, err
	}
	return []dynamo.Write{rec, ptr}, nil
}

// Info is the `payment` of a 201 answer (R-PAY-2).
type Info struct {
	Status       Status `json:"status"`
	AmountCents  int64  `json:"amountCents"`
	ClientSecret string `json:"clientSecret,omitempty"`
}

// Due is the Info of a total: not_required when zero (R-PAY-1).
func Due(amountCents int64) Info {
	if amountCents == 0 {
		return Info{Status: NotRequired}
	}
	return Info{Status: RequiresPayment, AmountCents: amountCents}
}

// Attach sets the answer body's "payment" member to info: the stored
// answer (replayed for an Idempotency-Key) carries no client secret, which
// is added at each answer from the payment record.
func Attach(body []byte, info Info) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("payment: answer is not an object: %w", err)
	}
	p, err := json.Marshal(info)
	if err != nil {
		return nil, fmt.Errorf("payment: encode info: %w", err)
	}
	m["payment"] = p
	out, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("payment: encode answer: %w", err)
	}
	return out, nil
}

// Complete adds the client secret to a stored 201 answer owing a fee
// (its "payment" status requires_payment; its "id" what the fee is for),
// the intent created by infos when there is none yet: every answer, a
// replayed one too, carries the same intent. Other answers are kept.
func Complete(ctx context.Context, infos Infos, certificantID string, body []byte) ([]byte, error) {
	var ans struct {
		ID      string `json:"id"`
		Payment *Info  `json:"payment"`
	}
	if err := json.Unmarshal(body, &ans); err != nil || ans.Payment == nil || ans.Payment.Status != RequiresPayment {
		return body, nil
	}
	info, err := infos.Info(ctx, certificantID, ans.ID)
	if err != nil {
		return nil, fmt.Errorf("payment of %s: %w", ans.ID, err)
	}
	return Attach(body, info)
}

// Receipt is a payment as its payer and staff read it (api.md, R-PAY-5).
type Receipt struct {
	ID          string `json:"id"`
	About       string `json:"about"`
	Kind        Kind   `json:"kind"`
	AmountCents int64  `json:"amountCents"`
	Currency    string `json:"currency"`
	Status      Status `json:"status"`
	CreatedAt   string `json:"createdAt"`
	PaidAt      string `json:"paidAt,omitempty"`
	Intent      string `json:"stripePaymentIntent,omitempty"`
}

// Receipt is what the record shows (no client secret, no lease).
func (r Record) Receipt() Receipt {
	return Receipt{ID: r.ID, About: r.About, Kind: r.Kind, AmountCents: r.AmountCents, Currency: r.Currency,
		Status: r.Status, CreatedAt: r.CreatedAt, PaidAt: r.PaidAt, Intent: r.IntentID}
}

// LabelPayment labels a payment record's write in a transaction.
const LabelPayment = "payment"

// CancelWrite cancels about's payment while it is still unpaid, in the
// transaction that cancels the thing (R-PAY-4): a payment arriving later
// finds it cancelled and is flagged for a refund, never applied.
func CancelWrite(certificantID, about string) (dynamo.Write, error) {
	return dynamo.Update(LabelPayment, dynamo.PaymentKey(certificantID, about), "SET #s = :c, version = version + :one REMOVE leaseUntil",
		dynamo.Condition{Expr: "#s = :r", Names: map[string]string{"#s": "status"},
			Values: map[string]any{":c": string(Cancelled), ":r": string(RequiresPayment), ":one": 1}})
}

// Cancel commits a kind's release of its unpaid thing with the payment's
// cancel (CancelWrite) and the certificant's cancelled email in one
// transaction (R-PAY-4); false when a racing payment or run moved the thing
// or the payment first, so nothing changed.
func Cancel(ctx context.Context, table *dynamo.Table, r Record, release dynamo.Write, to, given, what string, now time.Time) (bool, error) {
	pay, err := CancelWrite(r.CertificantID, r.About)
	if err != nil {
		return false, err
	}
	mail, err := dynamo.PutOutbox(CancelledMail(r, to, given, what, now))
	if err != nil {
		return false, err
	}
	err = table.Transact(ctx, release, pay, mail)
	if errors.Is(err, dynamo.ErrConditionFailed) {
		return false, nil
	}
	return err == nil, err
}

// CancelledTemplate is the email telling a certificant that an unpaid
// thing was cancelled (R-PAY-4), for the kinds without their own status
// email (a declaration's cancelled status email says it).
const CancelledTemplate = "payment-cancelled"

// CancelledMail is that email for r, what naming the thing ("verification
// order"), owed once per payment.
func CancelledMail(r Record, to, given, what string, now time.Time) dynamo.OutboxItem {
	return dynamo.NewOutbox(CancelledTemplate, to, map[string]string{"given": given, "what": what, "id": r.About,
		"amount": fees.Amount(r.AmountCents, r.Currency)}, now, r.ID)
}

// ReceiptLine is the receipt an email owed by a payment carries (R-PAY-5).
func ReceiptLine(r Record, paidAt time.Time) string {
	return fmt.Sprintf("%s paid by card on %s (payment %s, Stripe %s)", fees.Amount(r.AmountCents, r.Currency),
		calendar.Today(paidAt), r.ID, r.IntentID)
}

// PaidTemplate is the email telling a certificant that a paid thing took
// effect, with its receipt, for the kinds without their own email.
const PaidTemplate = "payment-received"

// PaidMail is that email for r paid at paidAt, owed once per payment.
func PaidMail(r Record, to, given, what string, paidAt time.Time) dynamo.OutboxItem {
	return dynamo.NewOutbox(PaidTemplate, to, map[string]string{"given": given, "what": what, "id": r.About,
		"receipt": ReceiptLine(r, paidAt)}, paidAt, r.ID)
}

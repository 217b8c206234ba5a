package payment

import (
	"context"
	"errors"
	"time"

	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
)

// ErrBusy: another request is creating the payment's intent and did not
// finish in time; a retry gets it.
var ErrBusy = errors.New("payment: the payment is being prepared, retry")

// ErrUnavailable: the card processor did not answer the intent's creation.
// What the payment is for is stored; a retry under the same
// Idempotency-Key creates the one intent (R-PAY-2).
var ErrUnavailable = errors.New("payment: the card processor is unavailable, retry")

// ErrNotAwaiting: the thing a payment is for no longer awaits it; its
// Effect refuses to apply the payment.
var ErrNotAwaiting = errors.New("payment: the paid thing is not awaiting its payment")

// Infos answers a fee's payment for a 201, its one PaymentIntent created
// when there is none yet (billing.Ledger).
type Infos interface {
	Info(ctx context.Context, certificantID, about string) (Info, error)
}

// IntentRequest is one PaymentIntent to create (R-PAY-2): exactly the
// stored quote's total, our id in its metadata, an idempotency key derived
// from our id.
type IntentRequest struct {
	AmountCents    int64
	Currency       string
	IdempotencyKey string
	Metadata       map[string]string
}

// Intent is Stripe's answer: the intent's id and its client secret.
type Intent struct{ ID, ClientSecret string }

// Intents creates PaymentIntents (internal/stripeapi in the functions).
type Intents interface {
	Create(ctx context.Context, req IntentRequest) (Intent, error)
}

// Event is the part of a verified Stripe event the webhook acts on.
type Event struct {
	ID       string
	Type     string // payment_intent.succeeded, payment_intent.payment_failed, ...
	IntentID string
	// AmountCents and Currency are what Stripe says was paid.
	AmountCents int64
	Currency    string
	Created     time.Time
}

// Event types acted on (R-PAY-3).
const (
	EventSucceeded = "payment_intent.succeeded"
	EventFailed    = "payment_intent.payment_failed"
)

// Outcome is what processing an event did; the webhook answers it (200).
type Outcome string

const (
	// Applied: the payment settled and the thing took effect.
	Applied Outcome = "applied"
	// Duplicate: this event id was processed before; nothing changed.
	Duplicate Outcome = "duplicate"
	// Ignored: nothing to do (an unknown intent, an event type not acted
	// on, a failure after the payment succeeded, a declined card).
	Ignored Outcome = "ignored"
	// Refused: the amount or currency differs from the stored quote; the
	// thing stays unpaid and staff are alerted (R-PAY-3).
	Refused Outcome = "refused"
	// Flagged: paid after the thing was cancelled; recorded for a manual
	// refund, never applied (R-PAY-4).
	Flagged Outcome = "flagged"
)

// Effect is the state change a payment causes, supplied by the use case of
// the paid thing: the writes that make it take effect at paidAt (conditional
// on the state they read), the email owed included.
type Effect interface {
	Paid(ctx context.Context, r Record, paidAt time.Time) ([]dynamo.Write, error)
}

// Canceller cancels a kind's thing still unpaid on its cancel day (R-PAY-4),
// supplied by its use case: the thing released, the certificant told, and
// the payment cancelled (CancelWrite) in the same transaction, so a later
// payment is flagged, never applied; false when nothing was to cancel.
type Canceller interface {
	CancelUnpaid(ctx context.Context, r Record, today civil.Date) (bool, error)
}

// MetricNamespace is where the payment alarms' metrics are (template.yaml).
const MetricNamespace = "CMP/Payments"

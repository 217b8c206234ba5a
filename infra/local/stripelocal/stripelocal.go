// Package stripelocal plays Stripe's side of a card payment locally: it
// builds the payment_intent event Stripe would send once a card is
// confirmed and signs it with the endpoint secret exactly as Stripe does
// (stripe-go's webhook test helper). `make pay` and the e2e tests use it.
package stripelocal

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/boc/cmp/internal/billing"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/payment"
)

// WebhookPath is the route Stripe delivers to.
const WebhookPath = "/v1/payments/stripe-webhook"

// Payment reads the payment of a declaration, order, review or request id
// from the local table; false when it has none.
func Payment(ctx context.Context, db *dynamodb.Client, table, about string) (payment.Record, bool, error) {
	return billing.NewLedger(dynamo.New(db, table), nil, time.Now).Get(ctx, about)
}

// Intent is the PaymentIntent an event carries.
type Intent struct {
	ID          string
	AmountCents int64
	Currency    string
}

// IntentOf is the intent of a stored payment, as Stripe holds it.
func IntentOf(r payment.Record) Intent {
	return Intent{ID: r.IntentID, AmountCents: r.AmountCents, Currency: r.Currency}
}

// Event is the JSON of a Stripe event of type typ (payment_intent.succeeded,
// payment_intent.payment_failed) about pi, with id eventID.
func Event(eventID, typ string, pi Intent, created time.Time) []byte {
	status := "succeeded"
	if typ == payment.EventFailed {
		status = "requires_payment_method"
	}
	ev := map[string]any{
		"id": eventID, "object": "event", "type": typ, "api_version": stripe.APIVersion, "created": created.Unix(),
		"livemode": false, "pending_webhooks": 1,
		"data": map[string]any{"object": map[string]any{
			"id": pi.ID, "object": "payment_intent", "amount": pi.AmountCents, "amount_received": pi.AmountCents,
			"currency": lower(pi.Currency), "status": status,
		}},
	}
	b, _ := json.Marshal(ev) // maps of strings and numbers always encode
	return b
}

func lower(s string) string { return string(bytes.ToLower([]byte(s))) }

// Sign is the Stripe-Signature header of payload signed with secret at at.
func Sign(payload []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
}

// Deliver posts a signed event to the API's webhook route and returns the
// status and body.
func Deliver(ctx context.Context, apiURL string, payload []byte, signature string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, apiURL+WebhookPath, bytes.NewReader(payload))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", signature)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("deliver stripe event: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

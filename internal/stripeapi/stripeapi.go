// Package stripeapi adapts stripe-go to the payment use case: PaymentIntent
// creation and the webhook's signature check. Only the functions that need
// Stripe link it.
package stripeapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/boc/cmp/internal/payment"
)

// Client creates PaymentIntents with a secret key, at baseURL when set
// (locally stripe-mock; "" is Stripe's own API).
type Client struct{ sc *stripe.Client }

// New builds the client once, at init.
func New(secretKey, baseURL string) *Client {
	cfg := &stripe.BackendConfig{HTTPClient: &http.Client{Timeout: 20 * time.Second}, MaxNetworkRetries: stripe.Int64(2),
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelError}}
	if baseURL != "" {
		cfg.URL = stripe.String(strings.TrimRight(baseURL, "/"))
	}
	return &Client{sc: stripe.NewClient(secretKey, stripe.WithBackends(stripe.NewBackendsWithConfig(cfg)))}
}

// Create creates one PaymentIntent under the request's idempotency key.
func (c *Client) Create(ctx context.Context, req payment.IntentRequest) (payment.Intent, error) {
	params := &stripe.PaymentIntentCreateParams{
		Amount:   stripe.Int64(req.AmountCents),
		Currency: stripe.String(strings.ToLower(req.Currency)),
		// Card only: the client confirms it with Stripe.js (R-PAY-2).
		PaymentMethodTypes: []*string{stripe.String("card")},
	}
	for k, v := range req.Metadata {
		params.AddMetadata(k, v)
	}
	params.SetIdempotencyKey(req.IdempotencyKey)
	pi, err := c.sc.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		return payment.Intent{}, fmt.Errorf("stripe: create payment intent: %w", err)
	}
	return payment.Intent{ID: pi.ID, ClientSecret: pi.ClientSecret}, nil
}

// Tolerance is how old a signature may be (R-PAY-3: 300 s).
const Tolerance = 300 * time.Second

// ErrSignature: the Stripe-Signature header does not verify (400).
var ErrSignature = errors.New("stripe: bad or stale signature")

// Verifier checks webhook deliveries against the endpoint secret.
type Verifier struct{ secret string }

// NewVerifier keeps the endpoint secret (whsec_...).
func NewVerifier(secret string) *Verifier { return &Verifier{secret: secret} }

// Verify checks the signature (timestamp within Tolerance) and returns the
// event's facts; any failure is ErrSignature or a malformed event.
func (v *Verifier) Verify(payload []byte, header string) (payment.Event, error) {
	ev, err := webhook.ConstructEventWithOptions(payload, header, v.secret, webhook.ConstructEventOptions{
		Tolerance: Tolerance,
		// Only id, type, amount and currency are read, which every API
		// version spells the same.
		IgnoreAPIVersionMismatch: true,
	})
	if err != nil {
		if errors.Is(err, webhook.ErrNotSigned) || errors.Is(err, webhook.ErrInvalidHeader) ||
			errors.Is(err, webhook.ErrNoValidSignature) || errors.Is(err, webhook.ErrTooOld) {
			return payment.Event{}, ErrSignature
		}
		return payment.Event{}, fmt.Errorf("stripe: event: %w", err)
	}
	out := payment.Event{ID: ev.ID, Type: string(ev.Type), Created: time.Unix(ev.Created, 0).UTC()}
	if strings.HasPrefix(out.Type, "payment_intent.") && ev.Data != nil {
		var pi struct {
			ID       string `json:"id"`
			Amount   int64  `json:"amount"`
			Currency string `json:"currency"`
		}
		if err := json.Unmarshal(ev.Data.Raw, &pi); err != nil {
			return payment.Event{}, fmt.Errorf("stripe: event %s data: %w", ev.ID, err)
		}
		out.IntentID, out.AmountCents, out.Currency = pi.ID, pi.Amount, pi.Currency
	}
	return out, nil
}

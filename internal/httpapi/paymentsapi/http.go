// Package paymentsapi serves the payment routes: the Stripe webhook (public,
// signed, R-PAY-3) and a certificant's payment records (R-PAY-5).
package paymentsapi

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/boc/cmp/internal/billing"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/payment"
)

// Route keys served by the payments function (template.yaml events).
const (
	RouteWebhook = "POST /v1/payments/stripe-webhook"
	RouteList    = "GET /v1/certificants/{id}/payments"
)

// Verifier checks a delivery's Stripe-Signature and parses the event; an
// error for a bad or stale one (internal/stripeapi).
type Verifier interface {
	Verify(payload []byte, header string) (payment.Event, error)
}

// NewRouter serves the webhook (public: Stripe signs, R-PAY-3) and the
// receipts (R-PAY-5).
func NewRouter(proc *billing.Processor, ledger *billing.Ledger, verify Verifier, now func() time.Time, log *slog.Logger) *httpapi.Router {
	rt := httpapi.NewRouter(log)
	rt.HandlePublic(RouteWebhook, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		ev, err := verify.Verify(r.Body(), r.Header("Stripe-Signature"))
		if err != nil {
			// Never the payload, never the header: only that it failed.
			r.Log.Warn("stripe webhook refused", "reason", err.Error())
			return httpapi.Response{}, httpapi.BadRequest("the Stripe-Signature does not verify against the endpoint secret, or is older than 300 s",
				fielderr.Field{Field: "Stripe-Signature", Rule: "R-PAY-3", Message: "bad or stale signature"})
		}
		out, err := proc.Handle(ctx, ev, now())
		if err != nil {
			return httpapi.Response{}, err // 500: Stripe delivers it again
		}
		r.Log.Info("stripe event", "eventId", ev.ID, "type", ev.Type, "outcome", string(out))
		return httpapi.JSON(http.StatusOK, map[string]string{"eventId": ev.ID, "outcome": string(out)})
	})
	rt.Handle(RouteList, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		id := r.Param("id")
		if err := httpapi.RequireSelfOrStaff(r.Principal, id); err != nil {
			return httpapi.Response{}, err
		}
		rs, found, err := ledger.List(ctx, id)
		if err != nil {
			return httpapi.Response{}, err
		}
		if !found {
			return httpapi.Response{}, httpapi.NotFound()
		}
		out := make([]payment.Receipt, len(rs))
		for i, rec := range rs {
			out[i] = rec.Receipt()
		}
		slices.SortFunc(out, func(a, b payment.Receipt) int { return strings.Compare(b.CreatedAt+b.ID, a.CreatedAt+a.ID) })
		return httpapi.JSON(http.StatusOK, map[string]any{"payments": out})
	})
	return rt
}

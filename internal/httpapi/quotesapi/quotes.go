// Package quotesapi serves the fee quote route over the quotes use case: the
// HTTP side, kept out of the use case.
package quotesapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/quotes"
)

// RouteQuote is the route key served by the fees function.
const RouteQuote = "POST /v1/fees/quote"

// NewRouter serves the quote route: the certificant for themself, staff for anyone.
func NewRouter(svc *quotes.Service, log *slog.Logger) *httpapi.Router {
	rt := httpapi.NewRouter(log)
	rt.Handle(RouteQuote, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		var req quotes.Request
		if err := r.Decode(&req); err != nil {
			return httpapi.Response{}, err
		}
		if req.CertificantID == "" {
			return httpapi.Response{}, httpapi.Unprocessable("certificantId is required",
				fielderr.Field{Field: "certificantId", Rule: "R-FEE-7", Message: "the certificant the quote is for"})
		}
		if err := httpapi.RequireSelfOrStaff(r.Principal, req.CertificantID); err != nil {
			return httpapi.Response{}, err
		}
		q, err := svc.Quote(ctx, req)
		if errors.Is(err, quotes.ErrNotFound) {
			return httpapi.Response{}, httpapi.NotFound()
		}
		if err != nil {
			return httpapi.Response{}, err
		}
		return httpapi.JSON(http.StatusOK, q)
	})
	return rt
}

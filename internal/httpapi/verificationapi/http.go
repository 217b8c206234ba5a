// Package verificationapi serves the verification routes (R-VER) over the
// verification use case: the HTTP side, kept out of the use case.
package verificationapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/payment"
	"github.com/boc/cmp/internal/verification"
)

// Route keys served by the verifications function (template.yaml events).
const (
	RouteOrder  = "POST /v1/verification-orders"
	RouteRecord = "GET /v1/verifications/{token}"
)

// NewRouter serves the verification routes; orders are written to table,
// their fees' PaymentIntents made through payments (R-PAY-2).
func NewRouter(svc *verification.Service, table *dynamo.Table, payments payment.Infos, log *slog.Logger) *httpapi.Router {
	rt := httpapi.NewRouter(log)
	rt.Handle(RouteOrder, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		if err := httpapi.RefuseStaff(r.Principal); err != nil {
			return httpapi.Response{}, err
		}
		var in verification.NewOrder
		if err := r.DecodeChecked(&in); err != nil {
			return httpapi.Response{}, err
		}
		if err := httpapi.RequireSelf(r.Principal, in.CertificantID); err != nil {
			return httpapi.Response{}, err
		}
		resp, err := httpapi.CommitOwing(ctx, table, r, svc.Now(), http.StatusCreated, payments, in.CertificantID, func(ctx context.Context) (any, []dynamo.Write, error) {
			o, err := svc.Prepare(ctx, in)
			if err != nil {
				return nil, nil, err
			}
			writes, err := svc.Writes(o)
			return o, writes, err
		})
		if err != nil {
			return httpapi.Response{}, problem(err)
		}
		r.Log.Info("verification order placed", "certificantId", in.CertificantID, "recipients", len(in.Recipients))
		return resp, nil
	})
	rt.HandlePublic(RouteRecord, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		rec, err := svc.Lookup(ctx, r.Param("token"))
		if err != nil {
			return httpapi.Response{}, problem(err)
		}
		resp, err := httpapi.JSON(http.StatusOK, rec)
		if err == nil {
			// The record is personal data behind a secret link: keep it out of caches.
			resp.Headers["Cache-Control"] = "no-store"
		}
		return resp, err
	})
	return rt
}

// problem maps use-case errors to HTTP problems; anything else stays a 500.
func problem(err error) error {
	switch {
	case errors.Is(err, verification.ErrNotEarnedByPassing):
		return httpapi.Unprocessable("verification is only for a certification earned by passing an examination",
			fielderr.Field{Field: "certification", Rule: "R-VER-1", Message: "no passed examination for this certification"})
	case errors.Is(err, verification.ErrUnknownCertificant), errors.Is(err, verification.ErrNotFound):
		return httpapi.NotFound()
	}
	return err
}

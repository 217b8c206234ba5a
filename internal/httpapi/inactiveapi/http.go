// Package inactiveapi serves the inactive-status routes (R-INA) over the
// inactive use case, mounted on the certificants router: the HTTP side, kept
// out of the use case.
package inactiveapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/inactive"
	"github.com/boc/cmp/internal/payment"
)

// Route keys: the certificant's request and the staff decision on it.
const (
	RouteCreate = "POST /v1/certificants/{id}/inactive-requests"
	RouteDecide = "POST /v1/certificants/{id}/inactive-requests/{requestId}/decision"
)

// Mount adds the inactive status routes to a router (the certificants
// function's): a request is committed on table with its Idempotency-Key, and
// its fee gets its PaymentIntent through payments (R-PAY-2).
func Mount(rt *httpapi.Router, svc *inactive.Service, table *dynamo.Table, payments payment.Infos) {
	rt.Handle(RouteCreate, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		id := r.Param("id")
		if err := httpapi.RefuseStaff(r.Principal); err != nil {
			return httpapi.Response{}, err
		}
		var req inactive.Request
		if err := r.Decode(&req); err != nil {
			return httpapi.Response{}, err
		}
		if err := inactive.Validate(req.Trimmed()); err != nil {
			return httpapi.Response{}, err
		}
		if err := httpapi.RequireSelf(r.Principal, id); err != nil {
			return httpapi.Response{}, err
		}
		now := svc.Now()
		resp, err := httpapi.CommitOwing(ctx, table, r, now, http.StatusCreated, payments, id, func(ctx context.Context) (any, []dynamo.Write, error) {
			return svc.Request(ctx, id, req, now)
		})
		if err != nil {
			return httpapi.Response{}, problem(err)
		}
		r.Log.Info("inactive status requested", "certification", req.Certification)
		return resp, nil
	})
	rt.Handle(RouteDecide, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		if err := httpapi.RequireStaff(r.Principal); err != nil {
			return httpapi.Response{}, err
		}
		var d inactive.Decision
		if err := r.DecodeChecked(&d); err != nil {
			return httpapi.Response{}, err
		}
		out, err := svc.Decide(ctx, r.Param("id"), r.Param("requestId"), d, r.Principal.Subject)
		if err != nil {
			return httpapi.Response{}, problem(err)
		}
		r.Log.Info("inactive status decided", "request", out.ID, "certification", out.Certification, "status", string(out.Status))
		return httpapi.JSON(http.StatusOK, out)
	})
}

func problem(err error) error {
	switch {
	case errors.Is(err, inactive.ErrNotHeld):
		return httpapi.Unprocessable("certification not held",
			fielderr.Field{Field: "certification", Rule: "R-INA-1", Message: "the certificant holds no such certification"})
	case errors.Is(err, inactive.ErrOpen):
		return httpapi.Conflict("an inactive status request of this certification is open", fielderr.Field{Field: "certification", Rule: "R-INA-1", Message: "one open request per certification"})
	case errors.Is(err, inactive.ErrNotFound):
		return httpapi.NotFound()
	case errors.Is(err, inactive.ErrAwaitingPayment):
		return httpapi.Conflict("the inactive status request awaits its fee", fielderr.Field{Field: "decision", Rule: "R-PAY-1", Message: "a request is decided once its fee is paid"})
	case errors.Is(err, inactive.ErrDecided):
		return httpapi.Conflict("the inactive status request is decided already", fielderr.Field{Field: "decision", Rule: "R-INA-1", Message: "only an open request takes a decision"})
	case errors.Is(err, inactive.ErrReexamination):
		p := httpapi.Conflict("re-examination required")
		p.Errors = []fielderr.Field{{Field: "certification", Rule: "R-CYC-8",
			Message: "expired 10 or more years: only re-examination restores it, inactive status is not available (R-INA-1)"}}
		return p
	case errors.Is(err, inactive.ErrCertificationChanged):
		return httpapi.Conflict("the certification changed meanwhile", fielderr.Field{Field: "certification", Rule: "R-INA-1", Message: "decide again on its current expiration"})
	}
	return err
}

// Package declarationsapi serves the declaration routes (R-DEC) over the
// declarations use case: submission, reads, and the lifecycle of staff
// decisions, resolutions and documents; the HTTP side, kept out of the use
// case.
package declarationsapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/declarations"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/payment"
)

// Route keys served by the declarations function (template.yaml events).
const (
	RouteSubmit = "POST /v1/declarations"
	RouteGet    = "GET /v1/declarations/{id}"
	RouteList   = "GET /v1/certificants/{id}/declarations"
)

// NewRouter serves the declaration routes with svc; a submission's fee gets
// its one PaymentIntent through payments (R-PAY-2), every answer, a replayed
// one too, with the same.
func NewRouter(svc *declarations.Service, payments payment.Infos, log *slog.Logger) *httpapi.Router {
	rt := httpapi.NewRouter(log)
	rt.Handle(RouteSubmit, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		if err := httpapi.RefuseStaff(r.Principal); err != nil {
			return httpapi.Response{}, err
		}
		var req declarations.Request
		if err := r.DecodeChecked(&req); err != nil {
			return httpapi.Response{}, err
		}
		if err := httpapi.RequireSelf(r.Principal, req.CertificantID); err != nil {
			return httpapi.Response{}, err
		}
		key, err := r.IdempotencyKey()
		if err != nil {
			return httpapi.Response{}, err
		}
		out, err := svc.Submit(ctx, r.Principal.Subject, req, dynamo.NewIdempotency(r.Principal.Subject, key, r.RouteKey, r.Body()))
		if err != nil {
			return httpapi.Response{}, problem(err)
		}
		body, err := httpapi.CompletePayment(ctx, payments, req.CertificantID, out.Body)
		if err != nil {
			return httpapi.Response{}, err
		}
		r.Log.Info("declaration submitted", "certification", req.Certification)
		return httpapi.EncodedJSON(http.StatusCreated, body), nil
	})
	rt.Handle(RouteGet, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		d, found, err := svc.Get(ctx, r.Param("id"))
		if err != nil {
			return httpapi.Response{}, err
		}
		if !found {
			return httpapi.Response{}, httpapi.NotFound()
		}
		if err := httpapi.RequireSelfOrStaff(r.Principal, d.CertificantID); err != nil {
			return httpapi.Response{}, err
		}
		return httpapi.JSON(http.StatusOK, d)
	})
	rt.Handle(RouteList, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		id := r.Param("id")
		if err := httpapi.RequireSelfOrStaff(r.Principal, id); err != nil {
			return httpapi.Response{}, err
		}
		ds, found, err := svc.List(ctx, id)
		if err != nil {
			return httpapi.Response{}, err
		}
		if !found {
			return httpapi.Response{}, httpapi.NotFound()
		}
		return httpapi.JSON(http.StatusOK, map[string]any{"declarations": ds})
	})
	return rt
}

// problem maps use-case errors to HTTP problems; anything else stays a 500.
func problem(err error) error {
	var rule *declarations.RuleError
	var notOpen *declarations.NotOpenError
	var reexam *calendar.ReexaminationError
	switch {
	case errors.As(err, &reexam):
		return httpapi.Conflict("re-examination required", fielderr.Field{Field: "certification", Rule: reexam.Rule(), Message: reexam.Error()})
	case errors.As(err, &rule):
		p := httpapi.Unprocessable(rule.Detail, rule.Errors...)
		if len(rule.Shortfalls) > 0 {
			p.Shortfalls = rule.Shortfalls
		}
		return p
	case errors.As(err, &notOpen):
		return httpapi.Conflict(notOpen.Error(), fielderr.Field{Field: "certification", Rule: "R-CYC-7", Message: "the submission window opens on " + notOpen.Opens.String()})
	case errors.Is(err, declarations.ErrPending):
		return httpapi.Conflict("a declaration of this certification is already pending", fielderr.Field{Field: "certification", Rule: "R-DEC-1", Message: "one pending declaration per certification"})
	case errors.Is(err, declarations.ErrBusy):
		return httpapi.Conflict("a concurrent change to this certification: retry")
	case errors.Is(err, declarations.ErrNotFound):
		return httpapi.NotFound()
	}
	return err
}

// Package certificantsapi serves the certificants routes over the
// certificants use case: the HTTP side, kept out of the use case.
package certificantsapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/boc/cmp/internal/certificants"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/partition"
)

// Route keys served by the certificants function (template.yaml events).
const (
	RouteCreate   = "POST /v1/certificants"
	RouteGet      = "GET /v1/certificants/{id}"
	RouteRegister = "POST /v1/certificants/{id}/certifications"
)

// NewRouter serves the certificants routes with svc.
func NewRouter(svc *certificants.Service, log *slog.Logger) *httpapi.Router {
	rt := httpapi.NewRouter(log)
	rt.Handle(RouteCreate, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		if err := httpapi.RequireStaff(r.Principal); err != nil {
			return httpapi.Response{}, err
		}
		var in certificants.NewCertificant
		if err := r.Decode(&in); err != nil {
			return httpapi.Response{}, err
		}
		p, err := svc.Create(ctx, in)
		if err != nil {
			return httpapi.Response{}, problem(err)
		}
		r.Log.Info("certificant created", "certificantId", p.ID)
		resp, err := httpapi.JSON(http.StatusCreated, p)
		if err != nil {
			return resp, err
		}
		resp.Headers["Location"] = "/v1/certificants/" + p.ID
		return resp, nil
	})
	rt.Handle(RouteGet, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		id := r.Param("id")
		if err := httpapi.RequireSelfOrStaff(r.Principal, id); err != nil {
			return httpapi.Response{}, err
		}
		p, found, err := svc.Get(ctx, id)
		if err != nil {
			return httpapi.Response{}, err
		}
		if !found {
			return httpapi.Response{}, httpapi.NotFound()
		}
		if !r.Principal.IsStaff() {
			p = p.Public()
		}
		return httpapi.JSON(http.StatusOK, p)
	})
	rt.Handle(RouteRegister, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		if err := httpapi.RequireStaff(r.Principal); err != nil {
			return httpapi.Response{}, err
		}
		var in partition.Registration
		if err := r.Decode(&in); err != nil {
			return httpapi.Response{}, err
		}
		id := r.Param("id")
		c, err := svc.Register(ctx, id, in)
		if err != nil {
			return httpapi.Response{}, problem(err)
		}
		r.Log.Info("certification registered", "certificantId", id, "certification", c.Key, "cmpRequired", c.CMPRequired)
		return httpapi.JSON(http.StatusCreated, c)
	})
	return rt
}

// problem maps use-case errors to HTTP problems; anything else stays a 500.
func problem(err error) error {
	switch {
	case errors.Is(err, certificants.ErrDuplicate):
		return httpapi.Conflict("a certificant with this id exists")
	case errors.Is(err, certificants.ErrRegistered):
		return httpapi.Conflict("the certificant holds this certification already", fielderr.Field{Field: "category", Rule: "R-CAT-1", Message: "registered already"})
	case errors.Is(err, certificants.ErrNotFound):
		return httpapi.NotFound()
	}
	return err
}

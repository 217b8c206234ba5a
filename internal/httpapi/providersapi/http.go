// Package providersapi serves the CE provider routes (R-PROV) over the
// providers use case: the HTTP side, kept out of the use case.
package providersapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/providers"
)

// Route keys served by the providers function (template.yaml events).
const (
	RouteRegister = "POST /v1/providers"
	RoutePost     = "POST /v1/provider-completions"
	RouteBatch    = "GET /v1/provider-completions/{batchId}"
)

// MaxUploadBody bounds a batch upload: 500 lines of a few hundred bytes
// each do not fit the 64 KiB of other routes (API Gateway allows 10 MB).
const MaxUploadBody = 1 << 20

// maxBatchID bounds the path's batch id before it becomes a key.
const maxBatchID = 64

// NewRouter serves the provider routes with svc.
func NewRouter(svc *providers.Service, log *slog.Logger) *httpapi.Router {
	rt := httpapi.NewRouter(log)
	rt.Handle(RouteRegister, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		if err := httpapi.RequireStaff(r.Principal); err != nil {
			return httpapi.Response{}, err
		}
		var in providers.Registration
		if err := r.Decode(&in); err != nil {
			return httpapi.Response{}, err
		}
		p, err := svc.Register(ctx, in)
		if err != nil {
			return httpapi.Response{}, problem(err)
		}
		r.Log.Info("provider registered", "providerId", p.ID)
		return httpapi.JSON(http.StatusCreated, p)
	})
	rt.HandleProvider(RoutePost, MaxUploadBody, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		p, err := caller(ctx, svc, r)
		if err != nil {
			return httpapi.Response{}, err
		}
		var up providers.Upload
		if err := r.Decode(&up); err != nil {
			return httpapi.Response{}, err
		}
		b, err := svc.Post(ctx, p, up)
		if err != nil {
			return httpapi.Response{}, problem(err)
		}
		r.Log.Info("completions posted", "providerId", p.ID, "batchId", b.BatchID, "lines", len(b.Lines),
			"posted", b.Summary.Posted, "unmatched", b.Summary.Unmatched, "rejected", b.Summary.Rejected)
		return httpapi.JSON(http.StatusOK, b)
	})
	rt.HandleProvider(RouteBatch, 0, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		p, err := caller(ctx, svc, r)
		if err != nil {
			return httpapi.Response{}, err
		}
		id := r.Param("batchId")
		if id == "" || len(id) > maxBatchID {
			return httpapi.Response{}, httpapi.NotFound()
		}
		b, err := svc.Batch(ctx, p, id)
		if err != nil {
			return httpapi.Response{}, problem(err)
		}
		return httpapi.JSON(http.StatusOK, b)
	})
	return rt
}

// caller is the registered provider of a provider's machine client; any
// other caller (a certificant, staff) gets 403 (R-PROV-1).
func caller(ctx context.Context, svc *providers.Service, r *httpapi.Request) (providers.Provider, error) {
	if err := httpapi.RequireProvider(r.Principal); err != nil {
		return providers.Provider{}, err
	}
	p, err := svc.Resolve(ctx, providers.Caller{ProviderID: r.Principal.ProviderID, ClientID: r.Principal.ClientID})
	if err != nil {
		return providers.Provider{}, problem(err)
	}
	return p, nil
}

// problem maps use-case errors to HTTP problems; anything else stays a 500.
func problem(err error) error {
	switch {
	case errors.Is(err, providers.ErrNotFound):
		return httpapi.NotFound()
	case errors.Is(err, providers.ErrUnknownProvider):
		return httpapi.Forbidden("no registered provider for this client", fielderr.Field{Field: "provider_id", Rule: "R-PROV-1", Message: "register the provider first"})
	case errors.Is(err, providers.ErrClientTaken):
		return httpapi.Conflict("the client id is registered to another provider", fielderr.Field{Field: "clientId", Rule: "R-PROV-1", Message: "already registered"})
	}
	return err
}

// Package credentialapi serves the digital credential routes (R-CRED) over
// the credential use case: the HTTP side, kept out of the use case.
package credentialapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/boc/cmp/internal/credential"
	"github.com/boc/cmp/internal/httpapi"
)

// Route keys served by the credentials function (template.yaml events).
const (
	RouteCredential = "GET /v1/certificants/{id}/certifications/{key}/credential"
	RouteStatusList = "GET /v1/status-lists/{listId}"
	RouteDID        = "GET /.well-known/did.json"
)

// NewRouter serves the digital credential routes (R-CRED).
func NewRouter(svc *credential.Service, log *slog.Logger) *httpapi.Router {
	rt := httpapi.NewRouter(log)
	rt.Handle(RouteCredential, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		id := r.Param("id")
		if err := httpapi.RequireSelf(r.Principal, id); err != nil {
			return httpapi.Response{}, err
		}
		body, err := svc.Issue(ctx, id, r.Param("key"))
		if err != nil {
			return httpapi.Response{}, problem(err)
		}
		r.Log.Info("credential issued", "certificantId", id, "certification", r.Param("key"))
		return signedResponse(body, "application/vc", "private, no-store"), nil
	})
	rt.HandlePublic(RouteStatusList, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		body, err := svc.StatusList(ctx, r.Param("listId"))
		if err != nil {
			return httpapi.Response{}, problem(err)
		}
		// Short caching: a verifier learns a lapse within minutes of its day.
		return signedResponse(body, "application/vc", "public, max-age=300"), nil
	})
	rt.HandlePublic(RouteDID, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		resp, err := httpapi.JSON(http.StatusOK, svc.DIDDocument())
		if err == nil {
			resp.Headers["Content-Type"] = "application/did+json"
			resp.Headers["Cache-Control"] = "public, max-age=3600"
		}
		return resp, err
	})
	return rt
}

func signedResponse(body []byte, contentType, cache string) httpapi.Response {
	resp := httpapi.EncodedJSON(http.StatusOK, body)
	resp.Headers["Content-Type"] = contentType
	resp.Headers["Cache-Control"] = cache
	return resp
}

// problem maps use-case errors to HTTP problems; anything else stays a 500.
func problem(err error) error {
	switch {
	case errors.Is(err, credential.ErrNotFound):
		return httpapi.NotFound()
	case errors.Is(err, credential.ErrNotCurrent):
		return httpapi.Conflict("the certification is not current: a credential is issued only for a current cycle (R-CRED-1)")
	case errors.Is(err, credential.ErrChanged):
		return httpapi.Conflict("the certification changed while its credential was issued; retry")
	}
	return err
}

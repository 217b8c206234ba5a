package declarationsapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/boc/cmp/internal/declarations"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/partition"
)

// Route keys of the lifecycle, served by the declarations function too.
const (
	RouteDecide    = "POST /v1/declarations/{id}/decisions"
	RouteResolve   = "POST /v1/declarations/{id}/resolution"
	RouteDocuments = "POST /v1/declarations/{id}/documents"
	RouteQueue     = "GET /v1/declarations"
)

// Mount adds the lifecycle routes to the declarations router.
func Mount(rt *httpapi.Router, lc *declarations.Lifecycle) {
	rt.Handle(RouteDecide, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		if err := httpapi.RequireStaff(r.Principal); err != nil {
			return httpapi.Response{}, err
		}
		var req declarations.DecisionRequest
		if err := r.DecodeChecked(&req); err != nil {
			return httpapi.Response{}, err
		}
		d, err := lc.Decide(ctx, r.Param("id"), req.Decision, r.Principal.Subject, req.Reasons)
		if err != nil {
			return httpapi.Response{}, lifecycleProblem(err)
		}
		r.Log.Info("declaration decided", "decision", req.Decision, "status", d.Status)
		return httpapi.JSON(http.StatusOK, d)
	})
	rt.Handle(RouteResolve, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		if err := httpapi.RefuseStaff(r.Principal); err != nil {
			return httpapi.Response{}, err
		}
		var req declarations.Resolution
		if err := r.Decode(&req); err != nil {
			return httpapi.Response{}, err
		}
		d, err := requireOwner(ctx, lc, r)
		if err != nil {
			return httpapi.Response{}, err
		}
		d, err = lc.Resolve(ctx, d, r.Principal.Subject, req)
		if err != nil {
			return httpapi.Response{}, lifecycleProblem(err)
		}
		return httpapi.JSON(http.StatusOK, d)
	})
	rt.Handle(RouteDocuments, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		if err := httpapi.RefuseStaff(r.Principal); err != nil {
			return httpapi.Response{}, err
		}
		var doc declarations.Upload
		if err := r.DecodeChecked(&doc); err != nil {
			return httpapi.Response{}, err
		}
		d, err := requireOwner(ctx, lc, r)
		if err != nil {
			return httpapi.Response{}, err
		}
		d, err = lc.AddDocument(ctx, d, partition.Document(doc))
		if err != nil {
			return httpapi.Response{}, lifecycleProblem(err)
		}
		return httpapi.JSON(http.StatusCreated, map[string]any{"documents": d.Documents, "missing": declarations.MissingDocumentation(d)})
	})
	rt.Handle(RouteQueue, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		if err := httpapi.RequireStaff(r.Principal); err != nil {
			return httpapi.Response{}, err
		}
		state := partition.State(r.Query["status"])
		if state == "" || state.Final() || !declarations.Open(state) {
			return httpapi.Response{}, httpapi.BadRequest("invalid status", fielderr.Field{Field: "status", Rule: "R-DEC-1",
				Message: "one of awaiting_payment, submitted, processing, deficient, under_audit, audit_failed, appealed"})
		}
		ds, err := lc.Queue(ctx, state)
		if err != nil {
			return httpapi.Response{}, err
		}
		return httpapi.JSON(http.StatusOK, map[string]any{"declarations": ds})
	})
}

// requireOwner reads the declaration of the path and lets only its
// certificant through (staff 403, anyone else 404); the use case goes on
// with the declaration read here.
func requireOwner(ctx context.Context, lc *declarations.Lifecycle, r *httpapi.Request) (partition.Declaration, error) {
	d, err := lc.Declaration(ctx, r.Param("id"))
	if errors.Is(err, declarations.ErrNotFound) {
		return partition.Declaration{}, httpapi.NotFound()
	}
	if err != nil {
		return partition.Declaration{}, err
	}
	return d, httpapi.RequireSelf(r.Principal, d.CertificantID)
}

// lifecycleProblem maps transition errors; the rest as for submissions.
func lifecycleProblem(err error) error {
	var te *declarations.TransitionError
	switch {
	case errors.As(err, &te):
		return httpapi.Conflict(te.Error(), fielderr.Field{Field: "decision", Rule: "R-DEC", Message: te.Error()})
	case errors.Is(err, declarations.ErrStale):
		return httpapi.Conflict("the declaration changed meanwhile; read it again", fielderr.Field{Field: "decision", Rule: "R-DEC", Message: "stale version"})
	}
	return problem(err)
}

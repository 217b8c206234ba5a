// Package transcriptapi serves the transcript and progress routes over the
// transcript use case: the HTTP side, kept out of the use case.
package transcriptapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/progresschart"
	"github.com/boc/cmp/internal/rules"
	"github.com/boc/cmp/internal/transcript"
)

// Route keys served by the transcript function (template.yaml events).
const (
	RouteAdd      = "POST /v1/certificants/{id}/activities"
	RouteList     = "GET /v1/certificants/{id}/activities"
	RouteDelete   = "DELETE /v1/certificants/{id}/activities/{activityId}"
	RouteProgress = "GET /v1/certificants/{id}/certifications/{key}/progress"
	RouteReview   = "POST /v1/certificants/{id}/activities/{activityId}/review"
	RouteDispute  = "POST /v1/certificants/{id}/activities/{activityId}/dispute"
)

// maxIDLen bounds ids taken from paths before they become keys.
const maxIDLen = 128

// NewRouter serves the transcript and progress routes with svc.
func NewRouter(svc *transcript.Service, log *slog.Logger) *httpapi.Router {
	rt := httpapi.NewRouter(log)
	rt.Handle(RouteAdd, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		id := r.Param("id")
		if err := httpapi.RefuseStaff(r.Principal); err != nil {
			return httpapi.Response{}, err
		}
		var in rules.ActivityInput
		if err := r.Decode(&in); err != nil {
			return httpapi.Response{}, err
		}
		if err := svc.Check(in); err != nil {
			return httpapi.Response{}, err
		}
		if err := httpapi.RequireSelf(r.Principal, id); err != nil {
			return httpapi.Response{}, err
		}
		e, err := svc.Add(ctx, id, in)
		if err != nil {
			return httpapi.Response{}, problem(err)
		}
		r.Log.Info("activity added", "certificantId", id, "activityId", e.ID, "type", e.Type)
		resp, err := httpapi.JSON(http.StatusCreated, e)
		if err == nil {
			resp.Headers["Location"] = "/v1/certificants/" + id + "/activities/" + e.ID
		}
		return resp, err
	})
	rt.Handle(RouteList, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		id := r.Param("id")
		if err := httpapi.RequireSelfOrStaff(r.Principal, id); err != nil {
			return httpapi.Response{}, err
		}
		entries, err := svc.List(ctx, id)
		if err != nil {
			return httpapi.Response{}, problem(err)
		}
		return httpapi.JSON(http.StatusOK, map[string]any{"activities": entries})
	})
	rt.Handle(RouteDelete, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		id, activityID, err := ownActivity(r)
		if err != nil {
			return httpapi.Response{}, err
		}
		if err := svc.Delete(ctx, id, activityID); err != nil {
			return httpapi.Response{}, problem(err)
		}
		r.Log.Info("activity deleted", "certificantId", id, "activityId", activityID)
		return httpapi.NoContent()
	})
	rt.Handle(RouteReview, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		if err := httpapi.RequireStaff(r.Principal); err != nil {
			return httpapi.Response{}, err
		}
		id, activityID, err := activity(r)
		if err != nil {
			return httpapi.Response{}, err
		}
		var in transcript.Review
		if err := r.Decode(&in); err != nil {
			return httpapi.Response{}, err
		}
		e, err := svc.ReviewCovid(ctx, id, activityID, r.Principal.Subject, in)
		if err != nil {
			return httpapi.Response{}, problem(err)
		}
		r.Log.Info("covid claim reviewed", "certificantId", id, "activityId", activityID, "status", string(e.Status))
		return httpapi.JSON(http.StatusOK, e)
	})
	rt.Handle(RouteDispute, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		id, activityID, err := ownActivity(r)
		if err != nil {
			return httpapi.Response{}, err
		}
		var in struct {
			Reason string `json:"reason"`
		}
		if err := r.Decode(&in); err != nil {
			return httpapi.Response{}, err
		}
		e, err := svc.Dispute(ctx, id, activityID, in.Reason)
		if err != nil {
			return httpapi.Response{}, problem(err)
		}
		r.Log.Info("activity disputed", "certificantId", id, "activityId", activityID)
		return httpapi.JSON(http.StatusOK, e)
	})
	rt.Handle(RouteProgress, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		id := r.Param("id")
		if err := httpapi.RequireSelfOrStaff(r.Principal, id); err != nil {
			return httpapi.Response{}, err
		}
		p, err := svc.Progress(ctx, id, r.Param("key"))
		if err != nil {
			return httpapi.Response{}, problem(err)
		}
		if strings.Contains(r.Header("Accept"), "image/svg+xml") {
			return progressChart(p), nil
		}
		resp, err := httpapi.JSON(http.StatusOK, p)
		resp.Headers["Vary"] = "Accept"
		return resp, err
	})
	return rt
}

// progressChart is the progress as a picture, for a person rather than a
// program: one bar per requirement area.
func progressChart(p transcript.Progress) httpapi.Response {
	title := p.Certification + ": CE window " + p.CEWindow.Start.String() + " to " + p.CEWindow.End.String()
	return httpapi.Response{
		StatusCode: http.StatusOK,
		Headers:    map[string]string{"Content-Type": "image/svg+xml", "Vary": "Accept"},
		Body:       string(progresschart.SVG(title, p.Requirements)),
	}
}

// problem maps use-case errors to HTTP problems; anything else stays a 500.
func problem(err error) error {
	switch {
	case errors.Is(err, transcript.ErrNotFound):
		return httpapi.NotFound()
	case errors.Is(err, transcript.ErrCovidTaken):
		return httpapi.Conflict("a covid entry exists already", fielderr.Field{Field: "type", Rule: "R-ACT-9", Message: "one covid entry per certificant, ever, unless the first was rejected"})
	case errors.Is(err, transcript.ErrNotReviewable):
		return httpapi.Conflict("not a covid entry pending review", fielderr.Field{Field: "activityId", Rule: "R-ACT-9", Message: "only a covid entry pending review takes a review"})
	case errors.Is(err, transcript.ErrClaimed):
		return httpapi.Conflict("a declaration claims this activity", fielderr.Field{Field: "activityId", Rule: "R-ACT-11", Message: "claimed by a declaration; it cannot be deleted or disputed"})
	case errors.Is(err, transcript.ErrPosted):
		return httpapi.Conflict("a provider posted this activity; dispute it instead", fielderr.Field{Field: "activityId", Rule: "R-PROV-3", Message: "provider-posted: never deleted or edited, only disputed"})
	case errors.Is(err, transcript.ErrNotPosted):
		return httpapi.Conflict("only a provider-posted activity can be disputed", fielderr.Field{Field: "activityId", Rule: "R-PROV-3", Message: "self-entered: delete it instead"})
	case errors.Is(err, transcript.ErrDisputed):
		return httpapi.Conflict("the activity is disputed already", fielderr.Field{Field: "activityId", Rule: "R-PROV-3", Message: "disputed already"})
	case errors.Is(err, transcript.ErrBusy):
		return httpapi.Conflict("the transcript kept changing meanwhile: retry")
	}
	return err
}

// activity is the certificant and activity of the path; an activity id no
// activity can have is 404.
func activity(r *httpapi.Request) (id, activityID string, err error) {
	id, activityID = r.Param("id"), r.Param("activityId")
	if activityID == "" || len(activityID) > maxIDLen {
		return "", "", httpapi.NotFound()
	}
	return id, activityID, nil
}

// ownActivity is activity for the certificant's own routes.
func ownActivity(r *httpapi.Request) (id, activityID string, err error) {
	if err := httpapi.RequireSelf(r.Principal, r.Param("id")); err != nil {
		return "", "", err
	}
	return activity(r)
}

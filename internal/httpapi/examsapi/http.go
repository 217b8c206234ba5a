// Package examsapi serves the examination routes over the exams use case:
// the HTTP side, kept out of the use case.
package examsapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/exams"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/payment"
)

// Route keys served by the exams function (template.yaml events).
const (
	RouteRecord      = "POST /v1/exam-attempts"
	RouteTranscripts = "POST /v1/certificants/{id}/transcripts-received"
	RouteReview      = "POST /v1/score-reviews"
	RouteReport      = "GET /v1/certification-report"
)

// NewRouter serves the exams routes; reviews are written to table, their
// fees' PaymentIntents made through payments (R-PAY-2).
func NewRouter(svc *exams.Service, table *dynamo.Table, payments payment.Infos, now func() time.Time, log *slog.Logger) *httpapi.Router {
	rt := httpapi.NewRouter(log)
	rt.Handle(RouteRecord, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		if err := httpapi.RequireStaff(r.Principal); err != nil {
			return httpapi.Response{}, err
		}
		var in exams.NewAttempt
		if err := r.Decode(&in); err != nil {
			return httpapi.Response{}, err
		}
		a, err := svc.Record(ctx, in)
		if err != nil {
			return httpapi.Response{}, problem(err)
		}
		r.Log.Info("exam attempt recorded", "certificantId", a.CertificantID, "attemptId", a.ID, "passed", a.Passed)
		return httpapi.JSON(http.StatusCreated, a)
	})
	rt.Handle(RouteTranscripts, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		if err := httpapi.RequireStaff(r.Principal); err != nil {
			return httpapi.Response{}, err
		}
		var in struct {
			ReceivedOn civil.Date `json:"receivedOn"`
		}
		if err := r.Decode(&in); err != nil {
			return httpapi.Response{}, err
		}
		released, err := svc.ReceiveTranscripts(ctx, r.Param("id"), in.ReceivedOn)
		if err != nil {
			return httpapi.Response{}, problem(err)
		}
		ids := make([]string, len(released))
		for i, a := range released {
			ids[i] = a.ID
		}
		return httpapi.JSON(http.StatusOK, map[string]any{"certificantId": r.Param("id"), "receivedOn": in.ReceivedOn, "released": ids})
	})
	rt.Handle(RouteReview, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		if err := httpapi.RefuseStaff(r.Principal); err != nil {
			return httpapi.Response{}, err
		}
		var in reviewRequest
		if err := r.DecodeChecked(&in); err != nil {
			return httpapi.Response{}, err
		}
		at := now()
		resp, err := httpapi.CommitOwing(ctx, table, r, at, http.StatusCreated, payments, r.Principal.Subject, func(ctx context.Context) (any, []dynamo.Write, error) {
			rev, err := svc.RequestReview(ctx, r.Principal.Subject, in.AttemptID)
			if err != nil {
				return nil, nil, err
			}
			writes, err := exams.ReviewWrites(rev, at)
			return rev, writes, err
		})
		if err != nil {
			return httpapi.Response{}, problem(err)
		}
		return resp, nil
	})
	rt.Handle(RouteReport, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		if err := httpapi.RequireStaff(r.Principal); err != nil {
			return httpapi.Response{}, err
		}
		from, errFrom := civil.Parse(r.Query["from"])
		to, errTo := civil.Parse(r.Query["to"])
		if errFrom != nil || errTo != nil {
			return httpapi.Response{}, httpapi.BadRequest("from and to are required dates (YYYY-MM-DD)",
				fielderr.Field{Field: "from", Message: "YYYY-MM-DD"}, fielderr.Field{Field: "to", Message: "YYYY-MM-DD"})
		}
		entries, err := svc.Report(ctx, from, to)
		if err != nil {
			return httpapi.Response{}, problem(err)
		}
		return httpapi.JSON(http.StatusOK, map[string]any{"from": from, "to": to, "entries": entries})
	})
	return rt
}

// reviewRequest is the body of POST /v1/score-reviews.
type reviewRequest struct {
	AttemptID string `json:"attemptId"`
}

// Check: the attempt is named (422 before it is looked up, 404).
func (r reviewRequest) Check() []fielderr.Field {
	if r.AttemptID == "" {
		return []fielderr.Field{httpapi.Required("attemptId", "R-EXAM-4", "the exam attempt to review")}
	}
	return nil
}

// problem maps use-case errors to HTTP problems; anything else stays a 500.
func problem(err error) error {
	switch {
	case errors.Is(err, exams.ErrUnknownCertificant), errors.Is(err, exams.ErrUnknownAttempt):
		return httpapi.NotFound()
	case errors.Is(err, exams.ErrNoAttemptsLeft):
		return conflict("R-EXAM-1", "route", fmt.Sprintf("all %d attempts of this category under this route are used", exams.MaxAttempts))
	case errors.Is(err, exams.ErrScoreNotReceived):
		return conflict("R-EXAM-4", "attemptId", "the score has not been sent yet; a review can be requested after receipt")
	case errors.Is(err, exams.ErrReviewClosed):
		return conflict("R-EXAM-4", "attemptId", fmt.Sprintf("more than %d days have passed since the score was received", exams.ReviewDays))
	case errors.Is(err, exams.ErrReviewRequested):
		return conflict("R-EXAM-4", "attemptId", "a review of this attempt was already requested")
	}
	return err
}

func conflict(rule, field, msg string) *httpapi.Problem {
	return httpapi.Conflict(msg, fielderr.Field{Field: field, Rule: rule, Message: msg})
}

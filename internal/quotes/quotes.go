// Package quotes answers POST /v1/fees/quote: the client's items priced by
// internal/fees with what the certificant's partition says about them (the
// certifications declared, and declarations already submitted, for the
// R-FEE-2 same-business-day reduction).
package quotes

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/certificants"
	"github.com/boc/cmp/internal/cmp"
	"github.com/boc/cmp/internal/declarations"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/httpapi"
)

// RouteQuote is the route key served by the fees function.
const RouteQuote = "POST /v1/fees/quote"

// Request is the body of POST /v1/fees/quote.
type Request struct {
	CertificantID string      `json:"certificantId"`
	Items         []fees.Item `json:"items"`
}

// Facts is what a quote needs of the certificant's partition.
type Facts struct {
	Certifications map[string]fees.Certification
	Earlier        []fees.EarlierDeclaration
}

// Loader reads the Facts of a certificant as of instant at.
type Loader interface {
	Facts(ctx context.Context, certificantID string, at time.Time) (Facts, error)
}

// Service prices quotes.
type Service struct {
	loader   Loader
	schedule fees.Schedule
	now      func() time.Time
}

// NewService wires the loader, the fee schedule and a clock.
func NewService(loader Loader, schedule fees.Schedule, now func() time.Time) *Service {
	return &Service{loader: loader, schedule: schedule, now: now}
}

// Quote prices req now. Only declaration items need the partition, so a
// quote without one reads nothing. Invalid items are a *fees.ValidationError.
func (s *Service) Quote(ctx context.Context, req Request) (fees.Quote, error) {
	at := s.now()
	items := canonical(req.Items)
	var facts Facts
	for _, it := range items {
		if it.Kind == fees.KindCMPDeclaration {
			var err error
			if facts, err = s.loader.Facts(ctx, req.CertificantID, at); err != nil {
				return fees.Quote{}, fmt.Errorf("load certificant facts: %w", err)
			}
			break
		}
	}
	return s.schedule.Quote(fees.Request{At: at, Items: items, Certifications: facts.Certifications, Earlier: facts.Earlier})
}

// canonical spells certification keys as stored (ascpi-mls -> ASCPi-MLS);
// keys that do not parse stay as given, for fees to name in its errors.
func canonical(items []fees.Item) []fees.Item {
	out := make([]fees.Item, len(items))
	for i, it := range items {
		if c, err := cmp.ParseKey(it.Certification); err == nil {
			it.Certification = c.Key()
		}
		out[i] = it
	}
	return out
}

// TableLoader reads Facts from the table: two queries of the certificant's
// partition (certifications, declarations).
type TableLoader struct{ table *dynamo.Table }

// NewTableLoader wraps the table.
func NewTableLoader(table *dynamo.Table) *TableLoader { return &TableLoader{table: table} }

// Facts reads the certifications (expired on the board's date of at, R-FEE-3)
// and every declaration submitted (R-FEE-2 keeps today's).
func (l *TableLoader) Facts(ctx context.Context, certificantID string, at time.Time) (Facts, error) {
	pk := dynamo.CertificantPK(certificantID)
	var certs []certificants.Certification
	if err := l.table.QueryPrefix(ctx, pk, dynamo.CertificationPrefix, &certs); err != nil {
		return Facts{}, err
	}
	today := calendar.Today(at)
	f := Facts{Certifications: make(map[string]fees.Certification, len(certs))}
	for _, c := range certs {
		exp := c.Expiration()
		f.Certifications[c.Key] = fees.Certification{Expiration: exp, Expired: calendar.StatusOn(exp, today) == calendar.StatusExpired}
	}
	var items []declarations.Item
	if err := l.table.QueryPrefix(ctx, pk, dynamo.DeclarationPrefix, &items); err != nil {
		return Facts{}, err
	}
	decls := make([]declarations.Declaration, 0, len(items))
	for _, it := range items {
		d, err := it.Declaration()
		if err != nil {
			return Facts{}, err
		}
		decls = append(decls, d)
	}
	f.Earlier = declarations.Earlier(decls)
	return f, nil
}

// NewRouter serves the quote route: the certificant for themself, staff for anyone.
func NewRouter(svc *Service, log *slog.Logger) *httpapi.Router {
	rt := httpapi.NewRouter(log)
	rt.Handle(RouteQuote, func(ctx context.Context, r *httpapi.Request) (httpapi.Response, error) {
		var req Request
		if err := r.Decode(&req); err != nil {
			return httpapi.Response{}, err
		}
		if req.CertificantID == "" {
			return httpapi.Response{}, httpapi.Unprocessable("certificantId is required",
				httpapi.FieldError{Field: "certificantId", Rule: "R-FEE-7", Message: "the certificant the quote is for"})
		}
		if err := httpapi.RequireSelfOrStaff(r.Principal, req.CertificantID); err != nil {
			return httpapi.Response{}, err
		}
		q, err := svc.Quote(ctx, req)
		var invalid *fees.ValidationError
		if errors.As(err, &invalid) {
			fields := make([]httpapi.FieldError, len(invalid.Errors))
			for i, f := range invalid.Errors {
				fields[i] = httpapi.FieldError{Field: f.Field, Rule: f.Rule, Message: f.Message}
			}
			return httpapi.Response{}, httpapi.Unprocessable("invalid quote request", fields...)
		}
		if err != nil {
			return httpapi.Response{}, err
		}
		return httpapi.JSON(http.StatusOK, q)
	})
	return rt
}

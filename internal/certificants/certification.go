package certificants

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/pattern"
	"github.com/boc/cmp/internal/rules"
)

// Errors of a registration; the HTTP layer maps them to statuses.
var (
	// ErrNotFound: no such certificant (404).
	ErrNotFound = errors.New("certificants: no such certificant")
	// ErrRegistered: the certificant holds this certification already (409).
	ErrRegistered = errors.New("certificants: certification registered already")
)

var (
	// Routes end up in emails and verification records: keep them plain.
	routePattern = pattern.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)
)

// Register validates a registration (R-CAT), computes its cycle (R-CYC-1),
// whether CMP is required (R-CAT-4), its status and credential, and stores
// it. An exam pass prepares its registration with the same code (Prepare).
func (s *Service) Register(ctx context.Context, certificantID string, in partition.Registration) (partition.Certification, error) {
	c, err := s.Prepare(in)
	if err != nil {
		return partition.Certification{}, err
	}
	if err := s.store.Register(ctx, certificantID, c); err != nil {
		return partition.Certification{}, fmt.Errorf("register %s for %s: %w", c.Key, certificantID, err)
	}
	return c, nil
}

// Prepare validates a registration and computes the certification it makes
// (number, cycle, status, credential) without storing it: Register stores it
// alone, an exam pass in the same transaction as its attempt.
func (s *Service) Prepare(in partition.Registration) (partition.Certification, error) {
	var errs []fielderr.Field
	cert, err := rules.NewCertification(strings.TrimSpace(in.Program), strings.TrimSpace(in.Category))
	if err != nil {
		errs = append(errs, fielderr.Field{Field: "category", Rule: rules.RuleOf(err, "R-CAT-1"), Message: err.Error()})
	}
	today := calendar.Today(s.now())
	switch {
	case in.StartedOn.IsZero():
		errs = append(errs, fielderr.Field{Field: "startedOn", Rule: "R-CYC-1", Message: "required, YYYY-MM-DD"})
	case in.StartedOn.After(today):
		errs = append(errs, fielderr.Field{Field: "startedOn", Rule: "R-CYC-1", Message: "must not be in the future"})
	}
	first := in.FirstIssuedOn
	if first.IsZero() {
		first = in.StartedOn
	} else if !in.StartedOn.IsZero() && first.After(in.StartedOn) {
		errs = append(errs, fielderr.Field{Field: "firstIssuedOn", Rule: "R-CAT-5", Message: "the first issue cannot be after the current cycle's start"})
	}
	number := strings.TrimSpace(in.Number)
	if number != "" && !partition.ValidNumber(number) {
		errs = append(errs, fielderr.Field{Field: "number", Message: "letters, digits and '-', at most 32"})
	}
	route := strings.TrimSpace(in.Route)
	if route != "" && !routePattern.MatchString(route) {
		errs = append(errs, fielderr.Field{Field: "route", Message: "letters, digits, '_' and '-', at most 32"})
	}
	if len(errs) > 0 {
		return partition.Certification{}, &fielderr.Invalid{Detail: "invalid request", Fields: errs}
	}
	if number == "" {
		number = newNumber()
	}
	c := partition.Certification{
		Key: cert.Key(), Program: string(cert.Program), Category: cert.Category, Number: number,
		CMPRequired: cert.CMPRequired(first), FirstIssued: first.String(), Route: route,
		RegisteredAt: s.now().UTC().Format(time.RFC3339), ScoreHeld: in.ScoreHeld,
	}
	// A voluntary participant has no cycle until a declaration grants one
	// (R-CYC-5); one registered as renewed holds that CM period (R-CAT-5).
	if c.CMPRequired || first != in.StartedOn {
		cycle := calendar.CycleFromStart(in.StartedOn)
		c.CycleStart, c.CycleEnd = cycle.Start.String(), cycle.End.String()
	}
	return c.On(today), nil
}

// newNumber draws a certification number when staff give none.
func newNumber() string { return strings.ToUpper(rand.Text()[:10]) }

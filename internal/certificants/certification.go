package certificants

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/cmp"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/pattern"
)

// Registration is the body of POST /v1/certificants/{id}/certifications.
// StartedOn is the first issue date and the start of the first cycle.
type Registration struct {
	Program   string     `json:"program"`
	Category  string     `json:"category"`
	StartedOn civil.Date `json:"startedOn"`
	Number    string     `json:"number,omitempty"`
	Route     string     `json:"route,omitempty"`
}

// Errors of a registration; the HTTP layer maps them to statuses.
var (
	// ErrNotFound: no such certificant (404).
	ErrNotFound = errors.New("certificants: no such certificant")
	// ErrRegistered: the certificant holds this certification already (409).
	ErrRegistered = errors.New("certificants: certification registered already")
)

var (
	// Numbers and routes end up in emails and verification records: keep them plain.
	numberPattern = pattern.MustCompile(`^[A-Za-z0-9-]{1,32}$`)
	routePattern  = pattern.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)
)

// Register validates a registration (R-CAT), computes its cycle (R-CYC-1),
// whether CMP is required (R-CAT-4), its status and credential, and stores
// it. An exam pass prepares its registration with the same code (Prepare).
func (s *Service) Register(ctx context.Context, certificantID string, in Registration) (Certification, error) {
	c, err := s.Prepare(in)
	if err != nil {
		return Certification{}, err
	}
	if err := s.store.Register(ctx, certificantID, c); err != nil {
		return Certification{}, fmt.Errorf("register %s for %s: %w", c.Key, certificantID, err)
	}
	return c, nil
}

// Prepare validates a registration and computes the certification it makes
// (number, cycle, status, credential) without storing it: Register stores it
// alone, an exam pass in the same transaction as its attempt.
func (s *Service) Prepare(in Registration) (Certification, error) {
	var errs []fielderr.Field
	cert, err := cmp.NewCertification(strings.TrimSpace(in.Program), strings.TrimSpace(in.Category))
	if err != nil {
		errs = append(errs, fielderr.Field{Field: "category", Rule: cmp.RuleOf(err, "R-CAT-1"), Message: err.Error()})
	}
	today := calendar.Today(s.now())
	switch {
	case in.StartedOn.IsZero():
		errs = append(errs, fielderr.Field{Field: "startedOn", Rule: "R-CYC-1", Message: "required, YYYY-MM-DD"})
	case in.StartedOn.After(today):
		errs = append(errs, fielderr.Field{Field: "startedOn", Rule: "R-CYC-1", Message: "must not be in the future"})
	}
	number := strings.TrimSpace(in.Number)
	if number != "" && !numberPattern.MatchString(number) {
		errs = append(errs, fielderr.Field{Field: "number", Message: "letters, digits and '-', at most 32"})
	}
	route := strings.TrimSpace(in.Route)
	if route != "" && !routePattern.MatchString(route) {
		errs = append(errs, fielderr.Field{Field: "route", Message: "letters, digits, '_' and '-', at most 32"})
	}
	if len(errs) > 0 {
		return Certification{}, &fielderr.Invalid{Detail: "invalid request", Fields: errs}
	}
	if number == "" {
		number = newNumber()
	}
	c := Certification{
		Key: cert.Key(), Program: string(cert.Program), Category: cert.Category, Number: number,
		CMPRequired: cert.CMPRequired(in.StartedOn), FirstIssued: in.StartedOn.String(), Route: route,
		RegisteredAt: s.now().UTC().Format(time.RFC3339),
	}
	// A voluntary participant has no cycle until a declaration grants one (R-CYC-5).
	if c.CMPRequired {
		cycle := calendar.CycleFromStart(in.StartedOn)
		c.CycleStart, c.CycleEnd = cycle.Start.String(), cycle.End.String()
	}
	return c.On(today), nil
}

// On is the certification as it stands on today: status by its cycle end
// (R-CYC-8), inactive through an extended period (R-INA-1), and CM while a maintained cycle is valid (R-CYC-6). Stored status
// and credential are as of the last write; readers refresh them with On.
func (c Certification) On(today civil.Date) Certification {
	end := c.Expiration() // zero without a cycle: voluntary, never expires (R-CYC-5)
	c.Status = string(calendar.StatusOn(end, today))
	if c.InactiveUntil != "" && c.Status == string(calendar.StatusActive) {
		c.Status = string(calendar.StatusInactive)
	}
	c.Credential = calendar.Credential(c.Category, c.Program, end, today)
	return c
}

// Expiration is the end of the current cycle; zero for a voluntary
// participant without one.
func (c Certification) Expiration() civil.Date {
	end, err := civil.Parse(c.CycleEnd)
	if err != nil {
		return civil.Date{}
	}
	return end
}

// newNumber draws a certification number when staff give none.
func newNumber() string { return strings.ToUpper(rand.Text()[:10]) }

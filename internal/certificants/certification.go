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
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/pattern"
	"github.com/boc/cmp/internal/rules"
)

// Registration is the body of POST /v1/certificants/{id}/certifications.
// StartedOn is the start of the current cycle; FirstIssuedOn the first
// issue (R-CAT-5), StartedOn when not given.
type Registration struct {
	Program       string     `json:"program"`
	Category      string     `json:"category"`
	StartedOn     civil.Date `json:"startedOn"`
	FirstIssuedOn civil.Date `json:"firstIssuedOn,omitzero"`
	Number        string     `json:"number,omitempty"`
	Route         string     `json:"route,omitempty"`
	// ScoreHeld: registered by a pass whose score is held (R-EXAM-2).
	ScoreHeld bool `json:"-"`
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

// ValidNumber reports whether s has the form of a certification number.
func ValidNumber(s string) bool { return numberPattern.MatchString(s) }

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

// On is the certification as it stands on today, derived from its dates
// whatever the stored status says: an approved renewal shows as nextCycle
// until its effective date and as the cycle from then on (R-CYC-2); a
// required certification is expired from the day after its cycle ends
// (R-CYC-8); a voluntary one never expires, CM showing while its cycle runs
// (R-CYC-5); inactive through an extended period (R-INA-1); CM while a
// maintained cycle is valid (R-CYC-6).
func (c Certification) On(today civil.Date) Certification {
	if c.EffectiveOn != "" {
		if eff, err := civil.Parse(c.EffectiveOn); err == nil && today.Before(eff) && c.PriorCycleEnd != "" {
			next := calendar.Period{Start: parseOrZero(c.CycleStart), End: parseOrZero(c.CycleEnd)}
			c.NextCycle = &next
			c.CycleStart, c.CycleEnd = c.PriorCycleStart, c.PriorCycleEnd
		}
		c.PriorCycleStart, c.PriorCycleEnd, c.EffectiveOn = "", "", ""
	}
	end := c.Expiration() // zero without a cycle: voluntary, never expires (R-CYC-5)
	c.Status = string(calendar.StatusActive)
	if c.CMPRequired {
		c.Status = string(calendar.StatusOn(end, today))
	}
	if c.InactiveUntil != "" && c.Status == string(calendar.StatusActive) {
		c.Status = string(calendar.StatusInactive)
	}
	c.Credential = calendar.Credential(c.Category, c.Program, end, today)
	return c
}

// ReexaminationRequired reports whether, on today, only re-examination
// restores c: a required certification expired 10 or more years (R-CYC-8).
func (c Certification) ReexaminationRequired(today civil.Date) bool {
	return c.CMPRequired && calendar.ReexaminationRequired(c.Expiration(), today)
}

func parseOrZero(s string) civil.Date {
	d, err := civil.Parse(s)
	if err != nil {
		return civil.Date{}
	}
	return d
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

// Package certificants is the certificant use case: creating a certificant
// (with the welcome email owed in the same write), registering their
// certifications (Register, also used by the exam pass) and reading a profile.
package certificants

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/boc/cmp/internal/calendar"
)

// Name is a certificant's name as printed on credentials.
type Name struct {
	Given  string `json:"given"`
	Family string `json:"family"`
}

// NewCertificant is the create request.
type NewCertificant struct {
	ID      string `json:"id,omitempty"`
	Name    Name   `json:"name"`
	Email   string `json:"email"`
	Country string `json:"country"`
}

// Certification is one certification as the profile shows it, and the
// attributes of its item (sk=CERT#<key>) that every reader decodes (Register).
type Certification struct {
	Key         string `json:"key" dynamodbav:"key"`
	Program     string `json:"program" dynamodbav:"program"`
	Category    string `json:"category" dynamodbav:"category"`
	Number      string `json:"number" dynamodbav:"number"`
	Status      string `json:"status" dynamodbav:"status"`
	CMPRequired bool   `json:"cmpRequired" dynamodbav:"cmpRequired"`
	// FirstIssued decides CMP required or voluntary (R-CAT-4) and never
	// changes; the cycle below changes at each renewal (R-CAT-5).
	FirstIssued string `json:"firstIssuedOn" dynamodbav:"firstIssued"`
	CycleStart  string `json:"cycleStart,omitempty" dynamodbav:"cycleStart,omitempty"`
	CycleEnd    string `json:"cycleEnd,omitempty" dynamodbav:"cycleEnd,omitempty"`
	Credential  string `json:"credential" dynamodbav:"credential"`
	// NextCycle is an approved renewal waiting for its effective date
	// (R-CYC-2); On fills it in, it is not stored as such.
	NextCycle *calendar.Period `json:"nextCycle,omitempty" dynamodbav:"-"`
	// InactiveUntil is the end of an extended period of inactive status
	// (R-INA-1); the cycle end moves to it too. Empty when not inactive.
	InactiveUntil string `json:"inactiveUntil,omitempty" dynamodbav:"inactiveUntil,omitempty"`
	// PriorCycleStart/End and EffectiveOn: a renewal approved before it
	// takes effect stores the new cycle above at once (so sweeps and new
	// declarations follow it) and keeps the cycle still current here until
	// EffectiveOn (R-CYC-2); On shows the right one for the day read.
	PriorCycleStart string `json:"-" dynamodbav:"priorCycleStart,omitempty"`
	PriorCycleEnd   string `json:"-" dynamodbav:"priorCycleEnd,omitempty"`
	EffectiveOn     string `json:"-" dynamodbav:"effectiveOn,omitempty"`
	// ScoreHeld: earned by a pass whose score is held for missing
	// transcripts; visible to staff only until the score email is owed (R-EXAM-2).
	ScoreHeld    bool   `json:"-" dynamodbav:"scoreHeld,omitempty"`
	Route        string `json:"-" dynamodbav:"route,omitempty"`
	RegisteredAt string `json:"-" dynamodbav:"registeredAt"`
}

// Profile is a certificant with their certifications.
type Profile struct {
	ID             string          `json:"id"`
	Name           Name            `json:"name"`
	Email          string          `json:"email"`
	Country        string          `json:"country"`
	CreatedAt      string          `json:"createdAt"`
	Certifications []Certification `json:"certifications"`
}

// ErrDuplicate is a create with an id that exists.
var ErrDuplicate = errors.New("certificants: id already exists")

// Store keeps certificants. Create writes the profile and the welcome email
// atomically and answers ErrDuplicate when the id exists.
type Store interface {
	Create(ctx context.Context, p Profile) error
	Get(ctx context.Context, id string) (Profile, bool, error)
	// Register adds a certification: ErrNotFound without the certificant,
	// ErrRegistered when they hold it already (a conditional put).
	Register(ctx context.Context, certificantID string, c Certification) error
}

// Service is the use case.
type Service struct {
	store Store
	now   func() time.Time
}

// NewService wires a store and a clock.
func NewService(store Store, now func() time.Time) *Service {
	return &Service{store: store, now: now}
}

// Create validates and stores a new certificant; a missing id is generated.
// Validation failures are a *fielderr.Invalid.
func (s *Service) Create(ctx context.Context, in NewCertificant) (Profile, error) {
	in = normalize(in)
	if err := validate(in); err != nil {
		return Profile{}, err
	}
	if in.ID == "" {
		in.ID = rand.Text()
	}
	p := Profile{
		ID:             in.ID,
		Name:           in.Name,
		Email:          in.Email,
		Country:        in.Country,
		CreatedAt:      s.now().UTC().Format(time.RFC3339),
		Certifications: []Certification{},
	}
	if err := s.store.Create(ctx, p); err != nil {
		return Profile{}, fmt.Errorf("create certificant: %w", err)
	}
	return p, nil
}

// Get reads a profile; false when there is none. Status, cycle and
// credential are those of today (R-CYC-2, R-CYC-8).
func (s *Service) Get(ctx context.Context, id string) (Profile, bool, error) {
	p, found, err := s.store.Get(ctx, id)
	if err != nil {
		return Profile{}, false, fmt.Errorf("get certificant: %w", err)
	}
	today := calendar.Today(s.now())
	for i, c := range p.Certifications {
		p.Certifications[i] = c.On(today)
	}
	return p, found, nil
}

// Public is the profile as anyone but staff may see it: a certification
// earned by a pass whose score is still held is not shown (R-EXAM-2).
func (p Profile) Public() Profile {
	p.Certifications = slices.DeleteFunc(slices.Clone(p.Certifications), func(c Certification) bool { return c.ScoreHeld })
	return p
}

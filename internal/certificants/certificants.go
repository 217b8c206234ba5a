// Package certificants is the certificant use case: creating a certificant
// (with the welcome email owed in the same write), registering their
// certifications (Register, also used by the exam pass) and reading a profile.
package certificants

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
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
	CycleStart  string `json:"cycleStart,omitempty" dynamodbav:"cycleStart,omitempty"`
	CycleEnd    string `json:"cycleEnd,omitempty" dynamodbav:"cycleEnd,omitempty"`
	Credential  string `json:"credential" dynamodbav:"credential"`
	// InactiveUntil is the end of an extended period of inactive status
	// (R-INA-1); the cycle end moves to it too. Empty when not inactive.
	InactiveUntil string `json:"inactiveUntil,omitempty" dynamodbav:"inactiveUntil,omitempty"`
	// FirstIssued decides CMP required or voluntary (R-CAT-4).
	FirstIssued  string `json:"-" dynamodbav:"firstIssued"`
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

// Get reads a profile; false when there is none. Status and credential are
// those of today.
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

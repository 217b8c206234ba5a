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
	"github.com/boc/cmp/internal/partition"
)

// NewCertificant is the create request.
type NewCertificant struct {
	ID      string         `json:"id,omitempty"`
	Name    partition.Name `json:"name"`
	Email   string         `json:"email"`
	Country string         `json:"country"`
}

// ErrDuplicate is a create with an id that exists.
var ErrDuplicate = errors.New("certificants: id already exists")

// Store keeps certificants. Create writes the profile and the welcome email
// atomically and answers ErrDuplicate when the id exists.
type Store interface {
	Create(ctx context.Context, p partition.Profile) error
	Get(ctx context.Context, id string) (partition.Profile, bool, error)
	// Register adds a certification: ErrNotFound without the certificant,
	// ErrRegistered when they hold it already (a conditional put).
	Register(ctx context.Context, certificantID string, c partition.Certification) error
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
func (s *Service) Create(ctx context.Context, in NewCertificant) (partition.Profile, error) {
	in = normalize(in)
	if err := validate(in); err != nil {
		return partition.Profile{}, err
	}
	if in.ID == "" {
		in.ID = rand.Text()
	}
	p := partition.Profile{
		ID:             in.ID,
		Name:           in.Name,
		Email:          in.Email,
		Country:        in.Country,
		CreatedAt:      s.now().UTC().Format(time.RFC3339),
		Certifications: []partition.Certification{},
	}
	if err := s.store.Create(ctx, p); err != nil {
		return partition.Profile{}, fmt.Errorf("create certificant: %w", err)
	}
	return p, nil
}

// Get reads a profile; false when there is none. Status, cycle and
// credential are those of today (R-CYC-2, R-CYC-8).
func (s *Service) Get(ctx context.Context, id string) (partition.Profile, bool, error) {
	p, found, err := s.store.Get(ctx, id)
	if err != nil {
		return partition.Profile{}, false, fmt.Errorf("get certificant: %w", err)
	}
	today := calendar.Today(s.now())
	for i, c := range p.Certifications {
		p.Certifications[i] = c.On(today)
	}
	return p, found, nil
}

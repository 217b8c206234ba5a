package certificants

import (
	"context"
	"errors"
	"fmt"

	"github.com/boc/cmp/internal/partition"
)

// Errors of a registration; the HTTP layer maps them to statuses.
var (
	// ErrNotFound: no such certificant (404).
	ErrNotFound = errors.New("certificants: no such certificant")
	// ErrRegistered: the certificant holds this certification already (409).
	ErrRegistered = errors.New("certificants: certification registered already")
)

// Register validates a registration (R-CAT), computes its cycle (R-CYC-1),
// whether CMP is required (R-CAT-4), its status and credential
// (partition.NewCertification, which an exam pass uses too), and stores it.
func (s *Service) Register(ctx context.Context, certificantID string, in partition.Registration) (partition.Certification, error) {
	c, err := partition.NewCertification(in, s.now())
	if err != nil {
		return partition.Certification{}, err
	}
	if err := s.store.Register(ctx, certificantID, c); err != nil {
		return partition.Certification{}, fmt.Errorf("register %s for %s: %w", c.Key, certificantID, err)
	}
	return c, nil
}

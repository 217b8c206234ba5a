package certificants

import (
	"context"
	"errors"
	"time"

	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/partition"
)

// WelcomeTemplate is the mail template owed to a new certificant.
const WelcomeTemplate = "welcome"

// TableStore keeps certificants in the table.
type TableStore struct {
	table *dynamo.Table
	now   func() time.Time
}

// NewTableStore wraps the table.
func NewTableStore(table *dynamo.Table, now func() time.Time) *TableStore {
	return &TableStore{table: table, now: now}
}

// Create puts the profile if its id is free, with the welcome email in the
// same transaction: no certificant without the email, no email without one.
func (s *TableStore) Create(ctx context.Context, p partition.Profile) error {
	profile, err := dynamo.Put("profile", p.Item(), dynamo.IfAbsent)
	if err != nil {
		return err
	}
	welcome, err := dynamo.PutOutbox(dynamo.NewOutbox(WelcomeTemplate, p.Email, welcomeMail(p), s.now(), p.ID))
	if err != nil {
		return err
	}
	err = s.table.Transact(ctx, profile, welcome)
	if errors.Is(err, dynamo.ErrConditionFailed) {
		// A leftover welcome item of a deleted profile also means the id was used.
		return ErrDuplicate
	}
	return err
}

// welcomeMail is the data of the welcome email.
func welcomeMail(p partition.Profile) map[string]string {
	return map[string]string{"given": p.Name.Given, "family": p.Name.Family, "certificantId": p.ID}
}

// Register puts the certification if the certificant does not hold it; the
// profile is read first so an unknown certificant is a 404, not an orphan.
func (s *TableStore) Register(ctx context.Context, certificantID string, c partition.Certification) error {
	var p partition.ProfileItem
	found, err := s.table.Get(ctx, dynamo.ProfileKey(certificantID), &p)
	if err != nil {
		return err
	}
	if !found {
		return ErrNotFound
	}
	w, err := dynamo.Put("certification", partition.NewCertificationItem(certificantID, p, c), dynamo.IfAbsent)
	if err != nil {
		return err
	}
	err = s.table.Apply(ctx, w)
	if errors.Is(err, dynamo.ErrConditionFailed) {
		return ErrRegistered
	}
	return err
}

// Get reads the profile and its certifications (partition.Reader.Profile).
func (s *TableStore) Get(ctx context.Context, id string) (partition.Profile, bool, error) {
	return partition.NewReader(s.table).Profile(ctx, id)
}

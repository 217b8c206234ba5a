package certificants

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/boc/cmp/internal/dynamo"
)

// WelcomeTemplate is the mail template owed to a new certificant.
const WelcomeTemplate = "welcome"

// profileItem is the stored profile.
type profileItem struct {
	dynamo.Key
	Type      string `dynamodbav:"type"`
	ID        string `dynamodbav:"id"`
	Given     string `dynamodbav:"given"`
	Family    string `dynamodbav:"family"`
	Email     string `dynamodbav:"email"`
	Country   string `dynamodbav:"country"`
	CreatedAt string `dynamodbav:"createdAt"`
}

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
func (s *TableStore) Create(ctx context.Context, p Profile) error {
	profile, err := dynamo.Put("profile", profileItem{
		Key: dynamo.ProfileKey(p.ID), Type: "certificant", ID: p.ID,
		Given: p.Name.Given, Family: p.Name.Family, Email: p.Email, Country: p.Country, CreatedAt: p.CreatedAt,
	}, dynamo.IfAbsent)
	if err != nil {
		return err
	}
	welcome, err := dynamo.PutOutbox(dynamo.NewOutbox(WelcomeTemplate, p.Email,
		map[string]string{"given": p.Name.Given, "family": p.Name.Family, "certificantId": p.ID}, s.now(), p.ID))
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

// Get reads the profile and its certifications (one partition, two reads).
func (s *TableStore) Get(ctx context.Context, id string) (Profile, bool, error) {
	var it profileItem
	found, err := s.table.Get(ctx, dynamo.ProfileKey(id), &it)
	if err != nil || !found {
		return Profile{}, false, err
	}
	certs := []Certification{}
	if err := s.table.QueryPrefix(ctx, dynamo.CertificantPK(id), dynamo.CertificationPrefix, &certs); err != nil {
		return Profile{}, false, fmt.Errorf("certifications of %s: %w", id, err)
	}
	return Profile{
		ID: it.ID, Name: Name{Given: it.Given, Family: it.Family}, Email: it.Email,
		Country: it.Country, CreatedAt: it.CreatedAt, Certifications: certs,
	}, true, nil
}

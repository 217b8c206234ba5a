package reminders

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
)

// ExpiryIndex is the sparse GSI the certification items enter with
// datePk = EXP#<expiration>#<shard> (internal/dynamo patterns.go).
const (
	ExpiryIndex   = "ByDate"
	expiryKind    = "EXP"
	expiryPKField = "datePk"
)

// TableStore reads due cycles and profiles from the table and writes outbox items.
type TableStore struct {
	table *dynamo.Table
	now   func() time.Time
}

// NewTableStore wraps the table.
func NewTableStore(table *dynamo.Table, now func() time.Time) *TableStore {
	return &TableStore{table: table, now: now}
}

// certificationItem is the part of a certification item the sweep needs.
type certificationItem struct {
	PK         string `dynamodbav:"pk"`
	Key        string `dynamodbav:"key"`
	Credential string `dynamodbav:"credential"`
	Status     string `dynamodbav:"status"`
	CycleEnd   string `dynamodbav:"cycleEnd"`
}

// DueOn queries every shard of the day at once: the reads are the items due
// that day, whatever the table's size.
func (s *TableStore) DueOn(ctx context.Context, expiration civil.Date) ([]Due, int, error) {
	pks := dynamo.DatePKs(expiryKind, expiration.String())
	pages := make([][]certificationItem, len(pks))
	errs := make([]error, len(pks))
	var wg sync.WaitGroup
	for i, pk := range pks {
		wg.Go(func() {
			errs[i] = s.table.QueryIndex(ctx, ExpiryIndex, expiryPKField, pk, &pages[i])
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, 0, fmt.Errorf("expiry index %s: %w", expiration, err)
	}
	var due []Due
	for _, page := range pages {
		for _, it := range page {
			// An unreadable cycleEnd leaves a zero date, which Plan never reminds.
			end, _ := civil.Parse(it.CycleEnd)
			due = append(due, Due{
				CertificantID: strings.TrimPrefix(it.PK, dynamo.CertificantPK("")),
				CertKey:       it.Key,
				Credential:    it.Credential,
				Expiration:    end,
				Status:        it.Status,
			})
		}
	}
	return due, len(due), nil
}

// profileItem is the part of a certificant profile a reminder needs.
type profileItem struct {
	Email string `dynamodbav:"email"`
	Given string `dynamodbav:"given"`
}

// Recipient reads the certificant's profile.
func (s *TableStore) Recipient(ctx context.Context, certificantID string) (Recipient, bool, error) {
	var p profileItem
	found, err := s.table.Get(ctx, dynamo.ProfileKey(certificantID), &p)
	if err != nil || !found {
		return Recipient{}, false, err
	}
	return Recipient(p), true, nil
}

// Owe puts the reminder's outbox item if absent.
func (s *TableStore) Owe(ctx context.Context, e Email, to string) (bool, error) {
	w, err := dynamo.PutOutbox(dynamo.OutboxItem{
		Key:       dynamo.OutboxKey(e.ID),
		Type:      dynamo.OutboxType,
		ID:        e.ID,
		Template:  e.Template,
		To:        to,
		Data:      e.Data,
		CreatedAt: s.now().UTC().Format(time.RFC3339),
	})
	if err != nil {
		return false, err
	}
	err = s.table.Apply(ctx, w)
	if errors.Is(err, dynamo.ErrConditionFailed) {
		return false, nil
	}
	return err == nil, err
}

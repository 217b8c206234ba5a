package reminders

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/partition"
)

// ExpiryIndex is the sparse GSI the certification items enter with
// datePk = EXP#<expiration>#<shard> (internal/dynamo patterns.go).
const (
	ExpiryIndex   = "ByDate"
	expiryPKField = "datePk"
)

// TableStore reads due cycles (and, for old items, profiles) from the table
// and writes outbox items.
type TableStore struct {
	table *dynamo.Table
	now   func() time.Time
}

// NewTableStore wraps the table.
func NewTableStore(table *dynamo.Table, now func() time.Time) *TableStore {
	return &TableStore{table: table, now: now}
}

// DueOn queries every shard of the day at once: the reads are the items due
// that day, whatever the table's size. The items are certificants'
// certification items (the index projects them whole), which carry the
// recipient: no further read per reminder.
func (s *TableStore) DueOn(ctx context.Context, expiration civil.Date) ([]Due, int, error) {
	pks := dynamo.DatePKs(dynamo.ExpiryDateKind, expiration.String())
	pages := make([][]partition.CertificationItem, len(pks))
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
			due = append(due, Due{
				CertificantID: it.CertificantID,
				CertKey:       it.Key,
				Credential:    it.Credential,
				// An unreadable cycleEnd is a zero date, which Compose never reminds.
				Expiration:  it.Expiration(),
				Status:      it.Status,
				CMPRequired: it.CMPRequired,
				To:          Recipient{Email: it.Email, Given: it.Given},
			})
		}
	}
	return due, len(due), nil
}

// Recipient reads the certificant's profile, for items registered before
// they carried the recipient.
func (s *TableStore) Recipient(ctx context.Context, certificantID string) (Recipient, bool, error) {
	var p partition.ProfileItem
	found, err := s.table.Get(ctx, dynamo.ProfileKey(certificantID), &p)
	if err != nil || !found {
		return Recipient{}, false, err
	}
	return Recipient{Email: p.Email, Given: p.Given}, true, nil
}

// Owe puts the reminder's outbox item if absent.
func (s *TableStore) Owe(ctx context.Context, e Email, to string) (bool, error) {
	return s.table.Owe(ctx, dynamo.OutboxItem{
		Key:       dynamo.OutboxKey(e.ID),
		Type:      dynamo.OutboxType,
		ID:        e.ID,
		Template:  e.Template,
		To:        to,
		Data:      e.Data,
		CreatedAt: s.now().UTC().Format(time.RFC3339),
	})
}

// awaitingPayment is a declaration created but not yet paid (R-PAY-1).
const awaitingPayment = "awaiting_payment"

// PendingTimely reports whether a declaration of the certification waits
// for a decision (its pending marker) and was submitted on or before
// expiration (R-REM-1): then the day-after email says so instead of asking
// for a reinstatement fee.
func (s *TableStore) PendingTimely(ctx context.Context, certificantID, certKey string, expiration civil.Date) (bool, error) {
	var marker struct {
		DeclarationID string `dynamodbav:"declarationId"`
	}
	found, err := s.table.Get(ctx, dynamo.PendingKey(certificantID, certKey), &marker)
	if err != nil || !found {
		return false, err
	}
	var decl struct {
		SubmittedAt string `dynamodbav:"submittedAt"`
		Status      string `dynamodbav:"status"`
	}
	found, err = s.table.Get(ctx, dynamo.DeclarationKey(certificantID, marker.DeclarationID), &decl)
	// One still awaiting its fee was not submitted (R-PAY-1): the
	// reinstatement email applies (the declarations use case's state name).
	if err != nil || !found || decl.Status == awaitingPayment {
		return false, err
	}
	at, err := time.Parse(time.RFC3339Nano, decl.SubmittedAt)
	if err != nil {
		return false, fmt.Errorf("declaration %s: submittedAt: %w", marker.DeclarationID, err)
	}
	return !calendar.Today(at).After(expiration), nil
}

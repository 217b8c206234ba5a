package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// OutboxType is the type attribute of outbox items; the mail sender's stream
// filter selects INSERTs of this type.
const OutboxType = "outbox"

// OutboxItem is an email owed. A use case adds it to the transaction of the
// change that owes it; the mail sender renders and sends it, then records
// SentAt and MessageID.
type OutboxItem struct {
	Key
	Type      string            `dynamodbav:"type"`
	ID        string            `dynamodbav:"id"`
	Template  string            `dynamodbav:"template"`
	To        string            `dynamodbav:"to"`
	Data      map[string]string `dynamodbav:"data"`
	CreatedAt string            `dynamodbav:"createdAt"`
	Attempts  int               `dynamodbav:"attempts,omitempty"`
	SentAt    string            `dynamodbav:"sentAt,omitempty"`
	MessageID string            `dynamodbav:"messageId,omitempty"`
	// While unsent the item sits in the ByQueue index (UnsentQueuePK), so
	// the redrive finds every email still owed without a scan; the sender
	// removes both once SES took it.
	QueuePK string `dynamodbav:"queuePk,omitempty"`
	QueueSK string `dynamodbav:"queueSk,omitempty"`
	// LeaseUntil (epoch seconds) is held by whoever is sending the item now
	// (the stream's delivery or the redrive), so the two never both send it.
	LeaseUntil int64 `dynamodbav:"leaseUntil,omitempty"`
}

// Unsent reads the outbox items not yet sent, oldest first.
func (t *Table) Unsent(ctx context.Context) ([]OutboxItem, error) {
	var items []OutboxItem
	if err := t.QueryIndex(ctx, "ByQueue", "queuePk", UnsentQueuePK, &items); err != nil {
		return nil, fmt.Errorf("unsent outbox items: %w", err)
	}
	return items, nil
}

// OutboxID is the deterministic id of an email: its template and what it is
// about (e.g. "welcome", certificant id), so owing it twice is one item.
func OutboxID(template string, about ...string) string {
	return strings.Join(append([]string{template}, about...), ":")
}

// NewOutbox builds the item for an email owed now.
func NewOutbox(template, to string, data map[string]string, now time.Time, about ...string) OutboxItem {
	id := OutboxID(template, about...)
	return OutboxItem{
		Key:       OutboxKey(id),
		Type:      OutboxType,
		ID:        id,
		Template:  template,
		To:        to,
		Data:      data,
		CreatedAt: now.UTC().Format(time.RFC3339),
		QueuePK:   UnsentQueuePK,
		QueueSK:   now.UTC().Format(time.RFC3339) + "#" + id,
	}
}

// PutOutbox is the write of an outbox item; it fails (label "outbox") when
// the same email is already owed, so a rerun owes nothing twice.
func PutOutbox(item OutboxItem) (Write, error) { return Put("outbox", item, IfAbsent) }

// Owe puts an outbox item on its own, unless the same email is owed already
// (false, nil): a job's rerun owes nothing twice.
func (t *Table) Owe(ctx context.Context, item OutboxItem) (bool, error) {
	w, err := PutOutbox(item)
	if err != nil {
		return false, err
	}
	err = t.Apply(ctx, w)
	if errors.Is(err, ErrConditionFailed) {
		return false, nil
	}
	return err == nil, err
}

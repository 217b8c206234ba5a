package verification

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/boc/cmp/internal/dynamo"
)

type recipientItem struct {
	Kind  string `dynamodbav:"kind"`
	Name  string `dynamodbav:"name"`
	Email string `dynamodbav:"email"`
}

type orderItem struct {
	dynamo.Key
	Type          string          `dynamodbav:"type"`
	ID            string          `dynamodbav:"id"`
	Certification string          `dynamodbav:"certification"`
	OrderedAt     string          `dynamodbav:"orderedAt"`
	FeeCents      int64           `dynamodbav:"feeCents"`
	Recipients    []recipientItem `dynamodbav:"recipients"`
}

type tokenItem struct {
	dynamo.Key
	Type          string `dynamodbav:"type"`
	CertificantID string `dynamodbav:"certificantId"`
	Certification string `dynamodbav:"certification"`
	OrderID       string `dynamodbav:"orderId"`
	RecipientKind string `dynamodbav:"recipientKind"`
	Revoked       bool   `dynamodbav:"revoked"`
	CreatedAt     string `dynamodbav:"createdAt"`
}

// Writes are the writes of an order: the order, per recipient the hashed
// token and the email owed (its outbox id fixed by order and position).
func (s *Service) Writes(o Order) ([]dynamo.Write, error) {
	now := s.now()
	writes := make([]dynamo.Write, 0, 1+2*len(o.Recipients))
	add := func(w dynamo.Write, err error) error {
		if err == nil {
			writes = append(writes, w)
		}
		return err
	}
	item := orderItem{Key: dynamo.VerificationOrderKey(o.CertificantID, o.ID),
		Type: "verification_order", ID: o.ID, Certification: o.Certification, OrderedAt: o.OrderedAt, FeeCents: o.Fee.TotalCents}
	for i, r := range o.Recipients {
		item.Recipients = append(item.Recipients, recipientItem{Kind: r.Kind, Name: r.Name, Email: r.Email})
		if err := add(dynamo.Put("token", tokenItem{Key: dynamo.VerificationTokenKey(HashToken(r.token)), Type: "verification_token",
			CertificantID: o.CertificantID, Certification: o.Certification, OrderID: o.ID, RecipientKind: r.Kind,
			CreatedAt: now.UTC().Format(time.RFC3339)}, dynamo.IfAbsent)); err != nil {
			return nil, err
		}
		if err := add(dynamo.PutOutbox(dynamo.NewOutbox(Template, r.Email, recipientMail(o, r, s.Link(r.token)), now, o.ID, strconv.Itoa(i)))); err != nil {
			return nil, err
		}
	}
	if err := add(dynamo.Put("order", item, dynamo.IfAbsent)); err != nil {
		return nil, err
	}
	return writes, nil
}

// recipientMail is the data of a recipient's verification email (R-VER-3).
func recipientMail(o Order, r Recipient, link string) map[string]string {
	return map[string]string{"recipientName": r.Name, "certificantName": o.certificantName,
		"certification": o.Certification, "link": link}
}

// TableStore finds tokens in the table.
type TableStore struct{ table *dynamo.Table }

// NewTableStore wraps the table.
func NewTableStore(table *dynamo.Table) *TableStore { return &TableStore{table: table} }

// Token reads a token by its hash.
func (s *TableStore) Token(ctx context.Context, hash string) (Token, bool, error) {
	var it tokenItem
	found, err := s.table.Get(ctx, dynamo.VerificationTokenKey(hash), &it)
	if err != nil {
		return Token{}, false, fmt.Errorf("verification token: %w", err)
	}
	if !found {
		return Token{}, false, nil
	}
	return Token{CertificantID: it.CertificantID, Certification: it.Certification, OrderID: it.OrderID, Revoked: it.Revoked}, true, nil
}

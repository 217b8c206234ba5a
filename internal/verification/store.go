package verification

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/payment"
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
	// Status is empty on orders placed before payments: they were sent.
	Status   string `dynamodbav:"status,omitempty"`
	StatusAt string `dynamodbav:"statusAt,omitempty"`
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

// Writes are the writes of an order: the order, and either its payment
// (a fee owed: nothing is sent until paid, R-PAY-1) or what it sends.
func (s *Service) Writes(o Order) ([]dynamo.Write, error) {
	now := s.now()
	item := orderItem{Key: dynamo.VerificationOrderKey(o.CertificantID, o.ID), Type: "verification_order", ID: o.ID,
		Certification: o.Certification, OrderedAt: o.OrderedAt, FeeCents: o.Fee.TotalCents, Status: o.Status}
	for _, r := range o.Recipients {
		item.Recipients = append(item.Recipients, recipientItem{Kind: r.Kind, Name: r.Name, Email: r.Email})
	}
	put, err := dynamo.Put("order", item, dynamo.IfAbsent)
	if err != nil {
		return nil, err
	}
	if o.Status == StatusAwaitingPayment {
		pay, err := payment.Puts(payment.New(payment.KindVerification, o.CertificantID, o.ID, o.Fee.TotalCents, now))
		return append(pay, put), err
	}
	sends, err := s.sendWrites(o, now)
	return append(sends, put), err
}

// sendWrites are what an order sends: per recipient the hashed token and
// the email owed (its outbox id fixed by order and position).
func (s *Service) sendWrites(o Order, now time.Time) ([]dynamo.Write, error) {
	writes := make([]dynamo.Write, 0, 2*len(o.Recipients))
	for i, r := range o.Recipients {
		tok, err := dynamo.Put("token", tokenItem{Key: dynamo.VerificationTokenKey(HashToken(r.token)), Type: "verification_token",
			CertificantID: o.CertificantID, Certification: o.Certification, OrderID: o.ID, RecipientKind: r.Kind,
			CreatedAt: now.UTC().Format(time.RFC3339)}, dynamo.IfAbsent)
		if err != nil {
			return nil, err
		}
		mail, err := dynamo.PutOutbox(dynamo.NewOutbox(Template, r.Email, recipientMail(o, r, s.Link(r.token)), now, o.ID, strconv.Itoa(i)))
		if err != nil {
			return nil, err
		}
		writes = append(writes, tok, mail)
	}
	return writes, nil
}

// Payments is an order's side of its fee (R-PAY): what the webhook's
// payment sends (payment.Effect) and the job's cancel (payment.Canceller).
type Payments struct {
	svc   *Service
	store *TableStore
}

// NewPayments reads orders from store and sends them through svc.
func NewPayments(svc *Service, store *TableStore) *Payments { return &Payments{svc: svc, store: store} }

// awaiting reads the order of payment r and its certificant while it
// still awaits payment.
func (p *Payments) awaiting(ctx context.Context, r payment.Record) (orderItem, partition.Profile, bool, error) {
	var it orderItem
	found, err := p.store.table.Get(ctx, dynamo.VerificationOrderKey(r.CertificantID, r.About), &it)
	if err != nil || !found || it.Status != StatusAwaitingPayment {
		return orderItem{}, partition.Profile{}, false, err
	}
	prof, found, err := p.svc.profiles.Profile(ctx, r.CertificantID)
	if err == nil && !found {
		err = fmt.Errorf("no profile of certificant %s", r.CertificantID)
	}
	return it, prof, err == nil, err
}

// leaveAwaiting moves the order out of awaiting_payment at at, unless
// something else (a payment, a cancel) moved it first.
func leaveAwaiting(it orderItem, status string, at time.Time) (dynamo.Write, error) {
	return dynamo.Update("order", it.Key, "SET #s = :to, statusAt = :at", dynamo.Condition{Expr: "#s = :from",
		Names:  map[string]string{"#s": "status"},
		Values: map[string]any{":to": status, ":from": StatusAwaitingPayment, ":at": at.UTC().Format(time.RFC3339)}})
}

// Paid sends the paid order at paidAt: each recipient's token, made now
// (a link's secret is never stored), and email, in the webhook's
// transaction with the order's move to sent.
func (p *Payments) Paid(ctx context.Context, r payment.Record, paidAt time.Time) ([]dynamo.Write, error) {
	it, prof, ok, err := p.awaiting(ctx, r)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("verification order %s: %w", r.About, payment.ErrNotAwaiting)
	}
	o := Order{ID: it.ID, CertificantID: r.CertificantID, Certification: it.Certification,
		certificantName: prof.Name.Given + " " + prof.Name.Family}
	for _, rc := range it.Recipients {
		o.Recipients = append(o.Recipients, Recipient{Kind: rc.Kind, Name: rc.Name, Email: rc.Email, token: NewToken()})
	}
	writes, err := p.svc.sendWrites(o, paidAt)
	if err != nil {
		return nil, err
	}
	sent, err := leaveAwaiting(it, StatusSent, paidAt)
	return append(writes, sent), err
}

// CancelUnpaid cancels an order still unpaid on its cancel day (R-PAY-4):
// the order cancelled, its payment too, and the certificant told, in one
// transaction; false when it was paid or cancelled already.
func (p *Payments) CancelUnpaid(ctx context.Context, r payment.Record, _ civil.Date) (bool, error) {
	it, prof, ok, err := p.awaiting(ctx, r)
	if err != nil || !ok {
		return false, err
	}
	now := p.svc.now()
	cancelled, err := leaveAwaiting(it, StatusCancelled, now)
	if err != nil {
		return false, err
	}
	return payment.Cancel(ctx, p.store.table, r, cancelled, prof.Email, prof.Name.Given, "verification order", now)
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

// Package verification is third-party verification of a certification
// (R-VER): orders by the certificant, one emailed link per recipient, and the
// public record behind each link, which states the R-VER-3 fields only.
package verification

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/payment"
	"github.com/boc/cmp/internal/textcheck"
)

// Recipient kinds (R-VER-2).
const (
	KindStateBoard = "state_board"
	KindEmployer   = "employer"
)

// MaxRecipients bounds one order (its writes share one transaction).
const MaxRecipients = 10

// Template is the mail template sent to each recipient.
const Template = "verification"

// Order states: an order with a fee sends nothing until paid (R-PAY-1), and
// is cancelled unpaid after 24 hours (R-PAY-4).
const (
	StatusAwaitingPayment = "awaiting_payment"
	StatusSent            = "sent"
	StatusCancelled       = "cancelled"
)

// Errors the HTTP layer maps to answers.
var (
	// ErrNotEarnedByPassing refuses an order for a certification without a pass (R-VER-1).
	ErrNotEarnedByPassing = errors.New("verification: certification not earned by passing an examination")
	// ErrUnknownCertificant: no such certificant.
	ErrUnknownCertificant = errors.New("verification: unknown certificant")
	// ErrNotFound: unknown or revoked token.
	ErrNotFound = errors.New("verification: no such verification")
)

// Recipient is one party to verify to.
type Recipient struct {
	Kind  string `json:"kind"`
	Name  string `json:"name"`
	Email string `json:"email"`
	// token is the secret of this recipient's link, never answered or stored.
	token string
}

// NewOrder is the certificant's request.
type NewOrder struct {
	CertificantID string      `json:"certificantId"`
	Certification string      `json:"certification"`
	Recipients    []Recipient `json:"recipients"`
}

// Order is a placed order as answered.
type Order struct {
	ID            string      `json:"id"`
	CertificantID string      `json:"certificantId"`
	Certification string      `json:"certification"`
	OrderedAt     string      `json:"orderedAt"`
	Status        string      `json:"status"`
	Fee           fees.Quote  `json:"fee"`
	Recipients    []Recipient `json:"recipients"`
	// Payment is the fee's card payment; the answer's client secret is
	// added from the payment record (payment.Complete).
	Payment payment.Info `json:"payment"`
	// certificantName goes into the recipients' emails.
	certificantName string
}

// Record is the public verification record: R-VER-3's fields and no others.
type Record struct {
	Name          string `json:"name"`
	Certification string `json:"certification"`
	Number        string `json:"number"`
	Status        string `json:"status"`
	CycleStart    string `json:"cycleStart"`
	CycleEnd      string `json:"cycleEnd"`
}

// Token is what the store keeps of a recipient's link, found by its hash.
type Token struct {
	CertificantID string
	Certification string
	OrderID       string
	Revoked       bool
}

// Profiles reads certificants (partition.Reader).
type Profiles interface {
	Profile(ctx context.Context, id string) (partition.Profile, bool, error)
}

// Passes answers whether a certification was earned by passing (partition.Reader).
type Passes interface {
	Passed(ctx context.Context, certificantID, certKey string) (bool, error)
}

// Tokens finds a token by its hash.
type Tokens interface {
	Token(ctx context.Context, hash string) (Token, bool, error)
}

// Service is the use case.
type Service struct {
	profiles Profiles
	passes   Passes
	tokens   Tokens
	fees     fees.Tariff
	baseURL  string
	now      func() time.Time
}

// NewService wires the use case; baseURL prefixes the emailed links.
func NewService(profiles Profiles, passes Passes, tokens Tokens, tariff fees.Tariff, baseURL string, now func() time.Time) *Service {
	return &Service{profiles: profiles, passes: passes, tokens: tokens, fees: tariff,
		baseURL: strings.TrimRight(baseURL, "/"), now: now}
}

// Now is the service's clock, which stamps the idempotency record of an
// order's commit (internal/httpapi/verificationapi).
func (s *Service) Now() time.Time { return s.now() }

// Link is the URL of a token's record.
func (s *Service) Link(token string) string { return s.baseURL + "/v1/verifications/" + token }

// NewToken is a random link secret of 256 bits, URL-safe.
func NewToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is how a token is stored and looked up.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// tokenLen is the length of NewToken's answers; anything else is unknown.
const tokenLen = 43

// Prepare prepares an order (R-VER-1/2): the caller writes it with the
// recipients' tokens and emails in one transaction.
func (s *Service) Prepare(ctx context.Context, in NewOrder) (Order, error) {
	if err := validate(in); err != nil {
		return Order{}, err
	}
	p, found, err := s.profiles.Profile(ctx, in.CertificantID)
	if err != nil {
		return Order{}, fmt.Errorf("plan order: %w", err)
	}
	if !found {
		return Order{}, ErrUnknownCertificant
	}
	passed, err := s.passes.Passed(ctx, in.CertificantID, in.Certification)
	if err != nil {
		return Order{}, fmt.Errorf("plan order: %w", err)
	}
	// A pass whose score is held earns nothing visible yet (R-EXAM-2).
	if !passed || !slices.ContainsFunc(p.Public().Certifications, func(c partition.Certification) bool { return c.Key == in.Certification }) {
		return Order{}, ErrNotEarnedByPassing
	}
	now := s.now()
	quote, err := s.fees.Quote(fees.Request{At: now, Items: []fees.Item{{Kind: fees.KindVerification, Count: len(in.Recipients), Certification: in.Certification}}})
	if err != nil {
		return Order{}, fmt.Errorf("plan order: %w", err)
	}
	o := Order{ID: rand.Text(), CertificantID: in.CertificantID, Certification: in.Certification, Status: StatusSent,
		OrderedAt: now.UTC().Format(time.RFC3339), Fee: quote, Payment: payment.Due(quote.TotalCents),
		certificantName: p.Name.Given + " " + p.Name.Family}
	if o.Payment.Status == payment.RequiresPayment {
		o.Status = StatusAwaitingPayment // R-PAY-1: sent once paid
	}
	for _, r := range in.Recipients {
		r.token = NewToken()
		o.Recipients = append(o.Recipients, r)
	}
	return o, nil
}

// Lookup is the public record behind a token (R-VER-3); ErrNotFound for an
// unknown or revoked token.
func (s *Service) Lookup(ctx context.Context, token string) (Record, error) {
	if len(token) != tokenLen {
		return Record{}, ErrNotFound
	}
	t, found, err := s.tokens.Token(ctx, HashToken(token))
	if err != nil {
		return Record{}, fmt.Errorf("verification lookup: %w", err)
	}
	if !found || t.Revoked {
		return Record{}, ErrNotFound
	}
	p, found, err := s.profiles.Profile(ctx, t.CertificantID)
	if err != nil {
		return Record{}, fmt.Errorf("verification lookup: %w", err)
	}
	i := slices.IndexFunc(p.Certifications, func(c partition.Certification) bool { return c.Key == t.Certification && !c.ScoreHeld })
	if !found || i < 0 {
		return Record{}, ErrNotFound
	}
	// The stored status is as of the last write; a third party needs today's.
	c := p.Certifications[i].On(calendar.Today(s.now()))
	return Record{Name: p.Name.Given + " " + p.Name.Family, Certification: c.Key, Number: c.Number,
		Status: c.Status, CycleStart: c.CycleStart, CycleEnd: c.CycleEnd}, nil
}

const maxName = 200

func validate(in NewOrder) error {
	if errs := in.Check(); len(errs) > 0 {
		return &fielderr.Invalid{Detail: "invalid verification order", Fields: errs}
	}
	return nil
}

// Check is the order's shape (R-VER-1/2), judged before the certificant is
// read: the handler answers 422 before 404.
func (in NewOrder) Check() []fielderr.Field {
	var errs []fielderr.Field
	add := func(field, rule, msg string) {
		errs = append(errs, fielderr.Field{Field: field, Rule: rule, Message: msg})
	}
	if in.CertificantID == "" {
		add("certificantId", "R-VER-1", "required: the certificant whose certification is verified")
	}
	if in.Certification == "" {
		add("certification", "R-VER-1", "required, a certification key such as ASCPi-MLS")
	}
	if len(in.Recipients) == 0 || len(in.Recipients) > MaxRecipients {
		add("recipients", "R-VER-2", fmt.Sprintf("1 to %d recipients", MaxRecipients))
	}
	for i, r := range in.Recipients {
		at := fmt.Sprintf("recipients[%d].", i)
		if r.Kind != KindStateBoard && r.Kind != KindEmployer {
			add(at+"kind", "R-VER-2", "state_board or employer")
		}
		if msg := textcheck.Name(r.Name, maxName); msg != "" {
			add(at+"name", "R-VER-2", msg)
		}
		if msg := textcheck.Email(r.Email); msg != "" {
			add(at+"email", "R-VER-2", msg)
		}
	}
	return errs
}

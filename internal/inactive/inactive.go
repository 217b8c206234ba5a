// Package inactive is the R-INA inactive status request: a certificant asks
// for inactive status of one certification with a reason, a basis and the
// documentation, and is charged the R-FEE-4 fee (waived for mandatory
// military service). One open request per certification; staff grant it
// with an extended period, which makes the certification inactive and moves
// its expiration (R-INA-1), or deny it (decide.go).
package inactive

import (
	"fmt"
	"strings"
	"time"

	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/pattern"
	"github.com/boc/cmp/internal/payment"
)

// Document is the metadata of one piece of documentation of the request.
type Document struct {
	FileName string `json:"fileName"`
}

// Request is the body of POST /v1/certificants/{id}/inactive-requests.
type Request struct {
	Certification string     `json:"certification"`
	Reason        string     `json:"reason"`
	Basis         string     `json:"basis"`
	Documents     []Document `json:"documents"`
}

// Status of a request.
type Status string

// Requested: waiting for a staff decision. AwaitingPayment: holding the
// certification's one open request until its fee is paid, then requested
// (R-PAY-1); unpaid after 24 hours it is cancelled and the slot freed
// (R-PAY-4).
const (
	Requested       Status = "requested"
	AwaitingPayment Status = "awaiting_payment"
)

// InactiveRequest is a stored request, as the 201 answers it.
type InactiveRequest struct {
	ID            string     `json:"id"`
	CertificantID string     `json:"certificantId"`
	Certification string     `json:"certification"`
	Status        Status     `json:"status"`
	Reason        string     `json:"reason"`
	Basis         string     `json:"basis"`
	Documents     []Document `json:"documents"`
	Fee           fees.Quote `json:"fee"`
	RequestedAt   time.Time  `json:"requestedAt"`
	// Payment is the fee's card payment as the 201 answers it (R-PAY-2); a
	// waived fee (zero total) is not_required and takes effect at once.
	Payment *payment.Info `json:"payment,omitempty"`
	// The staff decision, once taken (R-INA-1).
	ExtendedUntil  *civil.Date `json:"extendedUntil,omitempty"`
	DecidedAt      *time.Time  `json:"decidedAt,omitempty"`
	DecidedBy      string      `json:"decidedBy,omitempty"`
	DecisionReason string      `json:"decisionReason,omitempty"`
}

// Bounds of a request: the item stays small, names stay plain.
const (
	maxReason    = 1000
	maxDocuments = 20
)

var (
	certificationPattern = pattern.MustCompile(`^[A-Za-z]{1,8}-[A-Za-z]{1,8}$`)
	basisPattern         = pattern.MustCompile(`^[a-z][a-z_]{0,39}$`)
	// File names end up in staff screens: plain names only.
	fileNamePattern = pattern.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,127}$`)
)

// Validate checks the request's shape (R-INA-1): a certification key, a
// reason, a basis, and at least one document (the waiver of R-FEE-4 needs it
// too). Whether the certificant holds the certification is the store's check.
func Validate(r Request) error {
	var errs []fielderr.Field
	add := func(field, rule, msg string) {
		errs = append(errs, fielderr.Field{Field: field, Rule: rule, Message: msg})
	}
	if !certificationPattern.MatchString(r.Certification) {
		add("certification", "R-INA-1", "a certification key such as ASCPi-MLS")
	}
	if reason := strings.TrimSpace(r.Reason); reason == "" || len(reason) > maxReason {
		add("reason", "R-INA-1", fmt.Sprintf("required, at most %d characters", maxReason))
	}
	if !basisPattern.MatchString(r.Basis) {
		add("basis", "R-INA-1", "required: lower-case words joined by _, such as illness or "+fees.BasisMandatoryMilitaryService)
	}
	switch {
	case len(r.Documents) == 0:
		add("documents", "R-INA-1", "at least one document supporting the request")
	case len(r.Documents) > maxDocuments:
		add("documents", "R-INA-1", fmt.Sprintf("at most %d documents", maxDocuments))
	}
	for i, d := range r.Documents {
		if !fileNamePattern.MatchString(d.FileName) {
			add(fmt.Sprintf("documents[%d].fileName", i), "", "1 to 128 letters, digits, spaces and . _ ( ) -")
		}
	}
	if len(errs) > 0 {
		return &fielderr.Invalid{Detail: "the inactive status request cannot be accepted", Fields: errs}
	}
	return nil
}

// Price is the R-FEE-4 quote of a request at now: the tariff's inactive
// fee, or a zero line for mandatory military service.
func Price(s fees.Tariff, r Request, now time.Time) (fees.Quote, error) {
	q, err := s.Quote(fees.Request{At: now, Items: []fees.Item{{Kind: fees.KindInactiveStatus, Certification: r.Certification, Basis: r.Basis}}})
	if err != nil {
		return fees.Quote{}, fmt.Errorf("price inactive status request: %w", err)
	}
	return q, nil
}

package declarations

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/payment"
	"github.com/boc/cmp/internal/rules"
)

// Request is the body of POST /v1/declarations. Without Allocations the
// proposed allocation is used (R-ALLOC-3).
type Request struct {
	CertificantID string              `json:"certificantId"`
	Certification string              `json:"certification"`
	Allocations   *[]rules.Allocation `json:"allocations,omitempty"`
}

// Check is the request's shape (422 before anything is read): the
// certificant, a certification key, a bounded allocation.
func (r Request) Check() []fielderr.Field {
	var errs []fielderr.Field
	if r.CertificantID == "" {
		errs = append(errs, fielderr.Field{Field: "certificantId", Rule: "R-DEC-1", Message: "required: the certificant who declares"})
	}
	if _, err := rules.ParseKey(r.Certification); err != nil {
		errs = append(errs, fielderr.Field{Field: "certification", Rule: rules.RuleOf(err, "R-CAT-1"), Message: err.Error()})
	}
	if r.Allocations != nil && len(*r.Allocations) > maxAllocations {
		errs = append(errs, fielderr.Field{Field: "allocations", Rule: "R-ALLOC-1", Message: fmt.Sprintf("at most %d entries", maxAllocations)})
	}
	return errs
}

// Snapshot is what a submission reads of the certificant's partition, in one
// query: the profile, the certification, the pending marker, earlier
// declarations and the transcript judged for the CE window of the submission.
type Snapshot struct {
	Email     string
	GivenName string
	// Registered: the certificant holds the certification.
	Registered bool
	// Expiration of the current cycle; zero for a voluntary participant (R-CYC-5).
	Expiration civil.Date
	// Pending: a declaration of this certification waits for a decision.
	Pending      bool
	Declarations []partition.Declaration
	// Evaluation is the rules input for the CE window of a submission at the
	// instant Load was given (R-CYC-3..5), claims of other declarations included.
	Evaluation rules.EvaluationInput
}

// Loader reads a Snapshot; false when the certificant does not exist.
type Loader interface {
	Load(ctx context.Context, certificantID, certKey string, at time.Time) (Snapshot, bool, error)
}

// Submission is everything the store writes in one transaction.
type Submission struct {
	Declaration partition.Declaration
	Email       string
	GivenName   string
	// Answer is the answer given (201 and the receipt), stored with the
	// idempotency record when the request carried a key.
	Answer dynamo.Answer
	// Payment is the fee owed (R-PAY-1); nil for a zero total, which takes
	// effect at once.
	Payment *payment.Record
}

// Judge makes the submission to store, or refuses it.
type Judge func(ctx context.Context) (Submission, error)

// Store keeps declarations. Submit writes what judge makes (the declaration,
// its pointer, the pending marker and the outbox item) all or
// nothing, and only while the certificant's transcript is as judge read it, at most once per Idempotency-Key (idem nil: none): judge runs only
// when no answer is stored for the key, a repeat gets the first answer and a
// different body dynamo.ErrIdempotencyMismatch. A race lost to a twin with the
// same key is answered as the twin was; any other lost race comes back as
// ErrPending or ErrBusy.
type Store interface {
	Submit(ctx context.Context, idem *dynamo.Idempotency, now time.Time, certificantID string, judge Judge) (dynamo.Answer, error)
	Get(ctx context.Context, id string) (partition.Declaration, bool, error)
	// List answers false when the certificant does not exist.
	List(ctx context.Context, certificantID string) ([]partition.Declaration, bool, error)
}

// Errors of a submission; the HTTP layer maps them to statuses.
var (
	// ErrNotFound: no such certificant or declaration (404).
	ErrNotFound = errors.New("declarations: not found")
	// ErrPending: one declaration of the certification already waits (409).
	ErrPending = errors.New("declarations: a declaration of this certification is pending")
	// ErrBusy: DynamoDB refused the transaction for a concurrent one on the
	// same items (TransactionConflict); nothing was written, a retry may pass (409).
	ErrBusy = errors.New("declarations: concurrent change, retry")
)

// NotOpenError: the submission window has not opened (R-CYC-7, 409).
type NotOpenError struct{ Opens civil.Date }

func (e *NotOpenError) Error() string {
	return fmt.Sprintf("the submission window opens on %s", e.Opens)
}

// RuleError is a well-formed request that breaks rules (422): field errors
// naming their rule, and the shortfalls per area when requirements are unmet.
type RuleError struct {
	Detail     string
	Errors     []fielderr.Field
	Shortfalls []rules.Shortfall
}

func (e *RuleError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, f := range e.Errors {
		msgs[i] = f.Error()
	}
	return e.Detail + ": " + strings.Join(msgs, "; ")
}

// ReceivedTemplate is the mail template owed for each submitted declaration.
const ReceivedTemplate = "declaration-received"

// Receipt is the 201 answer to a submission (api.md).
type Receipt struct {
	ID              string             `json:"id"`
	Status          partition.State    `json:"status"`
	Certification   string             `json:"certification"`
	Fee             fees.Quote         `json:"fee"`
	ProcessingDueOn civil.Date         `json:"processingDueOn"`
	Warnings        []calendar.Warning `json:"warnings"`
	Allocations     []rules.Allocation `json:"allocations"`
	Payment         payment.Info       `json:"payment"`
}

// Service is the declarations use case.
type Service struct {
	store   Store
	loader  Loader
	tariff  fees.Tariff
	now     func() time.Time
	auditBP int
}

// NewService wires the store, the partition loader, the tariff and a
// clock; the audit share is the R-DEC-3 default until WithAuditShare.
func NewService(store Store, loader Loader, tariff fees.Tariff, now func() time.Time) *Service {
	return &Service{store: store, loader: loader, tariff: tariff, now: now, auditBP: DefaultAuditShareBP}
}

// WithAuditShare sets the share of declarations selected for audit at
// submission, in basis points (ParseAuditShare).
func (s *Service) WithAuditShare(bp int) *Service {
	s.auditBP = bp
	return s
}

// Submit judges and stores a declaration submitted by principal (the
// certificant): the answer to send, identical on every replay of the same
// Idempotency-Key. A refused attempt stores nothing, so a retry is judged afresh.
func (s *Service) Submit(ctx context.Context, principal string, req Request, idem *dynamo.Idempotency) (dynamo.Answer, error) {
	// Each judgement reads the clock: a submission judged again after a race
	// (TableStore.Submit) is submitted when it commits, so the declaration it
	// lost to counts as earlier that day (R-FEE-2).
	ans, err := s.store.Submit(ctx, idem, s.now(), req.CertificantID, func(ctx context.Context) (Submission, error) {
		return s.judge(ctx, principal, req, s.now())
	})
	if err != nil {
		return dynamo.Answer{}, fmt.Errorf("submit declaration: %w", err)
	}
	return ans, nil
}

// judge checks a submission against the certificant's partition and rules
// and makes the declaration, its fee and the receipt.
func (s *Service) judge(ctx context.Context, principal string, req Request, now time.Time) (Submission, error) {
	cert, err := rules.ParseKey(req.Certification)
	if err != nil {
		return Submission{}, &RuleError{Detail: "unknown certification", Errors: []fielderr.Field{{Field: "certification", Rule: rules.RuleOf(err, "R-CAT-1"), Message: err.Error()}}}
	}
	key := cert.Key()
	snap, found, err := s.loader.Load(ctx, req.CertificantID, key, now)
	if err != nil {
		return Submission{}, fmt.Errorf("load certificant: %w", err)
	}
	if !found {
		return Submission{}, ErrNotFound
	}
	if !snap.Registered {
		return Submission{}, &RuleError{Detail: "certification not held", Errors: []fielderr.Field{{Field: "certification", Rule: "R-CAT-1",
			Message: fmt.Sprintf("the certificant holds no %s certification", key)}}}
	}
	if snap.Pending {
		return Submission{}, ErrPending
	}
	adm, err := calendar.Admit(snap.Expiration, now)
	var notOpen *calendar.NotOpenError
	var reexam *calendar.ReexaminationError
	switch {
	case errors.As(err, &notOpen):
		return Submission{}, &NotOpenError{Opens: notOpen.Opens}
	case errors.As(err, &reexam):
		return Submission{}, reexam // 409 naming R-CYC-8 (problem)
	case err != nil:
		return Submission{}, fmt.Errorf("admit: %w", err)
	}
	alloc, err := allocation(snap.Evaluation, req.Allocations)
	if err != nil {
		return Submission{}, err
	}
	quote, err := s.tariff.Quote(fees.Request{
		At:             now,
		Items:          []fees.Item{{Kind: fees.KindCMPDeclaration, Certification: key}},
		Certifications: map[string]fees.Certification{key: {Expiration: snap.Expiration, Expired: adm.Reinstatement}},
		Earlier:        partition.Earlier(snap.Declarations),
	})
	if err != nil {
		return Submission{}, fmt.Errorf("quote: %w", err)
	}
	status := partition.Submitted
	if quote.TotalCents > 0 {
		status = partition.AwaitingPayment // R-PAY-1: submitted once paid
	}
	d := partition.Declaration{
		ID:              rand.Text(),
		CertificantID:   req.CertificantID,
		Certification:   key,
		Status:          status,
		SubmittedAt:     now.UTC(),
		ProcessingDueOn: adm.ProcessingDueOn,
		Reinstatement:   adm.Reinstatement,
		CEWindow:        calendar.Period{Start: snap.Evaluation.Window.From, End: snap.Evaluation.Window.To},
		Fee:             quote,
		Allocations:     alloc,
		Reported:        reported(activitiesByID(snap.Evaluation.Activities), alloc),
		Warnings:        adm.Warnings,
		History:         []partition.Transition{{State: status, At: now.UTC(), By: principal}},
		Version:         1,
	}
	d.AuditSelected = AuditSelected(d.ID, s.auditBP) // R-DEC-3: recorded at submission
	if !snap.Expiration.IsZero() {
		exp := snap.Expiration
		d.Expiration = &exp
	}
	body, err := json.Marshal(Receipt{ID: d.ID, Status: d.Status, Certification: key, Fee: quote,
		ProcessingDueOn: d.ProcessingDueOn, Warnings: d.Warnings, Allocations: alloc, Payment: payment.Due(quote.TotalCents)})
	if err != nil {
		return Submission{}, fmt.Errorf("encode receipt: %w", err)
	}
	sub := Submission{Declaration: d, Email: snap.Email, GivenName: snap.GivenName,
		Answer: dynamo.Answer{Body: body}}
	if status == partition.AwaitingPayment {
		p := payment.New(payment.KindDeclaration, d.CertificantID, d.ID, quote.TotalCents, now)
		sub.Payment = &p
	}
	return sub, nil
}

// allocation checks the certificant's allocation, or takes the proposal
// when there is none; unmet requirements are a *RuleError (R-ALLOC-2).
func allocation(in rules.EvaluationInput, given *[]rules.Allocation) ([]rules.Allocation, error) {
	if given == nil {
		ev, err := rules.Evaluate(in)
		if err != nil {
			return nil, fmt.Errorf("evaluate: %w", err)
		}
		if !ev.Met() {
			return nil, &RuleError{Detail: "requirements not met by the proposed allocation", Shortfalls: ev.Shortfalls,
				Errors: shortfallErrors(ev.Shortfalls)}
		}
		return ev.Proposal, nil
	}
	if len(*given) > maxAllocations {
		return nil, &RuleError{Detail: "too many allocations", Errors: []fielderr.Field{{Field: "allocations", Rule: "R-ALLOC-1",
			Message: fmt.Sprintf("at most %d entries", maxAllocations)}}}
	}
	check, err := rules.CheckAllocation(in, *given)
	if err != nil {
		return nil, fmt.Errorf("check allocation: %w", err)
	}
	if !check.OK() {
		return nil, &RuleError{Detail: "the allocation does not meet the requirements", Shortfalls: check.Shortfalls,
			Errors: append(slices.Clone(check.Errors), shortfallErrors(check.Shortfalls)...)}
	}
	return *given, nil
}

// maxAllocations bounds one declaration's allocation lines; a transcript of a
// cycle never needs more, and it keeps the transaction within its 100 items.
const maxAllocations = 90

// shortfallErrors names each shortfall as an R-ALLOC-2 error too, so every
// 422 lists its rule.
func shortfallErrors(short []rules.Shortfall) []fielderr.Field {
	out := make([]fielderr.Field, len(short))
	for i, sf := range short {
		out[i] = fielderr.Field{Field: "allocations", Rule: "R-ALLOC-2", Message: fmt.Sprintf("%s: %s more points needed", sf.Area, sf.Needed)}
	}
	return out
}

// Get reads a declaration by id.
func (s *Service) Get(ctx context.Context, id string) (partition.Declaration, bool, error) {
	d, found, err := s.store.Get(ctx, id)
	if err != nil {
		return partition.Declaration{}, false, fmt.Errorf("get declaration: %w", err)
	}
	return d, found, nil
}

// List reads a certificant's declarations, newest first; false when the
// certificant does not exist.
func (s *Service) List(ctx context.Context, certificantID string) ([]partition.Declaration, bool, error) {
	ds, found, err := s.store.List(ctx, certificantID)
	if err != nil {
		return nil, false, fmt.Errorf("list declarations: %w", err)
	}
	slices.SortFunc(ds, func(a, b partition.Declaration) int { return b.SubmittedAt.Compare(a.SubmittedAt) })
	return ds, found, nil
}

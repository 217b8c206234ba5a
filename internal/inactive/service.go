package inactive

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
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/payment"
	"github.com/boc/cmp/internal/statuslist"
)

// Errors the HTTP layer maps.
var (
	// ErrNotHeld: the certificant does not hold the certification (422).
	ErrNotHeld = errors.New("inactive: certification not held")
	// ErrOpen: a request of this certification is open already (409).
	ErrOpen = errors.New("inactive: a request of this certification is open")
	// ErrNotFound: no request with this id of this certificant (404).
	ErrNotFound = errors.New("inactive: no such request")
	// ErrReexamination: the certification expired 10 or more years ago, so
	// only re-examination restores it; no inactive status (409, R-CYC-8, R-INA-1).
	ErrReexamination = errors.New("inactive: expired 10 or more years, re-examination required")
	// ErrCertificationChanged: the certification was renewed between reading
	// it and the grant (409); deciding again reads the new state.
	ErrCertificationChanged = errors.New("inactive: the certification changed meanwhile")
)

// Service stores requests in the table.
type Service struct {
	table  *dynamo.Table
	tariff fees.Tariff
	now    func() time.Time
}

// NewService wires the table, the tariff and a clock.
func NewService(table *dynamo.Table, tariff fees.Tariff, now func() time.Time) *Service {
	return &Service{table: table, tariff: tariff, now: now}
}

// requestItem is the one open request of a certification
// (pk=C#<id>, sk=INACTIVE#<key>, put if absent).
type requestItem struct {
	dynamo.Key
	Type string `dynamodbav:"type"`
	ID   string `dynamodbav:"id"`
	Doc  string `dynamodbav:"doc"`
}

const (
	itemType  = "inactive-request"
	labelOpen = "inactive"
	labelCert = "certification"
)

// Mail templates of a request: received, then granted or denied.
const (
	ReceivedTemplate = "inactive-received"
	DecisionTemplate = "inactive-decision"
)

// receivedMail is the data of the request-received email: the fee charged
// and, for a waiver, why (R-FEE-4).
func receivedMail(r InactiveRequest, held partition.CertificationItem) map[string]string {
	basis, waiver := strings.ReplaceAll(r.Basis, "_", " "), ""
	if r.Fee.TotalCents == 0 {
		waiver = "waived: " + basis
	}
	return map[string]string{"given": held.Given, "certification": r.Certification, "requestId": r.ID,
		"basis": basis, "fee": money(r.Fee), "waiver": waiver, "cycleEnd": held.CycleEnd}
}

// Trimmed is the request as judged and stored: reason and basis without
// surrounding space.
func (r Request) Trimmed() Request {
	r.Reason, r.Basis = strings.TrimSpace(r.Reason), strings.TrimSpace(r.Basis)
	return r
}

// Now is the use case's clock, for the commit of a request it judges.
func (s *Service) Now() time.Time { return s.now() }

// Request judges a request of certificantID at now: the request as
// answered (with the payment it owes, R-PAY-1) and the writes that store it
// (the open request, its payment or its received email), for the caller to
// commit with the idempotency record (httpapi.CommitOwing).
func (s *Service) Request(ctx context.Context, certificantID string, r Request, now time.Time) (InactiveRequest, []dynamo.Write, error) {
	r = r.Trimmed()
	if err := Validate(r); err != nil {
		return InactiveRequest{}, nil, err
	}
	var held partition.CertificationItem
	found, err := s.table.Get(ctx, dynamo.CertificationKey(certificantID, r.Certification), &held)
	if err != nil {
		return InactiveRequest{}, nil, fmt.Errorf("read certification: %w", err)
	}
	if !found {
		return InactiveRequest{}, nil, ErrNotHeld
	}
	if held.ReexaminationRequired(calendar.Today(now)) {
		return InactiveRequest{}, nil, ErrReexamination
	}
	fee, err := Price(s.tariff, r, now)
	if err != nil {
		return InactiveRequest{}, nil, err
	}
	req := InactiveRequest{ID: rand.Text(), CertificantID: certificantID, Certification: r.Certification, Status: Requested,
		Reason: r.Reason, Basis: r.Basis, Documents: r.Documents, Fee: fee, RequestedAt: now.UTC()}
	if fee.TotalCents > 0 {
		req.Status = AwaitingPayment // R-PAY-1: requested once paid
	}
	doc, err := json.Marshal(req)
	if err != nil {
		return InactiveRequest{}, nil, fmt.Errorf("encode request: %w", err)
	}
	w, err := dynamo.Put(labelOpen, requestItem{Key: dynamo.OpenInactiveKey(certificantID, r.Certification),
		Type: itemType, ID: req.ID, Doc: string(doc)}, dynamo.IfAbsent.Else(ErrOpen))
	if err != nil {
		return InactiveRequest{}, nil, err
	}
	due := payment.Due(fee.TotalCents)
	req.Payment = &due
	if req.Status == AwaitingPayment {
		pay, err := payment.Puts(payment.New(payment.KindInactive, certificantID, req.ID, fee.TotalCents, now))
		return req, append(pay, w), err
	}
	mail, err := dynamo.PutOutbox(dynamo.NewOutbox(ReceivedTemplate, held.Email, receivedMail(req, held), now, req.ID))
	return req, []dynamo.Write{w, mail}, err
}

// request reads request requestID of certificantID (ErrNotFound when
// there is none), its stored item and the certification it is about.
func (s *Service) request(ctx context.Context, certificantID, requestID string) (InactiveRequest, requestItem, partition.CertificationItem, error) {
	var items []requestItem
	if err := s.table.QueryPrefix(ctx, dynamo.CertificantPK(certificantID), dynamo.InactivePrefix, &items); err != nil {
		return InactiveRequest{}, requestItem{}, partition.CertificationItem{}, fmt.Errorf("read inactive requests: %w", err)
	}
	i := slices.IndexFunc(items, func(it requestItem) bool { return it.ID == requestID })
	if i < 0 {
		return InactiveRequest{}, requestItem{}, partition.CertificationItem{}, ErrNotFound
	}
	var r InactiveRequest
	if err := json.Unmarshal([]byte(items[i].Doc), &r); err != nil {
		return InactiveRequest{}, requestItem{}, partition.CertificationItem{}, fmt.Errorf("decode inactive request %s: %w", requestID, err)
	}
	var held partition.CertificationItem
	if _, err := s.table.Get(ctx, dynamo.CertificationKey(certificantID, r.Certification), &held); err != nil {
		return InactiveRequest{}, requestItem{}, partition.CertificationItem{}, fmt.Errorf("read certification: %w", err)
	}
	return r, items[i], held, nil
}

// Decide applies staff member by's decision to request requestID of
// certificantID in one transaction (R-INA-1): the open request moves to its
// decided key (conditional on its id, so a second or parallel decision is
// ErrDecided), a grant moves the certification's cycle end and ByDate EXP
// entry to the extended end (conditional on the expiration decided on), and
// the decision email is owed.
func (s *Service) Decide(ctx context.Context, certificantID, requestID string, d Decision, by string) (InactiveRequest, error) {
	r, _, held, err := s.request(ctx, certificantID, requestID)
	if err != nil {
		return InactiveRequest{}, err
	}
	now := s.now()
	out, err := Judge(r, held, d, by, now)
	if err != nil {
		return InactiveRequest{}, err
	}
	body, err := json.Marshal(out.Request)
	if err != nil {
		return InactiveRequest{}, fmt.Errorf("encode request: %w", err)
	}
	var errs []error
	writes := make([]dynamo.Write, 0, 4)
	add := func(w dynamo.Write, err error) {
		writes = append(writes, w)
		errs = append(errs, err)
	}
	// Another decision came first: the open request or the email is gone.
	decided := func(w dynamo.Write, err error) { add(w.Else(ErrDecided), err) }
	decided(dynamo.Delete(labelOpen, dynamo.OpenInactiveKey(certificantID, r.Certification), dynamo.Condition{Expr: "id = :id", Values: map[string]any{":id": r.ID}}))
	decided(dynamo.Put(labelOpen, requestItem{Key: dynamo.InactiveRequestKey(certificantID, r.Certification, r.ID), Type: itemType, ID: r.ID, Doc: string(body)}, dynamo.IfAbsent))
	if out.Cycle != nil {
		// The grant suspends the current cycle's digital credential in the
		// same transaction (R-CRED-3); the move fails if one was issued since.
		move := *out.Cycle
		move.IfStatusCycle = &held.Entry.Cycle
		mv, err := partition.MoveCycle(labelCert, move)
		add(mv.Else(ErrCertificationChanged), err)
		if w, ok, err := statuslist.SetFor("suspend", statuslist.Suspension, held.Entry, held.CycleStart); ok || err != nil {
			add(w, err)
		}
	}
	decided(dynamo.PutOutbox(dynamo.NewOutbox(DecisionTemplate, held.Email, out.Mail, now, r.ID)))
	if err := errors.Join(errs...); err != nil {
		return InactiveRequest{}, err
	}
	if err := s.table.Transact(ctx, writes...); err != nil {
		return InactiveRequest{}, fmt.Errorf("decide inactive request %s: %w", requestID, err)
	}
	return out.Request, nil
}

package inactive

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fees"
)

// Errors the HTTP layer maps.
var (
	// ErrNotHeld: the certificant does not hold the certification (422).
	ErrNotHeld = errors.New("inactive: certification not held")
	// ErrOpen: a request of this certification is open already (409).
	ErrOpen = errors.New("inactive: a request of this certification is open")
	// ErrKeyReused: an Idempotency-Key reused with another body (422).
	ErrKeyReused = errors.New("inactive: idempotency key reused with a different request")
)

// Idempotency is the caller's Idempotency-Key, if any.
type Idempotency struct {
	Principal, Key, RequestHash string
}

// Service stores requests in the table.
type Service struct {
	table    *dynamo.Table
	schedule fees.Schedule
	now      func() time.Time
}

// NewService wires the table, the fee schedule and a clock.
func NewService(table *dynamo.Table, schedule fees.Schedule, now func() time.Time) *Service {
	return &Service{table: table, schedule: schedule, now: now}
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
	skPrefix  = "INACTIVE#"
	labelOpen = "inactive"
)

// Create validates, prices and stores a request of certificantID: the 201
// answer, or the first answer again for a repeated Idempotency-Key.
func (s *Service) Create(ctx context.Context, certificantID string, r Request, idem *Idempotency) (dynamo.Answer, error) {
	r.Reason, r.Basis = strings.TrimSpace(r.Reason), strings.TrimSpace(r.Basis)
	if err := Validate(r); err != nil {
		return dynamo.Answer{}, err
	}
	now := s.now()
	change := func(ctx context.Context) (dynamo.Answer, []dynamo.Write, error) {
		var held struct {
			Key string `dynamodbav:"key"`
		}
		found, err := s.table.Get(ctx, dynamo.CertificationKey(certificantID, r.Certification), &held)
		if err != nil {
			return dynamo.Answer{}, nil, fmt.Errorf("read certification: %w", err)
		}
		if !found {
			return dynamo.Answer{}, nil, ErrNotHeld
		}
		fee, err := Price(s.schedule, r, now)
		if err != nil {
			return dynamo.Answer{}, nil, err
		}
		req := InactiveRequest{ID: rand.Text(), CertificantID: certificantID, Certification: r.Certification, Status: Requested,
			Reason: r.Reason, Basis: r.Basis, Documents: r.Documents, Fee: fee, RequestedAt: now.UTC()}
		body, err := json.Marshal(req)
		if err != nil {
			return dynamo.Answer{}, nil, fmt.Errorf("encode request: %w", err)
		}
		w, err := dynamo.Put(labelOpen, requestItem{Key: dynamo.Key{PK: dynamo.CertificantPK(certificantID), SK: skPrefix + r.Certification},
			Type: itemType, ID: req.ID, Doc: string(body)}, dynamo.IfAbsent)
		return dynamo.Answer{Status: http.StatusCreated, Body: body}, []dynamo.Write{w}, err
	}
	var ans dynamo.Answer
	var err error
	if idem == nil {
		var writes []dynamo.Write
		if ans, writes, err = change(ctx); err == nil {
			err = s.table.Transact(ctx, writes...)
		}
	} else {
		ans, err = s.table.Idempotent(ctx, idem.Principal, idem.Key, idem.RequestHash, now, change)
	}
	switch {
	case dynamo.FailedLabel(err) == labelOpen:
		return dynamo.Answer{}, ErrOpen
	case errors.Is(err, dynamo.ErrIdempotencyMismatch):
		return dynamo.Answer{}, ErrKeyReused
	case err != nil:
		return dynamo.Answer{}, fmt.Errorf("inactive status request: %w", err)
	}
	return ans, nil
}

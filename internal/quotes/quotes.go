// Package quotes prices a quote (POST /v1/fees/quote, served by
// internal/httpapi/quotesapi): the client's items priced by
// internal/fees with what the certificant's partition says about them (the
// certifications declared, and declarations already submitted, for the
// R-FEE-2 same-business-day reduction), read in one DynamoDB round trip.
package quotes

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/rules"
)

// Request is the body of POST /v1/fees/quote.
type Request struct {
	CertificantID string      `json:"certificantId"`
	Items         []fees.Item `json:"items"`
}

// Facts is what a quote needs of the certificant's partition.
type Facts struct {
	Certifications map[string]fees.Certification
	Earlier        []fees.EarlierDeclaration
}

// Loader reads the Facts of a certificant as of instant at; false when the
// certificant does not exist.
type Loader interface {
	Facts(ctx context.Context, certificantID string, at time.Time) (Facts, bool, error)
}

// Service prices quotes.
type Service struct {
	loader Loader
	tariff fees.Tariff
	now    func() time.Time
}

// NewService wires the loader, the tariff and a clock.
func NewService(loader Loader, tariff fees.Tariff, now func() time.Time) *Service {
	return &Service{loader: loader, tariff: tariff, now: now}
}

// ErrNotFound: no such certificant (404).
var ErrNotFound = errors.New("quotes: no such certificant")

// Quote prices req now. Invalid items are a *fielderr.Invalid.
func (s *Service) Quote(ctx context.Context, req Request) (fees.Quote, error) {
	at := s.now()
	facts, found, err := s.loader.Facts(ctx, req.CertificantID, at)
	if err != nil {
		return fees.Quote{}, fmt.Errorf("load certificant facts: %w", err)
	}
	if !found {
		return fees.Quote{}, ErrNotFound
	}
	return s.tariff.Quote(fees.Request{At: at, Items: canonical(req.Items), Certifications: facts.Certifications, Earlier: facts.Earlier})
}

// canonical spells certification keys as stored (ascpi-mls -> ASCPi-MLS);
// keys that do not parse stay as given, for fees to name in its errors.
func canonical(items []fees.Item) []fees.Item {
	out := make([]fees.Item, len(items))
	for i, it := range items {
		if c, err := rules.ParseKey(it.Certification); err == nil {
			it.Certification = c.Key()
		}
		out[i] = it
	}
	return out
}

// PartitionLoader reads Facts with the partition's one-Query reader: a
// quote costs one DynamoDB round trip.
type PartitionLoader struct{ partitions *partition.Reader }

// NewPartitionLoader reads partitions of the table.
func NewPartitionLoader(table *dynamo.Table) *PartitionLoader {
	return &PartitionLoader{partitions: partition.NewReader(table)}
}

// Facts are the certifications (expired on the board's date of at, R-FEE-3)
// and every declaration submitted (R-FEE-2 keeps today's).
func (l *PartitionLoader) Facts(ctx context.Context, certificantID string, at time.Time) (Facts, bool, error) {
	if certificantID == "" || len(certificantID) > maxIDLen {
		return Facts{}, false, nil
	}
	p, found, err := l.partitions.Load(ctx, certificantID)
	if err != nil || !found {
		return Facts{}, false, err
	}
	today := calendar.Today(at)
	f := Facts{Certifications: make(map[string]fees.Certification, len(p.Profile.Certifications)),
		Earlier: partition.Earlier(p.Declarations)}
	for _, c := range p.Profile.Certifications {
		exp := c.Expiration()
		f.Certifications[c.Key] = fees.Certification{Expiration: exp, Expired: calendar.StatusOn(exp, today) == calendar.StatusExpired}
	}
	return f, true, nil
}

// maxIDLen bounds ids from request bodies before they become keys.
const maxIDLen = 128

package credential

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/rules"
	"github.com/boc/cmp/internal/statuslist"
)

// Errors of the credential routes; the HTTP layer maps them.
var (
	// ErrNotFound: no such certificant, certification or status list (404).
	ErrNotFound = errors.New("credential: not found")
	// ErrNotCurrent: the certification is not current today (409, R-CRED-1).
	ErrNotCurrent = errors.New("credential: certification not current")
	// ErrChanged: the certification changed while its status entry was
	// being taken (409; a retry reads the new state).
	ErrChanged = errors.New("credential: certification changed, retry")
)

// Labels of the writes that take a status entry.
const (
	labelIndex = "status-index"
	labelCert  = "certification"
)

// list is the status list number new entries go to. One list holds
// statuslist.Size credentials; a second list is a new number here.
const list = 1

// drawAttempts bounds the draws of a free index: a taken one costs a round
// trip more, with probability (taken / 131072) per draw.
const drawAttempts = 4

// Service issues credentials and serves status lists.
type Service struct {
	table  *dynamo.Table
	signer *Signer
	issuer Issuer
	now    func() time.Time
}

// NewService wires the table, the signer and the issuer's URLs.
func NewService(table *dynamo.Table, signer *Signer, baseURL string, now func() time.Time) *Service {
	return &Service{table: table, signer: signer, issuer: Issuer{DID: signer.Keys().DID, BaseURL: baseURL}, now: now}
}

// DIDDocument is the issuer's DID document (R-CRED-2).
func (s *Service) DIDDocument() map[string]any { return s.signer.Keys().DIDDocument() }

// Issue signs the Open Badges 3.0 credential of certification key of
// certificantID for its current cycle (R-CRED-1..3). One Query reads the
// profile and the certification; the first fetch of a cycle adds one
// transaction taking its status index (at most 2 round trips, unless a
// drawn index is taken). A certification not current today is refused.
// A parallel first fetch that took the cycle's entry first is read again
// once, so both answer the same credential.
func (s *Service) Issue(ctx context.Context, certificantID, key string) ([]byte, error) {
	body, err := s.issue(ctx, certificantID, key)
	if errors.Is(err, ErrChanged) {
		body, err = s.issue(ctx, certificantID, key)
	}
	return body, err
}

func (s *Service) issue(ctx context.Context, certificantID, key string) ([]byte, error) {
	cert, err := rules.ParseKey(key)
	if err != nil {
		return nil, ErrNotFound
	}
	items, err := s.table.QueryPartition(ctx, dynamo.CertificantPK(certificantID))
	if err != nil {
		return nil, fmt.Errorf("read certificant %s: %w", certificantID, err)
	}
	var profile partition.ProfileItem
	var held partition.CertificationItem
	var haveProfile, haveCert bool
	for _, it := range items {
		switch it.SK() {
		case dynamo.ProfileKey(certificantID).SK:
			haveProfile, err = true, it.Decode(&profile)
		case dynamo.CertificationKey(certificantID, cert.Key()).SK:
			haveCert, err = true, it.Decode(&held)
		}
		if err != nil {
			return nil, err
		}
	}
	if !haveProfile || !haveCert {
		return nil, ErrNotFound
	}
	now := s.now()
	today := calendar.Today(now)
	c := held.Certification.On(today)
	if c.Status != string(calendar.StatusActive) || c.CycleEnd == "" {
		return nil, ErrNotCurrent
	}
	entry := held.Entry
	if !entry.For(c.CycleStart) {
		if entry, err = s.takeEntry(ctx, certificantID, cert.Key(), c, today); err != nil {
			return nil, err
		}
	}
	cycle := calendar.Period{Start: civil.MustParse(c.CycleStart), End: c.Expiration()}
	req, err := rules.RequirementsFor(cert, cycle.End)
	if err != nil {
		return nil, fmt.Errorf("requirements of %s: %w", cert.Key(), err)
	}
	from := cycle.Start
	if from.After(today) {
		from = today
	}
	badge := Badge{ID: s.credentialID(entry), CertificantID: certificantID, From: from,
		Name:          strings.TrimSpace(profile.Given + " " + profile.Family),
		Certification: cert, Number: c.Number, Credential: c.Credential, Cycle: cycle, Requirements: req, Status: entry}
	signed, err := s.signer.Sign(s.issuer.Credential(badge), now)
	if err != nil {
		return nil, err
	}
	return json.Marshal(signed)
}

// takeEntry draws a free index of the list and records it as the cycle's
// entry, in one transaction: the index's uniqueness item, and the
// certification, conditional on the cycle read, on its end not passed (so
// no entry is taken after the expiry job revoked the cycle's), and on no
// entry taken for the cycle meanwhile. Random indexes, as the W3C
// recommendation advises, so an index says nothing about who or when.
func (s *Service) takeEntry(ctx context.Context, certificantID, key string, c partition.Certification, today civil.Date) (statuslist.Entry, error) {
	for range drawAttempts {
		n, err := rand.Int(rand.Reader, big.NewInt(statuslist.Size))
		if err != nil {
			return statuslist.Entry{}, fmt.Errorf("draw status index: %w", err)
		}
		e := statuslist.Entry{List: list, Index: int(n.Int64()), Cycle: c.CycleStart}
		owner := struct {
			dynamo.Key
			Type  string `dynamodbav:"type"`
			Owner string `dynamodbav:"owner"`
		}{dynamo.StatusIndexKey(e.List, e.Index), "statusindex", certificantID + "#" + key + "#" + c.CycleStart}
		claim, err := dynamo.Put(labelIndex, owner, dynamo.IfAbsent.Else(errIndexTaken))
		if err != nil {
			return statuslist.Entry{}, err
		}
		mark, err := dynamo.Update(labelCert, dynamo.CertificationKey(certificantID, key),
			"SET statusList = :l, statusIndex = :i, statusCycle = :c",
			dynamo.Condition{Expr: "cycleStart = :c AND cycleEnd >= :today AND (attribute_not_exists(statusCycle) OR statusCycle <> :c)",
				Values: map[string]any{":l": e.List, ":i": e.Index, ":c": c.CycleStart, ":today": today.String()}}.Else(ErrChanged))
		if err != nil {
			return statuslist.Entry{}, err
		}
		switch err := s.table.Transact(ctx, claim, mark); {
		case errors.Is(err, errIndexTaken):
			continue // draw again
		case err != nil:
			return statuslist.Entry{}, fmt.Errorf("take status entry: %w", err)
		}
		return e, nil
	}
	return statuslist.Entry{}, fmt.Errorf("take status entry: %d drawn indexes were all taken", drawAttempts)
}

// errIndexTaken: the status index drawn belongs to another entry already.
var errIndexTaken = errors.New("credential: status index taken")

// credentialID is a stable urn:uuid per entry: fetching the credential of
// a cycle again gives the same id, a new cycle a new one.
func (s *Service) credentialID(e statuslist.Entry) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s|%d|%d|%s", s.issuer.DID, e.List, e.Index, e.Cycle))
	h[6] = h[6]&0x0f | 0x80 // version 8 (custom), RFC 9562
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// StatusList signs the current BitstringStatusListCredential of listID
// (R-CRED-3), read with one Query of its chunks.
func (s *Service) StatusList(ctx context.Context, listID string) ([]byte, error) {
	purpose, n, ok := statuslist.ParseListID(listID)
	if !ok || n > list {
		return nil, ErrNotFound
	}
	var chunks []statuslist.Chunk
	if err := s.table.QueryPrefix(ctx, dynamo.StatusChunkKey(listID, 0).PK, dynamo.StatusChunkPrefix, &chunks); err != nil {
		return nil, fmt.Errorf("read status list %s: %w", listID, err)
	}
	var set []int
	for _, c := range chunks {
		set = append(set, c.Bits...)
	}
	encoded, err := statuslist.Encode(set)
	if err != nil {
		return nil, err
	}
	now := s.now()
	signed, err := s.signer.Sign(s.issuer.StatusListCredential(listID, purpose, encoded, now), now)
	if err != nil {
		return nil, err
	}
	return json.Marshal(signed)
}

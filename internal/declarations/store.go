package declarations

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/payment"
)

// Item types of the declaration items in the table.
const (
	pointerItemType = "declaration-pointer"
	pendingItemType = "pending"
)

type pointerItem struct {
	dynamo.Key
	Type          string `dynamodbav:"type"`
	CertificantID string `dynamodbav:"certificantId"`
}

// markerItem is the one-pending marker: it names the declaration holding
// it, so a decision can release it.
type markerItem struct {
	dynamo.Key
	Type          string `dynamodbav:"type"`
	DeclarationID string `dynamodbav:"declarationId"`
	Certification string `dynamodbav:"certification"`
}

// TableStore keeps declarations in the table.
type TableStore struct{ table *dynamo.Table }

// NewTableStore wraps the table.
func NewTableStore(table *dynamo.Table) *TableStore { return &TableStore{table: table} }

const labelPending = "pending"

// Submit writes what judge makes in one TransactWriteItems, fenced by the
// transcript version and guarded by the idempotency record. When the
// transcript changed since the version was read (an activity deleted,
// another declaration submitted), nothing is written and judge runs again on
// a fresh read, so the fee (R-FEE-2) and the claims (R-ACT-11) hold whatever
// the timing.
func (s *TableStore) Submit(ctx context.Context, idem *dynamo.Idempotency, now time.Time, certificantID string, judge Judge) (dynamo.Answer, error) {
	fence := dynamo.TranscriptFence(certificantID)
	ans, err := s.table.Commit(ctx, idem, now, &fence, func(ctx context.Context) (dynamo.Answer, []dynamo.Write, error) {
		sub, err := judge(ctx)
		if err != nil {
			return dynamo.Answer{}, nil, err
		}
		writes, err := submissionWrites(sub)
		return sub.Answer, writes, err
	})
	if errors.Is(err, dynamo.ErrFenceBusy) || errors.Is(err, dynamo.ErrTransactionConflict) {
		return dynamo.Answer{}, ErrBusy
	}
	return ans, err
}

// submissionWrites are the writes of a submission: the declaration (whose
// allocation holds its claims, R-ACT-11), its pointer, the pending marker
// and the received email.
func submissionWrites(sub Submission) ([]dynamo.Write, error) {
	d := sub.Declaration
	item, err := partition.NewDeclarationItem(d)
	if err != nil {
		return nil, err
	}
	var writes []dynamo.Write
	var errs []error
	add := func(w dynamo.Write, err error) {
		writes = append(writes, w)
		errs = append(errs, err)
	}
	add(dynamo.Put("declaration", item, dynamo.IfAbsent))
	add(dynamo.Put("pointer", pointerItem{Key: dynamo.DeclarationPointerKey(d.ID), Type: pointerItemType,
		CertificantID: d.CertificantID}, dynamo.IfAbsent))
	add(dynamo.Put(labelPending, markerItem{Key: dynamo.PendingKey(d.CertificantID, d.Certification),
		Type: pendingItemType, DeclarationID: d.ID, Certification: d.Certification}, dynamo.IfAbsent.Else(ErrPending)))
	if sub.Payment == nil {
		add(dynamo.PutOutbox(dynamo.NewOutbox(ReceivedTemplate, sub.Email, ReceivedMail(d, sub.GivenName, ""), d.SubmittedAt, d.ID)))
	} else {
		// R-PAY-1: the received email waits for the payment (PaidEffect).
		ws, err := payment.Puts(*sub.Payment)
		writes, errs = append(writes, ws...), append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("declaration %s writes: %w", d.ID, err)
	}
	return writes, nil
}

// Get reads a declaration by id: the pointer names its partition.
func (s *TableStore) Get(ctx context.Context, id string) (partition.Declaration, bool, error) {
	if id == "" || len(id) > maxIDLen {
		return partition.Declaration{}, false, nil
	}
	var p pointerItem
	found, err := s.table.Get(ctx, dynamo.DeclarationPointerKey(id), &p)
	if err != nil || !found {
		return partition.Declaration{}, false, err
	}
	var it partition.DeclarationItem
	found, err = s.table.Get(ctx, dynamo.DeclarationKey(p.CertificantID, id), &it)
	if err != nil || !found {
		if err == nil {
			err = errors.New("pointer without declaration " + id)
		}
		return partition.Declaration{}, false, err
	}
	d, err := it.Declaration()
	return d, err == nil, err
}

// maxIDLen bounds ids taken from paths before they become keys.
const maxIDLen = 128

// List reads every declaration of a certificant with one query of its
// partition, which also tells whether the certificant (its profile) exists.
func (s *TableStore) List(ctx context.Context, certificantID string) ([]partition.Declaration, bool, error) {
	if certificantID == "" || len(certificantID) > maxIDLen {
		return nil, false, nil
	}
	items, err := s.table.QueryPartition(ctx, dynamo.CertificantPK(certificantID))
	if err != nil {
		return nil, false, err
	}
	found := false
	out := []partition.Declaration{}
	for _, raw := range items {
		sk := raw.SK()
		found = found || sk == dynamo.ProfileKey(certificantID).SK
		if !strings.HasPrefix(sk, dynamo.DeclarationPrefix) {
			continue
		}
		var it partition.DeclarationItem
		if err := raw.Decode(&it); err != nil {
			return nil, false, err
		}
		d, err := it.Declaration()
		if err != nil {
			return nil, false, err
		}
		out = append(out, d)
	}
	return out, found, nil
}

package declarations

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/partition"
)

// Index names of the lifecycle (internal/dynamo patterns.go).
const (
	queueIndex = "ByQueue"
	dateIndex  = "ByDate"
	// dueTTL keeps a due entry a while after its day, then DynamoDB drops it.
	dueTTL = 90 * 24 * time.Hour
)

// dueItem is a ByDate entry of a declaration, kept beside its pointer
// (pk=DECL#<id>, sk=DUE#<kind>#<day>).
type dueItem struct {
	dynamo.Key
	Type          string `dynamodbav:"type"`
	DeclarationID string `dynamodbav:"declarationId"`
	Kind          string `dynamodbav:"kind"`
	DatePK        string `dynamodbav:"datePk"`
	DateSK        string `dynamodbav:"dateSk"`
	TTL           int64  `dynamodbav:"ttl"`
}

func newDueItem(d partition.Declaration, due Due) dueItem {
	day := due.On.String()
	return dueItem{
		Key:  dynamo.DueEntryKey(d.ID, string(due.Kind), day),
		Type: "declaration-due", DeclarationID: d.ID, Kind: string(due.Kind),
		DatePK: dynamo.DatePK(dynamo.DueDateKind, day, d.ID), DateSK: string(due.Kind) + "#" + d.CertificantID + "#" + d.ID,
		TTL: due.On.Time().Add(dueTTL).Unix(),
	}
}

// Party reads the certificant's profile and the declared certification.
func (s *TableStore) Party(ctx context.Context, d partition.Declaration) (Party, error) {
	var p partition.ProfileItem
	found, err := s.table.Get(ctx, dynamo.ProfileKey(d.CertificantID), &p)
	if err != nil {
		return Party{}, err
	}
	if !found {
		return Party{}, fmt.Errorf("no profile of certificant %s", d.CertificantID)
	}
	var c partition.Certification
	if _, err := s.table.Get(ctx, dynamo.CertificationKey(d.CertificantID, d.Certification), &c); err != nil {
		return Party{}, err
	}
	return Party{Email: p.Email, Given: p.Given, Certification: c}, nil
}

// Labels of a transition's writes.
const (
	labelDeclaration = "declaration"
	labelRenewal     = "renewal"
)

// Apply writes a transition in one TransactWriteItems, guarded by the
// version and state read, and by the transcript version when c.Fence is set:
// a concurrent or repeated decision, or a transcript changed under a new
// allocation, fails as ErrStale.
func (s *TableStore) Apply(ctx context.Context, c Change) error {
	writes, err := changeWrites(c)
	if err != nil {
		return err
	}
	return s.table.Transact(ctx, writes...)
}

// TranscriptVersion reads the certificant's transcript version.
func (s *TableStore) TranscriptVersion(ctx context.Context, certificantID string) (int, error) {
	return s.table.FenceValue(ctx, dynamo.TranscriptFence(certificantID))
}

func changeWrites(c Change) ([]dynamo.Write, error) {
	d := c.To
	item, err := partition.NewDeclarationItem(d)
	if err != nil {
		return nil, err
	}
	if d.Status.Final() {
		item.QueuePK, item.QueueSK = "", "" // leaves the staff queue
	}
	var writes []dynamo.Write
	var errs []error
	add := func(w dynamo.Write, err error) {
		writes = append(writes, w)
		errs = append(errs, err)
	}
	// The guards of what the decision read: any of them failing means a
	// concurrent or repeated change came first.
	stale := func(w dynamo.Write, err error) { add(w.Else(ErrStale), err) }
	stale(dynamo.Put(labelDeclaration, item, dynamo.Condition{Expr: "#v = :v AND #s = :s",
		Names:  map[string]string{"#v": "version", "#s": "status"},
		Values: map[string]any{":v": c.From.Version, ":s": string(c.From.Status)}}))
	stale(dynamo.PutOutbox(c.Mail))
	// A marker is released only while it still names this declaration.
	mine := dynamo.Condition{Expr: "attribute_not_exists(pk) OR declarationId = :id", Values: map[string]any{":id": d.ID}}
	if c.ReleasePending {
		add(dynamo.Delete(labelPending, dynamo.PendingKey(d.CertificantID, d.Certification), mine))
	}
	if c.Fence != nil {
		stale(dynamo.TranscriptFence(d.CertificantID).Advance(*c.Fence))
	}
	if r := c.Renewal; r != nil {
		add(renewalWrite(d, *r))
	}
	for _, due := range c.Due {
		add(dynamo.Put("due", newDueItem(d, due), dynamo.Condition{}))
	}
	writes = append(writes, c.Also...)
	return writes, errors.Join(errs...)
}

// renewalWrite moves the certification to its new cycle and its ByDate EXP
// entry to the new expiration, so the old cycle's reminders stop (R-CYC-2);
// it ends an inactive status too.
func renewalWrite(d partition.Declaration, r Renewal) (dynamo.Write, error) {
	m := partition.CycleMove{CertificantID: d.CertificantID, CertKey: r.CertKey, Cycle: r.Cycle, Credential: r.Credential}
	if r.Effective.After(calendar.Today(d.History[len(d.History)-1].At)) {
		m.EffectiveOn = r.Effective // approved early: the old cycle stays current until then (R-CYC-2)
	}
	return partition.MoveCycle(labelRenewal, m)
}

// Queue lists the declarations in state, by processing due date (ByQueue).
func (s *TableStore) Queue(ctx context.Context, state partition.State) ([]partition.Declaration, error) {
	var items []partition.DeclarationItem
	if err := s.table.QueryIndex(ctx, queueIndex, "queuePk", dynamo.QueuePK(string(state)), &items); err != nil {
		return nil, err
	}
	out := make([]partition.Declaration, 0, len(items))
	for _, it := range items {
		d, err := it.Declaration()
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// DueOn lists the declaration ids with an entry of kind due on day, over
// every shard of the day (no Scan).
func (s *TableStore) DueOn(ctx context.Context, kind DueKind, day civil.Date) ([]string, error) {
	var ids []string
	for _, pk := range dynamo.DatePKs(dynamo.DueDateKind, day.String()) {
		var items []dueItem
		if err := s.table.QueryIndex(ctx, dateIndex, "datePk", pk, &items); err != nil {
			return nil, fmt.Errorf("due on %s: %w", day, err)
		}
		for _, it := range items {
			if it.Kind == string(kind) {
				ids = append(ids, it.DeclarationID)
			}
		}
	}
	return ids, nil
}

// Owe puts an outbox item unless the same email is owed already.
func (s *TableStore) Owe(ctx context.Context, item dynamo.OutboxItem) (bool, error) {
	return s.table.Owe(ctx, item)
}

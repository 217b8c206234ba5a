package transcript

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/rules"
)

// Post puts each posting unless its activity exists already: posted[i] is
// false for one that was there before (a re-post changes nothing, R-PROV-2),
// even when two uploads of it race.
func (s *TableStore) Post(ctx context.Context, ps []partition.Posting) (posted []bool, err error) {
	items := make([]any, len(ps))
	for i, p := range ps {
		if items[i], err = p.Item(); err != nil {
			return nil, err
		}
	}
	present, err := s.table.PutEachIfAbsent(ctx, labelActivity, items)
	if err != nil {
		return nil, fmt.Errorf("post completions: %w", err)
	}
	for i := range present {
		present[i] = !present[i]
	}
	return present, nil
}

// maxDisputeReason bounds a dispute's reason.
const maxDisputeReason = 500

// Dispute hides a provider-posted entry: it stays in the transcript as
// disputed and never counts again (R-PROV-3). A claimed entry cannot be
// disputed (R-ACT-11): the declaration's allocation relies on it.
func (s *Service) Dispute(ctx context.Context, certificantID, activityID, reason string) (partition.Entry, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > maxDisputeReason || strings.IndexFunc(reason, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) >= 0 {
		return partition.Entry{}, &fielderr.Invalid{Detail: "invalid dispute", Fields: []fielderr.Field{{Field: "reason", Rule: "R-PROV-3",
			Message: fmt.Sprintf("required, at most %d characters, no control characters but newlines", maxDisputeReason)}}}
	}
	var e partition.Entry
	err := s.fenced(ctx, certificantID, func(ctx context.Context, p partition.Partition, seen int) error {
		var err error
		if e, err = postedEntry(p, activityID); err != nil {
			return err
		}
		if e.Status == rules.Disputed {
			return ErrDisputed
		}
		if p.Claimed(activityID) {
			return ErrClaimed
		}
		return s.store.Dispute(ctx, certificantID, activityID, reason, s.now().UTC().Format(time.RFC3339), seen)
	})
	if err != nil {
		return partition.Entry{}, err
	}
	e.Status, e.DisputeReason = rules.Disputed, reason
	return e, nil
}

// postedEntry is the entry with id if a provider posted it.
func postedEntry(p partition.Partition, id string) (partition.Entry, error) {
	for _, e := range p.Entries {
		if e.ID != id {
			continue
		}
		if e.Source != partition.SourceProvider {
			return partition.Entry{}, ErrNotPosted
		}
		return e, nil
	}
	return partition.Entry{}, ErrNotFound
}

// Dispute marks the posted entry disputed unless it is disputed already,
// while the transcript version is seen, in one transaction.
func (s *TableStore) Dispute(ctx context.Context, certificantID, activityID, reason, at string, seen int) error {
	upd, err := dynamo.Update(labelActivity, dynamo.ActivityKey(certificantID, activityID),
		"SET #status = :disputed, disputeReason = :reason, disputedAt = :at",
		dynamo.Condition{Expr: "attribute_exists(pk) AND #source = :provider AND #status <> :disputed",
			Names:  map[string]string{"#status": "status", "#source": "source"},
			Values: map[string]any{":disputed": string(rules.Disputed), ":reason": reason, ":at": at, ":provider": partition.SourceProvider}}.Else(ErrDisputed)) // it was there, posted, when read: disputed since
	if err != nil {
		return err
	}
	fence, err := dynamo.TranscriptFence(certificantID).Advance(seen)
	if err != nil {
		return err
	}
	return s.table.Transact(ctx, upd, fence)
}

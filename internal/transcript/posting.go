package transcript

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/rules"
)

// Posting is a completion a CE provider reported, matched to its
// certificant and validated, ready to enter the transcript (R-PROV-2).
// ActivityID is derived from provider, course id and certification number,
// so posting it again finds the same item.
type Posting struct {
	CertificantID string
	ActivityID    string
	ProviderID    string
	ProviderName  string
	CourseID      string
	BatchID       string
	Input         rules.ActivityInput
	Activity      rules.Activity
	At            time.Time
}

func (p Posting) item() (activityItem, error) {
	e := Entry{ID: p.ActivityID, ActivityInput: p.Input, Points: p.Activity.Points, Status: p.Activity.Status,
		CreatedAt: p.At.UTC().Format(time.RFC3339)}
	it, err := newItem(p.CertificantID, e, p.Activity)
	if err != nil {
		return activityItem{}, err
	}
	it.Source, it.ProviderID, it.ProviderName, it.CourseID, it.BatchID = SourceProvider, p.ProviderID, p.ProviderName, p.CourseID, p.BatchID
	return it, nil
}

// Post puts each posting unless its activity exists already: posted[i] is
// false for one that was there before (a re-post changes nothing, R-PROV-2),
// even when two uploads of it race.
func (s *TableStore) Post(ctx context.Context, ps []Posting) (posted []bool, err error) {
	items := make([]any, len(ps))
	for i, p := range ps {
		if items[i], err = p.item(); err != nil {
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
func (s *Service) Dispute(ctx context.Context, certificantID, activityID, reason string) (Entry, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > maxDisputeReason || strings.IndexFunc(reason, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) >= 0 {
		return Entry{}, &fielderr.Invalid{Detail: "invalid dispute", Fields: []fielderr.Field{{Field: "reason", Rule: "R-PROV-3",
			Message: fmt.Sprintf("required, at most %d characters, no control characters but newlines", maxDisputeReason)}}}
	}
	var e Entry
	err := s.fenced(ctx, certificantID, func(ctx context.Context, p Partition, seen int) error {
		var err error
		if e, err = p.postedEntry(activityID); err != nil {
			return err
		}
		if e.Status == rules.Disputed {
			return ErrDisputed
		}
		if p.claimed(activityID) {
			return ErrClaimed
		}
		return s.store.Dispute(ctx, certificantID, activityID, reason, s.now().UTC().Format(time.RFC3339), seen)
	})
	if err != nil {
		return Entry{}, err
	}
	e.Status, e.DisputeReason = rules.Disputed, reason
	return e, nil
}

// postedEntry is the entry with id if a provider posted it.
func (p Partition) postedEntry(id string) (Entry, error) {
	for _, e := range p.Entries {
		if e.ID != id {
			continue
		}
		if e.Source != SourceProvider {
			return Entry{}, ErrNotPosted
		}
		return e, nil
	}
	return Entry{}, ErrNotFound
}

// claimed: a declaration of any certification claims the activity (R-ACT-11).
func (p Partition) claimed(activityID string) bool {
	for _, c := range p.Claims {
		if c.ActivityID == activityID {
			return true
		}
	}
	return false
}

// Dispute marks the posted entry disputed unless it is disputed already,
// while the transcript version is seen, in one transaction.
func (s *TableStore) Dispute(ctx context.Context, certificantID, activityID, reason, at string, seen int) error {
	upd, err := dynamo.Update(labelActivity, dynamo.ActivityKey(certificantID, activityID),
		"SET #status = :disputed, disputeReason = :reason, disputedAt = :at",
		dynamo.Condition{Expr: "attribute_exists(pk) AND #source = :provider AND #status <> :disputed",
			Names:  map[string]string{"#status": "status", "#source": "source"},
			Values: map[string]any{":disputed": string(rules.Disputed), ":reason": reason, ":at": at, ":provider": SourceProvider}})
	if err != nil {
		return err
	}
	fence, err := dynamo.TranscriptFence(certificantID).Advance(seen)
	if err != nil {
		return err
	}
	err = s.table.Transact(ctx, upd, fence)
	if dynamo.FailedLabel(err) == labelActivity {
		return ErrDisputed // it was there, posted, when read: disputed since
	}
	return err
}

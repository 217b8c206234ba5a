package transcript

import (
	"context"

	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/rules"
)

// TableStore writes transcript entries to the table.
type TableStore struct{ table *dynamo.Table }

// NewTableStore wraps the table.
func NewTableStore(table *dynamo.Table) *TableStore { return &TableStore{table: table} }

const (
	labelProfile  = "profile"
	labelActivity = "activity"
	labelCovid    = "covid"
)

type covidItem struct {
	dynamo.Key
	Type       string `dynamodbav:"type"`
	ActivityID string `dynamodbav:"activityId"`
}

// Add puts the entry in the same transaction as a check that the profile
// exists, so no entry outlives or precedes its certificant; a covid entry
// also takes the certificant's one covid claim (ErrCovidTaken).
func (s *TableStore) Add(ctx context.Context, certificantID string, e partition.Entry, act rules.Activity) error {
	it, err := partition.NewActivityItem(certificantID, e, act)
	if err != nil {
		return err
	}
	profile, err := dynamo.Check(labelProfile, dynamo.ProfileKey(certificantID), dynamo.Condition{Expr: "attribute_exists(pk)"}.Else(ErrNotFound))
	if err != nil {
		return err
	}
	put, err := dynamo.Put(labelActivity, it, dynamo.IfAbsent)
	if err != nil {
		return err
	}
	writes := []dynamo.Write{profile, put}
	if act.Type == rules.CovidCE {
		w, err := dynamo.Put(labelCovid, covidItem{Key: dynamo.CovidClaimKey(certificantID), Type: "covid-claim", ActivityID: e.ID}, dynamo.IfAbsent.Else(ErrCovidTaken))
		if err != nil {
			return err
		}
		writes = append(writes, w)
	}
	return s.table.Transact(ctx, writes...)
}

// releaseCovid deletes the covid claim while it names activityID.
func releaseCovid(certificantID, activityID string) (dynamo.Write, error) {
	return dynamo.Delete(labelCovid, dynamo.CovidClaimKey(certificantID), dynamo.Condition{Expr: "attribute_not_exists(pk) OR activityId = :id",
		Values: map[string]any{":id": activityID}})
}

// Review records staff's decision on a pending covid entry: status
// accepted or rejected, the reason and who; a rejection frees the covid
// claim (R-ACT-9). ErrNotFound, ErrNotReviewable when it is no pending covid entry.
func (s *TableStore) Review(ctx context.Context, certificantID, activityID string, status rules.Status, reason, by, at string) error {
	update, err := dynamo.Update(labelActivity, dynamo.ActivityKey(certificantID, activityID),
		"SET #status = :status, reviewReason = :reason, reviewedBy = :by, reviewedAt = :at",
		dynamo.Condition{Expr: "attribute_exists(pk) AND activityType = :covid AND #status = :pending", Names: map[string]string{"#status": "status"},
			Values: map[string]any{":status": string(status), ":reason": reason, ":by": by, ":at": at,
				":covid": string(rules.CovidCE), ":pending": string(rules.PendingReview)}}.Else(ErrNotReviewable))
	if err != nil {
		return err
	}
	writes := []dynamo.Write{update}
	if status == rules.Rejected {
		w, err := releaseCovid(certificantID, activityID)
		if err != nil {
			return err
		}
		writes = append(writes, w)
	}
	return s.table.Transact(ctx, writes...)
}

// Delete removes the entry if it exists, while the transcript version is
// seen, in one transaction; the caller judged the claims on it (R-ACT-11).
func (s *TableStore) Delete(ctx context.Context, certificantID, activityID string, seen int) error {
	del, err := dynamo.Delete(labelActivity, dynamo.ActivityKey(certificantID, activityID), dynamo.Condition{Expr: "attribute_exists(pk)"}.Else(ErrNotFound))
	if err != nil {
		return err
	}
	fence, err := dynamo.TranscriptFence(certificantID).Advance(seen)
	if err != nil {
		return err
	}
	// A deleted covid entry frees the claim as a rejected one does (R-ACT-9).
	free, err := releaseCovid(certificantID, activityID)
	if err != nil {
		return err
	}
	return s.table.Transact(ctx, del, fence, free)
}

package transcript

import (
	"context"
	"strings"

	"github.com/boc/cmp/internal/cmp"
	"github.com/boc/cmp/internal/dynamo"
)

// TableStore writes transcript entries to the table.
type TableStore struct{ table *dynamo.Table }

// NewTableStore wraps the table.
func NewTableStore(table *dynamo.Table) *TableStore { return &TableStore{table: table} }

const (
	labelProfile  = "profile"
	labelActivity = "activity"
	labelClaim    = "claim:"
)

// Add puts the entry in the same transaction as a check that the profile
// exists, so no entry outlives or precedes its certificant.
func (s *TableStore) Add(ctx context.Context, certificantID string, e Entry, act cmp.Activity) error {
	it, err := newItem(certificantID, e, act)
	if err != nil {
		return err
	}
	profile, err := dynamo.Check(labelProfile, dynamo.ProfileKey(certificantID), dynamo.Condition{Expr: "attribute_exists(pk)"})
	if err != nil {
		return err
	}
	put, err := dynamo.Put(labelActivity, it, dynamo.IfAbsent)
	if err != nil {
		return err
	}
	err = s.table.Transact(ctx, profile, put)
	if dynamo.FailedLabel(err) == labelProfile {
		return ErrNotFound
	}
	return err
}

// Delete removes the entry if it exists and no claim item of any of
// certKeys names it (R-ACT-11), all in one transaction.
func (s *TableStore) Delete(ctx context.Context, certificantID, activityID string, certKeys []string) error {
	del, err := dynamo.Delete(labelActivity, dynamo.ActivityKey(certificantID, activityID), dynamo.Condition{Expr: "attribute_exists(pk)"})
	if err != nil {
		return err
	}
	// Bumping the version makes a submission judged before this delete
	// commit nothing (it is judged again), so it never claims a deleted entry.
	bump, err := dynamo.Update("version", dynamo.TranscriptVersionKey(certificantID), "ADD #v :one",
		dynamo.Condition{Names: map[string]string{"#v": dynamo.TranscriptVersionAttr}, Values: map[string]any{":one": 1}})
	if err != nil {
		return err
	}
	writes := []dynamo.Write{del, bump}
	for _, k := range certKeys {
		w, err := dynamo.Check(labelClaim+k, dynamo.ClaimKey(certificantID, k, activityID), dynamo.IfAbsent)
		if err != nil {
			return err
		}
		writes = append(writes, w)
	}
	err = s.table.Transact(ctx, writes...)
	label := dynamo.FailedLabel(err)
	switch {
	case label == labelActivity:
		return ErrNotFound
	case strings.HasPrefix(label, labelClaim):
		return ErrClaimed
	}
	return err
}

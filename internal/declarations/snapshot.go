package declarations

import (
	"context"
	"fmt"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/rules"
)

// PartitionLoader is the Loader over the table: the partition's one Query.
type PartitionLoader struct{ partitions *partition.Reader }

// NewPartitionLoader reads partitions of the table.
func NewPartitionLoader(table *dynamo.Table) *PartitionLoader {
	return &PartitionLoader{partitions: partition.NewReader(table)}
}

// Load is the snapshot a declaration submitted at instant at is judged on:
// one Query, then the pure evaluation input for the CE window of that
// submission.
func (l *PartitionLoader) Load(ctx context.Context, certificantID, certKey string, at time.Time) (Snapshot, bool, error) {
	p, found, err := l.partitions.Load(ctx, certificantID)
	if err != nil || !found {
		return Snapshot{}, false, err
	}
	snap, err := snapshotOf(p, certKey, calendar.Today(at))
	return snap, err == nil, err
}

// snapshotOf is what a submission on today needs of the partition.
func snapshotOf(p partition.Partition, certKey string, today civil.Date) (Snapshot, error) {
	snap := Snapshot{Email: p.Profile.Email, GivenName: p.Profile.Name.Given,
		Pending: p.Pending[certKey], Declarations: p.Declarations}
	c, held := p.Certification(certKey)
	if !held {
		return snap, nil
	}
	cert, err := rules.ParseKey(certKey)
	if err != nil {
		return Snapshot{}, fmt.Errorf("snapshot: %w", err)
	}
	snap.Registered = true
	if c.CMPRequired {
		snap.Expiration = c.Expiration() // voluntary: no expiration, no window (R-CYC-5)
	}
	snap.Evaluation = p.Evaluation(cert, partition.CycleOn(c, today))
	return snap, nil
}

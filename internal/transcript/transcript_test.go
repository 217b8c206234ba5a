package transcript

import (
	"context"

	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/rules"
)

// memory keeps partitions as the table does; the service judges claims.
type memory struct {
	parts map[string]*partition.Partition
}

func (m *memory) Load(_ context.Context, id string) (partition.Partition, bool, error) {
	p, ok := m.parts[id]
	if !ok {
		return partition.Partition{}, false, nil
	}
	return *p, true, nil
}

// Fenced: memory has no concurrent writers, so any version does.
func (m *memory) Fenced(ctx context.Context, id string) (partition.Partition, int, bool, error) {
	p, found, err := m.Load(ctx, id)
	return p, 0, found, err
}

func (m *memory) Add(_ context.Context, id string, e partition.Entry, act rules.Activity) error {
	p, ok := m.parts[id]
	if !ok {
		return ErrNotFound
	}
	// The table's covid claim: one covid entry unless the others were rejected.
	for _, a := range p.Activities {
		if act.Type == rules.CovidCE && a.Type == rules.CovidCE && a.Status != rules.Rejected {
			return ErrCovidTaken
		}
	}
	p.Entries, p.Activities = append(p.Entries, e), append(p.Activities, act)
	return nil
}

func (m *memory) Review(_ context.Context, id, activityID string, status rules.Status, reason, _, _ string) error {
	p := m.parts[id]
	for i, a := range p.Activities {
		if a.ID == activityID && a.Type == rules.CovidCE && a.Status == rules.PendingReview {
			p.Activities[i].Status, p.Entries[i].Status, p.Entries[i].ReviewReason = status, status, reason
			return nil
		}
	}
	return ErrNotReviewable
}

func (m *memory) Delete(_ context.Context, id, activityID string, _ int) error {
	p := m.parts[id]
	for i, e := range p.Entries {
		if e.ID != activityID {
			continue
		}
		p.Entries, p.Activities = append(p.Entries[:i], p.Entries[i+1:]...), append(p.Activities[:i], p.Activities[i+1:]...)
		return nil
	}
	return ErrNotFound
}

func (m *memory) Dispute(_ context.Context, id, activityID, reason, _ string, _ int) error {
	p := m.parts[id]
	for i, e := range p.Entries {
		if e.ID == activityID {
			p.Entries[i].Status, p.Entries[i].DisputeReason, p.Activities[i].Status = rules.Disputed, reason, rules.Disputed
			return nil
		}
	}
	return ErrNotFound
}

// R-ACT-9: staff review the covid claim form: until then it does not
// count; accepted it counts from then on; rejected it never counts, says
// why, and frees the one covid entry; a second entry while one is pending
// or accepted is refused (409). Only staff review, only covid entries.

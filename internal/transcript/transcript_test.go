package transcript

import (
	"context"
	"testing"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/rules"
)

// memory keeps partitions as the table does; the service judges claims.
type memory struct{ parts map[string]*Partition }

func (m *memory) Partition(_ context.Context, id string) (Partition, bool, error) {
	p, ok := m.parts[id]
	if !ok {
		return Partition{}, false, nil
	}
	return *p, true, nil
}

// Fenced: memory has no concurrent writers, so any version does.
func (m *memory) Fenced(ctx context.Context, id string) (Partition, int, bool, error) {
	p, found, err := m.Partition(ctx, id)
	return p, 0, found, err
}

func (m *memory) Add(_ context.Context, id string, e Entry, act rules.Activity) error {
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

var d = civil.MustParse

func TestEvaluationOwnCovidClaim(t *testing.T) {
	p := Partition{Activities: []rules.Activity{{ID: "covid", Type: rules.CovidCE}}, Claims: []Claim{{"ASCPi-MLS", "covid"}}}
	mls, _ := rules.ParseKey("ASCPi-MLS")
	in := p.Evaluation(mls, Cycle{RequirementsOn: d("2025-01-31")})
	if !in.ClaimedInCertification["covid"] || in.CovidUsedElsewhere || in.ClaimedElsewhere["covid"] {
		t.Errorf("own claim of the covid entry: %+v", in)
	}
}

// R-ACT-11, R-ACT-3, R-ACT-9: claims split by certification; a claimed covid entry uses up the one.
func TestEvaluationClaims(t *testing.T) {
	p := Partition{
		Activities: []rules.Activity{{ID: "covid", Type: rules.CovidCE}, {ID: "course", Type: rules.FormalCE}},
		Claims:     []Claim{{"ASCPi-SBB", "covid"}, {"ASCPi-MLS", "course"}},
	}
	mls, _ := rules.ParseKey("ASCPi-MLS")
	in := p.Evaluation(mls, Cycle{RequirementsOn: d("2025-01-31")})
	if !in.ClaimedInCertification["course"] || in.ClaimedInCertification["covid"] || !in.ClaimedElsewhere["covid"] || !in.CovidUsedElsewhere {
		t.Errorf("evaluation input: %+v", in)
	}
}

// R-CYC-3..5, R-REQ: requirements are read at the cycle end while current,
// at the submission day for a reinstatement or a voluntary participant.
func TestCycleOn(t *testing.T) {
	mls := partition.Certification{CMPRequired: true, CycleStart: "2022-02-01", CycleEnd: "2025-01-31"}
	tests := []struct {
		name     string
		c        partition.Certification
		today    string
		window   calendar.Period
		reqOn    string
		hasCycle bool
	}{
		{"current", mls, "2024-12-01", calendar.Period{Start: d("2022-02-01"), End: d("2025-01-31")}, "2025-01-31", true},
		{"expired: 3 years before", mls, "2025-03-04", calendar.Period{Start: d("2022-03-04"), End: d("2025-03-04")}, "2025-03-04", true},
		{"voluntary: 3 years before", partition.Certification{}, "2025-03-04", calendar.Period{Start: d("2022-03-04"), End: d("2025-03-04")}, "2025-03-04", false},
	}
	for _, tc := range tests {
		cy := CycleOn(tc.c, d(tc.today))
		if cy.CEWindow != tc.window || cy.RequirementsOn != d(tc.reqOn) || cy.Period.IsZero() == tc.hasCycle {
			t.Errorf("%s: %+v", tc.name, cy)
		}
	}
}

// R-ACT-9: staff review the covid claim form: until then it does not
// count; accepted it counts from then on; rejected it never counts, says
// why, and frees the one covid entry; a second entry while one is pending
// or accepted is refused (409). Only staff review, only covid entries.

package partition

import (
	"testing"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/rules"
)

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
	mls := Certification{CMPRequired: true, CycleStart: "2022-02-01", CycleEnd: "2025-01-31"}
	tests := []struct {
		name     string
		c        Certification
		today    string
		window   calendar.Period
		reqOn    string
		hasCycle bool
	}{
		{"current", mls, "2024-12-01", calendar.Period{Start: d("2022-02-01"), End: d("2025-01-31")}, "2025-01-31", true},
		{"expired: 3 years before", mls, "2025-03-04", calendar.Period{Start: d("2022-03-04"), End: d("2025-03-04")}, "2025-03-04", true},
		{"voluntary: 3 years before", Certification{}, "2025-03-04", calendar.Period{Start: d("2022-03-04"), End: d("2025-03-04")}, "2025-03-04", false},
	}
	for _, tc := range tests {
		cy := CycleOn(tc.c, d(tc.today))
		if cy.CEWindow != tc.window || cy.RequirementsOn != d(tc.reqOn) || cy.Period.IsZero() == tc.hasCycle {
			t.Errorf("%s: %+v", tc.name, cy)
		}
	}
}

// R-INA-2: a declaration of an inactive certification counts the points of
// the extended period (the cycle start through the extended end), and its
// requirements are those of the extended expiration; after the period the
// certification has expired and a declaration reinstates it (R-CYC-4).
func TestCycleOnInactive(t *testing.T) {
	c := Certification{Key: "ASCPi-MLS", CMPRequired: true, CycleStart: "2022-01-01", CycleEnd: "2026-06-30",
		InactiveUntil: "2026-06-30"}
	extended := calendar.Period{Start: d("2022-01-01"), End: d("2026-06-30")}
	for _, tc := range []struct {
		today          string
		window         calendar.Period
		requirementsOn string
	}{
		{"2025-03-15", extended, "2026-06-30"}, // past the original 2025-01-31
		{"2026-06-30", extended, "2026-06-30"},
		{"2026-07-01", calendar.Period{Start: d("2023-07-01"), End: d("2026-07-01")}, "2026-07-01"},
	} {
		cy := CycleOn(c, d(tc.today))
		if cy.CEWindow != tc.window || cy.RequirementsOn != d(tc.requirementsOn) {
			t.Errorf("on %s: window %+v, requirements of %s; want %+v, %s", tc.today, cy.CEWindow, cy.RequirementsOn, tc.window, tc.requirementsOn)
		}
	}
}

package rules

import (
	"testing"

	"github.com/boc/cmp/internal/civil"
)

func act(id string, typ ActivityType, on string, pts Points, areas ...Area) Activity {
	return Activity{ID: id, Type: typ, Title: id, CompletedOn: civil.MustParse(on), Areas: areas, Points: pts, Status: Accepted}
}

// mlsInput is an ASCPi-MLS cycle 2022-02-01..2025-01-31 with a transcript
// that meets every minimum except the related remainder.
func mlsInput(extra ...Activity) EvaluationInput {
	mls, _ := ParseKey("ASCPi-MLS")
	base := []Activity{
		act("safety", FormalCE, "2023-03-01", 1*Pt, AreaSafety),
		act("ethics", FormalCE, "2023-03-02", 1*Pt, AreaEthics),
		act("bb", FormalCE, "2023-03-03", 2*Pt, AreaBloodBanking),
		act("chem", FormalCE, "2023-03-04", 2*Pt, AreaChemistry),
		act("heme", FormalCE, "2023-03-05", 2*Pt, AreaHematology),
		act("micro", FormalCE, "2023-03-06", 2*Pt, AreaMicrobiology),
	}
	return EvaluationInput{
		Certification: mls,
		Expires:       civil.MustParse("2025-01-31"),
		Window:        Window{civil.MustParse("2022-02-01"), civil.MustParse("2025-01-31")},
		Activities:    append(base, extra...),
	}
}

func progress(ev Evaluation, area Area) AreaProgress {
	for _, p := range ev.Requirements {
		if p.Area == area {
			return p
		}
	}
	return AreaProgress{}
}

func shortfall(ev []Shortfall, area Area) Points {
	for _, s := range ev {
		if s.Area == area {
			return s.Needed
		}
	}
	return 0
}

func cappedFor(ev Evaluation, id string) (Points, string) {
	var sum Points
	var rule string
	for _, c := range ev.Capped {
		if c.ActivityID == id {
			sum += c.Points
			rule = c.Rule
		}
	}
	return sum, rule
}

func mustEvaluate(t *testing.T, in EvaluationInput) Evaluation {
	t.Helper()
	ev, err := Evaluate(in)
	if err != nil {
		t.Fatal(err)
	}
	check, err := CheckAllocation(in, ev.Proposal)
	if err != nil || len(check.Errors) > 0 {
		t.Fatalf("proposal %v fails validation: %v %v", ev.Proposal, check.Errors, err)
	}
	if len(check.Shortfalls) != len(ev.Shortfalls) || shortfall(check.Shortfalls, AreaTotal) != shortfall(ev.Shortfalls, AreaTotal) {
		t.Fatalf("check shortfalls %v differ from evaluation %v", check.Shortfalls, ev.Shortfalls)
	}
	return ev
}

func TestCaps(t *testing.T) {
	tests := []struct {
		name      string
		extra     []Activity
		total     Points // earned toward the total
		cappedID  string
		capped    Points
		rule      string
		remaining Points // total shortfall after the proposal
	}{
		{
			// Booklet: college credit above 18 of 36 does not count.
			name:  "R-ACT-2 college credit above 18 of 36",
			extra: []Activity{act("c1", CollegeCourse, "2023-09-01", 15*Pt, AreaOther), act("c2", CollegeCourse, "2024-01-15", 15*Pt, AreaOther), act("ce", EmployerCourse, "2024-02-01", 20*Pt, AreaOther)},
			total: 10*Pt + 18*Pt + 20*Pt, cappedID: "c2", capped: 12 * Pt, rule: "R-ACT-2", remaining: 0,
		},
		{
			name:  "R-ACT-2 college alone cannot reach the total",
			extra: []Activity{act("c1", CollegeCourse, "2023-09-01", 45*Pt, AreaOther)},
			total: 28 * Pt, cappedID: "c1", capped: 27 * Pt, rule: "R-ACT-2", remaining: 8 * Pt,
		},
		{
			name:  "R-ACT-6 presentations at most 50%",
			extra: []Activity{act("p1", Presentation, "2023-09-01", 12*Pt, AreaOther), act("p2", Presentation, "2024-09-01", 12*Pt, AreaOther)},
			total: 28 * Pt, cappedID: "p2", capped: 6 * Pt, rule: "R-ACT-6", remaining: 8 * Pt,
		},
		{
			name: "R-ACT-6 a repeated title earns 0",
			extra: []Activity{
				{ID: "p1", Type: Presentation, Title: "Blood  Gas", CompletedOn: civil.MustParse("2023-09-01"), Areas: []Area{AreaOther}, Points: 3 * Pt, Status: Accepted},
				{ID: "p2", Type: Presentation, Title: "blood gas", CompletedOn: civil.MustParse("2024-09-01"), Areas: []Area{AreaOther}, Points: 3 * Pt, Status: Accepted},
			},
			total: 13 * Pt, cappedID: "p2", capped: 3 * Pt, rule: "R-ACT-6", remaining: 23 * Pt,
		},
		{
			name:  "R-ACT-4 competence 2 per year",
			extra: []Activity{act("a1", CompetenceAssessment, "2023-01-10", 2*Pt, AreaOther), act("a2", CompetenceAssessment, "2023-06-10", 2*Pt, AreaOther)},
			total: 12 * Pt, cappedID: "a2", capped: 2 * Pt, rule: "R-ACT-4", remaining: 24 * Pt,
		},
		{
			name:  "R-ACT-4 competence 4 per cycle",
			extra: []Activity{act("a1", CompetenceAssessment, "2022-03-10", 2*Pt, AreaOther), act("a2", CompetenceAssessment, "2023-06-10", 2*Pt, AreaOther), act("a3", CompetenceAssessment, "2024-06-10", 2*Pt, AreaOther)},
			total: 14 * Pt, cappedID: "a3", capped: 2 * Pt, rule: "R-ACT-4", remaining: 22 * Pt,
		},
		{
			name:  "R-ACT-5 clinical teaching 1 per year",
			extra: []Activity{act("t1", ClinicalTeaching, "2023-01-10", 1*Pt, AreaOther), act("t2", ClinicalTeaching, "2023-02-10", 1*Pt, AreaOther)},
			total: 11 * Pt, cappedID: "t2", capped: 1 * Pt, rule: "R-ACT-5", remaining: 25 * Pt,
		},
		{
			name: "R-ACT-5 clinical teaching 3 per cycle",
			extra: []Activity{act("t1", ClinicalTeaching, "2022-03-10", 1*Pt, AreaOther), act("t2", ClinicalTeaching, "2023-02-10", 1*Pt, AreaOther),
				act("t3", ClinicalTeaching, "2024-02-10", 1*Pt, AreaOther), act("t4", ClinicalTeaching, "2025-01-10", 1*Pt, AreaOther)},
			total: 13 * Pt, cappedID: "t4", capped: 1 * Pt, rule: "R-ACT-5", remaining: 23 * Pt,
		},
		{
			name:  "R-ACT-8 poster 3 per year",
			extra: []Activity{act("x1", Poster, "2023-01-10", 3*Pt, AreaOther), act("x2", Poster, "2023-05-10", 3*Pt, AreaOther), act("x3", Poster, "2024-05-10", 3*Pt, AreaOther)},
			total: 16 * Pt, cappedID: "x2", capped: 3 * Pt, rule: "R-ACT-8", remaining: 20 * Pt,
		},
		{
			name:  "R-ACT-8 committee 3 per year",
			extra: []Activity{act("x1", CommitteeService, "2023-01-10", 3*Pt, AreaOther), act("x2", CommitteeService, "2023-05-10", 3*Pt, AreaOther)},
			total: 13 * Pt, cappedID: "x2", capped: 3 * Pt, rule: "R-ACT-8", remaining: 23 * Pt,
		},
		{
			name:  "R-ACT-8 advisory board 2 per year",
			extra: []Activity{act("x1", BOCAdvisoryBoard, "2023-01-10", 2*Pt, AreaOther), act("x2", BOCAdvisoryBoard, "2023-05-10", 2*Pt, AreaOther)},
			total: 12 * Pt, cappedID: "x2", capped: 2 * Pt, rule: "R-ACT-8", remaining: 24 * Pt,
		},
		{
			name:  "R-ACT-8 inspector 2 per year",
			extra: []Activity{act("x1", Inspector, "2023-01-10", 2*Pt, AreaOther), act("x2", Inspector, "2023-05-10", 2*Pt, AreaOther)},
			total: 12 * Pt, cappedID: "x2", capped: 2 * Pt, rule: "R-ACT-8", remaining: 24 * Pt,
		},
		{
			// Booklet FAQ5: an SBB earned gives 25 toward MLS.
			name:  "R-ACT-3 SBB counts 25 toward MLS",
			extra: []Activity{{ID: "sbb", Type: AdvancedCertification, Title: "SBB", CompletedOn: civil.MustParse("2023-05-01"), Areas: []Area{AreaBloodBanking}, Points: 25 * Pt, Status: Accepted, Earned: Certification{ASCPi, "SBB"}}},
			total: 35 * Pt, remaining: 1 * Pt,
		},
		{
			name:  "R-ACT-7 publications count in full",
			extra: []Activity{act("j", JournalArticle, "2023-05-01", 5*Pt, AreaChemistry), act("b", BookAuthored, "2023-06-01", 21*Pt, AreaOther)},
			total: 36 * Pt, remaining: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := mustEvaluate(t, mlsInput(tt.extra...))
			if got := progress(ev, AreaTotal).Earned; got != tt.total {
				t.Errorf("total earned %s, want %s", got, tt.total)
			}
			if tt.cappedID != "" {
				// R-ACT-10: the capped points stay visible with the rule.
				if pts, rule := cappedFor(ev, tt.cappedID); pts != tt.capped || rule != tt.rule {
					t.Errorf("capped %s on %s (%s), want %s (%s): %v", pts, tt.cappedID, rule, tt.capped, tt.rule, ev.Capped)
				}
			}
			if got := shortfall(ev.Shortfalls, AreaTotal); got != tt.remaining {
				t.Errorf("total shortfall %s, want %s (%v)", got, tt.remaining, ev.Shortfalls)
			}
		})
	}
}

// R-ACT-3: an SBB earned gives 0 toward SBB itself, and is usable once.
func TestAdvancedCertificationOwnCategory(t *testing.T) {
	sbbCert, _ := ParseKey("ASCPi-SBB")
	sbb := Activity{ID: "sbb", Type: AdvancedCertification, Title: "SBB", CompletedOn: civil.MustParse("2023-05-01"),
		Areas: []Area{AreaBloodBanking}, Points: 25 * Pt, Status: Accepted, Earned: sbbCert}
	in := EvaluationInput{Certification: sbbCert, Expires: civil.MustParse("2025-01-31"),
		Window: Window{civil.MustParse("2022-02-01"), civil.MustParse("2025-01-31")}, Activities: []Activity{sbb}}
	ev := mustEvaluate(t, in)
	if progress(ev, AreaTotal).Earned != 0 || progress(ev, AreaBloodBanking).Earned != 0 {
		t.Fatalf("SBB counted toward SBB: %v", ev.Requirements)
	}
	if pts, rule := cappedFor(ev, "sbb"); pts != 25*Pt || rule != "R-ACT-3" {
		t.Fatalf("capped = %s %s", pts, rule)
	}
	mls := mlsInput(sbb)
	mls.ClaimedElsewhere = map[string]bool{"sbb": true}
	ev = mustEvaluate(t, mls)
	if progress(ev, AreaTotal).Earned != 10*Pt || len(ev.Excluded) != 1 || ev.Excluded[0].Rule != "R-ACT-3" {
		t.Fatalf("used-once SBB still counts: %v %v", ev.Requirements, ev.Excluded)
	}
}

func TestExclusions(t *testing.T) {
	covid := func(id, on string, st Status) Activity {
		a := act(id, CovidCE, on, 12*Pt, AreaChemistry)
		a.Status = st
		return a
	}
	tests := []struct {
		name    string
		extra   []Activity
		claimed map[string]bool
		covid   bool
		id      string
		rule    string
		earned  Points
	}{
		{"R-ACT-11 before the window", []Activity{act("old", FormalCE, "2022-01-31", 10*Pt, AreaOther)}, nil, false, "old", "R-ACT-11", 10 * Pt},
		{"R-ACT-11 after the window", []Activity{act("late", FormalCE, "2025-02-01", 10*Pt, AreaOther)}, nil, false, "late", "R-ACT-11", 10 * Pt},
		{"R-ACT-11 claimed by another declaration", []Activity{act("used", FormalCE, "2024-01-01", 10*Pt, AreaOther)}, map[string]bool{"used": true}, false, "used", "R-ACT-11", 10 * Pt},
		{"R-ACT-9 covid pending", []Activity{covid("cv", "2022-06-01", PendingReview)}, nil, false, "cv", "R-ACT-9", 10 * Pt},
		{"R-ACT-9 covid used elsewhere", []Activity{covid("cv", "2022-06-01", Accepted)}, nil, true, "cv", "R-ACT-9", 10 * Pt},
		{"R-ACT-9 covid outside its dates", []Activity{covid("cv", "2023-01-02", Accepted)}, nil, false, "cv", "R-ACT-9", 10 * Pt},
		{"R-ACT-9 second covid entry", []Activity{covid("cv1", "2022-06-01", Accepted), covid("cv2", "2022-07-01", Accepted)}, nil, false, "cv2", "R-ACT-9", 22 * Pt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := mlsInput(tt.extra...)
			in.ClaimedInCertification = tt.claimed
			in.CovidUsedElsewhere = tt.covid
			ev := mustEvaluate(t, in)
			found := false
			for _, e := range ev.Excluded {
				found = found || (e.ActivityID == tt.id && e.Rule == tt.rule)
			}
			if !found {
				t.Errorf("want %s excluded by %s, got %v", tt.id, tt.rule, ev.Excluded)
			}
			if got := progress(ev, AreaTotal).Earned; got != tt.earned {
				t.Errorf("total earned %s, want %s", got, tt.earned)
			}
		})
	}
}

// R-ACT-9, R-AREA-3: accepted covid points go only to the related remainder,
// at most 12, even when the activity names a requirement area.
func TestCovidOnlyRelated(t *testing.T) {
	cv := act("cv", CovidCE, "2022-06-01", 15*Pt, AreaChemistry)
	in := mlsInput(cv)
	ev := mustEvaluate(t, in)
	if progress(ev, AreaChemistry).Earned != 2*Pt || progress(ev, AreaTotal).Earned != 22*Pt {
		t.Fatalf("progress %v", ev.Requirements)
	}
	for _, a := range ev.Proposal {
		if a.ActivityID == "cv" && a.Area != AreaRelated {
			t.Fatalf("covid allocated to %s", a.Area)
		}
	}
	check, _ := CheckAllocation(in, []Allocation{{"cv", AreaChemistry, 2 * Pt}})
	if len(check.Errors) != 1 || check.Errors[0].Rule != "R-ACT-9" {
		t.Fatalf("errors %v", check.Errors)
	}
}

// R-ACT-11: the same activity may serve a different certification.
func TestSameActivityOtherCertification(t *testing.T) {
	in := mlsInput(act("course", FormalCE, "2024-01-01", 26*Pt, AreaBloodBanking))
	in.ClaimedElsewhere = map[string]bool{"course": true}
	if ev := mustEvaluate(t, in); !ev.Met() {
		t.Fatalf("shortfalls %v", ev.Shortfalls)
	}
}

// R-REQ-6, R-REQ-1: PBT needs 9 in all.
func TestPBTNeedsNine(t *testing.T) {
	pbt, _ := ParseKey("ASCPi-PBT")
	in := EvaluationInput{Certification: pbt, Expires: civil.MustParse("2025-01-31"),
		Window: Window{civil.MustParse("2022-02-01"), civil.MustParse("2025-01-31")},
		Activities: []Activity{
			act("s", FormalCE, "2023-01-01", 1*Pt, AreaSafety, AreaEthics),
			act("p", FormalCE, "2023-01-02", 6*Pt, AreaPhlebotomy),
		}}
	ev := mustEvaluate(t, in)
	// One point covers safety or ethics, not both; phlebotomy is never short.
	if shortfall(ev.Shortfalls, AreaTotal) != 2*Pt || shortfall(ev.Shortfalls, AreaEthics)+shortfall(ev.Shortfalls, AreaSafety) != 1*Pt ||
		shortfall(ev.Shortfalls, AreaPhlebotomy) != 0 {
		t.Fatalf("shortfalls %v", ev.Shortfalls)
	}
	in.Activities = append(in.Activities, act("e", FormalCE, "2023-01-03", 2*Pt, AreaEthics))
	if ev := mustEvaluate(t, in); !ev.Met() {
		t.Fatalf("9 points with every minimum still short: %v", ev.Shortfalls)
	}
}

// R-REQ-5: HT expiring 2024-01-31 needs 8 histology points, 2023-12-31 only 2.
func TestHistologyEight(t *testing.T) {
	ht, _ := ParseKey("ASCPi-HT")
	acts := []Activity{
		act("s", FormalCE, "2022-01-01", 1*Pt, AreaSafety),
		act("e", FormalCE, "2022-01-02", 1*Pt, AreaEthics),
		act("h", FormalCE, "2022-01-03", 4*Pt, AreaHistology),
		act("o", FormalCE, "2022-01-04", 30*Pt, AreaOther),
	}
	for _, tt := range []struct {
		expires string
		needed  Points
	}{{"2023-12-31", 0}, {"2024-01-31", 4 * Pt}} {
		in := EvaluationInput{Certification: ht, Expires: civil.MustParse(tt.expires),
			Window: Window{civil.MustParse("2021-01-01"), civil.MustParse(tt.expires)}, Activities: acts}
		ev := mustEvaluate(t, in)
		if got := shortfall(ev.Shortfalls, AreaHistology); got != tt.needed {
			t.Errorf("expiring %s: histology short %s, want %s", tt.expires, got, tt.needed)
		}
	}
}

// R-ALLOC-3: a greedy pass that fills areas in order with the first covering
// activity fails here; the flow reroutes.
func TestProposalReroutes(t *testing.T) {
	pbt, _ := ParseKey("ASCPi-PBT")
	in := EvaluationInput{Certification: pbt, Expires: civil.MustParse("2022-01-31"),
		Window: Window{civil.MustParse("2019-02-01"), civil.MustParse("2022-01-31")},
		Activities: []Activity{
			act("a", FormalCE, "2020-01-01", 2*Pt, AreaSafety, AreaPhlebotomy), // greedy gives this to safety
			act("b", FormalCE, "2020-01-02", 1*Pt, AreaSafety),
			act("c", FormalCE, "2020-01-03", 1*Pt, AreaPhlebotomy),
			act("d", FormalCE, "2020-01-04", 5*Pt, AreaOther),
		}}
	if ev := mustEvaluate(t, in); !ev.Met() {
		t.Fatalf("feasible transcript reported short: %v (proposal %v)", ev.Shortfalls, ev.Proposal)
	}
}

func TestCheckAllocation(t *testing.T) {
	in := mlsInput(
		act("big", FormalCE, "2024-01-01", 30*Pt, AreaOther, AreaChemistry),
		act("c1", CollegeCourse, "2023-09-01", 15*Pt, AreaOther),
		act("c2", CollegeCourse, "2024-01-15", 15*Pt, AreaOther),
		act("old", FormalCE, "2020-01-01", 5*Pt, AreaOther),
	)
	good := []Allocation{{"safety", AreaSafety, Pt}, {"ethics", AreaEthics, Pt}, {"bb", AreaBloodBanking, 2 * Pt},
		{"chem", AreaChemistry, 2 * Pt}, {"heme", AreaHematology, 2 * Pt}, {"micro", AreaMicrobiology, 2 * Pt}}
	tests := []struct {
		name       string
		alloc      []Allocation
		field      string
		rule       string
		shortfalls map[Area]Points
	}{
		{"R-ALLOC-2 meets everything", append(good, Allocation{"big", AreaRelated, 26 * Pt}), "", "", nil},
		{"R-ALLOC-2 surplus in an area counts toward the total", append(good, Allocation{"big", AreaChemistry, 26 * Pt}), "", "", nil},
		{"R-ALLOC-1 split across areas", append(good[:5:5], Allocation{"big", AreaMicrobiology, 0}, Allocation{"big", AreaChemistry, 10 * Pt}, Allocation{"big", AreaRelated, 18 * Pt}),
			"allocations[5].points", "R-ALLOC-1", map[Area]Points{AreaMicrobiology: 2 * Pt, AreaTotal: 2 * Pt}},
		{"R-ALLOC-2 every shortfall listed", []Allocation{{"big", AreaRelated, 20 * Pt}}, "", "",
			map[Area]Points{AreaTotal: 16 * Pt, AreaSafety: Pt, AreaEthics: Pt, AreaBloodBanking: 2 * Pt, AreaChemistry: 2 * Pt, AreaHematology: 2 * Pt, AreaMicrobiology: 2 * Pt}},
		{"R-AREA-3 area not covered", append(good, Allocation{"big", AreaHematology, Pt}), "allocations[6].area", "R-AREA-3", map[Area]Points{AreaTotal: 26 * Pt}},
		{"R-ALLOC-1 not a requirement area", append(good, Allocation{"big", AreaOther, Pt}), "allocations[6].area", "R-ALLOC-1", map[Area]Points{AreaTotal: 26 * Pt}},
		{"R-ALLOC-1 split over countable points", append(good, Allocation{"big", AreaRelated, 20 * Pt}, Allocation{"big", AreaChemistry, 11 * Pt}), "allocations", "R-ALLOC-1", nil},
		{"R-ACT-2 college group cap", append(good, Allocation{"c1", AreaRelated, 15 * Pt}, Allocation{"c2", AreaRelated, 11 * Pt}), "allocations", "R-ACT-2", nil},
		{"R-ACT-11 outside window", append(good, Allocation{"old", AreaRelated, 5 * Pt}), "allocations[6].activityId", "R-ACT-11", map[Area]Points{AreaTotal: 26 * Pt}},
		{"R-ALLOC-1 unknown activity", append(good, Allocation{"nope", AreaRelated, 5 * Pt}), "allocations[6].activityId", "R-ALLOC-1", map[Area]Points{AreaTotal: 26 * Pt}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check, err := CheckAllocation(in, tt.alloc)
			if err != nil {
				t.Fatal(err)
			}
			if tt.rule == "" && len(check.Errors) > 0 {
				t.Fatalf("unexpected errors %v", check.Errors)
			}
			if tt.rule != "" {
				found := false
				for _, e := range check.Errors {
					found = found || (e.Field == tt.field && e.Rule == tt.rule)
				}
				if !found {
					t.Fatalf("want %s (%s), got %v", tt.field, tt.rule, check.Errors)
				}
			}
			if tt.shortfalls != nil || tt.rule == "" {
				if len(check.Shortfalls) != len(tt.shortfalls) {
					t.Fatalf("shortfalls %v, want %v", check.Shortfalls, tt.shortfalls)
				}
				for _, s := range check.Shortfalls {
					if tt.shortfalls[s.Area] != s.Needed {
						t.Fatalf("shortfalls %v, want %v", check.Shortfalls, tt.shortfalls)
					}
				}
			}
		})
	}
}

func TestEvaluateRefusesBadInput(t *testing.T) {
	good := mlsInput()
	tests := []struct {
		name string
		mod  func(*EvaluationInput)
	}{
		{"repeated id", func(in *EvaluationInput) { in.Activities = append(in.Activities, in.Activities[0]) }},
		{"empty id", func(in *EvaluationInput) { in.Activities[0].ID = "" }},
		{"negative points", func(in *EvaluationInput) { in.Activities[0].Points = -1 }},
		{"window backwards", func(in *EvaluationInput) { in.Window.From, in.Window.To = in.Window.To, in.Window.From }},
		{"no window", func(in *EvaluationInput) { in.Window = Window{} }},
		{"unknown certification", func(in *EvaluationInput) { in.Certification = Certification{} }},
	}
	for _, tt := range tests {
		in := good
		in.Activities = append([]Activity(nil), good.Activities...)
		tt.mod(&in)
		if _, err := Evaluate(in); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

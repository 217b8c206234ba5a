package rules

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/boc/cmp/internal/civil"
)

// benchTranscript is a 200-entry MLS transcript over one cycle with every
// capped type present, so the cap tree and the flow are both exercised.
func benchTranscript() EvaluationInput {
	rng := rand.New(rand.NewPCG(7, 7))
	in := mlsInput()
	in.Activities = nil
	types := []ActivityType{FormalCE, FormalCE, FormalCE, OnlineCourse, EmployerCourse, CollegeCourse, Presentation,
		Poster, CommitteeService, CompetenceAssessment, ClinicalTeaching, Inspector, JournalArticle}
	areas := []Area{AreaSafety, AreaEthics, AreaBloodBanking, AreaChemistry, AreaHematology, AreaMicrobiology, AreaManagement, AreaOther}
	start := civil.MustParse("2022-01-01")
	for i := range 200 {
		as := []Area{areas[rng.IntN(len(areas))]}
		if rng.IntN(3) == 0 {
			as = append(as, areas[rng.IntN(len(areas))])
		}
		if len(as) == 2 && as[0] == as[1] {
			as = as[:1]
		}
		typ := types[rng.IntN(len(types))]
		in.Activities = append(in.Activities, Activity{ID: fmt.Sprint("act-", i), Type: typ, Title: fmt.Sprint("title ", i),
			CompletedOn: start.AddDays(rng.IntN(1150)), Areas: as, Points: Points(25 * (1 + rng.IntN(12))), Status: Accepted})
	}
	return in
}

// BenchmarkEvaluate200: evaluate and propose for a 200-activity transcript.
func BenchmarkEvaluate200(b *testing.B) {
	in := benchTranscript()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Evaluate(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckAllocation200: validating the proposal of the same transcript.
func BenchmarkCheckAllocation200(b *testing.B) {
	in := benchTranscript()
	ev, err := Evaluate(in)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CheckAllocation(in, ev.Proposal); err != nil {
			b.Fatal(err)
		}
	}
}

package rules

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/boc/cmp/internal/civil"
)

var fuzzTypes = []ActivityType{FormalCE, EmployerCourse, CollegeCourse, AdvancedCertification, CompetenceAssessment,
	ClinicalTeaching, Presentation, JournalArticle, Poster, CommitteeService, BOCAdvisoryBoard, Inspector, CovidCE, "bogus"}

var fuzzAreas = []Area{AreaSafety, AreaEthics, AreaBloodBanking, AreaChemistry, AreaHematology, AreaMicrobiology,
	AreaHistology, AreaPhlebotomy, AreaOther, AreaRelated, "nonsense"}

var fuzzKeys = []string{"ASCPi-MLS", "ASCPi-HT", "ASCPi-PBT", "ASCPi-SBB", "ASCP-MLT", "ASCPi-CTgyn"}

// fuzzInput turns bytes into an evaluation input and an allocation: 6 bytes
// per activity (type, points, areas, day, title, flags) after a 3-byte header.
// Points and dates range past what validation admits, on purpose.
func fuzzInput(data []byte, custom bool) (EvaluationInput, []Allocation) {
	at := func(i int) byte {
		if i < len(data) {
			return data[i]
		}
		return 0
	}
	cert, _ := ParseKey(fuzzKeys[int(at(0))%len(fuzzKeys)])
	start := civil.MustParse("2021-02-01").AddMonths(int(at(1) % 48))
	in := EvaluationInput{
		Certification:          cert,
		Expires:                start.AddMonths(36).AddDays(-1),
		Window:                 Window{start, start.AddMonths(36).AddDays(-1)},
		ClaimedInCertification: map[string]bool{},
		ClaimedElsewhere:       map[string]bool{},
		CovidUsedElsewhere:     at(2)&1 == 1,
	}
	if custom {
		in.Requirements = Requirements{Total: Points(at(2)) * 10}
		for i, a := range []Area{AreaSafety, AreaEthics, AreaChemistry} {
			in.Requirements.Minimums = append(in.Requirements.Minimums, Requirement{a, Points(at(3+i)%16) * 10})
		}
		data = data[min(len(data), 3):]
	}
	var alloc []Allocation
	for i := 3; i+6 <= len(data) && len(in.Activities) < 64; i += 6 {
		b := data[i : i+6]
		id := fmt.Sprint("a", b[5]%32) // repeats are possible: Evaluate must refuse them
		var areas []Area
		for k, a := range fuzzAreas {
			if b[2]&(1<<(k%8)) != 0 && (k < 8 || b[5]&0x80 != 0) {
				areas = append(areas, a)
			}
		}
		a := Activity{
			ID: id, Type: fuzzTypes[int(b[0])%len(fuzzTypes)], Title: fmt.Sprint("t", b[4]%4),
			CompletedOn: civil.MustParse("2019-01-01").AddDays(int(b[3]) * 12),
			Areas:       areas, Points: Points(int8(b[1])) * 25, Status: Accepted,
			Earned: Certification{ASCPi, []string{"SBB", "HT", "MLS"}[b[4]%3]},
		}
		switch b[5] & 0x60 {
		case 0x20:
			a.Status = PendingReview
		case 0x40:
			in.ClaimedInCertification[id] = true
		case 0x60:
			in.ClaimedElsewhere[id] = true
		}
		in.Activities = append(in.Activities, a)
		alloc = append(alloc, Allocation{id, fuzzAreas[int(b[4])%len(fuzzAreas)], Points(binary.LittleEndian.Uint16(b[1:3])) - 1000})
	}
	return in, alloc
}

// checkProposal: a proposal always passes the validator and its shortfalls
// agree with it (R-ALLOC-1..3); nothing panics.
func checkProposal(t *testing.T, in EvaluationInput, alloc []Allocation) {
	ev, err := Evaluate(in)
	if _, err2 := CheckAllocation(in, alloc); (err == nil) != (err2 == nil) {
		t.Fatalf("Evaluate and CheckAllocation disagree on the input: %v / %v", err, err2)
	}
	if err != nil {
		return
	}
	check, err := CheckAllocation(in, ev.Proposal)
	if err != nil || len(check.Errors) > 0 {
		t.Fatalf("proposal %v fails validation: %v %v", ev.Proposal, check.Errors, err)
	}
	if fmt.Sprint(check.Shortfalls) != fmt.Sprint(ev.Shortfalls) {
		t.Fatalf("shortfalls %v vs %v", check.Shortfalls, ev.Shortfalls)
	}
	// The total entry counts every missing point, area ones included.
	if (len(ev.Shortfalls) == 0) != (shortfall(ev.Shortfalls, AreaTotal) == 0) {
		t.Fatalf("area short without a total shortfall: %v", ev.Shortfalls)
	}
}

func fuzzSeeds(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 12, 0, 0, 4, 0x01, 40, 0, 0, 8, 0x02, 100, 1, 0, 12, 0x04, 40, 2, 1, 16, 0x08, 40, 3, 2})
	f.Add([]byte{1, 0, 1, 2, 40, 0xff, 90, 1, 0x80, 3, 200, 0xff, 60, 0x20, 12, 60, 7, 0x40, 30, 0xff, 12, 4, 5, 0x60})
	f.Add([]byte{3, 30, 0, 3, 100, 0x01, 80, 0, 6, 100, 0x81, 90, 1, 6, 101, 0x81, 91, 0, 12, 50, 0x80, 20, 0, 0})
	f.Add([]byte{5, 5, 0, 4, 3, 0xff, 70, 0, 4, 3, 0xff, 70, 0, 4, 3, 0xff, 70, 0, 8, 4, 0xff, 90, 0, 8, 4, 0xff, 95, 1})
}

func FuzzEvaluate(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		in, alloc := fuzzInput(data, false)
		checkProposal(t, in, alloc)
	})
}

func FuzzPropose(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte{0, 0, 90, 10, 10, 80, 0, 30, 0x07, 50, 0, 0x80})
	f.Fuzz(func(t *testing.T, data []byte) {
		in, alloc := fuzzInput(data, true)
		checkProposal(t, in, alloc)
	})
}

// FuzzActivityInput: any JSON body validates without panic; accepted input
// earns points within the bounds of R-ACT.
func FuzzActivityInput(f *testing.F) {
	f.Add(`{"type":"formal_ce","title":"t","provider":"p","completedOn":"2024-01-01","areas":["chemistry"],"contactHours":"1.5","accreditation":"ACCME"}`)
	f.Add(`{"type":"college_course","title":"t","provider":"p","completedOn":"2024-01-01","areas":["other"],"semesterHours":99.99}`)
	f.Add(`{"type":"covid_ce","title":"t","provider":"p","completedOn":"2021-01-01","areas":["other"],"contactHours":"12","supervisorSignoff":"x"}`)
	f.Add(`{"type":"book_authored","title":"t","provider":"p","completedOn":"2024-01-01","areas":["other"],"pages":-1}`)
	f.Add(`{"type":"advanced_certification","level":"specialist","earnedCertification":"-","contactHours":[1]}`)
	f.Fuzz(func(t *testing.T, body string) {
		var in ActivityInput
		if jsonErr := decodeStrict(body, &in); jsonErr != nil {
			return
		}
		act, errs := in.Validate()
		if len(errs) == 0 && (act.Points <= 0 || act.Points > 1500*Pt) {
			t.Fatalf("accepted %q with points %s", body, act.Points)
		}
	})
}

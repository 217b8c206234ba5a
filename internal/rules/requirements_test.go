package rules

import (
	"reflect"
	"testing"

	"github.com/boc/cmp/internal/civil"
)

func TestRequirementsFor(t *testing.T) {
	mins := func(pairs ...any) []Requirement {
		var out []Requirement
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, Requirement{pairs[i].(Area), Points(pairs[i+1].(int)) * Pt})
		}
		return out
	}
	generalist := func(ethics bool) []Requirement {
		m := mins(AreaSafety, 1)
		if ethics {
			m = append(m, mins(AreaEthics, 1)...)
		}
		return append(m, mins(AreaBloodBanking, 2, AreaChemistry, 2, AreaHematology, 2, AreaMicrobiology, 2)...)
	}
	tests := []struct {
		name    string
		key     string
		expires string
		total   int
		want    []Requirement
	}{
		// R-REQ-1,2,4 before ethics.
		{"R-REQ-4 MLS 2022", "ASCPi-MLS", "2022-12-31", 36, generalist(false)},
		// R-REQ-3 booklet example: expiring 2023-01-31 needs the ethics point.
		{"R-REQ-3 MLS expiring 2023-01-31", "ASCPi-MLS", "2023-01-31", 36, generalist(true)},
		{"R-REQ-3 first day", "ASCP-MLT", "2023-01-01", 36, generalist(true)},
		{"R-CAT-2 MT is MLS", "ASCPi-MT", "2025-01-31", 36, generalist(true)},
		// R-REQ-5 booklet example: HT 2023-12-31 needs 2, 2024-01-31 needs 8.
		{"R-REQ-5 HT 2023-12-31", "ASCPi-HT", "2023-12-31", 36, mins(AreaSafety, 1, AreaEthics, 1, AreaHistology, 2)},
		{"R-REQ-5 HT 2024-01-31", "ASCPi-HT", "2024-01-31", 36, mins(AreaSafety, 1, AreaEthics, 1, AreaHistology, 8)},
		{"R-REQ-5 BB 2022", "ASCPi-BB", "2022-06-30", 36, mins(AreaSafety, 1, AreaBloodBanking, 2)},
		// R-REQ-1,6: PBT needs 9 in all, 2 in phlebotomy even after 2024.
		{"R-REQ-6 PBT 2025", "ASCPi-PBT", "2025-01-31", 9, mins(AreaSafety, 1, AreaEthics, 1, AreaPhlebotomy, 2)},
		{"R-REQ-6 PBT 2020", "ASCPi-PBT", "2020-01-31", 9, mins(AreaSafety, 1, AreaPhlebotomy, 2)},
		// R-REQ-7
		{"R-REQ-7 SBB", "ASCPi-SBB", "2026-03-31", 36, mins(AreaSafety, 1, AreaEthics, 1, AreaBloodBanking, 10)},
		{"R-REQ-7 SCYM 2022", "ASCPi-SCYM", "2022-03-31", 36, mins(AreaSafety, 1, AreaCytometry, 10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseKey(tt.key)
			if err != nil {
				t.Fatal(err)
			}
			got, err := RequirementsFor(c, civil.MustParse(tt.expires))
			if err != nil {
				t.Fatal(err)
			}
			if got.Total != Points(tt.total)*Pt || !reflect.DeepEqual(got.Minimums, tt.want) {
				t.Fatalf("got %v %v, want %d %v", got.Total, got.Minimums, tt.total, tt.want)
			}
		})
	}
}

// R-REQ-9: the table is the whole rule; a new row changes the answer for later
// expirations only, without new code.
func TestRequirementsAreData(t *testing.T) {
	saved := requirementTable
	t.Cleanup(func() { requirementTable = saved })
	requirementTable = append(saved[:len(saved):len(saved)], requirementRow{
		program: ASCPi, group: Specialist, from: civil.MustParse("2030-01-01"),
		total: 40 * Pt, safety: 2 * Pt, ethics: 1 * Pt, inArea: 12 * Pt,
	})
	sbb, _ := ParseKey("ASCPi-SBB")
	before, _ := RequirementsFor(sbb, civil.MustParse("2029-12-31"))
	after, _ := RequirementsFor(sbb, civil.MustParse("2030-01-31"))
	if before.Total != 36*Pt || after.Total != 40*Pt || after.Minimums[2].Points != 12*Pt {
		t.Fatalf("before %v, after %v", before, after)
	}
}

// R-REQ-8: the minimums always leave room inside the total; hand-built
// requirements that cannot be met by construction are refused.
func TestRequirementsValidate(t *testing.T) {
	tests := []struct {
		name string
		req  Requirements
		ok   bool
	}{
		{"fine", Requirements{Total: 10 * Pt, Minimums: []Requirement{{AreaSafety, Pt}}}, true},
		{"minimums over total", Requirements{Total: 2 * Pt, Minimums: []Requirement{{AreaSafety, 3 * Pt}}}, false},
		{"repeated area", Requirements{Total: 9 * Pt, Minimums: []Requirement{{AreaSafety, Pt}, {AreaSafety, Pt}}}, false},
		{"pseudo area", Requirements{Total: 9 * Pt, Minimums: []Requirement{{AreaRelated, Pt}}}, false},
		{"negative", Requirements{Total: 9 * Pt, Minimums: []Requirement{{AreaSafety, -Pt}}}, false},
		{"no total", Requirements{Total: -1}, false},
	}
	for _, tt := range tests {
		if err := tt.req.validate(); (err == nil) != tt.ok {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
}

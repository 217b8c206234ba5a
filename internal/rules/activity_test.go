package rules

import (
	"encoding/json"
	"strings"
	"testing"
)

// decodeActivity parses an api.md activity body.
func decodeActivity(t *testing.T, body string) ActivityInput {
	t.Helper()
	var in ActivityInput
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return in
}

const common = `"title":"Transfusion update","provider":"ASCLS","completedOn":"2024-05-02","areas":["blood_banking"]`

func TestActivityPoints(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		points Points
		status Status
	}{
		{"R-ACT-1 formal CE number", `{"type":"formal_ce",` + common + `,"contactHours":1.5,"accreditation":"ASCLS_PACE"}`, 150, Accepted},
		{"R-ACT-1 formal CE string", `{"type":"formal_ce",` + common + `,"contactHours":"2.25","accreditation":"ACCME"}`, 225, Accepted},
		{"R-ACT-1 employer course", `{"type":"employer_course",` + common + `,"contactHours":"3"}`, 300, Accepted},
		{"R-ACT-1 online course at the limit", `{"type":"online_course",` + common + `,"contactHours":100,"accreditation":"ASCP_CMLE"}`, 100 * Pt, Accepted},
		{"R-ACT-2 college contact hours", `{"type":"college_course",` + common + `,"contactHours":"15"}`, 15 * Pt, Accepted},
		{"R-ACT-2 semester hours", `{"type":"college_course",` + common + `,"semesterHours":"3"}`, 45 * Pt, Accepted},
		{"R-ACT-2 quarter hours", `{"type":"college_course",` + common + `,"quarterHours":"1.5"}`, 15 * Pt, Accepted},
		{"R-ACT-3 specialist", `{"type":"advanced_certification",` + common + `,"level":"specialist","earnedCertification":"ASCPi-SBB"}`, 25 * Pt, Accepted},
		{"R-ACT-3 categorical", `{"type":"advanced_certification",` + common + `,"level":"categorical","earnedCertification":"ASCPi-BB"}`, 12 * Pt, Accepted},
		{"R-ACT-3 qualification, US code", `{"type":"advanced_certification",` + common + `,"level":"qualification","earnedCertification":"ASCP-QLS"}`, 12 * Pt, Accepted},
		{"R-ACT-3 level follows the earned certification when not stated", `{"type":"advanced_certification",` + common + `,"earnedCertification":"ASCPi-SH"}`, 25 * Pt, Accepted},
		{"R-ACT-3 categorical without a stated level", `{"type":"advanced_certification",` + common + `,"earnedCertification":"ASCP-CTgyn"}`, 12 * Pt, Accepted},
		{"R-ACT-3 US DLM is specialist", `{"type":"advanced_certification",` + common + `,"level":"specialist","earnedCertification":"ASCP-DLM"}`, 25 * Pt, Accepted},
		{"R-ACT-4 competence", `{"type":"competence_assessment",` + common + `}`, 2 * Pt, Accepted},
		{"R-ACT-5 clinical teaching", `{"type":"clinical_teaching",` + common + `}`, 1 * Pt, Accepted},
		{"R-ACT-6 presentation", `{"type":"presentation",` + common + `,"contactHours":"1.5"}`, 450, Accepted},
		{"R-ACT-7 journal article", `{"type":"journal_article",` + common + `}`, 5 * Pt, Accepted},
		{"R-ACT-7 long book", `{"type":"book_authored",` + common + `,"pages":301}`, 21 * Pt, Accepted},
		{"R-ACT-7 300-page book is not over 300", `{"type":"book_authored",` + common + `,"pages":300}`, 14 * Pt, Accepted},
		{"R-ACT-7 chapter", `{"type":"book_chapter",` + common + `}`, 7 * Pt, Accepted},
		{"R-ACT-7 edited", `{"type":"book_edited",` + common + `}`, 5 * Pt, Accepted},
		{"R-ACT-7 dissertation", `{"type":"doctoral_dissertation",` + common + `}`, 10 * Pt, Accepted},
		{"R-ACT-7 thesis", `{"type":"masters_thesis",` + common + `}`, 4 * Pt, Accepted},
		{"R-ACT-8 poster", `{"type":"poster",` + common + `}`, 3 * Pt, Accepted},
		{"R-ACT-8 committee", `{"type":"committee_service",` + common + `}`, 3 * Pt, Accepted},
		{"R-ACT-8 advisory board", `{"type":"boc_advisory_board",` + common + `}`, 2 * Pt, Accepted},
		{"R-ACT-8 inspector", `{"type":"inspector",` + common + `}`, 2 * Pt, Accepted},
		{"R-ACT-9 covid pending", `{"type":"covid_ce","title":"Covid testing","provider":"Lab","completedOn":"2021-04-01","areas":["other"],"contactHours":"12","supervisorSignoff":"SUP-1"}`, 12 * Pt, PendingReview},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			act, errs := decodeActivity(t, tt.body).Validate()
			if len(errs) > 0 {
				t.Fatalf("unexpected errors %v", errs)
			}
			if act.Points != tt.points || act.Status != tt.status {
				t.Fatalf("points %s status %s, want %s %s", act.Points, act.Status, tt.points, tt.status)
			}
		})
	}
}

func TestActivityValidation(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		field string
		rule  string
	}{
		{"R-ACT-1 hours required", `{"type":"formal_ce",` + common + `,"accreditation":"ACCME"}`, "contactHours", "R-ACT-1"},
		{"R-ACT-1 three decimals", `{"type":"formal_ce",` + common + `,"contactHours":"1.255","accreditation":"ACCME"}`, "contactHours", "R-ACT-1"},
		{"R-ACT-1 exponent", `{"type":"formal_ce",` + common + `,"contactHours":1e1,"accreditation":"ACCME"}`, "contactHours", "R-ACT-1"},
		{"R-ACT-1 zero", `{"type":"employer_course",` + common + `,"contactHours":0}`, "contactHours", "R-ACT-1"},
		{"R-ACT-1 negative", `{"type":"employer_course",` + common + `,"contactHours":"-2"}`, "contactHours", "R-ACT-1"},
		{"R-ACT-1 over 100", `{"type":"employer_course",` + common + `,"contactHours":"100.01"}`, "contactHours", "R-ACT-1"},
		{"R-ACT-1 not a number", `{"type":"employer_course",` + common + `,"contactHours":true}`, "contactHours", "R-ACT-1"},
		{"R-ACT-1 accreditation missing", `{"type":"online_course",` + common + `,"contactHours":1}`, "accreditation", "R-ACT-1"},
		{"R-ACT-1 accreditation unknown", `{"type":"formal_ce",` + common + `,"contactHours":1,"accreditation":"ACME"}`, "accreditation", "R-ACT-1"},
		{"R-ACT-1 employer takes no accreditation", `{"type":"employer_course",` + common + `,"contactHours":1,"accreditation":"ACCME"}`, "accreditation", "R-ACT-1"},
		{"R-ACT-2 two measures", `{"type":"college_course",` + common + `,"contactHours":1,"semesterHours":1}`, "contactHours", "R-ACT-2"},
		{"R-ACT-2 no measure", `{"type":"college_course",` + common + `}`, "contactHours", "R-ACT-2"},
		{"R-ACT-3 level", `{"type":"advanced_certification",` + common + `,"level":"master","earnedCertification":"ASCPi-SBB"}`, "level", "R-ACT-3"},
		{"R-ACT-3 earned key", `{"type":"advanced_certification",` + common + `,"level":"specialist","earnedCertification":"SBB"}`, "earnedCertification", "R-ACT-3"},
		{"R-ACT-3 specialist level for a categorical certification", `{"type":"advanced_certification",` + common + `,"level":"specialist","earnedCertification":"ASCPi-BB"}`, "level", "R-ACT-3"},
		{"R-ACT-3 categorical level for a specialist certification", `{"type":"advanced_certification",` + common + `,"level":"categorical","earnedCertification":"ASCPi-SBB"}`, "level", "R-ACT-3"},
		{"R-ACT-3 qualification level for a categorical certification", `{"type":"advanced_certification",` + common + `,"level":"qualification","earnedCertification":"ASCPi-M"}`, "level", "R-ACT-3"},
		{"R-ACT-3 a generalist certification earns no advanced points", `{"type":"advanced_certification",` + common + `,"earnedCertification":"ASCPi-MLS"}`, "earnedCertification", "R-ACT-3"},
		{"R-ACT-3 DLM is a US certification", `{"type":"advanced_certification",` + common + `,"earnedCertification":"ASCPi-DLM"}`, "earnedCertification", "R-ACT-3"},
		{"R-ACT-3 points are never typed", `{"type":"advanced_certification",` + common + `,"level":"specialist","earnedCertification":"ASCPi-SBB","contactHours":30}`, "contactHours", "R-ACT-3"},
		{"R-ACT-4 fixed points take no hours", `{"type":"competence_assessment",` + common + `,"contactHours":5}`, "contactHours", "R-ACT-4"},
		{"R-ACT-7 pages required", `{"type":"book_authored",` + common + `}`, "pages", "R-ACT-7"},
		{"R-ACT-7 pages positive", `{"type":"book_authored",` + common + `,"pages":0}`, "pages", "R-ACT-7"},
		{"R-ACT-9 over 12", `{"type":"covid_ce","title":"x","provider":"y","completedOn":"2021-04-01","areas":["other"],"contactHours":"12.01","supervisorSignoff":"S"}`, "contactHours", "R-ACT-9"},
		{"R-ACT-9 signoff", `{"type":"covid_ce","title":"x","provider":"y","completedOn":"2021-04-01","areas":["other"],"contactHours":"2"}`, "supervisorSignoff", "R-ACT"},
		{"R-ACT-9 after 2022", `{"type":"covid_ce","title":"x","provider":"y","completedOn":"2023-01-01","areas":["other"],"contactHours":"2","supervisorSignoff":"S"}`, "completedOn", "R-ACT-9"},
		{"R-ACT-9 before March 2020", `{"type":"covid_ce","title":"x","provider":"y","completedOn":"2020-02-29","areas":["other"],"contactHours":"2","supervisorSignoff":"S"}`, "completedOn", "R-ACT-9"},
		{"R-ACT type unknown", `{"type":"webinar",` + common + `}`, "type", "R-ACT"},
		{"R-ACT title required", `{"type":"poster","title":" ","provider":"p","completedOn":"2024-01-01","areas":["other"]}`, "title", "R-ACT"},
		{"R-ACT provider control chars", `{"type":"poster","title":"t","provider":"a\u0000b","completedOn":"2024-01-01","areas":["other"]}`, "provider", "R-ACT"},
		{"R-ACT date required", `{"type":"poster","title":"t","provider":"p","areas":["other"]}`, "completedOn", "R-ACT"},
		{"R-AREA-1 no areas", `{"type":"poster","title":"t","provider":"p","completedOn":"2024-01-01","areas":[]}`, "areas", "R-AREA-1"},
		{"R-AREA-1 unknown area", `{"type":"poster","title":"t","provider":"p","completedOn":"2024-01-01","areas":["related"]}`, "areas[0]", "R-AREA-1"},
		{"R-AREA-1 repeated area", `{"type":"poster","title":"t","provider":"p","completedOn":"2024-01-01","areas":["other","other"]}`, "areas[1]", "R-AREA-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := decodeActivity(t, tt.body).Validate()
			for _, e := range errs {
				if e.Field == tt.field && e.Rule == tt.rule {
					return
				}
			}
			t.Fatalf("want error on %s (%s), got %v", tt.field, tt.rule, errs)
		})
	}
}

func TestParsePoints(t *testing.T) {
	tests := []struct {
		in   string
		want Points
		ok   bool
	}{
		{"1", 100, true}, {"1.5", 150, true}, {"0.05", 5, true}, {"-2.50", -250, true},
		{"1.", 0, false}, {".5", 0, false}, {"1.234", 0, false}, {"1e2", 0, false},
		{"", 0, false}, {"12345678", 0, false}, {"+1", 0, false}, {" 1", 0, false},
	}
	for _, tt := range tests {
		got, err := ParsePoints(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParsePoints(%q) = %v, %v", tt.in, got, err)
		}
	}
	if b, _ := json.Marshal(Points(250)); string(b) != `"2.50"` {
		t.Errorf("marshal = %s", b)
	}
	var p Points
	if err := json.Unmarshal([]byte(`"3.75"`), &p); err != nil || p != 375 {
		t.Errorf("unmarshal = %v %v", p, err)
	}
}

func decodeStrict(body string, v any) error {
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

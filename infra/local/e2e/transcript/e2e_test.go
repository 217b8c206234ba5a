package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/boc/cmp/infra/local/stacktest"
	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/rules"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

// loose decodes only the fields a test looks at.
func loose(t *testing.T, r *stacktest.Response, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %d %s: %v", r.Status, r.Body, err)
	}
}

type problem struct {
	Status int `json:"status"`
	Errors []struct {
		Field string `json:"field"`
		Rule  string `json:"rule"`
	} `json:"errors"`
}

type entry struct {
	ID     string `json:"id"`
	Points string `json:"points"`
	Status string `json:"status"`
}

// Registration, activities, progress and delete through the whole local
// stack: JWT claims, the functions, DynamoDB Local.
func TestTranscriptThroughTheStack(t *testing.T) {
	s := stacktest.Get(t)
	staff := s.Token("staff-1", "staff")
	self, other := s.Token("c-tr-1"), s.Token("c-tr-2")
	today := calendar.Today(time.Now())
	started := today.AddMonths(-12)

	for _, id := range []string{"c-tr-1", "c-tr-2"} {
		if r := s.Do(t, "POST", "/v1/certificants", staff, map[string]any{"id": id,
			"name": map[string]string{"given": "Ana", "family": "Reyes"}, "email": id + "@example.org", "country": "PH"}); r.Status != 201 {
			t.Fatalf("create %s: %d %s", id, r.Status, r.Body)
		}
	}
	certs := "/v1/certificants/c-tr-1/certifications"
	mls := map[string]any{"program": "ASCPi", "category": "MLS", "startedOn": started.String(), "number": "N-77"}
	acts := "/v1/certificants/c-tr-1/activities"
	course := map[string]any{"type": "formal_ce", "title": "Blood bank safety", "provider": "ASCLS", "completedOn": today.AddDays(-30).String(),
		"areas": []string{"safety", "blood_banking"}, "contactHours": "2.5", "accreditation": "ASCLS_PACE"}

	tests := []struct {
		name, method, path, token string
		body                      any
		status                    int
		field, rule               string // the problem must name them
	}{
		{"register (staff)", "POST", certs, staff, mls, 201, "", ""},
		{"register again", "POST", certs, staff, mls, 409, "category", "R-CAT-1"},
		{"register unsupported US category", "POST", certs, staff, map[string]any{"program": "ASCP", "category": "SBB", "startedOn": started.String()}, 422, "category", "R-CAT-3"},
		{"register unknown field", "POST", certs, staff, map[string]any{"program": "ASCPi", "category": "C", "startedOn": started.String(), "x": 1}, 400, "x", ""},
		{"register by a certificant", "POST", certs, self, mls, 403, "", ""},
		{"register without token", "POST", certs, "", mls, 401, "", ""},
		{"register for nobody", "POST", "/v1/certificants/c-none/certifications", staff, mls, 404, "", ""},
		{"add activity", "POST", acts, self, course, 201, "", ""},
		{"add for another certificant", "POST", acts, other, course, 404, "", ""},
		{"staff may not add", "POST", acts, staff, course, 403, "", ""},
		{"add without token", "POST", acts, "", course, 401, "", ""},
		{"add unknown field", "POST", acts, self, map[string]any{"type": "poster", "points": "3"}, 400, "points", ""},
		{"add without accreditation", "POST", acts, self, map[string]any{"type": "formal_ce", "title": "T", "provider": "P",
			"completedOn": today.AddDays(-3).String(), "areas": []string{"safety"}, "contactHours": "1"}, 422, "accreditation", "R-ACT-1"},
		{"add body over 64 KiB", "POST", acts, self, `{"title":"` + string(make([]byte, 70<<10)) + `"}`, 413, "", ""},
		{"list (staff)", "GET", acts, staff, nil, 200, "", ""},
		{"list of another certificant", "GET", acts, other, nil, 404, "", ""},
		{"list without token", "GET", acts, "", nil, 401, "", ""},
		{"progress of another certificant", "GET", certs + "/ASCPi-MLS/progress", other, nil, 404, "", ""},
		{"progress of a certification not held", "GET", certs + "/ASCPi-SBB/progress", self, nil, 404, "", ""},
		{"progress without token", "GET", certs + "/ASCPi-MLS/progress", "", nil, 401, "", ""},
		{"delete unknown activity", "DELETE", acts + "/nope", self, nil, 404, "", ""},
	}
	for _, tc := range tests {
		r := s.Do(t, tc.method, tc.path, tc.token, tc.body)
		if r.Status != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.name, r.Status, tc.status, r.Body)
			continue
		}
		if tc.status >= 400 {
			var p problem
			loose(t, r, &p)
			if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field || p.Errors[0].Rule != tc.rule) {
				t.Errorf("%s: problem %s does not name %s %s", tc.name, r.Body, tc.field, tc.rule)
			}
		}
	}

	// The profile shows the registration with its credential (R-CAT-1, R-CYC-6).
	var profile struct {
		Certifications []map[string]any `json:"certifications"`
	}
	r := s.Do(t, "GET", "/v1/certificants/c-tr-1", self, nil)
	if loose(t, r, &profile); len(profile.Certifications) != 1 {
		t.Fatalf("profile: %d %s", r.Status, r.Body)
	}
	c := profile.Certifications[0]
	wantEnd := started.FirstOfMonth().AddMonths(36).EndOfMonth().String() // R-CYC-1
	if c["key"] != "ASCPi-MLS" || c["credential"] != "MLS(ASCPi)CM" || c["status"] != "active" || c["cmpRequired"] != true ||
		c["cycleStart"] != started.String() || c["cycleEnd"] != wantEnd || c["number"] != "N-77" {
		t.Errorf("profile certification: %v", c)
	}

	var list struct{ Activities []entry }
	loose(t, s.Do(t, "GET", acts, self, nil), &list)
	if len(list.Activities) != 1 || list.Activities[0].Points != "2.50" || list.Activities[0].Status != "accepted" {
		t.Fatalf("transcript: %+v", list.Activities)
	}
	claimedID := list.Activities[0].ID

	var progress struct {
		Certification    string `json:"certification"`
		CEWindow         struct{ Start, End string }
		SubmissionWindow struct{ Opens, LateAfter string }
		Requirements     []struct{ Area, Required, Earned string }
		Shortfalls       []struct{ Area, Needed string }
	}
	r = s.Do(t, "GET", certs+"/ASCPi-MLS/progress", staff, nil)
	if loose(t, r, &progress); r.Status != 200 {
		t.Fatalf("progress: %d %s", r.Status, r.Body)
	}
	win := calendar.SubmissionWindowFor(started.FirstOfMonth().AddMonths(36).EndOfMonth()) // R-CYC-7
	if progress.CEWindow.Start != started.String() || progress.SubmissionWindow.Opens != win.Opens.String() ||
		progress.SubmissionWindow.LateAfter != win.LateAfter.String() {
		t.Errorf("progress windows: %s", r.Body)
	}
	total := false
	for _, rq := range progress.Requirements {
		total = total || (rq.Area == "total" && rq.Required == "36.00" && rq.Earned == "2.50") // R-REQ-1
	}
	if !total || len(progress.Shortfalls) == 0 {
		t.Errorf("progress requirements: %s", r.Body)
	}
	// The same progress as a picture for a person: one bar per area.
	r = s.Do(t, "GET", certs+"/ASCPi-MLS/progress", self, nil, "Accept", "image/svg+xml")
	if ct := r.Header.Get("Content-Type"); r.Status != 200 || ct != "image/svg+xml" ||
		!strings.Contains(string(r.Body), "2.50 / 36.00 (33.50 to go)") || !strings.HasSuffix(string(r.Body), "</svg>") {
		t.Errorf("progress chart: %d %s %.300s", r.Status, ct, r.Body)
	}

	// R-ACT-11: a declaration allocating the activity (written here as the
	// submission's transaction writes it) makes the delete a 409; the entry stays.
	it, err := partition.NewDeclarationItem(partition.Declaration{ID: "d-tr-1", CertificantID: "c-tr-1", Certification: "ASCPi-MLS",
		Status: partition.Submitted, Allocations: []rules.Allocation{{ActivityID: claimedID, Area: rules.AreaSafety, Points: rules.Pt}}})
	if err != nil {
		t.Fatal(err)
	}
	put, err := dynamo.Put("declaration", it, dynamo.IfAbsent)
	if err == nil {
		err = dynamo.New(s.DynamoDB(), s.TableName).Transact(context.Background(), put)
	}
	if err != nil {
		t.Fatal(err)
	}
	if r := s.Do(t, "DELETE", acts+"/"+claimedID, self, nil); r.Status != 409 {
		t.Errorf("delete claimed: %d %s", r.Status, r.Body)
	} else {
		var p problem
		loose(t, r, &p)
		if len(p.Errors) == 0 || p.Errors[0].Rule != "R-ACT-11" {
			t.Errorf("delete claimed: %s", r.Body)
		}
	}
	if r := s.Do(t, "DELETE", acts+"/"+claimedID, other, nil); r.Status != 404 {
		t.Errorf("delete by another certificant: %d", r.Status)
	}
	// A second entry, unclaimed, goes: 204, then 404.
	var added entry
	loose(t, s.Do(t, "POST", acts, self, map[string]any{"type": "journal_article", "title": "Case report", "provider": "AJCP",
		"completedOn": today.AddDays(-1).String(), "areas": []string{"hematology"}}), &added)
	if added.Points != "5.00" { // R-ACT-7
		t.Errorf("journal article points %q", added.Points)
	}
	for _, want := range []int{204, 404} {
		if r := s.Do(t, "DELETE", acts+"/"+added.ID, self, nil); r.Status != want {
			t.Errorf("delete unclaimed: %d, want %d: %s", r.Status, want, r.Body)
		}
	}
}

// A pass recorded by the exams function registers the certification through
// certificants.Service.Certify: the profile shows it with the attempt's number.
func TestExamPassRegistersCertification(t *testing.T) {
	s := stacktest.Get(t)
	staff := s.Token("staff-1", "staff")
	if r := s.Do(t, "POST", "/v1/certificants", staff, map[string]any{"id": "c-tr-exam",
		"name": map[string]string{"given": "Li", "family": "Wei"}, "email": "li.wei@example.org", "country": "SG"}); r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	examDate := calendar.Today(time.Now()).AddDays(-7)
	r := s.Do(t, "POST", "/v1/exam-attempts", staff, map[string]any{"certificantId": "c-tr-exam", "program": "ASCPi", "category": "H",
		"route": "route-1", "examDate": examDate.String(), "scaledScore": 520, "passed": true})
	var attempt struct {
		CertificationNumber string `json:"certificationNumber"`
	}
	if loose(t, r, &attempt); r.Status != 201 || attempt.CertificationNumber == "" {
		t.Fatalf("record pass: %d %s", r.Status, r.Body)
	}
	var profile struct {
		Certifications []struct{ Key, Number, Credential, CycleStart string }
	}
	loose(t, s.Do(t, "GET", "/v1/certificants/c-tr-exam", staff, nil), &profile)
	if len(profile.Certifications) != 1 {
		t.Fatalf("profile certifications: %+v", profile.Certifications)
	}
	// R-CYC-1: the cycle starts on the exam date; R-CYC-6: CM while it runs.
	if c := profile.Certifications[0]; c.Key != "ASCPi-H" || c.Number != attempt.CertificationNumber ||
		c.Credential != "H(ASCPi)CM" || c.CycleStart != examDate.String() {
		t.Errorf("registered by the pass: %+v", c)
	}
}

// R-ACT-9 through the stack: a covid entry waits for staff review; a second
// one is refused (409) while the first is pending or accepted; staff accept
// or reject it (with a reason the transcript shows) on the review route,
// which only staff may call; after a rejection a new entry is taken.
func TestCovidReviewThroughTheStack(t *testing.T) {
	s := stacktest.Get(t)
	staff := s.Token("staff-1", "staff")
	covid := map[string]any{"type": "covid_ce", "title": "Covid testing lab", "provider": "City Lab", "completedOn": "2021-04-01",
		"areas": []string{"other"}, "contactHours": "12", "supervisorSignoff": "SUP-2021-7"}
	for _, tc := range []struct {
		id, decision, reason, want string
		again                      int // status of a second covid entry after the review
	}{
		{"c-covid-accept", "accept", "", "accepted", 409},
		{"c-covid-reject", "reject", "the claim form lacks the supervisor's signature", "rejected", 201},
	} {
		if r := s.Do(t, "POST", "/v1/certificants", staff, map[string]any{"id": tc.id,
			"name": map[string]string{"given": "Ana", "family": "Reyes"}, "email": tc.id + "@example.org", "country": "PH"}); r.Status != 201 {
			t.Fatalf("create %s: %d %s", tc.id, r.Status, r.Body)
		}
		self, acts := s.Token(tc.id), "/v1/certificants/"+tc.id+"/activities"
		var e entry
		r := s.Do(t, "POST", acts, self, covid)
		if loose(t, r, &e); r.Status != 201 || e.Status != "pending_review" {
			t.Fatalf("%s: covid entry %d %s, want 201 pending_review", tc.id, r.Status, r.Body)
		}
		var p problem
		if r := s.Do(t, "POST", acts, self, covid); r.Status != 409 {
			t.Errorf("%s: second covid entry while pending: %d %s, want 409", tc.id, r.Status, r.Body)
		} else if loose(t, r, &p); len(p.Errors) == 0 || p.Errors[0].Rule != "R-ACT-9" {
			t.Errorf("%s: problem %s does not name R-ACT-9", tc.id, r.Body)
		}
		review := acts + "/" + e.ID + "/review"
		body := map[string]any{"decision": tc.decision}
		if tc.reason != "" {
			body["reason"] = tc.reason
		}
		if r := s.Do(t, "POST", review, self, body); r.Status != 403 {
			t.Errorf("%s: the certificant reviews: %d, want 403", tc.id, r.Status)
		}
		var reviewed struct {
			entry
			ReviewReason string `json:"reviewReason"`
		}
		r = s.Do(t, "POST", review, staff, body)
		if loose(t, r, &reviewed); r.Status != 200 || reviewed.Status != tc.want || reviewed.ReviewReason != tc.reason {
			t.Errorf("%s: review %d %s, want %s with reason %q", tc.id, r.Status, r.Body, tc.want, tc.reason)
		}
		if r := s.Do(t, "POST", review, staff, body); r.Status != 409 {
			t.Errorf("%s: second review: %d %s, want 409", tc.id, r.Status, r.Body)
		}
		var list struct {
			Activities []entry `json:"activities"`
		}
		r = s.Do(t, "GET", acts, self, nil)
		if loose(t, r, &list); len(list.Activities) != 1 || list.Activities[0].Status != tc.want {
			t.Errorf("%s: transcript %s, want the entry %s", tc.id, r.Body, tc.want)
		}
		if r := s.Do(t, "POST", acts, self, covid); r.Status != tc.again {
			t.Errorf("%s: new covid entry after %s: %d %s, want %d", tc.id, tc.want, r.Status, r.Body, tc.again)
		}
	}
}

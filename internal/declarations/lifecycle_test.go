package declarations

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/boc/cmp/internal/certificants"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/cmp"
	"github.com/boc/cmp/internal/fees"
)

func day(s string) civil.Date {
	d, err := civil.Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// R-DEC: every path of the rules and nothing else.
func TestNextFollowsTheRules(t *testing.T) {
	legal := []struct {
		from State
		by   Decision
		to   State
	}{
		{Submitted, Review, Processing}, {Submitted, Approve, Approved}, {Processing, Approve, Approved},
		{Processing, Deficiency, Deficient}, {Deficient, Resolve, Processing}, {Deficient, Lapse, Deleted},
		{Processing, Audit, UnderAudit}, {UnderAudit, AuditPass, Approved}, {UnderAudit, AuditFail, AuditFailed},
		{AuditFailed, Resolve, Appealed}, {Appealed, AppealGrant, Approved}, {Appealed, AppealDeny, Rejected},
	}
	for _, tc := range legal {
		if got, ok := Next(tc.from, tc.by); !ok || got != tc.to {
			t.Errorf("%s --%s--> %s, %v; want %s", tc.from, tc.by, got, ok, tc.to)
		}
	}
	illegal := []struct {
		from State
		by   Decision
	}{
		{Deleted, Approve}, {Approved, Approve}, {Rejected, AppealGrant}, {Deficient, Approve},
		{UnderAudit, Approve}, {AuditFailed, AppealGrant}, {Submitted, AuditPass}, {Processing, Review},
	}
	for _, tc := range illegal {
		if got, ok := Next(tc.from, tc.by); ok {
			t.Errorf("%s --%s--> %s allowed", tc.from, tc.by, got)
		}
	}
	for _, s := range []State{Approved, Rejected, Deleted} {
		if !s.Final() || openState(s) {
			t.Errorf("%s: final %v, open %v", s, s.Final(), openState(s))
		}
	}
}

// R-DEC-2, R-DEC-3, R-REM-2: 30 calendar days, 30 business days, reminder 10 days before.
func TestDeadlines(t *testing.T) {
	if got, _ := DeadlineFor(Deficient, day("2025-03-03")); got != day("2025-04-02") {
		t.Errorf("deficient deadline %s", got)
	}
	// 2025-05-26 is Memorial Day, 2025-06-19 Juneteenth: 30 business days from 2025-05-20.
	if got, _ := DeadlineFor(UnderAudit, day("2025-05-20")); got != day("2025-07-03") {
		t.Errorf("audit deadline %s", got)
	}
	if _, ok := DeadlineFor(Processing, day("2025-03-03")); ok {
		t.Error("processing has no deadline")
	}
	if got := ReminderOn(day("2025-04-02")); got != day("2025-03-23") {
		t.Errorf("reminder %s", got)
	}
}

func sampleDeclaration(status State) Declaration {
	exp := day("2025-01-31")
	return Declaration{ID: "D1", CertificantID: "c-1", Certification: "ASCPi-MLS", Status: status, Version: 3,
		SubmittedAt: time.Date(2024, 11, 4, 15, 0, 0, 0, time.UTC), ProcessingDueOn: day("2024-12-17"), Expiration: &exp,
		Allocations: []cmp.Allocation{{ActivityID: "a1"}, {ActivityID: "a2"}, {ActivityID: "a1"}},
		History:     []Transition{{State: Submitted, By: "c-1"}}, Fee: fees.Quote{TotalCents: 9500, Currency: "USD"}}
}

func mls(cycleEnd string, required bool) certificants.Certification {
	return certificants.Certification{Key: "ASCPi-MLS", Program: "ASCPi", Category: "MLS", CMPRequired: required, CycleEnd: cycleEnd}
}

// R-DEC-5, R-CYC-2, R-CYC-6: approval appends history, renews from the day
// after expiration, effective no earlier than the expiring month, releases
// only the pending marker, and owes one email per version.
func TestPlanApprove(t *testing.T) {
	d := sampleDeclaration(Processing)
	now := time.Date(2024, 12, 2, 15, 0, 0, 0, time.UTC)
	c, err := Plan(d, Approve, "staff-1", "ok", Party{Email: "a@example.org", Given: "Ana", Certification: mls("2025-01-31", true)}, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c.To.Status != Approved || c.To.Version != 4 || len(c.To.History) != 2 || c.To.History[1].By != "staff-1" || len(d.History) != 1 {
		t.Fatalf("to %+v", c.To)
	}
	r := c.Renewal
	if r == nil || r.Cycle.Start != day("2025-02-01") || r.Cycle.End != day("2028-01-31") || r.Effective != day("2025-01-01") || r.Credential != "MLS(ASCPi)CM" {
		t.Fatalf("renewal %+v", r)
	}
	if !c.ReleasePending || len(c.ReleaseClaims) != 0 || len(c.Due) != 0 {
		t.Errorf("markers %+v", c)
	}
	if c.Mail.ID != "declaration-status:D1:4" || c.Mail.To != "a@example.org" || !strings.Contains(c.Mail.Data["todo"], "2025-02-01 to 2028-01-31") {
		t.Errorf("mail %+v", c.Mail)
	}
}

// R-CYC-4, R-CYC-5: reinstatement and voluntary cycles start on approval.
func TestRenewFromApproval(t *testing.T) {
	today := day("2025-06-10")
	for _, tc := range []struct {
		name          string
		cert          certificants.Certification
		reinstatement bool
	}{{"reinstatement", mls("2023-01-31", true), true}, {"voluntary", mls("", false), false}} {
		r := Renew(tc.cert, Declaration{Certification: "ASCPi-MLS", Reinstatement: tc.reinstatement}, today)
		if r.Cycle.Start != today || r.Cycle.End != day("2028-06-30") || r.Credential != "MLS(ASCPi)CM" {
			t.Errorf("%s: %+v", tc.name, r)
		}
	}
}

// R-CYC-2, R-CYC-7: a timely declaration approved after the expiration
// (processing ran past it) renews without a gap, not from the approval.
func TestRenewLateApprovalKeepsTheCycle(t *testing.T) {
	r := Renew(mls("2025-05-31", true), Declaration{Certification: "ASCPi-MLS"}, day("2025-06-10"))
	if r.Cycle.Start != day("2025-06-01") || r.Cycle.End != day("2028-05-31") || r.Effective != day("2025-06-10") || r.Credential != "MLS(ASCPi)CM" {
		t.Errorf("late approval renewal %+v, want 2025-06-01 to 2028-05-31 effective on approval", r)
	}
}

// R-DEC-2: a lapsed deficiency deletes the declaration and releases each claim once.
func TestPlanLapseReleasesClaims(t *testing.T) {
	c, err := Plan(sampleDeclaration(Deficient), Lapse, ActorJobName, "deadline passed", Party{}, time.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if c.To.Status != Deleted || !c.ReleasePending || fmt.Sprint(c.ReleaseClaims) != "[a1 a2]" ||
		!strings.Contains(c.Mail.Data["todo"], "fee of 95.00 USD is kept") || !strings.Contains(c.Mail.Data["todo"], "125.00 USD") {
		t.Errorf("change %+v", c)
	}
}

// R-DEC-2, R-DEC-3, R-REM-2: entering a deadline state sets it and its due entries.
func TestPlanDeficientSetsDeadline(t *testing.T) {
	now := time.Date(2025, 3, 3, 15, 0, 0, 0, time.UTC)
	c, err := Plan(sampleDeclaration(Submitted), Deficiency, "staff-1", "missing ethics", Party{}, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c.To.DeadlineOn == nil || *c.To.DeadlineOn != day("2025-04-02") || len(c.Due) != 2 ||
		c.Due[0] != (Due{DueReminder, day("2025-03-23")}) || c.Due[1] != (Due{DueLapse, day("2025-04-03")}) {
		t.Errorf("deadline %v due %v", c.To.DeadlineOn, c.Due)
	}
	if c.Mail.Data["deadline"] != "2025-04-02" || c.Mail.Data["reason"] != "missing ethics" {
		t.Errorf("mail %v", c.Mail.Data)
	}
}

// R-DEC: approving a deleted declaration is a *TransitionError.
func TestPlanIllegal(t *testing.T) {
	_, err := Plan(sampleDeclaration(Deleted), Approve, "staff-1", "", Party{}, time.Now(), 0)
	var te *TransitionError
	if !errors.As(err, &te) || te.From != Deleted {
		t.Errorf("err %v", err)
	}
}

// R-DEC-3: the share selects about its fraction, the same way every time,
// and a review of a selected declaration opens the audit.
func TestAuditSelection(t *testing.T) {
	selected := 0
	for i := range 20000 {
		id := fmt.Sprintf("DECL%06d", i)
		first := AuditSelected(id, 500)
		if first {
			selected++
		}
		if again := AuditSelected(id, 500); again != first || AuditSelected(id, 0) || !AuditSelected(id, 10000) {
			t.Fatalf("%s not deterministic or bounds wrong", id)
		}
	}
	if selected < 800 || selected > 1200 {
		t.Errorf("5%% of 20000 selected %d", selected)
	}
	d := sampleDeclaration(Submitted)
	c, err := Plan(d, Review, "staff-1", "", Party{}, time.Now(), 10000)
	if err != nil || c.To.Status != UnderAudit || c.To.DeadlineOn == nil {
		t.Errorf("review of a selected declaration: %v %+v", err, c.To)
	}
}

func TestParseAuditShare(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{{"", 500, true}, {"5", 500, true}, {"2.5", 250, true}, {"100", 10000, true}, {"0", 0, true},
		{"101", 0, false}, {"-1", 0, false}, {"1.234", 0, false}, {"x", 0, false}, {".5", 0, false}} {
		got, err := ParseAuditShare(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("%q: %d, %v", tc.in, got, err)
		}
	}
}

// R-DEC-3: documentation of a claimed activity, a listed kind, translated unless English.
func TestCheckDocument(t *testing.T) {
	d := sampleDeclaration(UnderAudit)
	ok := Document{ActivityID: "a1", Kind: CertificateOfParticipation, FileName: "cert 1.pdf", Language: "en"}
	for _, tc := range []struct {
		name  string
		edit  func(*Document)
		field string
	}{
		{"ok", func(*Document) {}, ""},
		{"translated", func(d *Document) { d.Language, d.Translated = "es", true }, ""},
		{"untranslated", func(d *Document) { d.Language = "es" }, "translated"},
		{"unclaimed", func(d *Document) { d.ActivityID = "zz" }, "activityId"},
		{"kind", func(d *Document) { d.Kind = "selfie" }, "kind"},
		{"file name", func(d *Document) { d.FileName = "../x\r\n" }, "fileName"},
		{"language", func(d *Document) { d.Language = "english" }, "language"},
	} {
		doc := ok
		tc.edit(&doc)
		errs := CheckDocument(d, doc)
		if (tc.field == "") != (len(errs) == 0) || (tc.field != "" && errs[0].Field != tc.field) {
			t.Errorf("%s: %v", tc.name, errs)
		}
	}
	d.Documents = []Document{ok}
	if got := MissingDocumentation(d); fmt.Sprint(got) != "[a2]" {
		t.Errorf("missing %v", got)
	}
}

package declarations

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/rules"
)

func day(s string) civil.Date {
	d, err := civil.Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// R-DEC: the transitions of cmp-rules.md R-DEC, written out from its
// "States:" paragraph, are exactly the table's: every state x every
// decision is walked, each listed one is allowed to its state and every
// other pair is refused.
func TestNextFollowsTheRules(t *testing.T) {
	states := []partition.State{partition.Submitted, partition.Processing, partition.Approved, partition.Deficient, partition.UnderAudit, partition.AuditFailed, partition.Appealed, partition.Rejected, partition.Deleted, partition.AwaitingPayment, partition.Cancelled}
	decisions := []Decision{Review, Approve, Deficiency, Audit, AuditPass, AuditFail, AppealGrant, AppealDeny, Resolve, Lapse, Cancel}
	type pair struct {
		from partition.State
		by   Decision
	}
	rules := map[pair]partition.State{
		// submitted -> processing (a staff member opens it); staff decisions apply to either (R-DEC-1)
		{partition.Submitted, Review}: partition.Processing, {partition.Submitted, Approve}: partition.Approved, {partition.Submitted, Deficiency}: partition.Deficient, {partition.Submitted, Audit}: partition.UnderAudit,
		{partition.Processing, Approve}: partition.Approved, {partition.Processing, Deficiency}: partition.Deficient, {partition.Processing, Audit}: partition.UnderAudit,
		// deficient -> processing (resolved) | deleted (deadline passed) (R-DEC-2)
		{partition.Deficient, Resolve}: partition.Processing, {partition.Deficient, Lapse}: partition.Deleted,
		// under_audit -> approved | audit_failed (R-DEC-3; the upload deadline fails it too)
		{partition.UnderAudit, AuditPass}: partition.Approved, {partition.UnderAudit, AuditFail}: partition.AuditFailed, {partition.UnderAudit, Lapse}: partition.AuditFailed,
		// audit_failed -> appealed (new points or a letter) | rejected by the deadlines job (R-DEC-4)
		{partition.AuditFailed, Resolve}: partition.Appealed, {partition.AuditFailed, Lapse}: partition.Rejected,
		// appealed -> approved | rejected
		{partition.Appealed, AppealGrant}: partition.Approved, {partition.Appealed, AppealDeny}: partition.Rejected,
		// awaiting_payment -> cancelled, unpaid after 24 hours (R-PAY-4); the
		// payment itself (-> submitted) is the webhook's, not a decision
		{partition.AwaitingPayment, Cancel}: partition.Cancelled,
	}
	for _, from := range states {
		for _, by := range decisions {
			want, allowed := rules[pair{from, by}]
			got, ok := Next(from, by)
			switch {
			case allowed && (!ok || got != want):
				t.Errorf("%s --%s--> %s, %v; want %s", from, by, got, ok, want)
			case !allowed && ok:
				t.Errorf("%s --%s--> %s allowed; R-DEC has no such transition", from, by, got)
			}
		}
	}
	if len(lifecycle) != len(rules) {
		t.Errorf("table has %d transitions, R-DEC %d", len(lifecycle), len(rules))
	}
	for _, s := range states {
		final := s == partition.Approved || s == partition.Rejected || s == partition.Deleted || s == partition.Cancelled
		if s.Final() != final || Open(s) == final {
			t.Errorf("%s: final %v, open %v", s, s.Final(), Open(s))
		}
	}
	// Every deadline state has a deadline and a lapse (the job's way out).
	for _, s := range []partition.State{partition.Deficient, partition.UnderAudit, partition.AuditFailed} {
		if _, ok := DeadlineFor(s, day("2025-03-03")); !ok {
			t.Errorf("%s has no deadline", s)
		}
		if _, ok := Next(s, Lapse); !ok {
			t.Errorf("%s has no lapse", s)
		}
	}
}

// R-DEC-4: the audit_failed deadline is 30 business days, and the job's
// lapse on the day after rejects the declaration, releasing its claims and
// pending marker, with an email that says so without format debris.
func TestAuditFailedLapseRejects(t *testing.T) {
	// 2025-05-26 is Memorial Day, 2025-06-19 Juneteenth: 30 business days from 2025-05-20.
	if got, _ := DeadlineFor(partition.AuditFailed, day("2025-05-20")); got != day("2025-07-03") {
		t.Errorf("audit_failed deadline %s, want 2025-07-03", got)
	}
	d := sampleDeclaration(partition.AuditFailed)
	dl := day("2025-07-03")
	d.DeadlineOn = &dl
	c, err := ChangeOf(d, Lapse, ActorJobName, "deadline 2025-07-03 passed", Party{Given: "Ana"}, time.Date(2025, 7, 4, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if c.To.Status != partition.Rejected || !c.ReleasePending || len(c.To.Claims()) != 0 || fmt.Sprint(c.From.Claims()) != "[a1 a2]" || c.Renewal != nil || c.To.DeadlineOn != nil {
		t.Errorf("lapse of audit_failed: %+v", c)
	}
	todo := c.Mail.Data["todo"]
	if c.Mail.Data["status"] != "rejected after the deadline" || !strings.Contains(todo, "by 2025-07-03") ||
		!strings.Contains(todo, "95.00 USD") || strings.Contains(todo, "%!") {
		t.Errorf("rejection mail %v", c.Mail.Data)
	}
}

// R-DEC-3: a declaration recorded as selected at submission is never
// approved before its audit: approve (from submitted or processing) and
// review open the audit instead; once the audit ran, approval is the
// audit's own (audit_pass). A declaration not selected is approved.
func TestApproveOfSelectedOpensAudit(t *testing.T) {
	now := time.Date(2024, 12, 2, 15, 0, 0, 0, time.UTC)
	for _, from := range []partition.State{partition.Submitted, partition.Processing} {
		for _, dec := range []Decision{Approve, Review} {
			if _, ok := Next(from, dec); !ok {
				continue // review applies to submitted only
			}
			d := sampleDeclaration(from)
			d.AuditSelected = true
			c, err := ChangeOf(d, dec, "staff-1", "looks fine", Party{Certification: mls("2025-01-31", true)}, now)
			if err != nil {
				t.Fatalf("%s of %s: %v", dec, from, err)
			}
			if c.To.Status != partition.UnderAudit || c.Renewal != nil || c.To.DeadlineOn == nil ||
				!strings.Contains(c.To.History[len(c.To.History)-1].Reason, "selected for audit (R-DEC-3)") {
				t.Errorf("%s of a selected %s declaration: %s, renewal %v", dec, from, c.To.Status, c.Renewal)
			}
		}
	}
	d := sampleDeclaration(partition.Processing)
	c, err := ChangeOf(d, Approve, "staff-1", "", Party{Certification: mls("2025-01-31", true)}, now)
	if err != nil || c.To.Status != partition.Approved {
		t.Errorf("approve of a declaration not selected: %v %s", err, c.To.Status)
	}
	// The audit happened: the selection is used up.
	d.AuditSelected = true
	d.History = append(d.History, partition.Transition{State: partition.UnderAudit}, partition.Transition{State: partition.AuditFailed}, partition.Transition{State: partition.Appealed})
	d.Status = partition.Appealed
	if c, err := ChangeOf(d, AppealGrant, "staff-1", "", Party{Certification: mls("2025-01-31", true)}, now); err != nil || c.To.Status != partition.Approved {
		t.Errorf("appeal grant after the audit: %v %s", err, c.To.Status)
	}
}

// R-DEC-2, R-DEC-3, R-REM-2: 30 calendar days, 30 business days, reminder 10 days before.
func TestDeadlines(t *testing.T) {
	if got, _ := DeadlineFor(partition.Deficient, day("2025-03-03")); got != day("2025-04-02") {
		t.Errorf("deficient deadline %s", got)
	}
	// 2025-05-26 is Memorial Day, 2025-06-19 Juneteenth: 30 business days from 2025-05-20.
	if got, _ := DeadlineFor(partition.UnderAudit, day("2025-05-20")); got != day("2025-07-03") {
		t.Errorf("audit deadline %s", got)
	}
	if _, ok := DeadlineFor(partition.Processing, day("2025-03-03")); ok {
		t.Error("processing has no deadline")
	}
	if got := ReminderOn(day("2025-04-02")); got != day("2025-03-23") {
		t.Errorf("reminder %s", got)
	}
}

func sampleDeclaration(status partition.State) partition.Declaration {
	exp := day("2025-01-31")
	return partition.Declaration{ID: "D1", CertificantID: "c-1", Certification: "ASCPi-MLS", Status: status, Version: 3,
		SubmittedAt: time.Date(2024, 11, 4, 15, 0, 0, 0, time.UTC), ProcessingDueOn: day("2024-12-17"), Expiration: &exp,
		Allocations: []rules.Allocation{{ActivityID: "a1"}, {ActivityID: "a2"}, {ActivityID: "a1"}},
		History:     []partition.Transition{{State: partition.Submitted, By: "c-1"}}, Fee: fees.Quote{TotalCents: 9500, Currency: "USD"}}
}

func mls(cycleEnd string, required bool) partition.Certification {
	return partition.Certification{Key: "ASCPi-MLS", Program: "ASCPi", Category: "MLS", CMPRequired: required, CycleEnd: cycleEnd}
}

// R-DEC-5, R-CYC-2, R-CYC-6: approval appends history, renews from the day
// after expiration, effective no earlier than the expiring month, releases
// only the pending marker, and owes one email per version.
func TestChangeOfApprove(t *testing.T) {
	d := sampleDeclaration(partition.Processing)
	now := time.Date(2024, 12, 2, 15, 0, 0, 0, time.UTC)
	c, err := ChangeOf(d, Approve, "staff-1", "ok", Party{Email: "a@example.org", Given: "Ana", Certification: mls("2025-01-31", true)}, now)
	if err != nil {
		t.Fatal(err)
	}
	if c.To.Status != partition.Approved || c.To.Version != 4 || len(c.To.History) != 2 || c.To.History[1].By != "staff-1" || len(d.History) != 1 {
		t.Fatalf("to %+v", c.To)
	}
	r := c.Renewal
	if r == nil || r.Cycle.Start != day("2025-02-01") || r.Cycle.End != day("2028-01-31") || r.Effective != day("2025-01-01") || r.Credential != "MLS(ASCPi)CM" {
		t.Fatalf("renewal %+v", r)
	}
	// An approved declaration keeps its claims for ever (R-ACT-11).
	if !c.ReleasePending || fmt.Sprint(c.To.Claims()) != "[a1 a2]" || len(c.Due) != 0 {
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
		cert          partition.Certification
		reinstatement bool
	}{{"reinstatement", mls("2023-01-31", true), true}, {"voluntary", mls("", false), false}} {
		r := Renew(tc.cert, partition.Declaration{Certification: "ASCPi-MLS", Reinstatement: tc.reinstatement}, today)
		if r.Cycle.Start != today || r.Cycle.End != day("2028-06-30") || r.Credential != "MLS(ASCPi)CM" {
			t.Errorf("%s: %+v", tc.name, r)
		}
	}
}

// R-CYC-2, R-CYC-7: a timely declaration approved after the expiration
// (processing ran past it) renews without a gap, not from the approval.
func TestRenewLateApprovalKeepsTheCycle(t *testing.T) {
	r := Renew(mls("2025-05-31", true), partition.Declaration{Certification: "ASCPi-MLS"}, day("2025-06-10"))
	if r.Cycle.Start != day("2025-06-01") || r.Cycle.End != day("2028-05-31") || r.Effective != day("2025-06-10") || r.Credential != "MLS(ASCPi)CM" {
		t.Errorf("late approval renewal %+v, want 2025-06-01 to 2028-05-31 effective on approval", r)
	}
}

// R-DEC-2: a lapsed deficiency deletes the declaration, which releases its claims.
func TestChangeOfLapseReleasesClaims(t *testing.T) {
	c, err := ChangeOf(sampleDeclaration(partition.Deficient), Lapse, ActorJobName, "deadline passed", Party{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if c.To.Status != partition.Deleted || !c.ReleasePending || len(c.To.Claims()) != 0 || fmt.Sprint(c.From.Claims()) != "[a1 a2]" ||
		!strings.Contains(c.Mail.Data["todo"], "fee of 95.00 USD is kept") || !strings.Contains(c.Mail.Data["todo"], "125.00 USD") {
		t.Errorf("change %+v", c)
	}
}

// R-DEC-2, R-DEC-3, R-REM-2: entering a deadline state sets it and its due entries.
func TestChangeOfDeficientSetsDeadline(t *testing.T) {
	now := time.Date(2025, 3, 3, 15, 0, 0, 0, time.UTC)
	c, err := ChangeOf(sampleDeclaration(partition.Submitted), Deficiency, "staff-1", "missing ethics", Party{}, now)
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
func TestChangeOfIllegal(t *testing.T) {
	_, err := ChangeOf(sampleDeclaration(partition.Deleted), Approve, "staff-1", "", Party{}, time.Now())
	var te *TransitionError
	if !errors.As(err, &te) || te.From != partition.Deleted {
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
	d := sampleDeclaration(partition.Submitted)
	d.AuditSelected = true
	c, err := ChangeOf(d, Review, "staff-1", "", Party{}, time.Now())
	if err != nil || c.To.Status != partition.UnderAudit || c.To.DeadlineOn == nil {
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

// R-DEC-3: documentation of a claimed activity, the kind listed for its
// type (a kind listed for another type is refused), translated unless English.
func TestCheckDocument(t *testing.T) {
	d := sampleDeclaration(partition.UnderAudit)
	acts := map[string]rules.Activity{"a1": {ID: "a1", Type: rules.FormalCE, Title: "Transfusion update"},
		"a2": {ID: "a2", Type: rules.CollegeCourse, Title: "Immunology 301"}}
	ok := partition.Document{ActivityID: "a1", Kind: CertificateOfParticipation, FileName: "cert 1.pdf", Language: "en"}
	for _, tc := range []struct {
		name  string
		edit  func(*partition.Document)
		field string
	}{
		{"ok", func(*partition.Document) {}, ""},
		{"college transcript", func(d *partition.Document) { d.ActivityID, d.Kind = "a2", UniversityTranscript }, ""},
		{"translated", func(d *partition.Document) { d.Language, d.Translated = "es", true }, ""},
		{"untranslated", func(d *partition.Document) { d.Language = "es" }, "translated"},
		{"unclaimed", func(d *partition.Document) { d.ActivityID = "zz" }, "activityId"},
		{"kind", func(d *partition.Document) { d.Kind = "selfie" }, "kind"},
		{"kind of another type", func(d *partition.Document) { d.Kind = UniversityTranscript }, "kind"},
		{"certificate for a college course", func(d *partition.Document) { d.ActivityID = "a2" }, "kind"},
		{"file name", func(d *partition.Document) { d.FileName = "../x\r\n" }, "fileName"},
		{"language", func(d *partition.Document) { d.Language = "english" }, "language"},
	} {
		doc := ok
		tc.edit(&doc)
		errs := CheckDocument(d, doc, acts)
		if (tc.field == "") != (len(errs) == 0) || (tc.field != "" && (errs[0].Field != tc.field || errs[0].Rule == "" && tc.field == "kind")) {
			t.Errorf("%s: %v", tc.name, errs)
		}
	}
	d.Documents = []partition.Document{ok}
	if got := MissingDocumentation(d); fmt.Sprint(got) != "[a2]" {
		t.Errorf("missing %v", got)
	}
	// The received email has its own headline and names what is missing by title.
	m := documentMail(d, Party{Given: "Ana"}, titles(acts))
	if m["status"] != "documentation received" || !strings.Contains(m["todo"], "Immunology 301") || strings.Contains(m["todo"], "a2") {
		t.Errorf("documentation mail %v", m)
	}
}

// R-DEC-4: after a failed audit only activities completed on or after the
// first day of the cycle's expiry month may be added; a reinstatement
// counts back from the end of its CE window.
func TestLastMonthOnly(t *testing.T) {
	d := sampleDeclaration(partition.AuditFailed) // expires 2025-01-31
	if got := LastMonthFrom(d); got != day("2025-01-01") {
		t.Errorf("last month from %s, want 2025-01-01", got)
	}
	acts := map[string]rules.Activity{
		"old": {ID: "old", CompletedOn: day("2024-12-31")}, "new": {ID: "new", CompletedOn: day("2025-01-01")},
	}
	if errs := lastMonthOnly(d, []string{"new"}, acts); len(errs) != 0 {
		t.Errorf("last-month activity refused: %v", errs)
	}
	errs := lastMonthOnly(d, []string{"new", "old", "gone"}, acts)
	if len(errs) != 2 || errs[0].Rule != "R-DEC-4" || !strings.Contains(errs[0].Message, "old") || !strings.Contains(errs[1].Message, "gone") {
		t.Errorf("older and unknown activities: %v", errs)
	}
	r := sampleDeclaration(partition.AuditFailed)
	r.Reinstatement, r.CEWindow.End = true, day("2025-06-10")
	if got := LastMonthFrom(r); got != day("2025-06-01") {
		t.Errorf("reinstatement last month from %s, want 2025-06-01", got)
	}
}

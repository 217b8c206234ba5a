package e2e

import (
	"encoding/json"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/boc/cmp/infra/local/stacktest"
	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/declarations"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/partition"
)

// End-to-end tests of the R-DEC lifecycle through the local stack: staff
// decisions, resolutions, audit documents, the declaration-deadlines and
// certification-expiry jobs, and the status emails that reached SES local.
// They share the package's stack with the submission tests (e2e_test.go).

const staffID = "staff-1"

// lifecycle drives one certificant's declaration through the routes.
type lifecycle struct {
	t     *testing.T
	s     *stacktest.Stack
	sc    scene
	staff string
	id    string // the declaration
}

// mlsMonths: the MLS certification expires at the end of the month 2 months
// from now, so its submission window is open (R-CYC-7) without a warning.
const mlsMonths = 2

// openDeclaration creates a certificant holding ASCPi-MLS and submits its
// declaration (the proposed allocation).
func openDeclaration(t *testing.T, s *stacktest.Stack, certificantID string) *lifecycle {
	t.Helper()
	l := &lifecycle{t: t, s: s, sc: newScene(t, s, certificantID, map[string]int{"ASCPi-MLS": mlsMonths}), staff: s.Token(staffID, "staff")}
	l.id = submitPaid(t, s, l.sc, "ASCPi-MLS").ID
	return l
}

// decide takes a staff decision and wants 200.
func (l *lifecycle) decide(decision string, reasons ...string) partition.Declaration {
	l.t.Helper()
	body := map[string]any{"decision": decision}
	if len(reasons) > 0 {
		body["reasons"] = reasons
	}
	return l.ok("decision "+decision, l.s.Do(l.t, "POST", "/v1/declarations/"+l.id+"/decisions", l.staff, body))
}

// approve takes the approval. A declaration recorded as selected for audit
// at submission (the stack's share, decided from its id) is not approved
// by it: the approval opens its audit (R-DEC-3), which audit_pass then
// passes. The answer's steps are the history entries the approval added.
func (l *lifecycle) approve(reasons ...string) (partition.Declaration, []step) {
	l.t.Helper()
	reason := strings.Join(reasons, "; ")
	d := l.decide("approve", reasons...)
	if !declarations.AuditSelected(l.id, declarations.DefaultAuditShareBP) {
		return d, []step{{partition.Approved, staffID, reason}}
	}
	if d.Status != partition.UnderAudit || d.Renewal != nil {
		l.t.Errorf("approval of a declaration selected for audit: %s, renewal %v; want under_audit (R-DEC-3)", d.Status, d.Renewal)
	}
	d = l.decide("audit_pass", reasons...)
	return d, []step{{partition.UnderAudit, staffID, "selected for audit (R-DEC-3)"}, {partition.Approved, staffID, reason}}
}

// resolve posts the certificant's resolution and wants 200.
func (l *lifecycle) resolve(body map[string]any) partition.Declaration {
	l.t.Helper()
	return l.ok("resolution", l.s.Do(l.t, "POST", "/v1/declarations/"+l.id+"/resolution", l.sc.token, body))
}

// get reads the declaration as its certificant.
func (l *lifecycle) get() partition.Declaration {
	l.t.Helper()
	return l.ok("read", l.s.Do(l.t, "GET", "/v1/declarations/"+l.id, l.sc.token, nil))
}

func (l *lifecycle) ok(what string, r *stacktest.Response) partition.Declaration {
	l.t.Helper()
	if r.Status != 200 {
		l.t.Fatalf("%s: %d %s", what, r.Status, r.Body)
	}
	var d partition.Declaration
	r.JSON(l.t, &d)
	return d
}

// step is one expected history entry; reason is a substring.
type step struct {
	state  partition.State
	by     string
	reason string
}

// wantHistory checks every entry of the history (R-DEC-5): state, who, why,
// and a time that never goes back.
// paid is the start of every paid declaration's history: created awaiting
// its fee by the certificant, submitted when Stripe reported the payment
// (R-PAY-1).
func paid(certificantID string) []step {
	return []step{{partition.AwaitingPayment, certificantID, ""}, {partition.Submitted, declarations.ActorStripe, "fee paid"}}
}

func wantHistory(t *testing.T, d partition.Declaration, steps ...step) {
	t.Helper()
	if len(d.History) != len(steps) {
		t.Fatalf("history %+v, want %d entries %+v", d.History, len(steps), steps)
	}
	for i, h := range d.History {
		w := steps[i]
		if h.State != w.state || h.By != w.by || !strings.Contains(h.Reason, w.reason) || h.At.IsZero() ||
			time.Since(h.At) > time.Hour || (i > 0 && h.At.Before(d.History[i-1].At)) {
			t.Errorf("history[%d] = %+v, want %s by %s with reason containing %q", i, h, w.state, w.by, w.reason)
		}
	}
	if d.Status != steps[len(steps)-1].state {
		t.Errorf("status %s, want %s", d.Status, steps[len(steps)-1].state)
	}
}

// statusSubject is the subject of the status email of a headline (R-DEC-5).
func statusSubject(headline string) string { return "CMP declaration ASCPi-MLS: " + headline }

// wantMail waits for exactly one email to the certificant with the subject
// whose text and HTML both carry every fact.
func (l *lifecycle) wantMail(subject string, facts ...string) {
	l.t.Helper()
	waitMail(l.t, l.s, mailTo(l.sc.email, subject, facts...))
}

func mailTo(to, subject string, facts ...string) func(stacktest.Mail) bool {
	return func(m stacktest.Mail) bool {
		if !slices.Contains(m.Destination.To, to) || m.Subject != subject {
			return false
		}
		for _, f := range facts {
			if !strings.Contains(m.Body.Text, f) || !strings.Contains(m.Body.HTML, f) {
				return false
			}
		}
		return true
	}
}

// mailCount counts every email sent to an address.
func mailCount(t *testing.T, s *stacktest.Stack, to string) int {
	n := 0
	for _, m := range s.Mail(t) {
		if slices.Contains(m.Destination.To, to) {
			n++
		}
	}
	return n
}

// renewalOf is the renewal of the MLS cycle expiring mlsMonths from now
// approved today: the next 36 months, effective the first of the expiring
// month at the earliest (R-CYC-2).
func renewalOf() (cycle calendar.Period, effective civil.Date) {
	exp := startedForExpiry(mlsMonths)
	start := exp.AddDays(1)
	cycle = calendar.Period{Start: start, End: start.AddMonths(35).EndOfMonth()}
	effective = exp.FirstOfMonth()
	if today().After(effective) {
		effective = today()
	}
	return cycle, effective
}

// wantRenewed checks the approval's renewal on the declaration, in the
// profile and in the approval email (R-CYC-2, R-CYC-6): approved before its
// effective date, the profile still shows the current cycle, the approved
// one as nextCycle; from the effective date on, the new one.
func (l *lifecycle) wantRenewed(d partition.Declaration) {
	l.t.Helper()
	cycle, effective := renewalOf()
	if d.Renewal == nil || *d.Renewal != cycle {
		l.t.Errorf("renewal %+v, want %+v", d.Renewal, cycle)
	}
	c := profileCert(l.t, l.s, l.sc.id, "ASCPi-MLS")
	shown, next := cycle, map[string]any(nil)
	if effective.After(today()) {
		shown = calendar.Period{Start: startedFor(mlsMonths), End: startedForExpiry(mlsMonths)}
		next = map[string]any{"start": cycle.Start.String(), "end": cycle.End.String()}
	}
	gotNext, _ := c["nextCycle"].(map[string]any)
	if c["cycleStart"] != shown.Start.String() || c["cycleEnd"] != shown.End.String() || c["status"] != "active" ||
		c["credential"] != "MLS(ASCPi)CM" || !maps.Equal(gotNext, next) {
		l.t.Errorf("renewed certification %v, want %s to %s (nextCycle %v), active, MLS(ASCPi)CM", c, shown.Start, shown.End, next)
	}
	l.wantMail(statusSubject("approved"), cycle.Start.String(), cycle.End.String(), "effective "+effective.String(), "MLS(ASCPi)CM")
}

// verificationRecord is the public record (R-VER-3) a verification order
// for the certificant's ASCPi-MLS shows: the certification is earned by a
// pass recorded now (R-VER-1), its score released (R-EXAM-2).
func verificationRecord(t *testing.T, s *stacktest.Stack, sc scene) map[string]any {
	t.Helper()
	staff := s.Token(staffID, "staff")
	if r := s.Do(t, "POST", "/v1/certificants/"+sc.id+"/transcripts-received", staff, map[string]string{"receivedOn": today().String()}); r.Status != 200 {
		t.Fatalf("transcripts: %d %s", r.Status, r.Body)
	}
	if r := s.Do(t, "POST", "/v1/exam-attempts", staff, map[string]any{"certificantId": sc.id, "program": "ASCPi", "category": "MLS",
		"route": "1", "examDate": today().AddDays(-1).String(), "scaledScore": 520, "passed": true}); r.Status != 201 {
		t.Fatalf("attempt: %d %s", r.Status, r.Body)
	}
	s.Invoke(t, "ScoreEmailsFunction", s.ScheduledEvent(t, "ScoreEmailsFunction", time.Now()))
	hr := sc.id + "-hr@example.org"
	r := s.Do(t, "POST", "/v1/verification-orders", sc.token, map[string]any{"certificantId": sc.id, "certification": "ASCPi-MLS",
		"recipients": []map[string]string{{"kind": "employer", "name": "City Hospital", "email": hr}}})
	var order struct {
		ID string `json:"id"`
	}
	if r.Status != 201 || json.Unmarshal(r.Body, &order) != nil {
		t.Fatalf("verification order: %d %s", r.Status, r.Body)
	}
	s.Pay(t, order.ID) // R-PAY-1: nothing is sent until the fee is paid
	var link string
	waitMail(t, s, func(m stacktest.Mail) bool {
		if !slices.Contains(m.Destination.To, hr) {
			return false
		}
		link = verificationLink.FindString(m.Body.Text)
		return link != ""
	})
	var rec map[string]any
	r = s.Do(t, "GET", link, "", nil)
	if r.Status != 200 || json.Unmarshal(r.Body, &rec) != nil {
		t.Fatalf("verification record: %d %s", r.Status, r.Body)
	}
	return rec
}

var verificationLink = regexp.MustCompile(`/v1/verifications/[A-Za-z0-9_-]+`)

// R-DEC-1, R-DEC-5, R-CYC-2: submitted -> approved renews the certification.
func TestLifecycleApprove(t *testing.T) {
	s := stacktest.Get(t)
	l := openDeclaration(t, s, "c-life-approve")
	d, approval := l.approve("all requirements met")
	wantHistory(t, d, append(paid(l.sc.id), approval...)...)
	wantHistory(t, l.get(), append(paid(l.sc.id), approval...)...)
	l.wantRenewed(d)
	// R-CYC-2, R-VER-3: the public record agrees with the profile: the
	// current cycle until the renewal's effective date.
	if rec, shown := verificationRecord(t, s, l.sc), startedForExpiry(mlsMonths).String(); rec["cycleEnd"] != shown || rec["status"] != "active" {
		t.Errorf("verification record %v, want the current cycle ending %s", rec, shown)
	}
	// R-DEC-1: the approval released the pending marker, so the staff
	// queue no longer lists it and the certification takes a new declaration
	// once its next window opens (not now: R-CYC-7).
	if r := s.Do(t, "GET", "/v1/declarations?status=submitted", l.staff, nil); r.Status != 200 || strings.Contains(string(r.Body), l.id) {
		t.Errorf("queue after approval: %d %s, want without %s", r.Status, r.Body, l.id)
	}
}

// R-DEC-2: deficient -> resolved (new activities, the proposal) -> approved.
func TestLifecycleDeficientResolved(t *testing.T) {
	s := stacktest.Get(t)
	l := openDeclaration(t, s, "c-life-resolve")
	d := l.decide("deficient", "the ethics course lacks a certificate")
	deadline := today().AddDays(30)
	if d.DeadlineOn == nil || *d.DeadlineOn != deadline {
		t.Errorf("deadline %v, want %s (30 calendar days)", d.DeadlineOn, deadline)
	}
	l.wantMail(statusSubject("deficient"), "the ethics course lacks a certificate", deadline.String(), "95.00 USD", "new allocation")
	// The staff queue lists it by state (ByQueue).
	if r := s.Do(t, "GET", "/v1/declarations?status=deficient", l.staff, nil); r.Status != 200 || !strings.Contains(string(r.Body), l.id) {
		t.Errorf("deficient queue: %d %s, want %s", r.Status, r.Body, l.id)
	}
	// R-DEC-4: an appeal answers a failed audit, not a deficiency.
	if r := s.Do(t, "POST", "/v1/declarations/"+l.id+"/resolution", l.sc.token, map[string]any{"appeal": "I was ill"}); r.Status != 422 || !decodeProblem(t, r).names("appeal", "R-DEC-4") {
		t.Errorf("appeal on a deficiency: %d %s, want 422 R-DEC-4", r.Status, r.Body)
	}
	if r := s.Do(t, "POST", "/v1/certificants/"+l.sc.id+"/activities", l.sc.token, map[string]any{
		"type": "formal_ce", "title": "Ethics again", "provider": "ASCLS", "completedOn": today().AddDays(-1).String(),
		"areas": []string{"ethics"}, "contactHours": "1", "accreditation": "ASCLS_PACE"}); r.Status != 201 {
		t.Fatalf("new activity: %d %s", r.Status, r.Body)
	}
	d = l.resolve(map[string]any{})
	if d.DeadlineOn != nil {
		t.Errorf("deadline %v after the resolution, want none", d.DeadlineOn)
	}
	l.wantMail(statusSubject("in review"), "new allocation", d.ProcessingDueOn.String())
	d, approval := l.approve()
	wantHistory(t, d, append(append(paid(l.sc.id),
		step{partition.Deficient, staffID, "the ethics course lacks a certificate"},
		step{partition.Processing, l.sc.id, "new allocation"}), approval...)...)
	l.wantRenewed(d)
}

// deadlineRun is the declaration-deadlines job for day through the Invoke API.
func deadlineRun(t *testing.T, s *stacktest.Stack, day civil.Date) declarations.DeadlineReport {
	t.Helper()
	var rep declarations.DeadlineReport
	if err := json.Unmarshal(s.Invoke(t, "DeclarationDeadlinesFunction", s.ScheduledEvent(t, "DeclarationDeadlinesFunction", day.Time())), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Day != day.String() {
		t.Errorf("job ran for %s, want %s (the scheduled event's day)", rep.Day, day)
	}
	return rep
}

// R-DEC-2, R-REM-2: deficient -> reminder 10 days before the deadline ->
// deleted the day after it by the job; claims and pending released, fee
// kept. Each job day run twice changes and sends nothing more.
func TestLifecycleDeficientDeleted(t *testing.T) {
	s := stacktest.Get(t)
	l := openDeclaration(t, s, "c-life-delete")
	d := l.decide("deficient", "points outside the cycle")
	deadline := *d.DeadlineOn
	l.wantMail(statusSubject("deficient"), deadline.String())

	remind := deadline.AddDays(-10)
	if rep := deadlineRun(t, s, remind); rep.Reminded < 1 {
		t.Errorf("reminder run %+v, want at least this reminder", rep)
	}
	if rep := deadlineRun(t, s, remind); rep.Reminded != 0 || rep.Lapsed != 0 {
		t.Errorf("reminder rerun %+v, want nothing more", rep)
	}
	l.wantMail("Reminder: CMP declaration ASCPi-MLS deficient, deadline "+deadline.String(), "points outside the cycle", "new allocation")

	// The day of the deadline still belongs to the certificant.
	if rep := deadlineRun(t, s, deadline); rep.Lapsed != 0 {
		t.Errorf("run on the deadline %+v, want no lapse", rep)
	}
	if rep := deadlineRun(t, s, deadline.AddDays(1)); rep.Lapsed < 1 {
		t.Errorf("lapse run %+v, want at least this lapse", rep)
	}
	if rep := deadlineRun(t, s, deadline.AddDays(1)); rep.Lapsed != 0 || rep.Reminded != 0 {
		t.Errorf("lapse rerun %+v, want nothing more", rep)
	}
	d = l.get()
	wantHistory(t, d, append(paid(l.sc.id),
		step{partition.Deficient, staffID, "points outside the cycle"},
		step{partition.Deleted, declarations.ActorJobName, "deadline " + deadline.String() + " passed"})...)
	if d.Fee.TotalCents != 9500 {
		t.Errorf("fee %d after deletion, want the 9500 kept", d.Fee.TotalCents)
	}
	l.wantMail(statusSubject("deleted after the deadline"), "95.00 USD", "125.00 USD", "submit a new declaration")

	// R-DEC-1, R-ACT-11: the pending marker and the claims are released, so
	// a new declaration claiming the same activities is accepted.
	again := submitPaid(t, s, l.sc, "ASCPi-MLS")
	// Illegal transition: a deleted declaration takes no decision (R-DEC).
	r := s.Do(t, "POST", "/v1/declarations/"+l.id+"/decisions", l.staff, map[string]any{"decision": "approve"})
	if r.Status != 409 || !decodeProblem(t, r).names("decision", "R-DEC") {
		t.Errorf("approve a deleted declaration: %d %s, want 409 naming R-DEC", r.Status, r.Body)
	}
	// Its fee is the R-FEE-2 one when the deletion fell on the day of the first submission.
	waitMail(t, s, mailTo(l.sc.email, "CMP declaration received: ASCPi-MLS, fee "+fees.Amount(again.Fee.TotalCents, "USD"), again.ID))
	if n := mailCount(t, s, l.sc.email); n != 6 {
		t.Errorf("%d emails to the certificant, want 6 (welcome, received, deficient, reminder, deleted, received again)", n)
	}
}

// auditDocuments uploads one document per claimed activity (R-DEC-3).
func (l *lifecycle) auditDocuments(d partition.Declaration) {
	l.t.Helper()
	var ids []string
	for _, a := range d.Allocations {
		if !slices.Contains(ids, a.ActivityID) {
			ids = append(ids, a.ActivityID)
		}
	}
	titles := l.titles()
	path := "/v1/declarations/" + l.id + "/documents"
	doc := func(id string, lang string, translated bool) map[string]any {
		return map[string]any{"activityId": id, "kind": "certificate_of_participation", "fileName": "cert " + id + ".pdf",
			"language": lang, "translated": translated}
	}
	if r := l.s.Do(l.t, "POST", path, l.sc.token, doc(ids[0], "es", false)); r.Status != 422 || !decodeProblem(l.t, r).names("translated", "R-DEC-3") {
		l.t.Errorf("untranslated Spanish document: %d %s, want 422 R-DEC-3", r.Status, r.Body)
	}
	if r := l.s.Do(l.t, "POST", path, l.staff, doc(ids[0], "en", false)); r.Status != 403 {
		l.t.Errorf("staff uploads: %d %s, want 403", r.Status, r.Body)
	}
	for i, id := range ids {
		var out struct {
			Documents []partition.Document `json:"documents"`
			Missing   []string             `json:"missing"`
		}
		r := l.s.Do(l.t, "POST", path, l.sc.token, doc(id, "es", true))
		if r.Status != 201 {
			l.t.Fatalf("document %s: %d %s", id, r.Status, r.Body)
		}
		r.JSON(l.t, &out)
		if len(out.Documents) != i+1 || len(out.Missing) != len(ids)-i-1 {
			l.t.Errorf("after document %d: %s", i+1, r.Body)
		}
	}
	// The first upload's receipt names the rest by title (R-DEC-3); the last says nothing is missing.
	l.wantMail(statusSubject("documentation received"), "documentation received (1 document(s))", "Still missing documentation for", titles[ids[1]])
	l.wantMail(statusSubject("documentation received"), "documentation received ("+strconv.Itoa(len(ids))+" document(s))", "Every activity has documentation")
}

// titles maps the certificant's activity ids to their titles (the transcript).
func (l *lifecycle) titles() map[string]string {
	l.t.Helper()
	var list struct {
		Activities []struct{ ID, Title string } `json:"activities"`
	}
	r := l.s.Do(l.t, "GET", "/v1/certificants/"+l.sc.id+"/activities", l.sc.token, nil)
	if r.Status != 200 || json.Unmarshal(r.Body, &list) != nil {
		l.t.Fatalf("transcript: %d %s", r.Status, r.Body)
	}
	out := map[string]string{}
	for _, e := range list.Activities {
		out[e.ID] = e.Title
	}
	return out
}

// openAudit reviews the declaration and, unless the review selected it
// (R-DEC-3, decided from its id), puts it under audit by decision.
func (l *lifecycle) openAudit() (partition.Declaration, []step) {
	l.t.Helper()
	d := l.decide("review")
	steps := paid(l.sc.id)
	if declarations.AuditSelected(l.id, declarations.DefaultAuditShareBP) {
		steps = append(steps, step{partition.UnderAudit, staffID, "selected for audit (R-DEC-3)"})
	} else {
		steps = append(steps, step{partition.Processing, staffID, ""})
		l.wantMail(statusSubject("in review"), d.ProcessingDueOn.String())
		d = l.decide("audit", "random audit")
		steps = append(steps, step{partition.UnderAudit, staffID, "random audit"})
	}
	wantHistory(l.t, d, steps...)
	deadline := calendar.AddBusinessDays(today(), 30)
	if d.DeadlineOn == nil || *d.DeadlineOn != deadline {
		l.t.Errorf("audit deadline %v, want %s (30 business days)", d.DeadlineOn, deadline)
	}
	l.wantMail(statusSubject("selected for audit"), deadline.String(), "translated English copy")
	return d, steps
}

// R-DEC-3: under audit -> documentation -> audit_pass approves and renews.
func TestLifecycleAuditPass(t *testing.T) {
	s := stacktest.Get(t)
	l := openDeclaration(t, s, "c-life-audit-pass")
	d, steps := l.openAudit()
	l.auditDocuments(d)
	d = l.decide("audit_pass", "documentation complete")
	wantHistory(t, d, append(steps, step{partition.Approved, staffID, "documentation complete"})...)
	l.wantRenewed(d)
}

// R-DEC-3, R-DEC-4, R-REM-2: an audit whose 30-business-day deadline
// passes without documentation: the reminder 10 days before it, then the
// declaration-deadlines job of the day after moves it to audit_failed and
// emails what the certificant may still do; an appeal is then open. Each
// job day run twice changes and sends nothing more.
func TestLifecycleAuditDeadline(t *testing.T) {
	s := stacktest.Get(t)
	l := openDeclaration(t, s, "c-life-audit-lapse")
	d, steps := l.openAudit()
	deadline := *d.DeadlineOn

	remind := deadline.AddDays(-10)
	if rep := deadlineRun(t, s, remind); rep.Reminded < 1 {
		t.Errorf("reminder run %+v, want at least this reminder", rep)
	}
	if rep := deadlineRun(t, s, remind); rep.Reminded != 0 || rep.Lapsed != 0 {
		t.Errorf("reminder rerun %+v, want nothing more", rep)
	}
	l.wantMail("Reminder: CMP declaration ASCPi-MLS selected for audit, deadline "+deadline.String(),
		"Still missing documentation for “Course ", "upload it by "+deadline.String())

	// The deadline day still belongs to the certificant.
	if rep := deadlineRun(t, s, deadline); rep.Lapsed != 0 {
		t.Errorf("run on the deadline %+v, want no lapse", rep)
	}
	if got := l.get(); got.Status != partition.UnderAudit {
		t.Errorf("on the deadline: %s, want under_audit", got.Status)
	}
	if rep := deadlineRun(t, s, deadline.AddDays(1)); rep.Lapsed < 1 {
		t.Errorf("lapse run %+v, want at least this lapse", rep)
	}
	if rep := deadlineRun(t, s, deadline.AddDays(1)); rep.Lapsed != 0 || rep.Reminded != 0 {
		t.Errorf("lapse rerun %+v, want nothing more", rep)
	}
	d = l.get()
	steps = append(steps, step{partition.AuditFailed, declarations.ActorJobName, "deadline " + deadline.String() + " passed"})
	wantHistory(t, d, steps...)
	// R-DEC-4: 30 business days from the failure (the job's day) to answer it.
	answerBy := calendar.AddBusinessDays(deadline.AddDays(1), 30)
	if d.DeadlineOn == nil || *d.DeadlineOn != answerBy || d.Renewal != nil {
		t.Errorf("failed audit: deadline %v, renewal %v, want %s and none", d.DeadlineOn, d.Renewal, answerBy)
	}
	l.wantMail(statusSubject("audit unsuccessful"), "deadline "+deadline.String()+" passed", "By "+answerBy.String(),
		"new points within the last month of your cycle", "appeal letter", "financial or family reasons are not grounds")
	// welcome, received, (in review,) selected for audit, reminder, audit unsuccessful
	want := 5
	if !declarations.AuditSelected(l.id, declarations.DefaultAuditShareBP) {
		want++
	}
	if n := mailCount(t, s, l.sc.email); n != want {
		t.Errorf("%d emails to the certificant, want %d", n, want)
	}

	// R-DEC-4: the failed audit is open to an appeal.
	d = l.resolve(map[string]any{"appeal": "Serious illness over one year, hospital letter attached"})
	wantHistory(t, d, append(steps, step{partition.Appealed, l.sc.id, "appeal: Serious illness"})...)
}

// R-DEC-4: audit_fail -> appeal -> appeal_grant (approved) or appeal_deny
// (rejected, certification unchanged).
func TestLifecycleAuditAppeal(t *testing.T) {
	s := stacktest.Get(t)
	for _, tc := range []struct {
		name, certificant, decision string
		final                       partition.State
	}{
		{"granted", "c-life-appeal-grant", "appeal_grant", partition.Approved},
		{"denied", "c-life-appeal-deny", "appeal_deny", partition.Rejected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := openDeclaration(t, s, tc.certificant)
			_, steps := l.openAudit()
			l.decide("audit_fail", "no certificates uploaded")
			l.wantMail(statusSubject("audit unsuccessful"), "no certificates uploaded", "appeal letter", "financial or family reasons are not grounds")
			l.resolve(map[string]any{"appeal": "Overseas military assignment from 2023 to 2025"})
			l.wantMail(statusSubject("appeal received"), "Overseas military assignment")
			d := l.decide(tc.decision, "decided by the appeal board")
			wantHistory(t, d, append(steps,
				step{partition.AuditFailed, staffID, "no certificates uploaded"},
				step{partition.Appealed, l.sc.id, "appeal: Overseas military assignment from 2023 to 2025"},
				step{tc.final, staffID, "decided by the appeal board"})...)
			if tc.final == partition.Approved {
				l.wantRenewed(d)
				return
			}
			if d.Renewal != nil {
				t.Errorf("renewal %+v on a rejected declaration", d.Renewal)
			}
			l.wantMail(statusSubject("appeal denied"), "95.00 USD", "not refundable", "keeps its expiration date")
		})
	}
}

// R-DEC: decisions are staff-only and follow the table; the certificant's
// routes are theirs only.
func TestLifecycleRefusals(t *testing.T) {
	s := stacktest.Get(t)
	l := openDeclaration(t, s, "c-life-refuse")
	other := newScene(t, s, "c-life-other", map[string]int{"ASCPi-MLS": mlsMonths})
	decisions := "/v1/declarations/" + l.id + "/decisions"
	for _, tc := range []struct {
		name, token, path string
		body              map[string]any
		status            int
		field, rule       string
	}{
		{"certificant decides: 403", l.sc.token, decisions, map[string]any{"decision": "approve"}, 403, "", ""},
		{"unknown decision", l.staff, decisions, map[string]any{"decision": "bless"}, 422, "decision", "R-DEC"},
		{"resolve a submitted declaration", l.sc.token, "/v1/declarations/" + l.id + "/resolution", map[string]any{}, 409, "decision", "R-DEC"},
		{"audit_pass before an audit", l.staff, decisions, map[string]any{"decision": "audit_pass"}, 409, "decision", "R-DEC"},
		{"unknown field", l.staff, decisions, map[string]any{"decision": "approve", "by": "me"}, 400, "by", ""},
		{"B resolves A's: 404", other.token, "/v1/declarations/" + l.id + "/resolution", map[string]any{}, 404, "", ""},
		{"staff resolves: 403", l.staff, "/v1/declarations/" + l.id + "/resolution", map[string]any{}, 403, "", ""},
		{"unknown declaration", l.staff, "/v1/declarations/NOPE/decisions", map[string]any{"decision": "approve"}, 404, "", ""},
		{"certificant reads the queue: 403", l.sc.token, "/v1/declarations?status=submitted", nil, 403, "", ""},
		{"queue of a final state", l.staff, "/v1/declarations?status=approved", nil, 400, "status", "R-DEC-1"},
	} {
		method := "POST"
		if tc.body == nil {
			method = "GET"
		}
		var body any
		if tc.body != nil {
			body = tc.body
		}
		r := s.Do(t, method, tc.path, tc.token, body)
		if r.Status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, r.Status, r.Body, tc.status)
			continue
		}
		if p := decodeProblem(t, r); (tc.field != "" || tc.rule != "") && !p.names(tc.field, tc.rule) {
			t.Errorf("%s: problem %s does not name %s %s", tc.name, r.Body, tc.field, tc.rule)
		}
	}
	// Parallel decisions: the version condition lets exactly one through,
	// the rest are 409; one history entry, one email.
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			statuses[i] = s.Do(t, "POST", decisions, l.staff, map[string]any{"decision": "approve"}).Status
		})
	}
	wg.Wait()
	slices.Sort(statuses)
	if statuses[0] != 200 || statuses[1] != 409 || statuses[n-1] != 409 {
		t.Errorf("parallel approvals %v, want one 200 and the rest 409", statuses)
	}
	if d := l.get(); len(d.History) != len(paid(l.sc.id))+1 {
		t.Errorf("history %+v, want paid and one approval", d.History)
	}
	if declarations.AuditSelected(l.id, declarations.DefaultAuditShareBP) {
		l.wantMail(statusSubject("selected for audit")) // R-DEC-3: the approval opened the audit
	} else {
		l.wantMail(statusSubject("approved"))
	}
}

// R-CYC-4, R-FEE-3: an expired certification is reinstated by a declaration
// with the reinstatement fee; the approval grants a cycle from that day.
func TestLifecycleReinstatement(t *testing.T) {
	s := stacktest.Get(t)
	sc := newScene(t, s, "c-life-reinstate", map[string]int{"ASCPi-CLM": -1})
	l := &lifecycle{t: t, s: s, sc: sc, staff: s.Token(staffID, "staff")}
	r := s.Do(t, "POST", "/v1/declarations", sc.token, map[string]any{"certificantId": sc.id, "certification": "ASCPi-CLM"})
	var rec receipt
	if r.Status != 201 || json.Unmarshal(r.Body, &rec) != nil || rec.Fee.TotalCents != 22000 {
		t.Fatalf("reinstatement: %d %s, want 201 charged 220.00 (R-FEE-1 + R-FEE-3)", r.Status, r.Body)
	}
	l.id = rec.ID
	s.Pay(t, rec.ID)
	d, _ := l.approve("reinstated")
	cycle := calendar.Period{Start: today(), End: today().FirstOfMonth().AddMonths(36).EndOfMonth()}
	if d.Renewal == nil || *d.Renewal != cycle || !d.Reinstatement {
		t.Errorf("renewal %+v (reinstatement %v), want %+v from the approval", d.Renewal, d.Reinstatement, cycle)
	}
	if c := profileCert(t, s, sc.id, "ASCPi-CLM"); c["status"] != "active" || c["credential"] != "CLM(ASCPi)CM" || c["cycleStart"] != cycle.Start.String() {
		t.Errorf("profile after reinstatement %v, want active CLM(ASCPi)CM from %s", c, cycle.Start)
	}
	waitMail(t, s, mailTo(sc.email, "CMP declaration ASCPi-CLM: approved", cycle.Start.String(), cycle.End.String(), "CLM(ASCPi)CM"))
}

// item reads one table item's attributes as strings and numbers.
func item(t *testing.T, s *stacktest.Stack, pk, sk string) map[string]any {
	t.Helper()
	out, err := s.DynamoDB().GetItem(t.Context(), &dynamodb.GetItemInput{TableName: &s.TableName,
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk}}})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := attributevalue.UnmarshalMap(out.Item, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// R-DEC-5 with SES down: every transition commits, and once SES is back the
// stream retries deliver every status email exactly once.
func TestLifecycleMailOutage(t *testing.T) {
	s := stacktest.Get(t)
	l := openDeclaration(t, s, "c-life-outage")
	l.wantMail("CMP declaration received: ASCPi-MLS, fee 95.00 USD")

	s.StopMail(t)
	d := l.decide("deficient", "missing safety point")
	deficientMail := dynamo.OutboxKey(dynamo.OutboxID(declarations.StatusTemplate, l.id, strconv.Itoa(d.Version)))
	l.resolve(map[string]any{})
	_, approval := l.approve()
	// The outage was real: the first email failed at least once.
	deadline := time.Now().Add(15 * time.Second)
	for it := item(t, s, deficientMail.PK, deficientMail.SK); it["attempts"] == nil || it["sentAt"] != nil; it = item(t, s, deficientMail.PK, deficientMail.SK) {
		if time.Now().After(deadline) {
			t.Fatalf("no failed attempt recorded while SES was down: %v", it)
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.StartMail(t)

	l.wantMail(statusSubject("deficient"), "missing safety point")
	l.wantMail(statusSubject("in review"), "new allocation")
	cycle, _ := renewalOf()
	l.wantMail(statusSubject("approved"), cycle.End.String())
	// SES local keeps its store in memory: what it holds now is what was
	// sent since it came back.
	if n := mailCount(t, s, l.sc.email); n != 2+len(approval) {
		t.Errorf("%d emails to the certificant since SES came back, want %d (deficient, in review, (selected for audit,) approved), none twice", n, 2+len(approval))
	}
	for _, rec := range s.DeadLetters("MailSenderFunction") {
		if strings.Contains(string(rec), l.id) {
			t.Errorf("dead letter of this declaration: %s", rec)
		}
	}
}

// expiryRun is the certification-expiry job for day through the Invoke API.
func expiryRun(t *testing.T, s *stacktest.Stack, day civil.Date) (rep struct {
	Day                           string
	Expired, CMDropped, Unchanged int
}) {
	t.Helper()
	if err := json.Unmarshal(s.Invoke(t, "CertificationExpiryFunction", s.ScheduledEvent(t, "CertificationExpiryFunction", day.Time())), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Day != day.String() {
		t.Errorf("job ran for %s, want %s (the scheduled event's day)", rep.Day, day)
	}
	return rep
}

// profileCert reads one certification of a profile as staff see it.
func profileCert(t *testing.T, s *stacktest.Stack, certificantID, key string) map[string]any {
	t.Helper()
	var p struct {
		Certifications []map[string]any `json:"certifications"`
	}
	r := s.Do(t, "GET", "/v1/certificants/"+certificantID, s.Token(staffID, "staff"), nil)
	if r.Status != 200 || json.Unmarshal(r.Body, &p) != nil {
		t.Fatalf("profile: %d %s", r.Status, r.Body)
	}
	for _, c := range p.Certifications {
		if c["key"] == key {
			return c
		}
	}
	t.Fatalf("profile without %s: %s", key, r.Body)
	return nil
}

// R-CYC-8: the day after its cycle, a required certification is expired
// (status and the plain credential stored); a second run of the same day
// changes nothing. The cycle ends this month: registered today, it is stored
// active. The profile derives status
// from the real date (certificants.On), so it shows expired once that day
// has really come, as for the cycle that ended two months ago below.
func TestCertificationExpiryJob(t *testing.T) {
	s := stacktest.Get(t)
	sc := newScene(t, s, "c-life-expire", map[string]int{"ASCPi-MLS": 0})
	key := dynamo.CertificationKey(sc.id, "ASCPi-MLS")
	if before := item(t, s, key.PK, key.SK); before["status"] != "active" {
		t.Fatalf("registered %v, want stored active", before)
	}
	day := startedForExpiry(0).AddDays(1)
	if rep := expiryRun(t, s, day); rep.Expired < 1 {
		t.Errorf("first run %+v, want this certification expired", rep)
	}
	stored := item(t, s, key.PK, key.SK)
	if stored["status"] != "expired" || stored["credential"] != "MLS(ASCPi)" || stored["cycleEnd"] != startedForExpiry(0).String() {
		t.Errorf("stored certification %v, want expired MLS(ASCPi), cycle end kept", stored)
	}
	if rep := expiryRun(t, s, day); rep.Expired != 0 || rep.CMDropped != 0 {
		t.Errorf("rerun %+v, want nothing more", rep)
	}
	if again := item(t, s, key.PK, key.SK); !maps.Equal(again, stored) {
		t.Errorf("rerun changed the certification: %v, was %v", again, stored)
	}
	// A cycle that really ended: the profile shows it expired without CM.
	past := newScene(t, s, "c-life-expired", map[string]int{"ASCPi-MLS": -2})
	if c := profileCert(t, s, past.id, "ASCPi-MLS"); c["status"] != "expired" || c["credential"] != "MLS(ASCPi)" {
		t.Errorf("profile %v, want expired MLS(ASCPi)", c)
	}
}

// R-CYC-5: a voluntary participant's approval grants CM for a cycle from
// the approval; the day after it the CM drops and the plain credential
// remains, with no expiration.
func TestVoluntaryCMDrops(t *testing.T) {
	s := stacktest.Get(t)
	sc := newScene(t, s, "c-life-voluntary", nil)
	staff := s.Token(staffID, "staff")
	if r := s.Do(t, "POST", "/v1/certificants/"+sc.id+"/certifications", staff, map[string]any{
		"program": "ASCPi", "category": "MLS", "startedOn": "2005-03-01"}); r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	l := &lifecycle{t: t, s: s, sc: sc, staff: staff}
	l.id = submitPaid(t, s, sc, "ASCPi-MLS").ID
	d, _ := l.approve()
	cycle := calendar.Period{Start: today(), End: today().FirstOfMonth().AddMonths(36).EndOfMonth()}
	if d.Renewal == nil || *d.Renewal != cycle {
		t.Errorf("renewal %+v, want %+v from the approval", d.Renewal, cycle)
	}
	if c := profileCert(t, s, sc.id, "ASCPi-MLS"); c["credential"] != "MLS(ASCPi)CM" || c["cycleEnd"] != cycle.End.String() {
		t.Errorf("profile after approval %v, want MLS(ASCPi)CM through %s", c, cycle.End)
	}
	day := cycle.End.AddDays(1)
	if rep := expiryRun(t, s, day); rep.CMDropped < 1 {
		t.Errorf("first run %+v, want this CM dropped", rep)
	}
	if rep := expiryRun(t, s, day); rep.Expired != 0 || rep.CMDropped != 0 {
		t.Errorf("rerun %+v, want nothing more", rep)
	}
	if c := profileCert(t, s, sc.id, "ASCPi-MLS"); c["credential"] != "MLS(ASCPi)" || c["cycleEnd"] != nil || c["status"] != "active" {
		t.Errorf("profile after the cycle %v, want active MLS(ASCPi) without expiration", c)
	}
}

// The jobs' sample events replay through the Lambda Invoke API, as `sam
// local invoke -e` would: the day is the event's time in New York.
func TestJobSampleEvents(t *testing.T) {
	s := stacktest.Get(t)
	for fn, file := range map[string]string{
		"DeclarationDeadlinesFunction": "declaration-deadlines-scheduled.json",
		"CertificationExpiryFunction":  "certification-expiry-scheduled.json",
	} {
		ev, err := os.ReadFile("../../../../events/" + file)
		if err != nil {
			t.Fatal(err)
		}
		var rep struct {
			Day string `json:"day"`
		}
		if err := json.Unmarshal(s.Invoke(t, fn, ev), &rep); err != nil || rep.Day != "2025-04-03" {
			t.Errorf("%s %s: report %+v %v, want the day 2025-04-03", fn, file, rep, err)
		}
	}
}

// R-DEC-4: a failed audit answered neither by new points nor by an appeal
// within 30 business days is rejected by the declaration-deadlines job of
// the day after: claims and pending marker released (a new declaration of
// the same activities is accepted), the fee kept, one email that says so.
// A rerun changes nothing.
func TestLifecycleAuditFailedRejectedAtDeadline(t *testing.T) {
	s := stacktest.Get(t)
	l := openDeclaration(t, s, "c-life-audit-reject")
	_, steps := l.openAudit()
	d := l.decide("audit_fail", "no certificates uploaded")
	answerBy := calendar.AddBusinessDays(today(), 30)
	if d.DeadlineOn == nil || *d.DeadlineOn != answerBy {
		t.Fatalf("audit_failed deadline %v, want %s (30 business days)", d.DeadlineOn, answerBy)
	}
	l.wantMail(statusSubject("audit unsuccessful"), "By "+answerBy.String(), "on or after "+startedForExpiry(mlsMonths).FirstOfMonth().String())
	if rep := deadlineRun(t, s, answerBy); rep.Lapsed != 0 {
		t.Errorf("run on the deadline %+v, want no lapse", rep)
	}
	if rep := deadlineRun(t, s, answerBy.AddDays(1)); rep.Lapsed < 1 {
		t.Errorf("lapse run %+v, want this rejection", rep)
	}
	if rep := deadlineRun(t, s, answerBy.AddDays(1)); rep.Lapsed != 0 {
		t.Errorf("rerun %+v, want nothing more", rep)
	}
	d = l.get()
	wantHistory(t, d, append(steps,
		step{partition.AuditFailed, staffID, "no certificates uploaded"},
		step{partition.Rejected, declarations.ActorJobName, "deadline " + answerBy.String() + " passed"})...)
	if d.Renewal != nil || d.DeadlineOn != nil {
		t.Errorf("rejected: renewal %v, deadline %v, want neither", d.Renewal, d.DeadlineOn)
	}
	l.wantMail(statusSubject("rejected after the deadline"), answerBy.String(), "95.00 USD", "not refundable")
	// The claims and the pending marker went with the rejection.
	if r := submit(t, s, l.sc, "ASCPi-MLS"); r.Status != 201 {
		t.Errorf("new declaration after the rejection: %d %s, want 201", r.Status, r.Body)
	}
	// The profile still shows the unrenewed cycle.
	if c := profileCert(t, s, l.sc.id, "ASCPi-MLS"); c["cycleEnd"] != startedForExpiry(mlsMonths).String() || c["status"] != "active" {
		t.Errorf("profile after the rejection %v, want the cycle ending %s", c, startedForExpiry(mlsMonths))
	}
}

// R-DEC-4: after a failed audit, new points answer it only when completed
// within the last month of the cycle: an activity completed earlier is
// refused (422 naming R-DEC-4), one completed on or after the first day of
// the expiry month is taken and the declaration goes to appeal review.
func TestLifecycleAuditFailedLastMonthPoints(t *testing.T) {
	s := stacktest.Get(t)
	// Expires at the end of this month: its last month has begun.
	sc := newScene(t, s, "c-life-last-month", map[string]int{"ASCPi-MLS": 0})
	l := &lifecycle{t: t, s: s, sc: sc, staff: s.Token(staffID, "staff")}
	l.id = submitPaid(t, s, sc, "ASCPi-MLS").ID
	l.openAudit()
	l.decide("audit_fail", "certificates unreadable")
	add := func(title, on string) {
		t.Helper()
		if r := s.Do(t, "POST", "/v1/certificants/"+sc.id+"/activities", sc.token, map[string]any{
			"type": "formal_ce", "title": title, "provider": "ASCLS", "completedOn": on,
			"areas": []string{"safety"}, "contactHours": "3", "accreditation": "ASCLS_PACE"}); r.Status != 201 {
			t.Fatalf("activity %s: %d %s", title, r.Status, r.Body)
		}
	}
	first := today().FirstOfMonth()
	add("Safety refresher, old", first.AddDays(-1).String())
	d := l.get()
	ids := map[string]bool{}
	for _, a := range d.Allocations {
		ids[a.ActivityID] = true
	}
	newID := func(title string) string {
		for id, tt := range l.titles() {
			if tt == title {
				return id
			}
		}
		t.Fatalf("no activity %q", title)
		return ""
	}
	withNew := func(id string) []map[string]any {
		out := []map[string]any{}
		for _, a := range d.Allocations {
			out = append(out, map[string]any{"activityId": a.ActivityID, "area": a.Area, "points": a.Points})
		}
		return append(out, map[string]any{"activityId": id, "area": "safety", "points": "3.00"})
	}
	old := newID("Safety refresher, old")
	r := s.Do(t, "POST", "/v1/declarations/"+l.id+"/resolution", sc.token, map[string]any{"allocations": withNew(old)})
	if r.Status != 422 || !decodeProblem(t, r).names("allocations", "R-DEC-4") {
		t.Errorf("points completed before the last month: %d %s, want 422 naming R-DEC-4", r.Status, r.Body)
	}
	add("Safety refresher, last month", today().String())
	d = l.resolve(map[string]any{"allocations": withNew(newID("Safety refresher, last month"))})
	if d.Status != partition.Appealed {
		t.Errorf("after new last-month points: %s, want appealed (staff decide)", d.Status)
	}
}

// R-DEC-3: a declaration recorded as selected for audit at submission is
// not approved by staff's approve: the approval opens the audit, the
// profile keeps the unrenewed cycle, and the email says "selected for
// audit". The selection is the one recorded on the declaration at
// submission (not re-decided later): marking a declaration's record as
// selected is what makes approve open the audit.
func TestLifecycleApproveOfSelectedOpensAudit(t *testing.T) {
	s := stacktest.Get(t)
	l := openDeclaration(t, s, "c-life-selected")
	key := dynamo.DeclarationKey(l.sc.id, l.id)
	if it := item(t, s, key.PK, key.SK); (it["auditSelected"] == true) != declarations.AuditSelected(l.id, declarations.DefaultAuditShareBP) {
		t.Fatalf("recorded selection %v, want the share's decision for %s", it["auditSelected"], l.id)
	}
	// Select it as the recording would (the stack's share is 5%, so force the record).
	if _, err := s.DynamoDB().UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: &s.TableName,
		Key:              map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: key.PK}, "sk": &types.AttributeValueMemberS{Value: key.SK}},
		UpdateExpression: aws.String("SET auditSelected = :t"), ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberBOOL{Value: true}}}); err != nil {
		t.Fatal(err)
	}
	d := l.decide("approve", "looks complete")
	if d.Status != partition.UnderAudit || d.Renewal != nil || d.DeadlineOn == nil {
		t.Fatalf("approve of a selected declaration: %s renewal %v, want under_audit with a deadline", d.Status, d.Renewal)
	}
	wantHistory(t, d, append(paid(l.sc.id), step{partition.UnderAudit, staffID, "selected for audit (R-DEC-3)"})...)
	l.wantMail(statusSubject("selected for audit"), d.DeadlineOn.String())
	if c := profileCert(t, s, l.sc.id, "ASCPi-MLS"); c["cycleEnd"] != startedForExpiry(mlsMonths).String() {
		t.Errorf("profile after the approve that opened the audit: %v, want the cycle unchanged", c)
	}
	// Only audit_pass approves it now.
	if r := s.Do(t, "POST", "/v1/declarations/"+l.id+"/decisions", l.staff, map[string]any{"decision": "approve"}); r.Status != 409 {
		t.Errorf("approve under audit: %d %s, want 409", r.Status, r.Body)
	}
}

// R-PAY-1, R-DEC-1: a declaration waiting for its fee is in the staff queue
// of awaiting_payment, not among those submitted (the contract check holds
// the query's enum to it).
func TestQueueAwaitingPayment(t *testing.T) {
	s := stacktest.Get(t)
	sc := newScene(t, s, "c-queue-unpaid", map[string]int{"ASCPi-MLS": mlsMonths})
	var rec receipt
	if r := submit(t, s, sc, "ASCPi-MLS"); r.Status != 201 || json.Unmarshal(r.Body, &rec) != nil || rec.Status != "awaiting_payment" {
		t.Fatalf("submission: %d %s, want 201 awaiting_payment", r.Status, r.Body)
	}
	staff := s.Token(staffID, "staff")
	for status, listed := range map[string]bool{"awaiting_payment": true, "submitted": false} {
		r := s.Do(t, "GET", "/v1/declarations?status="+status, staff, nil)
		if r.Status != 200 || strings.Contains(string(r.Body), rec.ID) != listed {
			t.Errorf("queue %s: %d %s, want %s listed: %v", status, r.Status, r.Body, rec.ID, listed)
		}
	}
}

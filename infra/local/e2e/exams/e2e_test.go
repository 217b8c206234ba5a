package e2e

import (
	"context"
	"encoding/json"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boc/cmp/infra/local/stacktest"
	"github.com/boc/cmp/infra/local/stripelocal"
	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/exams"
	"github.com/boc/cmp/internal/payment"
	"github.com/boc/cmp/internal/verification"
)

// End-to-end acceptance of issue 6 through the local stack: ExamsFunction,
// ScoreEmailsFunction, VerificationsFunction, the outbox sender and
// aws-ses-v2-local. Every certificant id starts with "ex-" and is unique per
// test, so mail to <id>@example.org belongs to one test.

func TestMain(m *testing.M) { stacktest.Main(m) }

const scoreJob = "ScoreEmailsFunction"

var today = calendar.Today(time.Now())

type problem struct {
	Status int `json:"status"`
	Errors []struct {
		Field string `json:"field"`
		Rule  string `json:"rule"`
	} `json:"errors"`
}

// names reports whether p names the field and rule in its first error.
func (p problem) names(field, rule string) bool {
	return len(p.Errors) > 0 && p.Errors[0].Field == field && p.Errors[0].Rule == rule
}

type attempt struct {
	ID                  string `json:"id"`
	Attempt             int    `json:"attempt"`
	Passed              bool   `json:"passed"`
	ScoreStatus         string `json:"scoreStatus"`
	CertificationNumber string `json:"certificationNumber"`
	Retesting           *struct {
		AttemptsLeft int    `json:"attemptsLeft"`
		Message      string `json:"message"`
	} `json:"retesting"`
}

// loose decodes only the fields a test looks at.
func loose(t testing.TB, r *stacktest.Response, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %d %s: %v", r.Status, r.Body, err)
	}
}

func createCertificant(t testing.TB, s *stacktest.Stack, id, given, family string) {
	t.Helper()
	r := s.Do(t, "POST", "/v1/certificants", s.Token("staff-1", "staff"), map[string]any{"id": id,
		"name": map[string]string{"given": given, "family": family}, "email": id + "@example.org", "country": "PH"})
	if r.Status != 201 {
		t.Fatalf("create %s: %d %s", id, r.Status, r.Body)
	}
}

func attemptBody(id string, examDate civil.Date, passed bool) map[string]any {
	score := 320
	if passed {
		score = 520
	}
	return map[string]any{"certificantId": id, "program": "ASCPi", "category": "MLS", "route": "1",
		"examDate": examDate.String(), "scaledScore": score, "passed": passed}
}

// record posts an attempt as staff and expects it recorded.
func record(t testing.TB, s *stacktest.Stack, id string, examDate civil.Date, passed bool) attempt {
	t.Helper()
	r := s.Do(t, "POST", "/v1/exam-attempts", s.Token("staff-1", "staff"), attemptBody(id, examDate, passed))
	if r.Status != 201 {
		t.Fatalf("record attempt of %s: %d %s", id, r.Status, r.Body)
	}
	var a attempt
	loose(t, r, &a)
	return a
}

func receiveTranscripts(t testing.TB, s *stacktest.Stack, id string, on civil.Date) []string {
	t.Helper()
	r := s.Do(t, "POST", "/v1/certificants/"+id+"/transcripts-received", s.Token("staff-1", "staff"), map[string]string{"receivedOn": on.String()})
	var v struct {
		Released []string `json:"released"`
	}
	if loose(t, r, &v); r.Status != 200 {
		t.Fatalf("transcripts of %s: %d %s", id, r.Status, r.Body)
	}
	return v.Released
}

type sweep struct{ Sent, Held, Failed int }

// runJob invokes the score-emails job as its schedule would on day.
func runJob(t testing.TB, s *stacktest.Stack, day civil.Date) sweep {
	t.Helper()
	var res sweep
	if err := json.Unmarshal(s.Invoke(t, scoreJob, s.ScheduledEvent(t, scoreJob, day.Time())), &res); err != nil {
		t.Fatalf("score emails job: %v", err)
	}
	return res
}

// scoreStatus reads the stored state of an attempt straight from the table.
func scoreStatus(t testing.TB, s *stacktest.Stack, id string, n int) (status, sentOn string) {
	t.Helper()
	var it struct {
		ScoreStatus string `dynamodbav:"scoreStatus"`
		ScoreSentOn string `dynamodbav:"scoreSentOn"`
	}
	table := dynamo.New(s.DynamoDB(), s.TableName)
	found, err := table.Get(context.Background(), dynamo.ExamAttemptKey(id, "ASCPi-MLS", "1", n), &it)
	if err != nil || !found {
		t.Fatalf("attempt %d of %s: found %v, %v", n, id, found, err)
	}
	return it.ScoreStatus, it.ScoreSentOn
}

// Subjects of the emails under test (certificants also get a welcome email).
const (
	scoreSubject        = "examination score"
	verificationSubject = "Verification of certification"
)

// mailsTo waits until want messages with the subject part reached addresses
// starting with prefix, then a little longer so a duplicate has time to show,
// and returns them.
func mailsTo(t testing.TB, s *stacktest.Stack, prefix, subject string, want int) []stacktest.Mail {
	t.Helper()
	matching := func() []stacktest.Mail {
		var got []stacktest.Mail
		for _, m := range s.Mail(t) {
			if len(m.Destination.To) == 1 && strings.HasPrefix(m.Destination.To[0], prefix) && strings.Contains(m.Subject, subject) {
				got = append(got, m)
			}
		}
		return got
	}
	for deadline := time.Now().Add(30 * time.Second); len(matching()) < want && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // the sender is asynchronous
	got := matching()
	if len(got) != want {
		t.Fatalf("%d mails to %s*, want %d: %+v", len(got), prefix, want, got)
	}
	return got
}

// R-EXAM-1: five attempts per category and route; the 6th is refused, also
// when ten requests race for a fresh certificant.
func TestSixthAttemptRefused(t *testing.T) {
	s := stacktest.Get(t)
	createCertificant(t, s, "ex-seq", "Lia", "Torres")
	for n := 1; n <= 5; n++ {
		if a := record(t, s, "ex-seq", today.AddDays(-n), false); a.Attempt != n || a.Retesting == nil || a.Retesting.AttemptsLeft != 5-n {
			t.Fatalf("attempt %d: %+v", n, a)
		}
	}
	r := s.Do(t, "POST", "/v1/exam-attempts", s.Token("staff-1", "staff"), attemptBody("ex-seq", today, false))
	var p problem
	if loose(t, r, &p); r.Status != 409 || !p.names("route", "R-EXAM-1") {
		t.Fatalf("6th attempt: %d %s, want 409 naming route R-EXAM-1", r.Status, r.Body)
	}
	// Another route is a separate count (R-EXAM-1 is per category per route).
	other := attemptBody("ex-seq", today, false)
	other["route"] = "2"
	if r := s.Do(t, "POST", "/v1/exam-attempts", s.Token("staff-1", "staff"), other); r.Status != 201 {
		t.Errorf("first attempt under route 2: %d %s", r.Status, r.Body)
	}

	createCertificant(t, s, "ex-par", "Noel", "Garcia")
	const racers = 10
	statuses := make([]int, racers)
	numbers := make([]int, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			r := s.Do(t, "POST", "/v1/exam-attempts", s.Token("staff-1", "staff"), attemptBody("ex-par", today, false))
			statuses[i] = r.Status
			if r.Status == 201 {
				var a attempt
				if err := json.Unmarshal(r.Body, &a); err == nil {
					numbers[i] = a.Attempt
				}
			}
		})
	}
	wg.Wait()
	count := map[int]int{}
	var accepted []int
	for i, st := range statuses {
		count[st]++
		if st == 201 {
			accepted = append(accepted, numbers[i])
		}
	}
	slices.Sort(accepted)
	if count[201] != 5 || count[409] != 5 || !slices.Equal(accepted, []int{1, 2, 3, 4, 5}) {
		t.Errorf("parallel attempts: statuses %v, accepted numbers %v; want 5 x 201 (attempts 1..5) and 5 x 409", count, accepted)
	}
}

// R-EXAM-1, R-CYC-1: a pass and its registration are one write. Ten passes
// racing for a fresh certificant: five recorded, five refused, all recorded
// ones carry the one registration's number, which the profile holds with
// its cycle.
func TestParallelPassesRegisterOnce(t *testing.T) {
	s := stacktest.Get(t)
	createCertificant(t, s, "ex-par-pass", "Ivy", "Ramos")
	const racers = 10
	results := make([]attempt, racers)
	statuses := make([]int, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			r := s.Do(t, "POST", "/v1/exam-attempts", s.Token("staff-1", "staff"), attemptBody("ex-par-pass", today, true))
			statuses[i] = r.Status
			if r.Status == 201 {
				_ = json.Unmarshal(r.Body, &results[i])
			}
		})
	}
	wg.Wait()
	numbers := map[string]int{}
	count := map[int]int{}
	for i, st := range statuses {
		count[st]++
		if st == 201 {
			numbers[results[i].CertificationNumber]++
		}
	}
	if count[201] != 5 || count[409] != 5 || len(numbers) != 1 || numbers[""] != 0 {
		t.Fatalf("statuses %v, numbers %v; want 5 x 201 with one number and 5 x 409", count, numbers)
	}
	var profile struct {
		Certifications []struct {
			Key      string `json:"key"`
			Number   string `json:"number"`
			CycleEnd string `json:"cycleEnd"`
		} `json:"certifications"`
	}
	loose(t, s.Do(t, "GET", "/v1/certificants/ex-par-pass", s.Token("staff-1", "staff"), nil), &profile)
	wantEnd := today.FirstOfMonth().AddMonths(36).EndOfMonth().String()
	if len(profile.Certifications) != 1 || numbers[profile.Certifications[0].Number] != 5 || profile.Certifications[0].CycleEnd != wantEnd {
		t.Errorf("certifications %+v, want ASCPi-MLS with the passes' number, cycle to %s", profile.Certifications, wantEnd)
	}
}

// R-EXAM-2: a score is held until all transcripts are in, then sent once by
// the job, however often it runs; the pass email carries the certification
// number, the fail email the re-testing information.
func TestScoreHeldThenSentOnce(t *testing.T) {
	s := stacktest.Get(t)
	createCertificant(t, s, "ex-held-pass", "Rosa", "Dizon")
	createCertificant(t, s, "ex-held-fail", "Paolo", "Lim")
	exam := today.AddDays(-7)
	pass := record(t, s, "ex-held-pass", exam, true)
	fail := record(t, s, "ex-held-fail", exam, false)
	if pass.ScoreStatus != "held" || pass.CertificationNumber == "" || fail.ScoreStatus != "held" || fail.Retesting == nil {
		t.Fatalf("recorded: pass %+v, fail %+v", pass, fail)
	}

	if res := runJob(t, s, today); res.Held < 2 {
		t.Errorf("job without transcripts: %+v, want both scores held", res)
	}
	for _, id := range []string{"ex-held-pass", "ex-held-fail"} {
		if st, _ := scoreStatus(t, s, id, 1); st != "held" {
			t.Errorf("%s after a run without transcripts: %s, want held", id, st)
		}
	}
	mailsTo(t, s, "ex-held-", scoreSubject, 0)

	if got := receiveTranscripts(t, s, "ex-held-pass", today); !slices.Equal(got, []string{pass.ID}) {
		t.Errorf("released %v, want [%s]", got, pass.ID)
	}
	receiveTranscripts(t, s, "ex-held-fail", today)
	// Two overlapping runs owe each score once between them (earlier tests
	// of this package leave no released scores), and a rerun nothing.
	var runs [2]sweep
	var wg sync.WaitGroup
	for i := range runs {
		wg.Go(func() { runs[i] = runJob(t, s, today) })
	}
	wg.Wait()
	if runs[0].Sent+runs[1].Sent != 2 || runs[0].Failed+runs[1].Failed != 0 {
		t.Errorf("parallel runs with transcripts: %+v, want 2 sent between them, none failed", runs)
	}
	if res := runJob(t, s, today); res.Sent != 0 || res.Failed != 0 {
		t.Errorf("rerun: %+v, want nothing sent", res)
	}

	mails := mailsTo(t, s, "ex-held-", scoreSubject, 2)
	byTo := map[string]stacktest.Mail{}
	for _, m := range mails {
		byTo[m.Destination.To[0]] = m
	}
	pm, fm := byTo["ex-held-pass@example.org"], byTo["ex-held-fail@example.org"]
	if !strings.Contains(pm.Subject, pass.CertificationNumber) || !strings.Contains(pm.Body.Text, "Your certification number is "+pass.CertificationNumber) ||
		!strings.Contains(pm.Body.Text, "ASCPi-MLS") || !strings.Contains(pm.Body.Text, exam.String()) || !strings.Contains(pm.Body.HTML, pass.CertificationNumber) {
		t.Errorf("pass email lacks the certification number %s: %q\n%s", pass.CertificationNumber, pm.Subject, pm.Body.Text)
	}
	if strings.Contains(fm.Subject+fm.Body.Text, "certification number") || !strings.Contains(fm.Body.Text, "Re-testing") ||
		!strings.Contains(fm.Body.Text, "4 remain") || !strings.Contains(fm.Body.Text, "320") {
		t.Errorf("fail email lacks the re-testing information: %q\n%s", fm.Subject, fm.Body.Text)
	}
}

// R-EXAM-4, R-FEE-5: a review inside 30 days of score receipt costs 2500 and
// is idempotent; outside it is refused.
func TestScoreReview(t *testing.T) {
	s := stacktest.Get(t)
	// Scores received days ago: the job ran for that day. Day 30 is the last
	// day a review may be requested.
	received := []struct {
		id     string
		ago    int
		status int
	}{
		{"ex-rev-40", 40, 409},
		{"ex-rev-31", 31, 409},
		{"ex-rev-30", 30, 201},
	}
	for _, tc := range received {
		createCertificant(t, s, tc.id, "Ivy", "Cruz")
		a := record(t, s, tc.id, today.AddDays(-tc.ago-20), false)
		receiveTranscripts(t, s, tc.id, today.AddDays(-tc.ago-10))
		on := today.AddDays(-tc.ago)
		runJob(t, s, on)
		if st, sentOn := scoreStatus(t, s, tc.id, 1); st != "sent" || sentOn != on.String() {
			t.Fatalf("%s: score %s on %s, want sent on %s", tc.id, st, sentOn, on)
		}
		r := s.Do(t, "POST", "/v1/score-reviews", s.Token(tc.id), map[string]string{"attemptId": a.ID})
		var p problem
		if r.Status == 409 {
			loose(t, r, &p)
		}
		if r.Status != tc.status || (tc.status == 409 && !p.names("attemptId", "R-EXAM-4")) {
			t.Errorf("review %d days after receipt: %d %s, want %d (409 naming R-EXAM-4)", tc.ago, r.Status, r.Body, tc.status)
		}
	}
	// Received today.
	createCertificant(t, s, "ex-rev", "Ben", "Ong")
	recent := record(t, s, "ex-rev", today.AddDays(-3), false)
	self := s.Token("ex-rev")
	if r := s.Do(t, "POST", "/v1/score-reviews", self, map[string]string{"attemptId": recent.ID}); r.Status != 409 {
		t.Errorf("review before the score was sent: %d %s, want 409", r.Status, r.Body)
	}
	receiveTranscripts(t, s, "ex-rev", today)
	runJob(t, s, today)

	type review struct {
		ID              string `json:"id"`
		AttemptID       string `json:"attemptId"`
		ScoreReceivedOn string `json:"scoreReceivedOn"`
		Fee             struct {
			TotalCents int64 `json:"totalCents"`
			Lines      []struct {
				Rule string `json:"rule"`
			} `json:"lines"`
		} `json:"fee"`
	}
	body := map[string]string{"attemptId": recent.ID}
	first := s.Do(t, "POST", "/v1/score-reviews", self, body, "Idempotency-Key", "rev-1")
	var rev review
	if loose(t, first, &rev); first.Status != 201 || rev.Fee.TotalCents != 2500 || len(rev.Fee.Lines) != 1 ||
		rev.Fee.Lines[0].Rule != "R-FEE-5" || rev.AttemptID != recent.ID || rev.ScoreReceivedOn != today.String() || rev.ID == "" {
		t.Fatalf("review inside 30 days: %d %s", first.Status, first.Body)
	}
	if again := s.Do(t, "POST", "/v1/score-reviews", self, body, "Idempotency-Key", "rev-1"); again.Status != 201 || string(again.Body) != string(first.Body) {
		t.Errorf("same key, same body: %d %s, want the first answer %s", again.Status, again.Body, first.Body)
	}
	if other := s.Do(t, "POST", "/v1/score-reviews", self, map[string]string{"attemptId": recent.ID + "x"}, "Idempotency-Key", "rev-1"); other.Status != 422 {
		t.Errorf("same key, different body: %d %s, want 422", other.Status, other.Body)
	}
	if dup := s.Do(t, "POST", "/v1/score-reviews", self, body, "Idempotency-Key", "rev-2"); dup.Status != 409 {
		t.Errorf("second review of one attempt under a new key: %d %s, want 409", dup.Status, dup.Body)
	}
	// R-PAY-1, R-PAY-2: registered once its fee is paid, with a receipt.
	var due struct {
		Status  string       `json:"status"`
		Payment payment.Info `json:"payment"`
	}
	if loose(t, first, &due); due.Status != exams.ReviewAwaitingPayment || due.Payment.Status != payment.RequiresPayment ||
		due.Payment.AmountCents != 2500 || !strings.HasPrefix(due.Payment.ClientSecret, "pi_") {
		t.Fatalf("review before payment: %s, want awaiting_payment with a 2500 payment and its client secret", first.Body)
	}
	mailsTo(t, s, "ex-rev@", "score review: paid", 0)
	s.Pay(t, rev.ID)
	m := mailsTo(t, s, "ex-rev@", "score review: paid", 1)[0]
	if pay := s.Payment(t, rev.ID); !strings.Contains(m.Body.Text, "Receipt: 25.00 USD paid by card") || !strings.Contains(m.Body.Text, pay.IntentID) {
		t.Errorf("review email lacks the receipt of %s:\n%s", pay.IntentID, m.Body.Text)
	}
	if ps := payments(t, s, self, "ex-rev"); len(ps) != 1 || ps[0].About != rev.ID || ps[0].Kind != payment.KindScoreReview || ps[0].Status != payment.Succeeded {
		t.Errorf("receipts after payment: %+v, want the review's succeeded", ps)
	}
	if dup := s.Do(t, "POST", "/v1/score-reviews", self, body, "Idempotency-Key", "rev-3"); dup.Status != 409 {
		t.Errorf("second review of a paid one: %d %s, want 409", dup.Status, dup.Body)
	}

	// Attempt ids are per certificant: the caller has no 2nd attempt.
	if r := s.Do(t, "POST", "/v1/score-reviews", s.Token("ex-rev-40"), map[string]string{"attemptId": "ASCPi-MLS.1.2"}); r.Status != 404 {
		t.Errorf("review of an attempt the caller does not have: %d %s, want 404", r.Status, r.Body)
	}
}

var linkPattern = regexp.MustCompile(`https?://\S+/v1/verifications/[A-Za-z0-9_-]+`)

// R-VER-1..3, R-FEE-6: orders only for a certification earned by passing, 1500
// per recipient, one working link per recipient to a record stating the
// R-VER-3 fields and nothing else.
func TestVerificationOrder(t *testing.T) {
	s := stacktest.Get(t)
	staff := s.Token("staff-1", "staff")

	// Failed only, though staff registered the certification: not earned by passing.
	createCertificant(t, s, "ex-ver-fail", "Tess", "Ramos")
	record(t, s, "ex-ver-fail", today.AddDays(-5), false)
	if r := s.Do(t, "POST", "/v1/certificants/ex-ver-fail/certifications", staff,
		map[string]any{"program": "ASCPi", "category": "MLS", "startedOn": today.AddDays(-5).String()}); r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	recipient := func(kind, name, email string) map[string]string {
		return map[string]string{"kind": kind, "name": name, "email": email}
	}
	failed := map[string]any{"certificantId": "ex-ver-fail", "certification": "ASCPi-MLS",
		"recipients": []map[string]string{recipient("employer", "City Lab", "ex-ver-fail-hr@example.org")}}
	r := s.Do(t, "POST", "/v1/verification-orders", s.Token("ex-ver-fail"), failed)
	var p problem
	if loose(t, r, &p); r.Status != 422 || !p.names("certification", "R-VER-1") {
		t.Errorf("order for a failed-only candidate: %d %s, want 422 naming R-VER-1", r.Status, r.Body)
	}

	createCertificant(t, s, "ex-ver", "Maria", "Santos")
	exam := today.AddDays(-10)
	pass := record(t, s, "ex-ver", exam, true)
	order := map[string]any{"certificantId": "ex-ver", "certification": "ASCPi-MLS", "recipients": []map[string]string{
		recipient("state_board", "State Board of Health", "ex-ver-r1@example.org"),
		recipient("employer", "General Hospital", "ex-ver-r2@example.org"),
		recipient("employer", "Coast Clinic", "ex-ver-r3@example.org"),
	}}
	if r := s.Do(t, "POST", "/v1/verification-orders", s.Token("ex-ver-b"), order); r.Status != 404 {
		t.Errorf("B ordering for A's certification: %d %s, want 404", r.Status, r.Body)
	}
	// R-EXAM-2: while the score is held for missing transcripts the pass
	// earns nothing visible: no order, no certification on the profile but
	// staff's. The score email owed makes it current.
	if r := s.Do(t, "POST", "/v1/verification-orders", s.Token("ex-ver"), order); r.Status != 422 || !decodeProblemNames(t, r, "certification", "R-VER-1") {
		t.Errorf("order while the score is held: %d %s, want 422 naming R-VER-1", r.Status, r.Body)
	}
	if keys := profileKeys(t, s, "ex-ver", s.Token("ex-ver")); len(keys) != 0 {
		t.Errorf("certificant's profile while the score is held lists %v, want nothing", keys)
	}
	if keys := profileKeys(t, s, "ex-ver", staff); !slices.Equal(keys, []string{"ASCPi-MLS"}) {
		t.Errorf("staff's profile while the score is held lists %v, want ASCPi-MLS", keys)
	}
	receiveTranscripts(t, s, "ex-ver", today)
	if res := runJob(t, s, today); res.Failed != 0 {
		t.Fatalf("score emails: %+v", res)
	}
	if keys := profileKeys(t, s, "ex-ver", s.Token("ex-ver")); !slices.Equal(keys, []string{"ASCPi-MLS"}) {
		t.Errorf("profile once the score email is owed lists %v, want ASCPi-MLS", keys)
	}
	first := s.Do(t, "POST", "/v1/verification-orders", s.Token("ex-ver"), order, "Idempotency-Key", "ver-1")
	var placed struct {
		ID  string `json:"id"`
		Fee struct {
			TotalCents int64 `json:"totalCents"`
		} `json:"fee"`
		Recipients []map[string]any `json:"recipients"`
	}
	if loose(t, first, &placed); first.Status != 201 || placed.ID == "" || placed.Fee.TotalCents != 4500 || len(placed.Recipients) != 3 {
		t.Fatalf("3-recipient order: %d %s, want 201 charging 4500", first.Status, first.Body)
	}
	if again := s.Do(t, "POST", "/v1/verification-orders", s.Token("ex-ver"), order, "Idempotency-Key", "ver-1"); again.Status != 201 || string(again.Body) != string(first.Body) {
		t.Errorf("same key, same body: %d %s, want the first answer", again.Status, again.Body)
	}
	// R-PAY-1, R-PAY-2: the order sends nothing until its fee is paid; its
	// answer (a replay too) carries the payment to confirm.
	var due struct {
		Status  string       `json:"status"`
		Payment payment.Info `json:"payment"`
	}
	if loose(t, first, &due); due.Status != verification.StatusAwaitingPayment || due.Payment.Status != payment.RequiresPayment ||
		due.Payment.AmountCents != 4500 || !strings.HasPrefix(due.Payment.ClientSecret, "pi_") {
		t.Fatalf("order before payment: %s, want awaiting_payment with a 4500 payment and its client secret", first.Body)
	}
	mailsTo(t, s, "ex-ver-r", verificationSubject, 0)
	s.Pay(t, placed.ID)
	receipts := payments(t, s, s.Token("ex-ver"), "ex-ver")
	if len(receipts) != 1 || receipts[0].About != placed.ID || receipts[0].Kind != payment.KindVerification ||
		receipts[0].Status != payment.Succeeded || receipts[0].AmountCents != 4500 || receipts[0].PaidAt == "" {
		t.Errorf("receipts after payment: %+v, want the order's 4500 succeeded", receipts)
	}

	// Each recipient gets one email; its link, fetched without a token, shows the record.
	started := exam
	want := map[string]string{"name": "Maria Santos", "certification": "ASCPi-MLS", "number": pass.CertificationNumber,
		"status": "active", "cycleStart": started.String(), "cycleEnd": started.FirstOfMonth().AddMonths(36).EndOfMonth().String()} // R-CYC-1
	links := map[string]bool{}
	table := dynamo.New(s.DynamoDB(), s.TableName)
	for _, m := range mailsTo(t, s, "ex-ver-r", verificationSubject, 3) {
		link := linkPattern.FindString(m.Body.Text)
		if link == "" || !strings.Contains(m.Body.Text, "Maria Santos") {
			t.Errorf("email to %s lacks the link or the name:\n%s", m.Destination.To[0], m.Body.Text)
			continue
		}
		links[link] = true
		u, err := url.Parse(link)
		if err != nil {
			t.Fatalf("link %q: %v", link, err)
		}
		// The token is stored only as its hash.
		token := path.Base(u.Path)
		var stored map[string]any
		hashed, errHashed := table.Get(context.Background(), dynamo.VerificationTokenKey(verification.HashToken(token)), &stored)
		raw, errRaw := table.Get(context.Background(), dynamo.VerificationTokenKey(token), &stored)
		if errHashed != nil || errRaw != nil || !hashed || raw || len(token) < 22 { // 22 base64 characters: 128 bits
			t.Errorf("token of %s: stored hashed %v, raw %v, length %d (%v %v)", m.Destination.To[0], hashed, raw, len(token), errHashed, errRaw)
		}
		r := s.Do(t, "GET", u.Path, "", nil)
		var rec map[string]any
		if loose(t, r, &rec); r.Status != 200 {
			t.Errorf("GET %s: %d %s", u.Path, r.Status, r.Body)
			continue
		}
		keys := make([]string, 0, len(rec))
		for k := range rec {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if got := strings.Join(keys, ","); got != "certification,cycleEnd,cycleStart,name,number,status" {
			t.Errorf("record keys %s, want exactly the R-VER-3 fields", got)
		}
		for k, v := range want {
			if rec[k] != v {
				t.Errorf("record %s = %v, want %q", k, rec[k], v)
			}
		}
	}
	if len(links) != 3 {
		t.Errorf("%d distinct links, want 3", len(links))
	}
	// Once sent, the outbox items keep who and when but not the data, so no
	// plaintext link (token) outlives the email.
	for i := range 3 {
		key := dynamo.OutboxKey(dynamo.OutboxID(verification.Template, placed.ID, strconv.Itoa(i)))
		var item map[string]any
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			if _, err := table.Get(context.Background(), key, &item); err != nil {
				t.Fatal(err)
			}
			if item["sentAt"] != nil || time.Now().After(deadline) {
				break
			}
		}
		if _, kept := item["data"]; kept || item["sentAt"] == nil || item["to"] == nil {
			t.Errorf("outbox item %s after sending: %v, want sentAt and to, no data", key.PK, item)
		}
	}

	for _, token := range []string{verification.NewToken(), "nope"} {
		if r := s.Do(t, "GET", "/v1/verifications/"+token, "", nil); r.Status != 404 {
			t.Errorf("unknown token %q: %d %s, want 404", token, r.Status, r.Body)
		}
	}
}

// profileKeys lists the certification keys of a profile as token reads it.
func profileKeys(t testing.TB, s *stacktest.Stack, id, token string) []string {
	t.Helper()
	var p struct {
		Certifications []struct {
			Key string `json:"key"`
		} `json:"certifications"`
	}
	r := s.Do(t, "GET", "/v1/certificants/"+id, token, nil)
	if loose(t, r, &p); r.Status != 200 {
		t.Fatalf("profile of %s: %d %s", id, r.Status, r.Body)
	}
	keys := []string{}
	for _, c := range p.Certifications {
		keys = append(keys, c.Key)
	}
	return keys
}

func decodeProblemNames(t testing.TB, r *stacktest.Response, field, rule string) bool {
	t.Helper()
	var p problem
	loose(t, r, &p)
	return p.names(field, rule)
}

// R-CYC-8: a certification expired 10 or more years (here since 2015) takes
// no declaration, no inactive status (409 naming R-CYC-8), and a new pass
// in its category restores it: a new cycle from the exam date, its first
// issue and number kept, the profile and a verification record agreeing.
func TestReexaminationRestores(t *testing.T) {
	s := stacktest.Get(t)
	staff := s.Token("staff-1", "staff")
	id := "ex-lapsed"
	createCertificant(t, s, id, "Lina", "Cruz")
	if r := s.Do(t, "POST", "/v1/certificants/"+id+"/certifications", staff, map[string]any{
		"program": "ASCPi", "category": "MLS", "startedOn": "2012-02-01", "number": "LAPSED-1"}); r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	token := s.Token(id)
	if r := s.Do(t, "POST", "/v1/declarations", token, map[string]any{"certificantId": id, "certification": "ASCPi-MLS"}); r.Status != 409 ||
		!decodeProblemNames(t, r, "certification", "R-CYC-8") {
		t.Errorf("declaration for a certification lapsed in 2015: %d %s, want 409 naming R-CYC-8", r.Status, r.Body)
	}
	if r := s.Do(t, "POST", "/v1/certificants/"+id+"/inactive-requests", token, map[string]any{"certification": "ASCPi-MLS",
		"reason": "working abroad", "basis": "other", "documents": []map[string]string{{"fileName": "letter.pdf"}}}); r.Status != 409 ||
		!decodeProblemNames(t, r, "certification", "R-CYC-8") {
		t.Errorf("inactive request for a certification lapsed in 2015: %d %s, want 409 naming R-CYC-8", r.Status, r.Body)
	}
	exam := today.AddDays(-3)
	receiveTranscripts(t, s, id, today.AddDays(-20))
	pass := record(t, s, id, exam, true)
	if pass.CertificationNumber != "LAPSED-1" {
		t.Errorf("pass number %q, want the original LAPSED-1", pass.CertificationNumber)
	}
	var p struct {
		Certifications []map[string]any `json:"certifications"`
	}
	r := s.Do(t, "GET", "/v1/certificants/"+id, token, nil)
	if loose(t, r, &p); r.Status != 200 || len(p.Certifications) != 1 {
		t.Fatalf("profile: %d %s", r.Status, r.Body)
	}
	cycleEnd := exam.FirstOfMonth().AddMonths(36).EndOfMonth().String() // R-CYC-1 from the exam date
	c := p.Certifications[0]
	if c["status"] != "active" || c["cycleStart"] != exam.String() || c["cycleEnd"] != cycleEnd || c["firstIssuedOn"] != "2012-02-01" ||
		c["number"] != "LAPSED-1" || c["credential"] != "MLS(ASCPi)CM" {
		t.Errorf("restored certification %v, want active MLS(ASCPi)CM from %s to %s, first issued 2012-02-01, number LAPSED-1", c, exam, cycleEnd)
	}
	if res := runJob(t, s, today); res.Failed != 0 {
		t.Fatalf("score emails: %+v", res)
	}
	order := map[string]any{"certificantId": id, "certification": "ASCPi-MLS", "recipients": []map[string]string{
		{"kind": "employer", "name": "Metro Lab", "email": "ex-lapsed-hr@example.org"}}}
	r = s.Do(t, "POST", "/v1/verification-orders", token, order)
	var placed struct{ ID string }
	if loose(t, r, &placed); r.Status != 201 {
		t.Fatalf("order: %d %s", r.Status, r.Body)
	}
	s.Pay(t, placed.ID) // R-PAY-1: sent once paid
	m := mailsTo(t, s, "ex-lapsed-hr", verificationSubject, 1)[0]
	u, err := url.Parse(linkPattern.FindString(m.Body.Text))
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	r = s.Do(t, "GET", u.Path, "", nil)
	if loose(t, r, &rec); r.Status != 200 || rec["status"] != "active" ||
		rec["cycleStart"] != exam.String() || rec["cycleEnd"] != cycleEnd || rec["number"] != "LAPSED-1" {
		t.Errorf("verification record %v, want the restored cycle", rec)
	}
}

// Staff-only and self-only routes (api.md): a certificant recording an attempt
// is forbidden; receiving transcripts for nobody is not found.
func TestExamAuthorization(t *testing.T) {
	s := stacktest.Get(t)
	createCertificant(t, s, "ex-auth", "Joy", "Reyes")
	tests := []struct {
		name, method, path, token string
		body                      any
		status                    int
	}{
		{"certificant records an attempt", "POST", "/v1/exam-attempts", s.Token("ex-auth"), attemptBody("ex-auth", today, true), 403},
		{"no token", "POST", "/v1/exam-attempts", "", attemptBody("ex-auth", today, true), 401},
		{"certificant releases transcripts", "POST", "/v1/certificants/ex-auth/transcripts-received", s.Token("ex-auth"), map[string]string{"receivedOn": today.String()}, 403},
		{"unknown field", "POST", "/v1/exam-attempts", s.Token("staff-1", "staff"), map[string]any{"certificantId": "ex-auth", "grade": "A"}, 400},
		{"attempt for nobody", "POST", "/v1/exam-attempts", s.Token("staff-1", "staff"), attemptBody("ex-nobody", today, true), 404},
	}
	for _, tc := range tests {
		if r := s.Do(t, tc.method, tc.path, tc.token, tc.body); r.Status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, r.Status, r.Body, tc.status)
		}
	}
}

// R-EXAM-3: the certification report lists a published international pass
// by exam date, leaves out a candidate who opted out at least 10 days
// before the exam, and refuses a range whose from is after its to (422,
// listed in openapi.yaml) or that is not dates (400).
func TestCertificationReport(t *testing.T) {
	s := stacktest.Get(t)
	staff := s.Token("staff-1", "staff")
	examDate := today.AddDays(-40)
	createCertificant(t, s, "c-report-pub", "Lia", "Santos")
	createCertificant(t, s, "c-report-out", "Noel", "Cruz")
	pub := record(t, s, "c-report-pub", examDate, true)
	optOut := attemptBody("c-report-out", examDate, true)
	optOut["publicationOptOutOn"] = examDate.AddDays(-10).String()
	r := s.Do(t, "POST", "/v1/exam-attempts", staff, optOut)
	if r.Status != 201 {
		t.Fatalf("record opted-out attempt: %d %s", r.Status, r.Body)
	}
	var out attempt
	loose(t, r, &out)

	day := examDate.String()
	r = s.Do(t, "GET", "/v1/certification-report?from="+day+"&to="+day, staff, nil)
	var rep struct {
		Entries []struct {
			Name, Number string
		} `json:"entries"`
	}
	if loose(t, r, &rep); r.Status != 200 {
		t.Fatalf("report: %d %s", r.Status, r.Body)
	}
	var sawPub, sawOut bool
	for _, e := range rep.Entries {
		sawPub = sawPub || (e.Number == pub.CertificationNumber && pub.CertificationNumber != "")
		sawOut = sawOut || e.Number == out.CertificationNumber
	}
	if !sawPub || sawOut {
		t.Errorf("report %s: published pass listed %v (want true), opted-out pass listed %v (want false)", r.Body, sawPub, sawOut)
	}

	for _, tc := range []struct {
		query  string
		status int
		field  string
	}{
		{"from=" + day + "&to=" + examDate.AddDays(-1).String(), 422, "from"},
		{"from=yesterday&to=" + day, 400, "from"},
	} {
		r := s.Do(t, "GET", "/v1/certification-report?"+tc.query, staff, nil)
		var p problem
		if loose(t, r, &p); r.Status != tc.status || len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
			t.Errorf("report?%s: %d %s, want %d naming %s", tc.query, r.Status, r.Body, tc.status, tc.field)
		}
	}
}

// payments lists a certificant's receipts as token reads them (R-PAY-5).
func payments(t testing.TB, s *stacktest.Stack, token, id string) []payment.Receipt {
	t.Helper()
	r := s.Do(t, "GET", "/v1/certificants/"+id+"/payments", token, nil)
	var v struct {
		Payments []payment.Receipt `json:"payments"`
	}
	if loose(t, r, &v); r.Status != 200 {
		t.Fatalf("payments of %s: %d %s", id, r.Status, r.Body)
	}
	return v.Payments
}

// R-PAY-4: a verification order, a score review and an inactive status
// request unpaid 24 hours after they were placed are cancelled by the daily
// job (replayed for its day: once), the certificant told, nothing sent to
// the order's recipient, the attempt and the certification free for a new
// review and request; a payment arriving later is flagged for a refund,
// never applied.
func TestUnpaidOrderReviewRequestCancelled(t *testing.T) {
	s := stacktest.Get(t)
	const id = "ex-ver-unpaid"
	createCertificant(t, s, id, "Rosa", "Lim")
	pass := record(t, s, id, today.AddDays(-10), true)
	receiveTranscripts(t, s, id, today)
	if res := runJob(t, s, today); res.Failed != 0 {
		t.Fatalf("score emails: %+v", res)
	}
	order := map[string]any{"certificantId": id, "certification": "ASCPi-MLS", "recipients": []map[string]string{
		{"kind": "employer", "name": "Bay Lab", "email": id + "-hr@example.org"}}}
	r := s.Do(t, "POST", "/v1/verification-orders", s.Token(id), order)
	var placed struct{ ID string }
	if loose(t, r, &placed); r.Status != 201 {
		t.Fatalf("order: %d %s", r.Status, r.Body)
	}
	review := s.Do(t, "POST", "/v1/score-reviews", s.Token(id), map[string]string{"attemptId": pass.ID})
	var rev struct{ ID string }
	if loose(t, review, &rev); review.Status != 201 {
		t.Fatalf("review: %d %s", review.Status, review.Body)
	}
	inactiveRequest := func() *stacktest.Response {
		return s.Do(t, "POST", "/v1/certificants/"+id+"/inactive-requests", s.Token(id), map[string]any{"certification": "ASCPi-MLS",
			"reason": "serious illness", "basis": "illness", "documents": []map[string]string{{"fileName": "letter.pdf"}}})
	}
	ir := inactiveRequest()
	var req struct{ ID, Status string }
	if loose(t, ir, &req); ir.Status != 201 || req.Status != "awaiting_payment" {
		t.Fatalf("inactive request: %d %s, want 201 awaiting_payment", ir.Status, ir.Body)
	}
	pay := s.Payment(t, placed.ID)
	created, err := time.Parse(time.RFC3339, pay.CreatedAt)
	if err != nil {
		t.Fatal(err)
	}
	job := func(day civil.Date) (rep struct{ Cancelled int }) {
		const fn = "DeclarationDeadlinesFunction"
		if err := json.Unmarshal(s.Invoke(t, fn, s.ScheduledEvent(t, fn, day.Time())), &rep); err != nil {
			t.Fatal(err)
		}
		return rep
	}
	cancelOn := payment.CancelOn(created)
	if rep := job(cancelOn.AddDays(-1)); rep.Cancelled != 0 {
		t.Errorf("the day before: %+v, want nothing cancelled", rep)
	}
	if got := s.Payment(t, placed.ID); got.Status != payment.RequiresPayment {
		t.Fatalf("before its day: %s", got.Status)
	}
	// Other tests' unpaid things share the day: at least this order.
	if rep := job(cancelOn); rep.Cancelled < 1 {
		t.Errorf("its day: %+v, want the order cancelled", rep)
	}
	if rep := job(cancelOn); rep.Cancelled != 0 {
		t.Errorf("its day replayed: %+v, want nothing more", rep)
	}
	for _, about := range []string{placed.ID, rev.ID, req.ID} {
		if got := s.Payment(t, about); got.Status != payment.Cancelled {
			t.Errorf("payment of %s: %s, want cancelled", about, got.Status)
		}
	}
	m := mailsTo(t, s, id+"@", "verification order: cancelled, not paid", 1)[0]
	if !strings.Contains(m.Body.Text, placed.ID) || !strings.Contains(m.Body.Text, "15.00 USD") {
		t.Errorf("cancel email lacks the order and its fee:\n%s", m.Body.Text)
	}
	m = mailsTo(t, s, id+"@", "score review: cancelled, not paid", 1)[0]
	if !strings.Contains(m.Body.Text, rev.ID) || !strings.Contains(m.Body.Text, "25.00 USD") {
		t.Errorf("cancel email lacks the review and its fee:\n%s", m.Body.Text)
	}
	if again := s.Do(t, "POST", "/v1/score-reviews", s.Token(id), map[string]string{"attemptId": pass.ID}); again.Status != 201 {
		t.Errorf("new review after the cancel: %d %s, want 201 (the attempt released)", again.Status, again.Body)
	}
	mailsTo(t, s, id+"@", "inactive status request: cancelled, not paid", 1)
	mailsTo(t, s, id+"@", "Inactive status request received", 0)
	if again := inactiveRequest(); again.Status != 201 {
		t.Errorf("new inactive request after the cancel: %d %s, want 201 (the open request freed)", again.Status, again.Body)
	}
	body, sig := s.StripeEvent("evt_ver_late", payment.EventSucceeded, stripelocal.IntentOf(pay), time.Now())
	if r := s.Webhook(t, body, sig); r.Status != 200 || !strings.Contains(string(r.Body), `"outcome":"flagged"`) {
		t.Errorf("late payment: %d %s, want 200 flagged", r.Status, r.Body)
	}
	if got := s.Payment(t, placed.ID); got.Status != payment.RefundDue {
		t.Errorf("late payment: %s, want refund_due", got.Status)
	}
	mailsTo(t, s, id+"-hr", verificationSubject, 0)
}

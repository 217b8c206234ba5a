package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boc/cmp/infra/local/stacktest"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/mail/mailtest"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/reminders"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

const fn = "CmpRemindersFunction"

// cert is a certification seeded straight into the table as certificants
// registers it (NewCertificationItem: the recipient on the item, the sparse
// ByDate key on the expiration), for states the API cannot make.
type cert struct {
	certificant, key, status string
	end                      string // cycleEnd
}

func seed(t testing.TB, table *dynamo.Table, given string, certs ...cert) {
	t.Helper()
	ctx := context.Background()
	for _, c := range certs {
		p := partition.ProfileItem{Key: dynamo.ProfileKey(c.certificant), Type: "certificant", ID: c.certificant,
			Given: given, Family: "Tester", Email: c.certificant + "@example.org"}
		put(t, ctx, table, p)
		category := strings.TrimPrefix(c.key, "ASCPi-")
		put(t, ctx, table, partition.NewCertificationItem(c.certificant, p, partition.Certification{
			Key: c.key, Program: "ASCPi", Category: category, Status: c.status, CMPRequired: true,
			CycleEnd: c.end, Credential: category + "(ASCPi)CM"}))
	}
}

func put(t testing.TB, ctx context.Context, table *dynamo.Table, item any) {
	t.Helper()
	w, err := dynamo.Put("seed", item, dynamo.Condition{})
	if err == nil {
		err = table.Apply(ctx, w)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, s *stacktest.Stack, day string) reminders.Report {
	t.Helper()
	d := civil.MustParse(day)
	var rep reminders.Report
	if err := json.Unmarshal(s.Invoke(t, fn, s.ScheduledEvent(t, fn, d.Time())), &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

// mailsTo waits until want messages reached recipients with the prefix, then
// a little longer to catch extras, and returns them.
func mailsTo(t *testing.T, s *stacktest.Stack, prefix string, want int) []stacktest.Mail {
	t.Helper()
	var got []stacktest.Mail
	deadline := time.Now().Add(30 * time.Second)
	for {
		got = got[:0]
		for _, m := range s.Mail(t) {
			if len(m.Destination.To) == 1 && strings.HasPrefix(m.Destination.To[0], prefix) {
				got = append(got, m)
			}
		}
		if len(got) >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // the sender is asynchronous: give a duplicate time to show
	final := got[:0]
	for _, m := range s.Mail(t) {
		if len(m.Destination.To) == 1 && strings.HasPrefix(m.Destination.To[0], prefix) {
			final = append(final, m)
		}
	}
	if len(final) != want {
		t.Fatalf("%d mails to %s*, want %d", len(final), prefix, want)
	}
	return final
}

// R-REM-1, R-CYC-7: the 90-day run reminds the due, active cycles once, with
// the window dates; inactive, renewed and otherwise-dated ones get nothing;
// a second run and two parallel runs owe nothing more. One certification is
// registered through the API, so the sweep reads the item certificants
// really writes.
func TestNinetyDayReminderOnce(t *testing.T) {
	s := stacktest.Get(t)
	table := dynamo.New(s.DynamoDB(), s.TableName)
	staff := s.Token("staff-1", "staff")
	if r := s.Do(t, "POST", "/v1/certificants", staff, map[string]any{"id": "reg90-a",
		"name": map[string]string{"given": "Reg", "family": "Tester"}, "email": "reg90-a@example.org", "country": "PH"}); r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	// Started in January 2022: the cycle ends 2025-01-31 (R-CYC-1).
	if r := s.Do(t, "POST", "/v1/certificants/reg90-a/certifications", staff,
		map[string]any{"program": "ASCPi", "category": "MLS", "startedOn": "2022-01-15"}); r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	seed(t, table, "Ada",
		cert{"n90-a", "ASCPi-MLS", "active", "2025-01-31"},
		cert{"n90-b", "ASCPi-MLS", "active", "2025-01-31"},
		cert{"n90-b", "ASCPi-SBB", "active", "2025-01-31"},
		cert{"n90-inactive", "ASCPi-MLS", "inactive", "2025-01-31"},
		cert{"n90-renewed", "ASCPi-MLS", "active", "2028-01-31"},
		cert{"n90-later", "ASCPi-H", "active", "2025-02-28"},
	)
	rep := run(t, s, "2024-11-02")
	if rep.Owed != 4 || rep.Skipped != 1 || rep.ProfileRead != 0 {
		t.Errorf("first run %+v: want 4 owed, 1 skipped (inactive), no profile read", rep)
	}
	var wg sync.WaitGroup
	for range 3 { // a rerun and two overlapping runs
		wg.Go(func() {
			if r := run(t, s, "2024-11-02"); r.Owed != 0 {
				t.Errorf("repeated run owed %d", r.Owed)
			}
		})
	}
	wg.Wait()
	mails := mailsTo(t, s, "n90-", 3)
	perRecipient := map[string]int{}
	for _, m := range mails {
		perRecipient[m.Destination.To[0]]++
		if !strings.Contains(m.Subject, "submission window is open") || !strings.Contains(m.Body.Text, "Dear Ada") ||
			!strings.Contains(m.Body.Text, "2024-10-31") || !strings.Contains(m.Body.Text, "2025-01-31") {
			t.Errorf("to %s: %q lacks the open window and its dates:\n%s", m.Destination.To[0], m.Subject, m.Body.Text)
		}
	}
	if perRecipient["n90-a@example.org"] != 1 || perRecipient["n90-b@example.org"] != 2 {
		t.Errorf("mails per recipient %v: want a once, b twice (MLS and SBB)", perRecipient)
	}
	reminded := 0
	for _, m := range mailsTo(t, s, "reg90-", 2) { // the welcome and the reminder
		if strings.Contains(m.Subject, "submission window is open") {
			reminded++
			if !strings.Contains(m.Body.Text, "Dear Reg") || !strings.Contains(m.Body.Text, "MLS(ASCPi)") {
				t.Errorf("registered certificant's reminder lacks the given name or credential:\n%s", m.Body.Text)
			}
		}
	}
	if reminded != 1 {
		t.Errorf("registered certificant got %d reminders, want 1", reminded)
	}
}

// R-REM-1, R-FEE-1, R-FEE-3: the day after expiration explains reinstatement
// and its fee from the schedule.
func TestDayAfterReminder(t *testing.T) {
	s := stacktest.Get(t)
	seed(t, dynamo.New(s.DynamoDB(), s.TableName), "Bo", cert{"exp1-a", "ASCPi-C", "active", "2025-03-31"})
	run(t, s, "2025-04-01")
	m := mailsTo(t, s, "exp1-", 1)[0]
	for _, want := range []string{"expired on 2025-03-31", "95.00", "125.00", "220.00 USD", "reinstate"} {
		if !strings.Contains(m.Subject+m.Body.Text, want) {
			t.Errorf("day-after mail lacks %q:\n%s\n%s", want, m.Subject, m.Body.Text)
		}
	}
}

// R-REM-1: the day after expiration, a certificant whose declaration was
// submitted in time and still waits for its decision gets the "still being
// processed" email (no reinstatement fee is due), not the reinstatement one;
// a declaration submitted after the expiration (a reinstatement) does not
// count. Seeded as submission writes them: the pending marker naming the
// declaration, and the declaration with its submission instant.
func TestDayAfterWhileProcessing(t *testing.T) {
	s := stacktest.Get(t)
	table := dynamo.New(s.DynamoDB(), s.TableName)
	seed(t, table, "Cy", cert{"proc1-timely", "ASCPi-MLS", "active", "2025-05-31"}, cert{"proc1-late", "ASCPi-MLS", "active", "2025-05-31"},
		cert{"proc1-unpaid", "ASCPi-MLS", "active", "2025-05-31"})
	ctx := context.Background()
	pending := func(certificant, declID, submittedAt string, status ...string) {
		put(t, ctx, table, map[string]any{"pk": dynamo.PendingKey(certificant, "ASCPi-MLS").PK, "sk": dynamo.PendingKey(certificant, "ASCPi-MLS").SK,
			"type": "pending", "declarationId": declID, "certification": "ASCPi-MLS"})
		k := dynamo.DeclarationKey(certificant, declID)
		item := map[string]any{"pk": k.PK, "sk": k.SK, "type": "declaration", "id": declID, "submittedAt": submittedAt}
		if len(status) > 0 {
			item["status"] = status[0]
		}
		put(t, ctx, table, item)
	}
	pending("proc1-timely", "D-TIMELY", "2025-05-20T15:00:00Z")
	pending("proc1-late", "D-LATE", "2025-06-01T14:00:00Z") // a reinstatement, submitted after the expiration
	// Created in time but its fee never paid (R-PAY-1): not submitted.
	pending("proc1-unpaid", "D-UNPAID", "2025-05-20T15:00:00Z", "awaiting_payment")
	run(t, s, "2025-06-01")
	byTo := map[string]stacktest.Mail{}
	for _, m := range mailsTo(t, s, "proc1-", 3) {
		byTo[m.Destination.To[0]] = m
	}
	timely, late := byTo["proc1-timely@example.org"], byTo["proc1-late@example.org"]
	if unpaid := byTo["proc1-unpaid@example.org"]; !strings.Contains(unpaid.Body.Text, "125.00") || strings.Contains(unpaid.Subject, "processed") {
		t.Errorf("unpaid declaration's day-after mail: %q\n%s", unpaid.Subject, unpaid.Body.Text)
	}
	if !strings.Contains(timely.Subject, "still being processed") || !strings.Contains(timely.Body.Text, "no reinstatement fee is due") ||
		strings.Contains(timely.Body.Text, "125.00") || !strings.Contains(timely.Body.Text, "2025-05-31") {
		t.Errorf("timely declaration's day-after mail: %q\n%s", timely.Subject, timely.Body.Text)
	}
	if !strings.Contains(late.Body.Text, "125.00") || strings.Contains(late.Subject, "processed") {
		t.Errorf("late declaration's day-after mail: %q\n%s", late.Subject, late.Body.Text)
	}
	for _, m := range []stacktest.Mail{timely, late} {
		if d := mailtest.Debris(m.Subject + "\n" + m.Body.Text); len(d) > 0 {
			t.Errorf("mail to %s carries %v", m.Destination.To[0], d)
		}
	}
}

// failingStore makes every outbox write after the first n fail, as a process
// dying mid-run would leave things.
type failingStore struct {
	reminders.Store
	mu sync.Mutex
	n  int
}

func (f *failingStore) Owe(ctx context.Context, e reminders.Email, to string) (bool, error) {
	f.mu.Lock()
	f.n--
	stop := f.n < 0
	f.mu.Unlock()
	if stop {
		return false, errors.New("crashed")
	}
	return f.Store.Owe(ctx, e, to)
}

// R-REM-1: a run that dies halfway, rerun by the scheduler, completes the set
// and sends nothing twice.
func TestCrashHalfwayThenRerun(t *testing.T) {
	s := stacktest.Get(t)
	table := dynamo.New(s.DynamoDB(), s.TableName)
	var certs []cert
	for _, id := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		certs = append(certs, cert{"crash-" + id, "ASCPi-MLS", "active", "2025-07-31"})
	}
	seed(t, table, "Cy", certs...)
	today := civil.MustParse("2025-07-01") // 30 days before
	store := &failingStore{Store: reminders.NewTableStore(table, time.Now), n: 4}
	half := reminders.NewSweeper(store, []int{30}, fees.DefaultTariff(), 2, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if rep, err := half.Run(context.Background(), today); err == nil || rep.Owed != 4 {
		t.Fatalf("crashing run: %+v, %v; want 4 owed and an error", rep, err)
	}
	if rep := run(t, s, "2025-07-01"); rep.Owed != 6 || rep.AlreadyOwed != 4 {
		t.Errorf("rerun %+v: want the 6 remaining owed, 4 already owed", rep)
	}
	seen := map[string]bool{}
	for _, m := range mailsTo(t, s, "crash-", 10) {
		seen[m.Destination.To[0]] = true
	}
	if len(seen) != 10 {
		t.Errorf("%d distinct recipients, want 10", len(seen))
	}
}

// Issue 7 fault test, R-REM-1: with 30% of SES calls failing (a 429 and five
// 500s in every twenty, consecutive, so the sender's attempts at one message
// run out and the stream retries the record), every due reminder arrives
// exactly once.
// The proxy fails calls before they reach SES, so a duplicate could only come
// from the sweep or the outbox owing or sending a reminder twice.
func TestSESFaultsEveryReminderOnce(t *testing.T) {
	s := stacktest.Get(t)
	var calls, failed atomic.Int64
	s.MailFaults(t, func(n int) int {
		calls.Add(1)
		switch k := n % 20; {
		case k == 0:
			failed.Add(1)
			return http.StatusTooManyRequests
		case k < 6:
			failed.Add(1)
			return http.StatusInternalServerError
		}
		return 0
	})
	const due = 20
	var certs []cert
	for i := range due {
		certs = append(certs, cert{fmt.Sprintf("flaky-%02d", i), "ASCPi-MLS", "active", "2025-09-30"})
	}
	table := dynamo.New(s.DynamoDB(), s.TableName)
	seed(t, table, "Fay", certs...)
	start := time.Now()
	if rep := run(t, s, "2025-08-31"); rep.Owed != due { // 30 days before
		t.Fatalf("run %+v: want %d owed", rep, due)
	}
	perRecipient := map[string]int{}
	for _, m := range mailsTo(t, s, "flaky-", due) {
		perRecipient[m.Destination.To[0]]++
	}
	for _, c := range certs {
		if n := perRecipient[c.certificant+"@example.org"]; n != 1 {
			t.Errorf("%s got %d reminders, want 1", c.certificant, n)
		}
	}
	if failed.Load() < due*3/10 {
		t.Errorf("only %d of %d SES calls failed: the fault injection did not bite", failed.Load(), calls.Load())
	}
	// The sender counts one attempt per delivery of a record: more than one
	// shows the stream redelivered it after the sender's own retries ran out.
	redelivered := 0
	for _, c := range certs {
		var item dynamo.OutboxItem
		key := dynamo.OutboxKey(dynamo.OutboxID("cmp-reminder", c.certificant, c.key, c.end, "30"))
		if found, err := table.Get(context.Background(), key, &item); err != nil || !found || item.SentAt == "" {
			t.Fatalf("outbox item of %s: found %v, sent %q, err %v", c.certificant, found, item.SentAt, err)
		}
		if item.Attempts > 1 {
			redelivered++
		}
	}
	if redelivered == 0 {
		t.Error("no record was redelivered by the stream: the test did not reach the stream's retries")
	}
	if dl := s.DeadLetters("MailSenderFunction"); len(dl) != 0 {
		t.Errorf("%d records dead-lettered", len(dl))
	}
	t.Logf("%d reminders delivered once each in %v through %d SES calls, %d failed; %d records redelivered by the stream", due,
		time.Since(start).Round(time.Millisecond), calls.Load(), failed.Load(), redelivered)
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boc/cmp/infra/local/stacktest"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/reminders"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

const fn = "CmpRemindersFunction"

// cert is a certification seeded straight into the table, shaped as
// patterns.go describes (sparse ByDate key on the expiration).
type cert struct {
	certificant, key, status string
	end                      string // cycleEnd
}

func seed(t testing.TB, table *dynamo.Table, given string, certs ...cert) {
	t.Helper()
	ctx := context.Background()
	profiles := map[string]bool{}
	for _, c := range certs {
		if !profiles[c.certificant] {
			profiles[c.certificant] = true
			put(t, ctx, table, map[string]any{"pk": dynamo.CertificantPK(c.certificant), "sk": "PROFILE", "type": "certificant",
				"id": c.certificant, "given": given, "family": "Tester", "email": c.certificant + "@example.org"})
		}
		k := dynamo.CertificationKey(c.certificant, c.key)
		put(t, ctx, table, map[string]any{"pk": k.PK, "sk": k.SK, "type": "certification", "key": c.key,
			"status": c.status, "cmpRequired": true, "cycleEnd": c.end, "credential": strings.TrimPrefix(c.key, "ASCPi-") + "(ASCPi)CM",
			"datePk": dynamo.DatePK("EXP", c.end, c.certificant+"#"+c.key), "dateSk": c.certificant + "#" + c.key})
	}
}

func put(t testing.TB, ctx context.Context, table *dynamo.Table, item map[string]any) {
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
// a second run and two parallel runs owe nothing more.
func TestNinetyDayReminderOnce(t *testing.T) {
	s := stacktest.Get(t)
	table := dynamo.New(s.DynamoDB(), s.TableName)
	seed(t, table, "Ada",
		cert{"n90-a", "ASCPi-MLS", "active", "2025-01-31"},
		cert{"n90-b", "ASCPi-MLS", "active", "2025-01-31"},
		cert{"n90-b", "ASCPi-SBB", "active", "2025-01-31"},
		cert{"n90-inactive", "ASCPi-MLS", "inactive", "2025-01-31"},
		cert{"n90-renewed", "ASCPi-MLS", "active", "2028-01-31"},
		cert{"n90-later", "ASCPi-H", "active", "2025-02-28"},
	)
	rep := run(t, s, "2024-11-02")
	if rep.Owed != 3 || rep.Skipped != 1 {
		t.Errorf("first run %+v: want 3 owed, 1 skipped (inactive)", rep)
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
		if !strings.Contains(m.Subject, "submission window is open") ||
			!strings.Contains(m.Body.Text, "2024-10-31") || !strings.Contains(m.Body.Text, "2025-01-31") {
			t.Errorf("to %s: %q lacks the open window and its dates:\n%s", m.Destination.To[0], m.Subject, m.Body.Text)
		}
	}
	if perRecipient["n90-a@example.org"] != 1 || perRecipient["n90-b@example.org"] != 2 {
		t.Errorf("mails per recipient %v: want a once, b twice (MLS and SBB)", perRecipient)
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
	half := reminders.NewSweeper(store, []int{30}, fees.DefaultSchedule(), 2, slog.New(slog.NewJSONHandler(io.Discard, nil)))
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

package exams

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/boc/cmp/internal/mail/mailtest"
	"github.com/boc/cmp/internal/partition"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/httpapi"
)

var d = civil.MustParse

func TestRules(t *testing.T) {
	// R-EXAM-2: 20 business days, skipping weekends and Presidents' Day 2025-02-17.
	if got := ScoreDueBy(d("2025-02-03")); got != d("2025-03-04") {
		t.Errorf("ScoreDueBy = %s, want 2025-03-04", got)
	}
	// R-EXAM-4: day 30 after receipt is the last.
	if got := ReviewOpenUntil(d("2025-03-04")); got != d("2025-04-03") {
		t.Errorf("ReviewOpenUntil = %s", got)
	}
	// R-EXAM-3
	pub := []struct {
		program   string
		exam, opt string
		want      bool
	}{
		{"ASCPi", "2025-03-20", "", true},
		{"ASCPi", "2025-03-20", "2025-03-10", false}, // exactly 10 days before
		{"ASCPi", "2025-03-20", "2025-03-11", true},  // 9 days before: too late
		{"ASCP", "2025-03-20", "", false},            // only international certificants
	}
	for _, c := range pub {
		var opt civil.Date
		if c.opt != "" {
			opt = d(c.opt)
		}
		if got := Published(c.program, d(c.exam), opt); got != c.want {
			t.Errorf("R-EXAM-3 Published(%s, %s, %q) = %v", c.program, c.exam, c.opt, got)
		}
	}
	// R-EXAM-1: the fifth failure ends eligibility under the route.
	if r := RetestingAfter(4, "ASCPi-MLS", "1"); !r.Eligible || r.AttemptsLeft != 1 {
		t.Errorf("after 4: %+v", r)
	}
	if r := RetestingAfter(5, "ASCPi-MLS", "1"); r.Eligible || r.AttemptsLeft != 0 {
		t.Errorf("after 5: %+v", r)
	}
}

func TestAttemptID(t *testing.T) {
	id := AttemptID("ASCPi-CTgyn", "route-2", 3)
	if c, r, n, ok := ParseAttemptID(id); !ok || c != "ASCPi-CTgyn" || r != "route-2" || n != 3 {
		t.Errorf("round trip of %s: %s %s %d %v", id, c, r, n, ok)
	}
	for _, bad := range []string{"", "ASCPi-MLS.1", "ASCPi-MLS.1.6", "ASCPi-MLS.1.0", "ascpi-mls.1.1", "ASCPi-XX.1.1", "ASCPi-MLS.a/b.1", "ASCPi-MLS.1.1.1"} {
		if _, _, _, ok := ParseAttemptID(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

// memStore enforces the conditional puts the table enforces.
type memStore struct {
	mu          sync.Mutex
	attempts    map[string]Attempt // by certificant + id
	transcripts map[string]civil.Date
	emails      []Email
	earned      []Earned // registrations written with passes
}

func newMem() *memStore {
	return &memStore{attempts: map[string]Attempt{}, transcripts: map[string]civil.Date{}}
}

func (m *memStore) Attempts(_ context.Context, cid, key, route string) ([]Attempt, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Attempt
	for _, a := range m.attempts {
		if a.CertificantID == cid && a.Certification == key && a.Route == route {
			out = append(out, a)
		}
	}
	return out, nil
}
func (m *memStore) AddAttempt(_ context.Context, a Attempt, earned *Earned) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.attempts[a.CertificantID+a.ID]; ok {
		return ErrTaken
	}
	if earned != nil {
		m.earned = append(m.earned, *earned)
	}
	m.attempts[a.CertificantID+a.ID] = a
	return nil
}
func (m *memStore) Attempt(_ context.Context, cid, id string) (Attempt, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.attempts[cid+id]
	return a, ok, nil
}
func (m *memStore) TranscriptsReceived(_ context.Context, cid string) (civil.Date, bool, error) {
	on, ok := m.transcripts[cid]
	return on, ok, nil
}
func (m *memStore) ReceiveTranscripts(_ context.Context, cid string, on civil.Date) ([]Attempt, error) {
	m.transcripts[cid] = on
	return nil, nil
}
func (m *memStore) Unsent(context.Context) ([]Attempt, error) {
	var out []Attempt
	for _, a := range m.attempts {
		if a.ScoreStatus != ScoreSent {
			out = append(out, a)
		}
	}
	return out, nil
}
func (m *memStore) MarkSent(_ context.Context, a Attempt, on civil.Date, e Email) error {
	k := a.CertificantID + a.ID
	if m.attempts[k].ScoreStatus == ScoreSent {
		return ErrTaken
	}
	a.ScoreStatus, a.ScoreSentOn = ScoreSent, on
	m.attempts[k] = a
	m.emails = append(m.emails, e)
	return nil
}
func (m *memStore) Published(context.Context, civil.Date, civil.Date) ([]Attempt, error) {
	return nil, nil
}

type profiles map[string]partition.Profile

func (p profiles) Profile(_ context.Context, id string) (partition.Profile, bool, error) {
	v, ok := p[id]
	return v, ok, nil
}

func setup(now time.Time) (*Service, *memStore) {
	store := newMem()
	ps := profiles{"c1": {ID: "c1", Name: partition.Name{Given: "Ana", Family: "Cruz"}, Email: "ana@example.org",
		Certifications: []partition.Certification{{Key: "ASCPi-MLS", Number: "N-1"}}}}
	clock := func() time.Time { return now }
	return NewService(store, ps, fees.DefaultTariff(), clock), store
}

func attempt(passed bool) NewAttempt {
	score := 350
	return NewAttempt{CertificantID: "c1", Program: "ASCPi", Category: "MLS", Route: "1", ExamDate: d("2025-02-03"), ScaledScore: &score, Passed: &passed}
}

// R-EXAM-1: of 10 parallel recordings exactly 5 win; the rest are refused.
func TestRecordAtMostFiveInParallel(t *testing.T) {
	svc, store := setup(time.Date(2025, 2, 4, 15, 0, 0, 0, time.UTC))
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Go(func() { _, errs[i] = svc.Record(context.Background(), attempt(false)) })
	}
	wg.Wait()
	refused := 0
	for _, err := range errs {
		switch {
		case errors.Is(err, ErrNoAttemptsLeft):
			refused++
		case err != nil:
			t.Fatal(err)
		}
	}
	if refused != 5 || len(store.attempts) != 5 {
		t.Errorf("refused %d, stored %d; want 5 and 5", refused, len(store.attempts))
	}
	if _, err := svc.Record(context.Background(), attempt(true)); !errors.Is(err, ErrNoAttemptsLeft) {
		t.Errorf("6th attempt: %v", err)
	}
}

// R-EXAM-2: held until transcripts, then sent once; pass carries the number,
// fail the re-testing information; past due is counted.
func TestSendScores(t *testing.T) {
	svc, store := setup(time.Date(2025, 2, 4, 15, 0, 0, 0, time.UTC))
	ctx, log := context.Background(), httpapi.NewLogger(&bytes.Buffer{})
	if _, err := svc.Record(ctx, attempt(false)); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Record(ctx, attempt(true)); err != nil || len(store.earned) != 1 || !store.earned[0].Held {
		t.Fatalf("pass of a held certification: %v, registrations %+v", err, store.earned)
	}
	res, _ := svc.SendScores(ctx, d("2025-03-05"), log) // one day past due
	if res.Sent != 0 || res.Held != 2 || res.HeldPastDue != 2 {
		t.Errorf("without transcripts: %+v", res)
	}
	if _, err := svc.ReceiveTranscripts(ctx, "c1", d("2025-02-04")); err != nil {
		t.Fatal(err)
	}
	res, _ = svc.SendScores(ctx, d("2025-03-05"), log)
	if res.Sent != 2 || res.SentLate != 2 {
		t.Errorf("with transcripts: %+v", res)
	}
	if res, _ = svc.SendScores(ctx, d("2025-03-05"), log); res.Sent != 0 || len(store.emails) != 2 {
		t.Errorf("rerun sent %d (emails %d)", res.Sent, len(store.emails))
	}
	for _, e := range store.emails {
		// Both score emails render without debris (%!, <no value>, empty dates).
		mailtest.Render(t, e.Template, e.Data)
		switch e.Template {
		case PassTemplate:
			if e.Data["number"] != "N-1" {
				t.Errorf("pass email without number: %v", e.Data)
			}
		case FailTemplate:
			if e.Data["attemptsLeft"] != "4" || e.Data["retesting"] == "" {
				t.Errorf("fail email without re-testing: %v", e.Data)
			}
		}
	}
}

// R-EXAM-4: a review within 30 days of receipt, not before receipt or after.
func TestReviewWindow(t *testing.T) {
	ctx := context.Background()
	at := func(day string) time.Time {
		c := d(day)
		return time.Date(c.Year, c.Month, c.Day, 12, 0, 0, 0, calendar.Zone)
	}
	cases := []struct {
		day     string
		receive bool
		want    error
	}{
		{"2025-03-04", false, ErrScoreNotReceived},
		{"2025-04-03", true, nil},
		{"2025-04-04", true, ErrReviewClosed},
	}
	for _, c := range cases {
		svc, _ := setup(time.Date(2025, 2, 4, 15, 0, 0, 0, time.UTC))
		a, err := svc.Record(ctx, attempt(false))
		if err != nil {
			t.Fatal(err)
		}
		if c.receive {
			_, _ = svc.ReceiveTranscripts(ctx, "c1", d("2025-02-04"))
			_, _ = svc.SendScores(ctx, d("2025-03-04"), httpapi.NewLogger(&bytes.Buffer{}))
		}
		svc.now = func() time.Time { return at(c.day) }
		r, err := svc.RequestReview(ctx, "c1", a.ID)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.day, err, c.want)
		}
		if err == nil && (r.Fee.TotalCents != 2500 || r.Fee.Lines[0].Rule != "R-FEE-5") {
			t.Errorf("%s: fee %+v", c.day, r.Fee)
		}
	}
}

// racingStore registers the certification (in profiles) just before the
// first pass's transaction, as a parallel pass or staff would.
type racingStore struct {
	*memStore
	ps    profiles
	raced bool
}

func (r *racingStore) AddAttempt(ctx context.Context, a Attempt, earned *Earned) error {
	if earned != nil && !earned.Held && !r.raced {
		r.raced = true
		p := r.ps[a.CertificantID]
		p.Certifications = append(p.Certifications, partition.Certification{Key: a.Certification, Number: "N-first"})
		r.ps[a.CertificantID] = p
		return ErrRegistrationChanged
	}
	return r.memStore.AddAttempt(ctx, a, earned)
}

// R-EXAM-1: a pass of a certification registered meanwhile carries the
// held number, as attempt 1, and registers nothing new.
func TestPassAfterRegistrationRace(t *testing.T) {
	now := func() time.Time { return time.Date(2025, 2, 4, 15, 0, 0, 0, time.UTC) }
	ps := profiles{"c1": {ID: "c1", Name: partition.Name{Given: "Ana", Family: "Cruz"}}}
	store := &racingStore{memStore: newMem(), ps: ps}
	svc := NewService(store, ps, fees.DefaultTariff(), now)
	a, err := svc.Record(context.Background(), attempt(true))
	if err != nil || a.Attempt != 1 || a.CertificationNumber != "N-first" {
		t.Fatalf("pass: %+v %v, want attempt 1 with N-first", a, err)
	}
	if len(store.earned) != 1 || !store.earned[0].Held {
		t.Errorf("registrations %+v, want one check of the held one", store.earned)
	}
}

type failingProfiles struct{ err error }

func (f failingProfiles) Profile(context.Context, string) (partition.Profile, bool, error) {
	return partition.Profile{}, false, f.err
}

// A failed profile read is a failure (500), not an unknown certificant (404).
func TestReceiveTranscriptsReadFailure(t *testing.T) {
	now := time.Date(2025, 2, 4, 15, 0, 0, 0, time.UTC)
	readErr := errors.New("dynamodb unavailable")
	svc := NewService(newMem(), failingProfiles{readErr},
		fees.DefaultTariff(), func() time.Time { return now })
	_, err := svc.ReceiveTranscripts(context.Background(), "c1", d("2025-02-04"))
	if !errors.Is(err, readErr) || errors.Is(err, ErrUnknownCertificant) {
		t.Errorf("err = %v, want the read error and not ErrUnknownCertificant", err)
	}
	known, _ := setup(now)
	if _, err := known.ReceiveTranscripts(context.Background(), "nobody", d("2025-02-04")); !errors.Is(err, ErrUnknownCertificant) {
		t.Errorf("unknown certificant: %v, want ErrUnknownCertificant", err)
	}
}

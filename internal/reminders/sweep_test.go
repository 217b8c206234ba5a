package reminders

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/fees"
)

// fakeStore keeps due cycles by expiration, profiles, and the outbox as a set
// with put-if-absent semantics; failOwe makes the n-th Owe call fail (a crash).
type fakeStore struct {
	mu       sync.Mutex
	due      map[civil.Date][]Due
	profiles map[string]Recipient
	outbox   map[string]string // id -> recipient
	oweCalls int
	failFrom int             // Owe calls numbered >= failFrom fail; 0 never
	pending  map[string]bool // certificantId#certKey -> a timely declaration waits (R-REM-1)
}

func (f *fakeStore) DueOn(_ context.Context, exp civil.Date) ([]Due, int, error) {
	return f.due[exp], len(f.due[exp]), nil
}

func (f *fakeStore) PendingTimely(_ context.Context, id, key string, _ civil.Date) (bool, error) {
	return f.pending[id+"#"+key], nil
}

func (f *fakeStore) Recipient(_ context.Context, id string) (Recipient, bool, error) {
	r, ok := f.profiles[id]
	return r, ok, nil
}

func (f *fakeStore) Owe(_ context.Context, e Email, to string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.oweCalls++
	if f.failFrom > 0 && f.oweCalls >= f.failFrom {
		return false, errors.New("crash")
	}
	if _, ok := f.outbox[e.ID]; ok {
		return false, nil
	}
	f.outbox[e.ID] = to
	return true, nil
}

// seed: n active cycles expiring 2025-01-31 (90-day milestone on 2024-11-02)
// carrying their recipient, one inactive, one renewed (indexed under the old
// date but ending later).
func seed(n int) *fakeStore {
	exp := civil.MustParse("2025-01-31")
	f := &fakeStore{due: map[civil.Date][]Due{}, profiles: map[string]Recipient{}, outbox: map[string]string{}}
	for i := range n {
		id := fmt.Sprintf("c-%d", i)
		f.due[exp] = append(f.due[exp], Due{CertificantID: id, CertKey: "ASCPi-MLS", Expiration: exp, Status: "active",
			To: Recipient{Email: id + "@example.org", Given: "G"}})
	}
	f.profiles["c-inactive"] = Recipient{Email: "i@example.org"}
	f.profiles["c-renewed"] = Recipient{Email: "r@example.org"}
	f.due[exp] = append(f.due[exp],
		Due{CertificantID: "c-inactive", CertKey: "ASCPi-MLS", Expiration: exp, Status: "inactive"},
		Due{CertificantID: "c-renewed", CertKey: "ASCPi-MLS", Expiration: civil.MustParse("2028-01-31"), Status: "active"})
	return f
}

var quiet = slog.New(slog.NewJSONHandler(io.Discard, nil))

// R-REM-1: a rerun and two overlapping runs owe each reminder once; a run
// that fails halfway, rerun, owes every remaining one.
func TestSweepExactlyOnce(t *testing.T) {
	today := civil.MustParse("2024-11-02")
	ctx := context.Background()

	t.Run("rerun and parallel runs", func(t *testing.T) {
		f := seed(50)
		s := NewSweeper(f, []int{90}, fees.DefaultTariff(), 4, quiet)
		var wg sync.WaitGroup
		reps := make([]Report, 3)
		for i := range reps {
			wg.Go(func() {
				var err error
				if reps[i], err = s.Run(ctx, today); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		owed := 0
		for _, r := range reps {
			owed += r.Owed
			if r.Owed+r.AlreadyOwed != 50 || r.Skipped != 2 || r.IndexRead != 52 || r.ProfileRead != 0 {
				t.Errorf("report %+v: want 50 owed or already owed, 2 skipped, 52 index items and no profile read", r)
			}
		}
		if owed != 50 || len(f.outbox) != 50 {
			t.Errorf("owed %d in total, outbox %d; want 50", owed, len(f.outbox))
		}
		if to := f.outbox["cmp-reminder:c-7:ASCPi-MLS:2025-01-31:90"]; to != "c-7@example.org" {
			t.Errorf("reminder of c-7 goes to %q, want the address its item carries", to)
		}
		rerun, err := s.Run(ctx, today)
		if err != nil || rerun.Owed != 0 {
			t.Errorf("rerun owed %d (err %v), want 0", rerun.Owed, err)
		}
	})

	t.Run("crash then rerun", func(t *testing.T) {
		f := seed(50)
		f.failFrom = 21
		s := NewSweeper(f, []int{90}, fees.DefaultTariff(), 4, quiet)
		if _, err := s.Run(ctx, today); err == nil {
			t.Fatal("a run whose writes fail reported success")
		}
		if len(f.outbox) != 20 {
			t.Fatalf("outbox %d after the crash, want 20", len(f.outbox))
		}
		f.failFrom = 0
		rep, err := s.Run(ctx, today)
		if err != nil || rep.Owed != 30 || rep.AlreadyOwed != 20 || len(f.outbox) != 50 {
			t.Errorf("rerun %+v (err %v), outbox %d; want 30 new, 20 already, 50 in all", rep, err, len(f.outbox))
		}
		if _, ok := f.outbox["cmp-reminder:c-inactive:ASCPi-MLS:2025-01-31:90"]; ok {
			t.Error("inactive certification reminded")
		}
	})
}

// R-REM-1: items registered before they carried the recipient fall back to
// the profile, read once for a certificant with two certifications due.
func TestSweepReadsEachProfileOnce(t *testing.T) {
	exp := civil.MustParse("2025-01-31")
	f := &fakeStore{due: map[civil.Date][]Due{exp: {
		{CertificantID: "c-1", CertKey: "ASCPi-MLS", Expiration: exp, Status: "active"},
		{CertificantID: "c-1", CertKey: "ASCPi-SBB", Expiration: exp, Status: "active"},
	}}, profiles: map[string]Recipient{"c-1": {Email: "a@example.org"}}, outbox: map[string]string{}}
	rep, err := NewSweeper(f, []int{30}, fees.DefaultTariff(), 2, quiet).Run(context.Background(), exp.AddDays(-30))
	if err != nil || rep.Owed != 2 || rep.ProfileRead != 1 {
		t.Errorf("report %+v (err %v): want 2 owed, 1 profile read", rep, err)
	}
}

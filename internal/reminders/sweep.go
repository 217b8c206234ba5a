package reminders

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/fees"
)

// Store is what the sweep reads and writes.
type Store interface {
	// DueOn lists the certification cycles indexed as expiring on expiration
	// (every shard of the day) and how many index items it read.
	DueOn(ctx context.Context, expiration civil.Date) ([]Due, int, error)
	// Recipient reads a certificant's address from the profile, for a Due
	// without one; ok is false when no profile exists.
	Recipient(ctx context.Context, certificantID string) (r Recipient, ok bool, err error)
	// Owe writes the outbox item of e unless it exists; owed is false when it
	// did (an earlier or parallel run owes it already).
	Owe(ctx context.Context, e Email, to string) (owed bool, err error)
	// PendingTimely reports a declaration submitted by expiration that
	// still waits for its decision (R-REM-1).
	PendingTimely(ctx context.Context, certificantID, certKey string, expiration civil.Date) (bool, error)
}

// Report counts what one sweep did.
type Report struct {
	Today       civil.Date `json:"today"`
	IndexRead   int        `json:"indexRead"`   // expiry index items read
	ProfileRead int        `json:"profileRead"` // profiles read for items without an address
	Owed        int        `json:"owed"`        // outbox items written by this run
	AlreadyOwed int        `json:"alreadyOwed"` // found owed by an earlier or parallel run
	Skipped     int        `json:"skipped"`     // not remindable (status, moved cycle, no profile)
}

// Sweeper runs the daily sweep.
type Sweeper struct {
	store   Store
	offsets []int
	tariff  fees.Tariff
	workers int
	log     *slog.Logger
}

// NewSweeper wires a store, the offsets (ParseOffsets), the tariff and
// how many certifications are processed at once.
func NewSweeper(store Store, offsets []int, tariff fees.Tariff, workers int, log *slog.Logger) *Sweeper {
	return &Sweeper{store: store, offsets: offsets, tariff: tariff, workers: max(workers, 1), log: log}
}

// SweeperFromEnv is NewSweeper with REMINDER_OFFSETS ("180,90,30,-1", see
// ParseOffsets) and REMINDER_WORKERS (default 16).
func SweeperFromEnv(store Store, tariff fees.Tariff, log *slog.Logger) (*Sweeper, error) {
	offsets, err := ParseOffsets(os.Getenv("REMINDER_OFFSETS"))
	if err != nil {
		return nil, fmt.Errorf("REMINDER_OFFSETS: %w", err)
	}
	workers := 16
	if s := os.Getenv("REMINDER_WORKERS"); s != "" {
		if workers, err = strconv.Atoi(s); err != nil || workers < 1 {
			return nil, fmt.Errorf("REMINDER_WORKERS %q: want a positive number", s)
		}
	}
	return NewSweeper(store, offsets, tariff, workers, log), nil
}

// job is one certification cycle at one milestone.
type job struct {
	due        Due
	expiration civil.Date
	offset     int
}

// Run owes today's reminders (R-REM-1). It is safe to rerun and to run twice
// at once: each reminder's outbox item is a put-if-absent on a deterministic
// id, so a rerun after a crash owes exactly the ones still missing. Errors of
// single certifications do not stop the others; Run reports them joined, so
// the scheduler retries the run.
func (s *Sweeper) Run(ctx context.Context, today civil.Date) (Report, error) {
	rep := Report{Today: today}
	var jobs []job
	for _, off := range s.offsets {
		exp := calendar.ExpirationDue(today, off)
		due, read, err := s.store.DueOn(ctx, exp)
		rep.IndexRead += read
		if err != nil {
			return rep, fmt.Errorf("reminders due %s (offset %d): %w", exp, off, err)
		}
		for _, d := range due {
			jobs = append(jobs, job{due: d, expiration: exp, offset: off})
		}
	}
	err := s.process(ctx, jobs, &rep)
	s.log.Info("reminder sweep", "today", today.String(), "indexRead", rep.IndexRead, "profileRead", rep.ProfileRead,
		"owed", rep.Owed, "alreadyOwed", rep.AlreadyOwed, "skipped", rep.Skipped, "failed", err != nil)
	return rep, err
}

// process runs the jobs on a bounded pool of workers.
func (s *Sweeper) process(ctx context.Context, jobs []job, rep *Report) error {
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	recipients := newRecipientCache(s.store)
	next := make(chan job)
	for range min(s.workers, len(jobs)) {
		wg.Go(func() {
			for j := range next {
				outcome, err := s.one(ctx, recipients, j)
				mu.Lock()
				switch {
				case err != nil:
					errs = append(errs, err)
				case outcome == owed:
					rep.Owed++
				case outcome == alreadyOwed:
					rep.AlreadyOwed++
				default:
					rep.Skipped++
				}
				mu.Unlock()
			}
		})
	}
	for _, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		next <- j
	}
	close(next)
	wg.Wait()
	rep.ProfileRead = recipients.reads()
	if err := ctx.Err(); err != nil {
		errs = append(errs, fmt.Errorf("reminder sweep stopped: %w", err))
	}
	return errors.Join(errs...)
}

type outcome int

const (
	skipped outcome = iota
	owed
	alreadyOwed
)

func (s *Sweeper) one(ctx context.Context, recipients *recipientCache, j job) (outcome, error) {
	if j.offset < 0 && j.due.CMPRequired {
		var err error
		if j.due.Processing, err = s.store.PendingTimely(ctx, j.due.CertificantID, j.due.CertKey, j.expiration); err != nil {
			return skipped, fmt.Errorf("reminder of %s %s: %w", j.due.CertificantID, j.due.CertKey, err)
		}
	}
	e, ok, err := Compose(j.due, j.expiration, j.offset, s.tariff)
	if err != nil || !ok {
		return skipped, err
	}
	r, found := j.due.To, true
	if r.Email == "" {
		if r, found, err = recipients.get(ctx, j.due.CertificantID); err != nil {
			return skipped, fmt.Errorf("reminder %s: %w", e.ID, err)
		}
	}
	if !found || r.Email == "" {
		s.log.Warn("reminder without recipient", "certificantId", j.due.CertificantID)
		return skipped, nil
	}
	e.Data["given"] = r.Given
	done, err := s.store.Owe(ctx, e, r.Email)
	switch {
	case err != nil:
		return skipped, fmt.Errorf("reminder %s: %w", e.ID, err)
	case done:
		return owed, nil
	default:
		return alreadyOwed, nil
	}
}

// recipientCache reads each certificant's profile once per run, however many
// of their certifications lacking the recipient are due.
type recipientCache struct {
	store Store
	mu    sync.Mutex
	byID  map[string]*recipientEntry
}

type recipientEntry struct {
	once  sync.Once
	r     Recipient
	found bool
	err   error
}

func newRecipientCache(store Store) *recipientCache {
	return &recipientCache{store: store, byID: map[string]*recipientEntry{}}
}

func (c *recipientCache) get(ctx context.Context, id string) (Recipient, bool, error) {
	c.mu.Lock()
	e, ok := c.byID[id]
	if !ok {
		e = &recipientEntry{}
		c.byID[id] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.r, e.found, e.err = c.store.Recipient(ctx, id) })
	return e.r, e.found, e.err
}

func (c *recipientCache) reads() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byID)
}

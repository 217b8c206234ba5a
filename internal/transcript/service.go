package transcript

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/rules"
)

// Partitions reads a certificant's partition (partition.Reader).
type Partitions interface {
	Load(ctx context.Context, certificantID string) (partition.Partition, bool, error)
	// Fenced also answers the transcript version, read before the
	// partition, that a change judged on it commits against.
	Fenced(ctx context.Context, certificantID string) (partition.Partition, int, bool, error)
}

// Store writes transcript entries.
type Store interface {
	// Add puts a new entry; ErrNotFound when the certificant has no profile.
	Add(ctx context.Context, certificantID string, e partition.Entry, act rules.Activity) error
	// Delete removes an entry (ErrNotFound when gone) while the transcript
	// version is still seen; when it moved, a dynamo.ConditionError on the
	// transcript fence.
	Delete(ctx context.Context, certificantID, activityID string, seen int) error
	// Review sets a pending covid entry's status (ErrNotReviewable otherwise).
	Review(ctx context.Context, certificantID, activityID string, status rules.Status, reason, by, at string) error
	// Dispute marks a provider-posted entry disputed unless it is disputed
	// (ErrDisputed), while the transcript version is still seen, as Delete.
	Dispute(ctx context.Context, certificantID, activityID, reason, at string, seen int) error
}

// Service is the transcript use case.
type Service struct {
	store      Store
	partitions Partitions
	now        func() time.Time
}

// NewService wires the store, the partition reader and a clock.
func NewService(store Store, partitions Partitions, now func() time.Time) *Service {
	return &Service{store: store, partitions: partitions, now: now}
}

// Add validates an entry strictly per type (R-ACT) and stores it with its
// derived points and status.
func (s *Service) Add(ctx context.Context, certificantID string, in rules.ActivityInput) (partition.Entry, error) {
	act, err := s.check(in)
	if err != nil {
		return partition.Entry{}, err
	}
	e := partition.Entry{ID: rand.Text(), ActivityInput: in, Points: act.Points, Status: act.Status,
		CreatedAt: s.now().UTC().Format(time.RFC3339), Source: partition.SourceSelf}
	act.ID = e.ID
	if err := s.store.Add(ctx, certificantID, e, act); err != nil {
		if errors.Is(err, ErrCovidTaken) {
			return partition.Entry{}, err
		}
		return partition.Entry{}, fmt.Errorf("add activity: %w", err)
	}
	return e, nil
}

// Check judges the entry's own fields (R-ACT), before any stored data: the
// handler answers 422 before 404.
func (s *Service) Check(in rules.ActivityInput) error {
	_, err := s.check(in)
	return err
}

func (s *Service) check(in rules.ActivityInput) (rules.Activity, error) {
	act, errs := in.Validate()
	if !in.CompletedOn.IsZero() && in.CompletedOn.After(calendar.Today(s.now())) {
		errs = append(errs, fielderr.Field{Field: "completedOn", Rule: "R-ACT-11", Message: "must not be in the future"})
	}
	if len(errs) > 0 {
		return act, &fielderr.Invalid{Detail: "invalid activity", Fields: errs}
	}
	return act, nil
}

// List is the transcript, most recently completed first.
func (s *Service) List(ctx context.Context, certificantID string) ([]partition.Entry, error) {
	p, found, err := s.partitions.Load(ctx, certificantID)
	if err != nil {
		return nil, fmt.Errorf("list activities: %w", err)
	}
	if !found {
		return nil, ErrNotFound
	}
	entries := slices.Clone(p.Entries)
	if entries == nil {
		entries = []partition.Entry{}
	}
	slices.SortStableFunc(entries, func(a, b partition.Entry) int { return b.CompletedOn.Compare(a.CompletedOn) })
	return entries, nil
}

// Delete removes an entry that no declaration claims (R-ACT-11). The claims
// are read with the partition, after the transcript version, and the delete
// commits only while that version holds, so a declaration submitted
// meanwhile makes it judged again, never vanish under the claim.
func (s *Service) Delete(ctx context.Context, certificantID, activityID string) error {
	return s.fenced(ctx, certificantID, func(ctx context.Context, p partition.Partition, seen int) error {
		// The source of an entry never changes, so the read decides this one.
		if _, err := postedEntry(p, activityID); err == nil {
			return ErrPosted
		}
		if p.Claimed(activityID) {
			return ErrClaimed
		}
		return s.store.Delete(ctx, certificantID, activityID, seen)
	})
}

// fenced judges change on a fenced read of the partition, again when the
// transcript moved meanwhile (dynamo.Rejudge); the use case's errors pass.
func (s *Service) fenced(ctx context.Context, certificantID string, change func(ctx context.Context, p partition.Partition, seen int) error) error {
	err := dynamo.Rejudge(ctx, dynamo.TranscriptFence(certificantID), func(ctx context.Context) error {
		p, seen, found, err := s.partitions.Fenced(ctx, certificantID)
		if err != nil {
			return fmt.Errorf("read transcript: %w", err)
		}
		if !found {
			return ErrNotFound
		}
		return change(ctx, p, seen)
	})
	if errors.Is(err, dynamo.ErrFenceBusy) {
		return ErrBusy
	}
	return err
}

// Review is the body of POST .../activities/{activityId}/review (R-ACT-9).
type Review struct {
	Decision string `json:"decision"`
	Reason   string `json:"reason,omitempty"`
}

// maxReviewReason bounds the reason kept on the entry.
const maxReviewReason = 500

// ReviewCovid applies staff member by's review of a covid claim form: accept
// counts the entry from then on, reject never counts it, says why, and frees
// the certificant's one covid entry (R-ACT-9).
func (s *Service) ReviewCovid(ctx context.Context, certificantID, activityID, by string, in Review) (partition.Entry, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	var status rules.Status
	var errs []fielderr.Field
	switch in.Decision {
	case "accept":
		status = rules.Accepted
	case "reject":
		status = rules.Rejected
		if in.Reason == "" {
			errs = append(errs, fielderr.Field{Field: "reason", Rule: "R-ACT-9", Message: "required for a rejection: the certificant is told why"})
		}
	default:
		errs = append(errs, fielderr.Field{Field: "decision", Rule: "R-ACT-9", Message: "one of accept, reject"})
	}
	if len(in.Reason) > maxReviewReason || strings.IndexFunc(in.Reason, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) >= 0 {
		errs = append(errs, fielderr.Field{Field: "reason", Rule: "R-ACT-9", Message: fmt.Sprintf("at most %d characters, no control characters", maxReviewReason)})
	}
	if len(errs) > 0 {
		return partition.Entry{}, &fielderr.Invalid{Detail: "invalid review", Fields: errs}
	}
	if err := s.store.Review(ctx, certificantID, activityID, status, in.Reason, by, s.now().UTC().Format(time.RFC3339)); err != nil {
		if errors.Is(err, ErrNotReviewable) {
			return partition.Entry{}, err
		}
		return partition.Entry{}, fmt.Errorf("review activity %s: %w", activityID, err)
	}
	entries, err := s.List(ctx, certificantID)
	if err != nil {
		return partition.Entry{}, err
	}
	for _, e := range entries {
		if e.ID == activityID {
			return e, nil
		}
	}
	return partition.Entry{}, ErrNotFound
}

// Progress is a certification's current cycle judged on today (api.md).
type Progress struct {
	Certification string `json:"certification"`
	Status        string `json:"status"`
	// Cycle is nil for a voluntary participant (R-CYC-5).
	Cycle    *calendar.Period `json:"cycle"`
	CEWindow calendar.Period  `json:"ceWindow"`
	// SubmissionWindow is nil when there is no expiration (R-CYC-5).
	SubmissionWindow *calendar.SubmissionWindow `json:"submissionWindow"`
	Requirements     []rules.AreaProgress       `json:"requirements"`
	Capped           []rules.Capped             `json:"capped"`
	Excluded         []rules.Excluded           `json:"excluded"`
	Shortfalls       []rules.Shortfall          `json:"shortfalls"`
	Proposed         []rules.Allocation         `json:"proposedAllocation"`
}

// Progress judges the transcript for certKey on today: requirements earned,
// caps, shortfalls and a proposed allocation (R-REQ, R-ACT-10, R-ALLOC-3).
func (s *Service) Progress(ctx context.Context, certificantID, certKey string) (Progress, error) {
	cert, err := rules.ParseKey(certKey)
	if err != nil {
		return Progress{}, ErrNotFound
	}
	p, found, err := s.partitions.Load(ctx, certificantID)
	if err != nil {
		return Progress{}, fmt.Errorf("progress: %w", err)
	}
	if !found {
		return Progress{}, ErrNotFound
	}
	c, held := p.Certification(cert.Key())
	if !held {
		return Progress{}, ErrNotFound
	}
	return progressOf(p, cert, c, calendar.Today(s.now()))
}

func progressOf(p partition.Partition, cert rules.Certification, c partition.Certification, today civil.Date) (Progress, error) {
	cy := partition.CycleOn(c, today)
	ev, err := rules.Evaluate(p.Evaluation(cert, cy))
	if err != nil {
		return Progress{}, fmt.Errorf("progress of %s: %w", cert.Key(), err)
	}
	out := Progress{
		Certification: cert.Key(), Status: c.On(today).Status, CEWindow: cy.CEWindow,
		Requirements: ev.Requirements, Capped: nonNil(ev.Capped), Excluded: nonNil(ev.Excluded),
		Shortfalls: nonNil(ev.Shortfalls), Proposed: nonNil(ev.Proposal),
	}
	if !cy.Period.IsZero() {
		out.Cycle = &cy.Period
		w := calendar.SubmissionWindowFor(cy.Period.End)
		out.SubmissionWindow = &w
	}
	return out, nil
}

// nonNil answers empty lists as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

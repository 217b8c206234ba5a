package exams

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/payment"
)

// Errors the HTTP layer maps to answers.
var (
	// ErrUnknownCertificant: no such certificant.
	ErrUnknownCertificant = errors.New("exams: unknown certificant")
	// ErrNoAttemptsLeft refuses a 6th attempt (R-EXAM-1).
	ErrNoAttemptsLeft = errors.New("exams: all attempts of this category and route are used")
	// ErrTaken is the store's answer when attempt n already exists.
	ErrTaken = errors.New("exams: attempt number taken")
	// ErrUnknownAttempt: no such attempt of this certificant.
	ErrUnknownAttempt = errors.New("exams: unknown attempt")
	// ErrScoreNotReceived refuses a review before the score was sent (R-EXAM-4).
	ErrScoreNotReceived = errors.New("exams: the score has not been received yet")
	// ErrReviewClosed refuses a review past ReviewDays (R-EXAM-4).
	ErrReviewClosed = errors.New("exams: review period is over")
	// ErrReviewRequested refuses a second review of an attempt (R-EXAM-4).
	ErrReviewRequested = errors.New("exams: a review of this attempt was already requested")
)

// Email is an email owed, as the store writes it to the outbox.
type Email struct {
	Template string
	To       string
	Data     map[string]string
	// About makes the outbox id deterministic (certificant, attempt).
	About []string
}

// Store keeps attempts, transcripts receipt and reviews.
type Store interface {
	// Attempts lists the attempts of one certification and route.
	Attempts(ctx context.Context, certificantID, certKey, route string) ([]Attempt, error)
	// AddAttempt puts attempt a.Attempt if absent (ErrTaken otherwise) and,
	// for a pass, in the same transaction the certification it earned:
	// ErrRegistrationChanged when earned no longer matches the table.
	AddAttempt(ctx context.Context, a Attempt, earned *Earned) error
	Attempt(ctx context.Context, certificantID, attemptID string) (Attempt, bool, error)
	// TranscriptsReceived answers the day all official transcripts were received.
	TranscriptsReceived(ctx context.Context, certificantID string) (civil.Date, bool, error)
	// ReceiveTranscripts records receipt and releases the held scores, which it lists.
	ReceiveTranscripts(ctx context.Context, certificantID string, on civil.Date) ([]Attempt, error)
	// Unsent lists every attempt whose score email is not sent yet.
	Unsent(ctx context.Context) ([]Attempt, error)
	// MarkSent records the score as sent on a day together with its email;
	// ErrTaken when it already was.
	MarkSent(ctx context.Context, a Attempt, on civil.Date, email Email) error
	// Published lists published passes with exam dates in [from, to].
	Published(ctx context.Context, from, to civil.Date) ([]Attempt, error)
}

// Profiles reads certificants (partition.Reader).
type Profiles interface {
	Profile(ctx context.Context, id string) (partition.Profile, bool, error)
}

// Earned is the certification a pass registers together with its attempt.
type Earned struct {
	Holder        partition.Profile
	Certification partition.Certification
	// Held: the certificant holds it already (its number is the pass's);
	// the transaction only checks it still exists. Otherwise it is put if
	// absent.
	Held bool
	// Restore: a held certification expired 10 or more years gets a new
	// cycle from the exam date (R-CYC-8).
	Restore *partition.CycleMove
}

// restoration is the new cycle a pass on examDate gives a certification
// held but expired 10 or more years on today: counted from the exam date,
// its first issue and number kept (R-CYC-8); nil when none is due.
func restoration(c partition.Certification, examDate, today civil.Date) *partition.CycleMove {
	if !c.ReexaminationRequired(today) {
		return nil
	}
	cycle := calendar.CycleFromStart(examDate)
	return &partition.CycleMove{CertKey: c.Key, Cycle: cycle, IfCycleEnd: c.CycleEnd,
		Credential: calendar.Credential(c.Category, c.Program, cycle.End, today)}
}

// ErrRegistrationChanged: the earned certification was registered (or
// removed) between reading the profile and writing the pass.
var ErrRegistrationChanged = errors.New("exams: certification registration changed")

// Service is the use case.
type Service struct {
	store    Store
	profiles Profiles
	fees     fees.Tariff
	now      func() time.Time
}

// NewService wires the use case.
func NewService(store Store, profiles Profiles, tariff fees.Tariff, now func() time.Time) *Service {
	return &Service{store: store, profiles: profiles, fees: tariff, now: now}
}

// Record stores the next attempt of a category and route (R-EXAM-1): attempt
// n is a put of key n if absent, so of parallel requests exactly those that
// find a free n in 1..5 win. A pass registers the certification in the same
// transaction, so there is no pass without a number and no certification
// from a refused attempt. A fail carries re-testing information. The score
// is held until transcripts are in.
func (s *Service) Record(ctx context.Context, in NewAttempt) (Attempt, error) {
	now := s.now()
	today := calendar.Today(now)
	cert, err := validate(in, today)
	if err != nil {
		return Attempt{}, err
	}
	_, received, err := s.store.TranscriptsReceived(ctx, in.CertificantID)
	if err != nil {
		return Attempt{}, fmt.Errorf("record attempt: %w", err)
	}
	earlier, err := s.store.Attempts(ctx, in.CertificantID, cert.Key(), in.Route)
	if err != nil {
		return Attempt{}, fmt.Errorf("record attempt: %w", err)
	}
	a := Attempt{
		CertificantID: in.CertificantID, Certification: cert.Key(), Program: string(cert.Program), Category: cert.Category,
		Route: in.Route, ExamDate: in.ExamDate, ScaledScore: *in.ScaledScore, Passed: *in.Passed,
		RecordedAt: now.UTC().Format(time.RFC3339), ScoreStatus: ScoreHeld, ScoreDueBy: ScoreDueBy(in.ExamDate),
		OptOutOn: in.PublicationOptOutOn,
	}
	if received {
		a.ScoreStatus = ScoreReleased
	}
	// A registration changes at most once (absent to held): the second
	// reading of the profile sees it.
	for range 2 {
		profile, found, err := s.profiles.Profile(ctx, in.CertificantID)
		if err != nil {
			return Attempt{}, fmt.Errorf("record attempt: %w", err)
		}
		if !found {
			return Attempt{}, ErrUnknownCertificant
		}
		earned, err := s.earned(profile, &a)
		if err != nil {
			return Attempt{}, fmt.Errorf("record attempt: %w", err)
		}
		switch err := s.add(ctx, &a, len(earlier)+1, earned); {
		case err == nil:
			return a, nil
		case !errors.Is(err, ErrRegistrationChanged):
			return Attempt{}, err
		}
	}
	return Attempt{}, fmt.Errorf("record attempt: %w", ErrRegistrationChanged)
}

// earned is the certification a pass of a registers (nil for a fail), and
// fills in a's number and report entry.
func (s *Service) earned(holder partition.Profile, a *Attempt) (*Earned, error) {
	if !a.Passed {
		return nil, nil
	}
	e := &Earned{Holder: holder}
	if i := slices.IndexFunc(holder.Certifications, func(c partition.Certification) bool { return c.Key == a.Certification }); i >= 0 {
		e.Certification, e.Held = holder.Certifications[i], true
		e.Restore = restoration(e.Certification, a.ExamDate, calendar.Today(s.now()))
	} else {
		// Until the score email is owed the certification is staff's only (R-EXAM-2).
		c, err := partition.NewCertification(partition.Registration{Program: a.Program, Category: a.Category,
			StartedOn: a.ExamDate, Route: a.Route, ScoreHeld: a.ScoreStatus == ScoreHeld}, s.now())
		if err != nil {
			return nil, fmt.Errorf("certify: %w", err)
		}
		e.Certification = c
	}
	a.CertificationNumber = e.Certification.Number
	if a.Published = Published(a.Program, a.ExamDate, a.OptOutOn); a.Published {
		a.ReportName = holder.Name.Given + " " + holder.Name.Family
	}
	return e, nil
}

// add puts a as the first free attempt number from n on.
func (s *Service) add(ctx context.Context, a *Attempt, n int, earned *Earned) error {
	for ; n <= MaxAttempts; n++ {
		a.Attempt, a.ID = n, AttemptID(a.Certification, a.Route, n)
		if !a.Passed {
			r := RetestingAfter(n, a.Certification, a.Route)
			a.Retesting = &r
		}
		err := s.store.AddAttempt(ctx, *a, earned)
		if !errors.Is(err, ErrTaken) {
			return err
		}
	}
	return ErrNoAttemptsLeft
}

// ReceiveTranscripts records that all official transcripts are in and
// releases the held scores (R-EXAM-2); the next score-emails run sends them.
func (s *Service) ReceiveTranscripts(ctx context.Context, certificantID string, on civil.Date) ([]Attempt, error) {
	if on.IsZero() || on.After(calendar.Today(s.now())) {
		return nil, &fielderr.Invalid{Detail: "invalid request", Fields: []fielderr.Field{{Field: "receivedOn", Rule: "R-EXAM-2", Message: "required, not in the future"}}}
	}
	if _, found, err := s.profiles.Profile(ctx, certificantID); err != nil {
		return nil, fmt.Errorf("receive transcripts: %w", err)
	} else if !found {
		return nil, ErrUnknownCertificant
	}
	released, err := s.store.ReceiveTranscripts(ctx, certificantID, on)
	if err != nil {
		return nil, fmt.Errorf("receive transcripts: %w", err)
	}
	return released, nil
}

// Review is a score review request (R-EXAM-4). It carries no item content:
// the board never discloses items or answers.
type Review struct {
	ID            string     `json:"id"`
	AttemptID     string     `json:"attemptId"`
	CertificantID string     `json:"certificantId"`
	Status        string     `json:"status"`
	RequestedOn   civil.Date `json:"requestedOn"`
	ScoreSentOn   civil.Date `json:"scoreReceivedOn"`
	Fee           fees.Quote `json:"fee"`
	Notice        string     `json:"notice"`
	// Payment is the fee's card payment (R-PAY-2); the review is received
	// once paid (R-PAY-1).
	Payment payment.Info `json:"payment"`
}

// reviewNotice says what a review is and is not (R-EXAM-4).
const reviewNotice = "Your examination results will be verified. The Board of Certification does not release " +
	"or disclose the content or answers of test items, and incorrect responses are not reported."

// RequestReview prepares a review of the caller's attempt within ReviewDays
// of score receipt, charging the R-FEE-5 fee; the caller stores it
// (TableStore.ReviewWrites) under the request's Idempotency-Key.
func (s *Service) RequestReview(ctx context.Context, certificantID, attemptID string) (Review, error) {
	if _, _, _, ok := ParseAttemptID(attemptID); !ok {
		return Review{}, ErrUnknownAttempt
	}
	a, found, err := s.store.Attempt(ctx, certificantID, attemptID)
	if err != nil {
		return Review{}, fmt.Errorf("request review: %w", err)
	}
	if !found {
		return Review{}, ErrUnknownAttempt
	}
	now := s.now()
	today := calendar.Today(now)
	switch {
	case a.ScoreStatus != ScoreSent:
		return Review{}, ErrScoreNotReceived
	case today.After(ReviewOpenUntil(a.ScoreSentOn)):
		return Review{}, ErrReviewClosed
	}
	quote, err := s.fees.Quote(fees.Request{At: now, Items: []fees.Item{{Kind: fees.KindScoreReview, Certification: a.Certification}}})
	if err != nil {
		return Review{}, fmt.Errorf("request review: %w", err)
	}
	r := Review{
		ID: rand.Text(), AttemptID: a.ID, CertificantID: certificantID, Status: ReviewReceived,
		RequestedOn: today, ScoreSentOn: a.ScoreSentOn, Fee: quote, Notice: reviewNotice, Payment: payment.Due(quote.TotalCents),
	}
	if r.Payment.Status == payment.RequiresPayment {
		r.Status = ReviewAwaitingPayment
	}
	return r, nil
}

// ReportEntry is one line of the certification report (R-EXAM-3).
type ReportEntry struct {
	Name          string     `json:"name"`
	Certification string     `json:"certification"`
	Number        string     `json:"number"`
	ExamDate      civil.Date `json:"examDate"`
}

// MaxReportDays bounds one report request.
const MaxReportDays = 366

// Report lists the published passes with exam dates in [from, to], by date.
func (s *Service) Report(ctx context.Context, from, to civil.Date) ([]ReportEntry, error) {
	if from.IsZero() || to.IsZero() || to.Before(from) || from.DaysUntil(to) >= MaxReportDays {
		return nil, &fielderr.Invalid{Detail: "invalid request", Fields: []fielderr.Field{{Field: "from", Rule: "R-EXAM-3", Message: fmt.Sprintf("from and to are dates, from <= to, at most %d days", MaxReportDays)}}}
	}
	passes, err := s.store.Published(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("certification report: %w", err)
	}
	out := make([]ReportEntry, 0, len(passes))
	for _, a := range passes {
		out = append(out, ReportEntry{Name: a.ReportName, Certification: a.Certification, Number: a.CertificationNumber, ExamDate: a.ExamDate})
	}
	// Shards and months come back in no useful order.
	slices.SortFunc(out, func(x, y ReportEntry) int {
		return cmp.Or(x.ExamDate.Compare(y.ExamDate), strings.Compare(x.Certification, y.Certification), strings.Compare(x.Number, y.Number))
	})
	return out, nil
}

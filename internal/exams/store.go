package exams

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/payment"
)

// The keys of transcripts received, score reviews, unsent scores and
// published passes are in internal/dynamo patterns.go.
const (
	queueIndex = "ByQueue"
	dateIndex  = "ByDate"
)

// toItem is the stored form of a (partition's attempt item).
func toItem(a Attempt) partition.AttemptItem {
	it := partition.NewAttemptItem(a.CertificantID, a.Certification, a.Route, a.Attempt)
	it.ID, it.Program, it.Category = a.ID, a.Program, a.Category
	it.ExamDate, it.ScaledScore, it.Passed, it.RecordedAt = partition.DateAttr(a.ExamDate), a.ScaledScore, a.Passed, a.RecordedAt
	it.ScoreStatus, it.ScoreDueBy, it.ScoreSentOn = a.ScoreStatus, partition.DateAttr(a.ScoreDueBy), partition.DateAttr(a.ScoreSentOn)
	it.CertificationNumber, it.Retesting, it.OptOutOn = a.CertificationNumber, a.Retesting, partition.DateAttr(a.OptOutOn)
	it.Published, it.ReportName = a.Published, a.ReportName
	return it
}

// fromItem is the attempt a stored item holds.
func fromItem(it partition.AttemptItem) Attempt {
	return Attempt{
		ID: it.ID, CertificantID: it.CertificantID, Certification: it.Certification, Program: it.Program,
		Category: it.Category, Route: it.Route, Attempt: it.Attempt, ExamDate: partition.AttrDate(it.ExamDate),
		ScaledScore: it.ScaledScore, Passed: it.Passed, RecordedAt: it.RecordedAt, ScoreStatus: it.ScoreStatus,
		ScoreDueBy: partition.AttrDate(it.ScoreDueBy), ScoreSentOn: partition.AttrDate(it.ScoreSentOn),
		CertificationNumber: it.CertificationNumber, Retesting: it.Retesting, OptOutOn: partition.AttrDate(it.OptOutOn),
		Published: it.Published, ReportName: it.ReportName,
	}
}

func attempts(items []partition.AttemptItem) []Attempt {
	out := make([]Attempt, len(items))
	for i, it := range items {
		out[i] = fromItem(it)
	}
	return out
}

// TableStore keeps exams in the table.
type TableStore struct {
	table *dynamo.Table
	now   func() time.Time
}

// NewTableStore wraps the table.
func NewTableStore(table *dynamo.Table, now func() time.Time) *TableStore {
	return &TableStore{table: table, now: now}
}

// Attempts lists the attempts of one certification and route.
func (s *TableStore) Attempts(ctx context.Context, certificantID, certKey, route string) ([]Attempt, error) {
	var items []partition.AttemptItem
	if err := s.table.QueryPrefix(ctx, dynamo.CertificantPK(certificantID), partition.AttemptsPrefix(certKey, route), &items); err != nil {
		return nil, fmt.Errorf("attempts of %s: %w", certificantID, err)
	}
	return attempts(items), nil
}

// Labels of the writes of a pass, to tell which condition refused it.
const (
	attemptLabel       = "attempt"
	certificationLabel = "certification"
)

// AddAttempt puts the attempt, queued for its score email (and, when
// published, in the certification report), if its number is free; a pass
// registers its certification in the same transaction, or checks that the
// held one still exists.
func (s *TableStore) AddAttempt(ctx context.Context, a Attempt, earned *Earned) error {
	it := toItem(a)
	it.QueuePK, it.QueueSK = dynamo.UnsentScoresQueuePK, unsentSK(a)
	if a.Published {
		it.DatePK = dynamo.DatePK(dynamo.PassDateKind, monthOf(a.ExamDate), a.CertificantID+"#"+a.ID)
		it.DateSK = a.ExamDate.String() + "#" + a.CertificantID + "#" + a.ID
	}
	attempt, err := dynamo.Put(attemptLabel, it, dynamo.IfAbsent.Else(ErrTaken))
	if err != nil {
		return err
	}
	if earned == nil {
		return s.table.Apply(ctx, attempt)
	}
	registration, err := registrationWrite(a.CertificantID, *earned)
	if err != nil {
		return err
	}
	return s.table.Transact(ctx, attempt, registration.Else(ErrRegistrationChanged))
}

// registrationWrite registers earned (partition's certification item), or checks
// the held registration is still there.
func registrationWrite(certificantID string, earned Earned) (dynamo.Write, error) {
	if earned.Restore != nil {
		m := *earned.Restore
		m.CertificantID = certificantID
		return partition.MoveCycle(certificationLabel, m)
	}
	if earned.Held {
		return dynamo.Check(certificationLabel, dynamo.CertificationKey(certificantID, earned.Certification.Key),
			dynamo.Condition{Expr: "attribute_exists(pk)"})
	}
	item := partition.NewCertificationItem(certificantID, earned.Holder.Item(), earned.Certification)
	return dynamo.Put(certificationLabel, item, dynamo.IfAbsent)
}

func unsentSK(a Attempt) string {
	return a.ScoreDueBy.String() + "#" + a.CertificantID + "#" + a.ID
}

func monthOf(d civil.Date) string { return d.String()[:7] }

// Attempt reads one attempt by id.
func (s *TableStore) Attempt(ctx context.Context, certificantID, attemptID string) (Attempt, bool, error) {
	certKey, route, n, ok := ParseAttemptID(attemptID)
	if !ok {
		return Attempt{}, false, nil
	}
	var it partition.AttemptItem
	found, err := s.table.Get(ctx, dynamo.ExamAttemptKey(certificantID, certKey, route, n), &it)
	if err != nil || !found {
		return Attempt{}, false, err
	}
	return fromItem(it), true, nil
}

type transcriptsItem struct {
	dynamo.Key
	Type       string `dynamodbav:"type"`
	ReceivedOn string `dynamodbav:"receivedOn"`
}

// TranscriptsReceived answers when all official transcripts were received.
func (s *TableStore) TranscriptsReceived(ctx context.Context, certificantID string) (civil.Date, bool, error) {
	var it transcriptsItem
	found, err := s.table.Get(ctx, dynamo.TranscriptsReceivedKey(certificantID), &it)
	if err != nil || !found {
		return civil.Date{}, false, err
	}
	return partition.AttrDate(it.ReceivedOn), true, nil
}

// ReceiveTranscripts records receipt, then marks held scores released. The
// score-emails job reads the receipt itself, so a score held by a racing
// attempt is still sent; the marks only inform.
func (s *TableStore) ReceiveTranscripts(ctx context.Context, certificantID string, on civil.Date) ([]Attempt, error) {
	rec, err := dynamo.Put("transcripts", transcriptsItem{
		Key: dynamo.TranscriptsReceivedKey(certificantID), Type: "transcripts", ReceivedOn: on.String(),
	}, dynamo.Condition{})
	if err != nil {
		return nil, err
	}
	if err := s.table.Apply(ctx, rec); err != nil {
		return nil, err
	}
	var items []partition.AttemptItem
	if err := s.table.QueryPrefix(ctx, dynamo.CertificantPK(certificantID), dynamo.ExamPrefix, &items); err != nil {
		return nil, fmt.Errorf("attempts of %s: %w", certificantID, err)
	}
	released := []Attempt{}
	for _, it := range items {
		if it.ScoreStatus != ScoreHeld {
			continue
		}
		w, err := dynamo.Update("release", it.Key, "SET scoreStatus = :released",
			dynamo.Condition{Expr: "scoreStatus = :held", Values: map[string]any{":released": ScoreReleased, ":held": ScoreHeld}})
		if err != nil {
			return nil, err
		}
		switch err := s.table.Apply(ctx, w); {
		case errors.Is(err, dynamo.ErrConditionFailed):
			continue // sent or released meanwhile
		case err != nil:
			return nil, err
		}
		it.ScoreStatus = ScoreReleased
		released = append(released, fromItem(it))
	}
	return released, nil
}

type reviewItem struct {
	dynamo.Key
	Type          string `dynamodbav:"type"`
	ID            string `dynamodbav:"id"`
	AttemptID     string `dynamodbav:"attemptId"`
	RequestedOn   string `dynamodbav:"requestedOn"`
	FeeCents      int64  `dynamodbav:"feeCents"`
	FeeRule       string `dynamodbav:"feeRule"`
	Status        string `dynamodbav:"status"`
	CertificantID string `dynamodbav:"certificantId"`
}

// reviewLabel labels the review's write: its condition fails when the
// attempt already has a review (ErrReviewRequested).
const reviewLabel = "review"

// ReviewWrites are the writes of a review requested at now, one per
// attempt, with its payment when it owes a fee (R-PAY-1).
func ReviewWrites(r Review, now time.Time) ([]dynamo.Write, error) {
	rule := ""
	if len(r.Fee.Lines) > 0 {
		rule = r.Fee.Lines[0].Rule
	}
	w, err := dynamo.Put(reviewLabel, reviewItem{
		Key:  dynamo.ScoreReviewKey(r.CertificantID, r.AttemptID),
		Type: "score_review", ID: r.ID, AttemptID: r.AttemptID, RequestedOn: r.RequestedOn.String(),
		FeeCents: r.Fee.TotalCents, FeeRule: rule, Status: r.Status, CertificantID: r.CertificantID,
	}, dynamo.IfAbsent.Else(ErrReviewRequested))
	if err != nil || r.Status != ReviewAwaitingPayment {
		return []dynamo.Write{w}, err
	}
	pay, err := payment.Puts(payment.New(payment.KindScoreReview, r.CertificantID, r.ID, r.Fee.TotalCents, now))
	return append(pay, w), err
}

// Unsent lists every attempt whose score email is owed (the sparse queue).
func (s *TableStore) Unsent(ctx context.Context) ([]Attempt, error) {
	var items []partition.AttemptItem
	if err := s.table.QueryIndex(ctx, queueIndex, "queuePk", dynamo.UnsentScoresQueuePK, &items); err != nil {
		return nil, fmt.Errorf("unsent scores: %w", err)
	}
	return attempts(items), nil
}

// MarkSent leaves the queue and owes the email in one transaction; ErrTaken
// when a parallel or earlier run already did.
func (s *TableStore) MarkSent(ctx context.Context, a Attempt, on civil.Date, email Email) error {
	mark, err := dynamo.Update("sent", dynamo.ExamAttemptKey(a.CertificantID, a.Certification, a.Route, a.Attempt),
		"SET scoreStatus = :sent, scoreSentOn = :on REMOVE queuePk, queueSk",
		dynamo.Condition{Expr: "attribute_exists(pk) AND scoreStatus <> :sent", Values: map[string]any{":sent": ScoreSent, ":on": on.String()}}.Else(ErrTaken))
	if err != nil {
		return err
	}
	out, err := dynamo.PutOutbox(dynamo.NewOutbox(email.Template, email.To, email.Data, s.now(), email.About...))
	if err != nil {
		return err
	}
	writes := []dynamo.Write{mark, out.Else(ErrTaken)}
	if a.Passed {
		// The score email is owed: the certification it earned becomes visible (R-EXAM-2).
		show, err := dynamo.Update(certificationLabel, dynamo.CertificationKey(a.CertificantID, a.Certification), "REMOVE scoreHeld",
			dynamo.Condition{Expr: "attribute_exists(pk)"}.Else(fmt.Errorf("pass %s: its certification %s is not registered", a.ID, a.Certification)))
		if err != nil {
			return err
		}
		writes = append(writes, show)
	}
	return s.table.Transact(ctx, writes...)
}

// Published lists published passes with exam dates in [from, to]: every
// shard of every month in range.
func (s *TableStore) Published(ctx context.Context, from, to civil.Date) ([]Attempt, error) {
	var out []Attempt
	for m := from.FirstOfMonth(); !m.After(to); m = m.AddMonths(1) {
		for _, pk := range dynamo.DatePKs(dynamo.PassDateKind, monthOf(m)) {
			var items []partition.AttemptItem
			if err := s.table.QueryIndex(ctx, dateIndex, "datePk", pk, &items); err != nil {
				return nil, fmt.Errorf("published passes %s: %w", pk, err)
			}
			for _, it := range items {
				if a := fromItem(it); a.ExamDate.Between(from, to) {
					out = append(out, a)
				}
			}
		}
	}
	return out, nil
}

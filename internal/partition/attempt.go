package partition

import (
	"context"
	"fmt"
	"slices"

	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
)

// Retesting is what a failed candidate is told with their score (R-EXAM-1/2),
// stored with the attempt; exams decides it (RetestingAfter).
type Retesting struct {
	AttemptsUsed int    `json:"attemptsUsed" dynamodbav:"attemptsUsed"`
	AttemptsLeft int    `json:"attemptsLeft" dynamodbav:"attemptsLeft"`
	Eligible     bool   `json:"eligible" dynamodbav:"eligible"`
	Message      string `json:"message" dynamodbav:"message"`
}

// AttemptItemType is the type attribute of exam attempt items.
const AttemptItemType = "exam_attempt"

// AttemptItem is a stored exam attempt (sk=EXAM#<certification>#<route>#<n>);
// dates are yyyy-mm-dd strings (DateAttr, AttrDate). The queue and date
// attributes place it in the unsent-scores queue and the certification
// report; exams, which decides them, sets them.
type AttemptItem struct {
	dynamo.Key
	Type                string     `dynamodbav:"type"`
	ID                  string     `dynamodbav:"id"`
	CertificantID       string     `dynamodbav:"certificantId"`
	Certification       string     `dynamodbav:"certification"`
	Program             string     `dynamodbav:"program"`
	Category            string     `dynamodbav:"category"`
	Route               string     `dynamodbav:"route"`
	Attempt             int        `dynamodbav:"attempt"`
	ExamDate            string     `dynamodbav:"examDate"`
	ScaledScore         int        `dynamodbav:"scaledScore"`
	Passed              bool       `dynamodbav:"passed"`
	RecordedAt          string     `dynamodbav:"recordedAt"`
	ScoreStatus         string     `dynamodbav:"scoreStatus"`
	ScoreDueBy          string     `dynamodbav:"scoreDueBy"`
	ScoreSentOn         string     `dynamodbav:"scoreSentOn,omitempty"`
	CertificationNumber string     `dynamodbav:"certificationNumber,omitempty"`
	Retesting           *Retesting `dynamodbav:"retesting,omitempty"`
	OptOutOn            string     `dynamodbav:"optOutOn,omitempty"`
	Published           bool       `dynamodbav:"published"`
	ReportName          string     `dynamodbav:"reportName,omitempty"`
	QueuePK             string     `dynamodbav:"queuePk,omitempty"`
	QueueSK             string     `dynamodbav:"queueSk,omitempty"`
	DatePK              string     `dynamodbav:"datePk,omitempty"`
	DateSK              string     `dynamodbav:"dateSk,omitempty"`
}

// NewAttemptItem is attempt n of a certification and route, keyed and typed;
// the caller fills in its result.
func NewAttemptItem(certificantID, certKey, route string, n int) AttemptItem {
	return AttemptItem{Key: dynamo.ExamAttemptKey(certificantID, certKey, route, n), Type: AttemptItemType,
		CertificantID: certificantID, Certification: certKey, Route: route, Attempt: n}
}

// AttemptsPrefix begins the sort keys of the attempts at a certification:
// under route, or under every route when route is empty.
func AttemptsPrefix(certKey, route string) string {
	if route == "" {
		return dynamo.ExamPrefix + certKey + "#"
	}
	return dynamo.ExamPrefix + certKey + "#" + route + "#"
}

// DateAttr is a date as items store it; the zero date is stored empty.
func DateAttr(d civil.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// AttrDate reads a stored date; stored dates were written by DateAttr or
// the owner's builders, so an unreadable one is the zero date.
func AttrDate(s string) civil.Date {
	d, err := civil.Parse(s)
	if err != nil {
		return civil.Date{}
	}
	return d
}

// Passed reports whether any attempt at a certification, under any route,
// was a pass (R-VER-1): one Query of that certification's attempts.
func (l *Reader) Passed(ctx context.Context, certificantID, certKey string) (bool, error) {
	var items []AttemptItem
	if err := l.table.QueryPrefix(ctx, dynamo.CertificantPK(certificantID), AttemptsPrefix(certKey, ""), &items); err != nil {
		return false, fmt.Errorf("attempts of %s: %w", certificantID, err)
	}
	return slices.ContainsFunc(items, func(it AttemptItem) bool { return it.Passed }), nil
}

package exams

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/fielderr"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/pattern"
	"github.com/boc/cmp/internal/rules"
)

// Score email states of an attempt.
const (
	// ScoreHeld waits for official transcripts (R-EXAM-2).
	ScoreHeld = "held"
	// ScoreReleased has its transcripts; the next score-emails run sends it.
	ScoreReleased = "released"
	// ScoreSent was emailed on ScoreSentOn, the day of score receipt (R-EXAM-4).
	ScoreSent = "sent"
)

// NewAttempt is the staff request recording one examination result.
type NewAttempt struct {
	CertificantID string     `json:"certificantId"`
	Program       string     `json:"program"`
	Category      string     `json:"category"`
	Route         string     `json:"route"`
	ExamDate      civil.Date `json:"examDate"`
	ScaledScore   *int       `json:"scaledScore"`
	Passed        *bool      `json:"passed"`
	// PublicationOptOutOn is the day the candidate asked not to be published
	// (R-EXAM-3); absent when they did not.
	PublicationOptOutOn civil.Date `json:"publicationOptOutOn"`
}

// Attempt is a recorded attempt: the score report of api.md.
type Attempt struct {
	ID            string     `json:"id"`
	CertificantID string     `json:"certificantId"`
	Certification string     `json:"certification"`
	Program       string     `json:"program"`
	Category      string     `json:"category"`
	Route         string     `json:"route"`
	Attempt       int        `json:"attempt"`
	ExamDate      civil.Date `json:"examDate"`
	ScaledScore   int        `json:"scaledScore"`
	Passed        bool       `json:"passed"`
	RecordedAt    string     `json:"recordedAt"`
	ScoreStatus   string     `json:"scoreStatus"`
	ScoreDueBy    civil.Date `json:"scoreDueBy"`
	ScoreSentOn   civil.Date `json:"scoreSentOn"`
	// CertificationNumber is set on a pass.
	CertificationNumber string `json:"certificationNumber,omitempty"`
	// Retesting is set on a fail.
	Retesting *partition.Retesting `json:"retesting,omitempty"`
	Published bool                 `json:"published"`
	// ReportName is the name printed in the certification report, kept only
	// for published passes.
	ReportName string     `json:"-"`
	OptOutOn   civil.Date `json:"-"`
}

// Limits of the inputs.
const (
	maxScaledScore = 999
	attemptIDSep   = "."
)

// Routes are short codes ("1", "2", "route-4"); they are part of keys and ids.
var routePattern = pattern.MustCompile(`^[A-Za-z0-9-]{1,32}$`)

// AttemptID names attempt n of a certification and route: "ASCPi-MLS.1.2".
func AttemptID(certKey, route string, n int) string {
	return certKey + attemptIDSep + route + attemptIDSep + strconv.Itoa(n)
}

// ParseAttemptID reads an AttemptID; false when it is not one.
func ParseAttemptID(id string) (certKey, route string, n int, ok bool) {
	parts := strings.Split(id, attemptIDSep)
	if len(parts) != 3 || !routePattern.MatchString(parts[1]) {
		return "", "", 0, false
	}
	cert, err := rules.ParseKey(parts[0])
	if err != nil || cert.Key() != parts[0] {
		return "", "", 0, false
	}
	n, err = strconv.Atoi(parts[2])
	if err != nil || n < 1 || n > MaxAttempts {
		return "", "", 0, false
	}
	return parts[0], parts[1], n, true
}

// validate checks a NewAttempt against today and returns its certification.
func validate(in NewAttempt, today civil.Date) (rules.Certification, error) {
	var errs []fielderr.Field
	add := func(field, rule, msg string) {
		errs = append(errs, fielderr.Field{Field: field, Rule: rule, Message: msg})
	}
	if in.CertificantID == "" {
		add("certificantId", "", "required")
	}
	cert, err := rules.NewCertification(in.Program, in.Category)
	if err != nil {
		rule := ""
		var re *rules.RuleError
		if errors.As(err, &re) {
			rule = re.Rule
		}
		add("category", rule, err.Error())
	}
	if !routePattern.MatchString(in.Route) {
		add("route", "R-EXAM-1", "letters, digits and '-', at most 32")
	}
	switch {
	case in.ExamDate.IsZero():
		add("examDate", "R-EXAM-2", "required")
	case in.ExamDate.After(today):
		add("examDate", "R-EXAM-2", fmt.Sprintf("%s is in the future", in.ExamDate))
	}
	if in.ScaledScore == nil || *in.ScaledScore < 0 || *in.ScaledScore > maxScaledScore {
		add("scaledScore", "", fmt.Sprintf("required, 0 to %d", maxScaledScore))
	}
	if in.Passed == nil {
		add("passed", "", "required")
	}
	if !in.PublicationOptOutOn.IsZero() && in.PublicationOptOutOn.After(today) {
		add("publicationOptOutOn", "R-EXAM-3", "is in the future")
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b fielderr.Field) int { return strings.Compare(a.Field, b.Field) })
		return rules.Certification{}, &fielderr.Invalid{Detail: "invalid request", Fields: errs}
	}
	return cert, nil
}

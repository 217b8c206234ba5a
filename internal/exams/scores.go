package exams

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/partition"
)

// Mail templates of the score emails (internal/mail/templates).
const (
	PassTemplate = "score-pass"
	FailTemplate = "score-fail"
)

// MetricNamespace is the CloudWatch namespace of the score metrics; the
// template's alarm watches ScoresPastDue in it.
const MetricNamespace = "CMP/Exams"

// SweepResult is what one score-emails run did on a day.
type SweepResult struct {
	Day civil.Date `json:"day"`
	// Sent emails owed by this run; SentLate of them after their due day.
	Sent     int `json:"sent"`
	SentLate int `json:"sentLate"`
	// Held: still waiting for transcripts; HeldPastDue of them past their due day.
	Held        int `json:"held"`
	HeldPastDue int `json:"heldPastDue"`
	// Failed could not be sent this run (logged); the next run retries.
	Failed int `json:"failed"`
}

// SendScores owes the score email of every unsent score whose transcripts are
// in (R-EXAM-2), and reports scores past their 20-business-day due day. A
// rerun, or a parallel run, owes nothing twice: each send is conditional on
// the score not being sent and the outbox id is fixed per attempt.
func (s *Service) SendScores(ctx context.Context, today civil.Date, log *slog.Logger) (SweepResult, error) {
	res := SweepResult{Day: today}
	unsent, err := s.store.Unsent(ctx)
	if err != nil {
		return res, fmt.Errorf("send scores: %w", err)
	}
	received := map[string]bool{}
	for _, a := range unsent {
		in, known := received[a.CertificantID]
		if !known {
			on, found, err := s.store.TranscriptsReceived(ctx, a.CertificantID)
			if err != nil {
				return res, fmt.Errorf("send scores: %w", err)
			}
			in = found && !on.After(today)
			received[a.CertificantID] = in
		}
		late := today.After(a.ScoreDueBy)
		attrs := []any{"certificantId", a.CertificantID, "attemptId", a.ID, "dueBy", a.ScoreDueBy.String()}
		if !in {
			res.Held++
			if late {
				res.HeldPastDue++
				log.Warn("score held past due: transcripts missing", attrs...)
			}
			continue
		}
		switch err := s.send(ctx, a, today); {
		case errors.Is(err, ErrTaken):
			continue
		case err != nil:
			res.Failed++
			log.Error("score email not owed", append(attrs, "error", err.Error())...)
			continue
		}
		res.Sent++
		if late {
			res.SentLate++
			log.Warn("score sent past due", attrs...)
		}
	}
	logMetrics(log, res)
	return res, nil
}

func (s *Service) send(ctx context.Context, a Attempt, today civil.Date) error {
	p, found, err := s.profiles.Profile(ctx, a.CertificantID)
	if err != nil {
		return err
	}
	if !found {
		return ErrUnknownCertificant
	}
	email, err := scoreEmail(a, p)
	if err != nil {
		return err
	}
	return s.store.MarkSent(ctx, a, today, email)
}

// scoreEmail is the score report email: the pass email carries the
// certification number, the fail email the re-testing information (R-EXAM-2).
func scoreEmail(a Attempt, p partition.Profile) (Email, error) {
	data := map[string]string{
		"given": p.Name.Given, "family": p.Name.Family, "certification": a.Certification,
		"route": a.Route, "examDate": a.ExamDate.String(), "scaledScore": strconv.Itoa(a.ScaledScore),
		"attemptId": a.ID,
	}
	e := Email{To: p.Email, Data: data, About: []string{a.CertificantID, a.ID}}
	if !a.Passed {
		r := a.Retesting
		if r == nil {
			rr := RetestingAfter(a.Attempt, a.Certification, a.Route)
			r = &rr
		}
		e.Template = FailTemplate
		data["retesting"] = r.Message
		data["attemptsLeft"] = strconv.Itoa(r.AttemptsLeft)
		return e, nil
	}
	number := a.CertificationNumber
	for _, c := range p.Certifications {
		if c.Key == a.Certification && c.Number != "" {
			number = c.Number
		}
	}
	if number == "" {
		// The certification was not registered; sending now would lose the number.
		return Email{}, fmt.Errorf("pass %s has no certification number", a.ID)
	}
	e.Template = PassTemplate
	data["number"] = number
	return e, nil
}

// logMetrics writes the run's figures as one CloudWatch Embedded Metric Format
// line, which CloudWatch turns into metrics without an API call.
func logMetrics(log *slog.Logger, r SweepResult) {
	type metric struct {
		Name string `json:"Name"`
		Unit string `json:"Unit"`
	}
	names := []string{"ScoresSent", "ScoresSentLate", "ScoresHeld", "ScoresHeldPastDue", "ScoresPastDue", "ScoresFailed"}
	metrics := make([]metric, len(names))
	for i, n := range names {
		metrics[i] = metric{n, "Count"}
	}
	log.Info("score emails run",
		"_aws", map[string]any{
			"Timestamp": time.Now().UnixMilli(),
			"CloudWatchMetrics": []map[string]any{{
				"Namespace": MetricNamespace, "Dimensions": [][]string{{}}, "Metrics": metrics,
			}},
		},
		"day", r.Day.String(),
		"ScoresSent", r.Sent, "ScoresSentLate", r.SentLate, "ScoresHeld", r.Held,
		"ScoresHeldPastDue", r.HeldPastDue, "ScoresPastDue", r.SentLate+r.HeldPastDue, "ScoresFailed", r.Failed)
}

package declarations

import (
	"context"
	"errors"
	"fmt"

	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/partition"
)

// DeadlineReport is what one run of the declaration-deadlines job did.
type DeadlineReport struct {
	Day       string `json:"day"`
	Reminded  int    `json:"reminded"`
	Lapsed    int    `json:"lapsed"`
	Cancelled int    `json:"cancelled"`
	Unchanged int    `json:"unchanged"`
}

// dueLister is the part of the store the job reads the day's entries from.
type dueLister interface {
	DueOn(ctx context.Context, kind DueKind, day civil.Date) ([]string, error)
}

// RunDeadlines is the daily job for today: the R-REM-2 reminders due today
// and the deficiencies and audits whose deadline was yesterday (R-DEC-2,
// R-DEC-3); the job's function adds the things unpaid 24 hours after they
// were created (R-PAY-4, billing.Cancels) to the report. Each step is conditional, so a rerun or a parallel run of the
// same day changes and sends nothing twice.
func (l *Lifecycle) RunDeadlines(ctx context.Context, due dueLister, today civil.Date) (DeadlineReport, error) {
	rep := DeadlineReport{Day: today.String()}
	var errs []error
	for _, step := range []struct {
		kind  DueKind
		do    func(context.Context, string, civil.Date) (bool, error)
		count *int
	}{{DueReminder, l.Remind, &rep.Reminded}, {DueLapse, l.Lapse, &rep.Lapsed}} {
		ids, err := due.DueOn(ctx, step.kind, today)
		if err != nil {
			return rep, err
		}
		for _, id := range ids {
			done, err := step.do(ctx, id, today)
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("%s %s: %w", step.kind, id, err))
			case done:
				*step.count++
			default:
				rep.Unchanged++
			}
		}
	}
	return rep, errors.Join(errs...)
}

// Lapse applies the deadline of a deficiency or audit that passed before
// today (the declaration-deadlines job): a deficiency is deleted, an audit
// fails (R-DEC-2, R-DEC-3). False when there is nothing to do: another
// state, a later deadline, or a parallel run that got there first.
func (l *Lifecycle) Lapse(ctx context.Context, id string, today civil.Date) (bool, error) {
	d, found, err := l.store.Get(ctx, id)
	if err != nil || !found || d.DeadlineOn == nil || !today.After(*d.DeadlineOn) {
		return false, err
	}
	if _, ok := Next(d.Status, Lapse); !ok {
		return false, nil
	}
	_, err = l.transit(ctx, d, Lapse, ActorJobName, "deadline "+d.DeadlineOn.String()+" passed", nil, today)
	if errors.Is(err, ErrStale) {
		return false, nil
	}
	return err == nil, err
}

// ActorJobName is the "by" of transitions the deadlines job makes.
const ActorJobName = "declaration-deadlines"

// ReminderTemplate is the R-REM-2 reminder email.
const ReminderTemplate = "declaration-reminder"

// Remind owes the R-REM-2 reminder of an open deficiency or audit whose
// deadline is 10 days after today, once per declaration, state and
// deadline (a deterministic outbox id); false when none is owed now.
func (l *Lifecycle) Remind(ctx context.Context, id string, today civil.Date) (bool, error) {
	d, found, err := l.store.Get(ctx, id)
	if err != nil || !found || d.DeadlineOn == nil || ReminderOn(*d.DeadlineOn) != today {
		return false, err
	}
	if d.Status != partition.Deficient && d.Status != partition.UnderAudit {
		return false, nil
	}
	party, err := l.store.Party(ctx, d)
	if err != nil {
		return false, fmt.Errorf("read certificant of %s: %w", id, err)
	}
	data := statusMail(d, party, nil)
	if d.Status == partition.UnderAudit {
		snap, err := l.snapshot(ctx, d)
		if err != nil {
			return false, err
		}
		data = documentMail(d, party, titles(activitiesByID(snap.Evaluation.Activities)))
		data["status"] = statusText[partition.UnderAudit].headline
	}
	item := dynamo.NewOutbox(ReminderTemplate, party.Email, data, l.now(), d.ID, string(d.Status), d.DeadlineOn.String())
	return l.store.Owe(ctx, item)
}

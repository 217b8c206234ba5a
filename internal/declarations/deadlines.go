package declarations

import (
	"context"
	"errors"
	"fmt"

	"github.com/boc/cmp/internal/civil"
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

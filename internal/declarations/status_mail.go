package declarations

import (
	"fmt"
	"strings"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/fees"
)

// statusText says, per state, what happened and what to do next; %s slots
// are filled by statusMail. One table so every transition's email has the
// same shape (R-DEC-5).
var statusText = map[State]struct{ headline, todo string }{
	Processing: {"in review", "Nothing for now: we will email you the decision. Processing is due by %[1]s."},
	Approved:   {"approved", "Your new cycle runs %[2]s to %[3]s, effective %[4]s; your credential reads %[5]s. Keep earning points for the next cycle."},
	Deficient: {"deficient", "Resolve the deficiency by %[6]s (30 calendar days): submit a new allocation or add activities. " +
		"Otherwise the declaration is deleted and the fee of %[7]s is kept."},
	UnderAudit: {"selected for audit", "Upload the documentation listed for each activity by %[6]s (30 business days). " +
		"Documentation not in English needs a translated English copy."},
	AuditFailed: {"audit unsuccessful", "You may complete new points within the last month of your cycle, or send an appeal letter " +
		"(illness or an overseas military assignment over one year; financial or family reasons are not grounds)."},
	Appealed: {"appeal received", "Nothing for now: we will email you the decision on your appeal."},
	Rejected: {"appeal denied", "The declaration is closed; the fee of %[7]s is not refundable. Your certification keeps its expiration date."},
	Deleted: {"deleted after the deadline", "The deficiency was not resolved in time, so the declaration was deleted and its activities released; " +
		"the fee of %[7]s is kept. To renew, submit a new declaration (an expired certification also pays the reinstatement fee of %[8]s)."},
}

// statusMail is the data of a status email: the given name only, the
// facts that matter (dates, amounts) and what to do.
func statusMail(d Declaration, p Party, r *Renewal) map[string]string {
	t := statusText[d.Status]
	deadline, cycleStart, cycleEnd, effective, credential := "", "", "", "", ""
	if d.DeadlineOn != nil {
		deadline = d.DeadlineOn.String()
	}
	if r != nil {
		cycleStart, cycleEnd, effective, credential = r.Cycle.Start.String(), r.Cycle.End.String(), r.Effective.String(), r.Credential
	}
	reason, on := "", calendar.Today(d.SubmittedAt)
	if n := len(d.History); n > 0 {
		reason, on = d.History[n-1].Reason, calendar.Today(d.History[n-1].At)
	}
	// The reinstatement fee a resubmission would pay is the schedule's of the notice day.
	amounts, _ := fees.DefaultSchedule().At(on)
	todo := fmt.Sprintf(t.todo, d.ProcessingDueOn, cycleStart, cycleEnd, effective, credential, deadline,
		fees.Amount(d.Fee.TotalCents, d.Fee.Currency), fees.Amount(amounts.ReinstatementCents, d.Fee.Currency))
	return map[string]string{
		"given":         p.Given,
		"declarationId": d.ID,
		"certification": d.Certification,
		"status":        t.headline,
		"reason":        reason,
		"deadline":      deadline,
		"todo":          strings.TrimSpace(todo),
	}
}

package declarations

import (
	"fmt"
	"strings"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/partition"
)

// ReceivedMail is the data of the "declaration received" email. No full
// name: the greeting uses the given name only.
func ReceivedMail(d partition.Declaration, given, receipt string) map[string]string {
	warning := ""
	for _, w := range d.Warnings {
		warning += w.Message + " "
	}
	return map[string]string{
		"given":           given,
		"declarationId":   d.ID,
		"certification":   d.Certification,
		"fee":             fees.Amount(d.Fee.TotalCents, d.Fee.Currency),
		"processingDueOn": d.ProcessingDueOn.String(),
		"warning":         strings.TrimSpace(warning),
		"receipt":         receipt,
	}
}

// mailFacts are the facts a status email may state; each state's text
// names the ones it uses by field, so a text can never print a fact it was
// not meant to (no positional format verbs, no "%!(EXTRA ...)").
type mailFacts struct {
	processingDue, deadline string
	cycleStart, cycleEnd    string
	effective, credential   string
	fee, reinstatementFee   string
	lastMonthFrom           string
	// lastDeadline is the deadline of the state left, for texts of a lapse.
	lastDeadline string
}

// statusText says, per state, what happened (the headline, also the
// subject) and what to do next. One table so every transition's email has
// the same shape (R-DEC-5).
var statusText = map[partition.State]struct {
	headline string
	todo     func(f mailFacts) string
}{
	partition.Processing: {"in review", func(f mailFacts) string {
		return "Nothing for now: we will email you the decision. Processing is due by " + f.processingDue + "."
	}},
	partition.Approved: {"approved", func(f mailFacts) string {
		return "Your new cycle runs " + f.cycleStart + " to " + f.cycleEnd + ", effective " + f.effective +
			"; your credential reads " + f.credential + ". Keep earning points for the next cycle."
	}},
	partition.Deficient: {"deficient", func(f mailFacts) string {
		return "Resolve the deficiency by " + f.deadline + " (30 calendar days): submit a new allocation or add activities. " +
			"Otherwise the declaration is deleted and the fee of " + f.fee + " is kept."
	}},
	partition.UnderAudit: {"selected for audit", func(f mailFacts) string {
		return "Upload the documentation listed for each activity by " + f.deadline + " (30 business days). " +
			"Documentation not in English needs a translated English copy."
	}},
	partition.AuditFailed: {"audit unsuccessful", func(f mailFacts) string {
		return "By " + f.deadline + " (30 business days) you may complete new points within the last month of your cycle " +
			"(completed on or after " + f.lastMonthFrom + ") and submit them as a new allocation, or send an appeal letter " +
			"(illness or an overseas military assignment over one year; financial or family reasons are not grounds). " +
			"Otherwise the declaration is rejected and the fee of " + f.fee + " is kept."
	}},
	partition.Appealed: {"appeal received", func(mailFacts) string {
		return "Nothing for now: we will email you the decision on your appeal."
	}},
	partition.Rejected: {"appeal denied", func(f mailFacts) string {
		return "The declaration is closed; the fee of " + f.fee + " is not refundable. Your certification keeps its expiration date."
	}},
	partition.Cancelled: {"cancelled: not paid", func(f mailFacts) string {
		return "The fee of " + f.fee + " was not paid within 24 hours of the submission, so the declaration was cancelled " +
			"and its activities released. Nothing was charged; to renew, submit a new declaration and pay its fee."
	}},
	partition.Deleted: {"deleted after the deadline", func(f mailFacts) string {
		return "The deficiency was not resolved in time, so the declaration was deleted and its activities released; " +
			"the fee of " + f.fee + " is kept. To renew, submit a new declaration (an expired certification also pays the " +
			"reinstatement fee of " + f.reinstatementFee + ")."
	}},
}

// rejectedAtDeadline is the text of a failed audit that neither new points
// nor an appeal answered in time (R-DEC-4), as the deadlines job rejects it.
var rejectedAtDeadline = struct {
	headline string
	todo     func(f mailFacts) string
}{"rejected after the deadline", func(f mailFacts) string {
	return "Neither new points nor an appeal letter arrived by " + f.lastDeadline + ", so the declaration is closed and its activities " +
		"released; the fee of " + f.fee + " is not refundable. Your certification keeps its expiration date."
}}

// facts gathers what the texts may state of d and the renewal r.
func facts(d partition.Declaration, r *Renewal) mailFacts {
	f := mailFacts{processingDue: d.ProcessingDueOn.String(), fee: fees.Amount(d.Fee.TotalCents, d.Fee.Currency)}
	if d.DeadlineOn != nil {
		f.deadline = d.DeadlineOn.String()
	}
	if r != nil {
		f.cycleStart, f.cycleEnd, f.effective, f.credential = r.Cycle.Start.String(), r.Cycle.End.String(), r.Effective.String(), r.Credential
	}
	f.lastMonthFrom = LastMonthFrom(d).String()
	if n := len(d.History); n > 0 {
		f.lastDeadline = strings.TrimSuffix(strings.TrimPrefix(d.History[n-1].Reason, "deadline "), " passed")
	}
	on := calendar.Today(d.SubmittedAt)
	if n := len(d.History); n > 0 {
		on = calendar.Today(d.History[n-1].At)
	}
	// The reinstatement fee a resubmission would pay is the tariff's of the notice day.
	if amounts, err := fees.DefaultTariff().At(on); err == nil {
		f.reinstatementFee = fees.Amount(amounts.ReinstatementCents, d.Fee.Currency)
	}
	return f
}

// statusMail is the data of a status email: the given name only, the
// facts that matter (dates, amounts) and what to do.
func statusMail(d partition.Declaration, p Party, r *Renewal) map[string]string {
	t, known := statusText[d.Status]
	reason, by := "", ""
	if n := len(d.History); n > 0 {
		reason, by = d.History[n-1].Reason, d.History[n-1].By
	}
	if d.Status == partition.Rejected && by == ActorJobName {
		t = rejectedAtDeadline
	}
	todo := ""
	if known {
		todo = t.todo(facts(d, r))
	}
	deadline := ""
	if d.DeadlineOn != nil {
		deadline = d.DeadlineOn.String()
	}
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

// documentMail confirms an audit upload and lists, by title, the claimed
// activities still without documentation (R-DEC-3). titles maps activity
// ids to their titles; an id without one is shown as is.
func documentMail(d partition.Declaration, p Party, titles map[string]string) map[string]string {
	data := statusMail(d, p, nil)
	data["status"] = "documentation received"
	data["reason"] = fmt.Sprintf("documentation received (%d document(s))", len(d.Documents))
	missing := MissingDocumentation(d)
	if len(missing) == 0 {
		data["todo"] = "Every activity has documentation now; we will email you the audit decision."
		return data
	}
	names := make([]string, len(missing))
	for i, id := range missing {
		names[i] = id
		if t := titles[id]; t != "" {
			names[i] = "\u201c" + t + "\u201d"
		}
	}
	data["todo"] = fmt.Sprintf("Still missing documentation for %s; upload it by %s.", strings.Join(names, ", "), data["deadline"])
	return data
}

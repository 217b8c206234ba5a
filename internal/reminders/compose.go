// Package reminders is the daily CMP reminder sweep (R-REM-1, R-REM-3): for each
// configured offset it finds the certification cycles whose expiration makes a
// reminder due today, and owes one email per certification, cycle and
// milestone through the outbox. The mail sender does the sending.
package reminders

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fees"
)

// Mail templates of the reminders (internal/mail/templates).
const (
	// TemplateUpcoming: the submission window is not open yet (R-CYC-7).
	TemplateUpcoming = "cmp-reminder-upcoming"
	// TemplateWindowOpen: the submission window is open, with its dates (R-CYC-7).
	TemplateWindowOpen = "cmp-reminder-window-open"
	// TemplateExpired: the day after expiration: reinstatement and its fee
	// (R-CYC-8, R-FEE-1, R-FEE-3).
	TemplateExpired = "cmp-reminder-expired"
	// TemplateProcessing: the day after expiration while a declaration
	// submitted in time is still processed: no reinstatement fee (R-REM-1).
	TemplateProcessing = "cmp-reminder-processing"
)

// outboxKind prefixes every reminder's outbox id, whatever its template.
const outboxKind = "cmp-reminder"

// ParseOffsets reads offsets in days before expiration from a comma-separated
// list ("180,90,30,-1"; negative is after expiration). Empty means the R-REM-1
// defaults. Zero and duplicates are refused: each milestone must be distinct.
func ParseOffsets(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return calendar.DefaultReminderOffsets(), nil
	}
	var offsets []int
	seen := map[int]bool{}
	for part := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("reminder offset %q: not a whole number of days", part)
		}
		if n == 0 || seen[n] {
			return nil, fmt.Errorf("reminder offset %d: zero or repeated", n)
		}
		seen[n] = true
		offsets = append(offsets, n)
	}
	return offsets, nil
}

// Due is a certification cycle found on the expiry index, with whom to remind.
type Due struct {
	CertificantID string
	CertKey       string // ASCPi-MLS
	Credential    string // MLS(ASCPi)CM: what the email names
	Expiration    civil.Date
	Status        string
	// CMPRequired is false for a voluntary participant's CM cycle (R-CYC-5).
	CMPRequired bool
	// To is copied on the certification item at registration; empty on items
	// written before that, whose profile the sweep reads instead.
	To Recipient
	// Processing: a declaration submitted by the expiration still waits for
	// its decision (R-REM-1); the sweep fills it in for the day after.
	Processing bool
}

// Recipient is who a reminder goes to.
type Recipient struct {
	Email string
	Given string
}

// Email is one reminder owed: its deterministic id (certification + cycle +
// milestone), template and data.
type Email struct {
	ID       string
	Template string
	Data     map[string]string
}

// remindable statuses: an inactive (R-INA) or otherwise parked certification
// gets no courtesy reminder for the cycle it is parked in.
var remindable = map[string]bool{
	string(calendar.StatusActive):  true,
	string(calendar.StatusExpired): true,
}

// Compose decides the reminder for a cycle at a milestone, offsetDays before
// expiration (negative: after). ok is false when none is owed: the status is
// not remindable, or the item's cycle no longer ends on the expiration the
// sweep looked for (renewed: the cycle moved on, R-REM-1 "per cycle"), or it
// is the day after the end of a voluntary CM cycle: nothing expires then,
// only the CM drops, so there is no reinstatement to explain (R-CYC-5).
func Compose(d Due, expiration civil.Date, offsetDays int, tariff fees.Tariff) (Email, bool, error) {
	if !remindable[d.Status] || d.Expiration != expiration || (offsetDays < 0 && !d.CMPRequired) {
		return Email{}, false, nil
	}
	w := calendar.SubmissionWindowFor(expiration)
	on := expiration.AddDays(-offsetDays)
	data := map[string]string{
		"certificantId": d.CertificantID,
		"credential":    d.Credential,
		"expiration":    expiration.String(),
		"windowOpens":   w.Opens.String(),
		"lateAfter":     w.LateAfter.String(),
	}
	var template string
	switch {
	case offsetDays < 0 && d.Processing:
		template = TemplateProcessing
	case offsetDays < 0:
		template = TemplateExpired
		if err := addReinstatementFee(data, d.CertKey, expiration, on, tariff); err != nil {
			return Email{}, false, err
		}
	case on.Before(w.Opens):
		template, data["daysLeft"] = TemplateUpcoming, strconv.Itoa(offsetDays)
	default:
		template, data["daysLeft"] = TemplateWindowOpen, strconv.Itoa(offsetDays)
	}
	id := dynamo.OutboxID(outboxKind, d.CertificantID, d.CertKey, expiration.String(), strconv.Itoa(offsetDays))
	return Email{ID: id, Template: template, Data: data}, true, nil
}

// addReinstatementFee prices a reinstating declaration on the reminder's day
// with the fee tariff, so the email shows what a submission would be charged
// then (R-FEE-1 application + R-FEE-3 reinstatement).
func addReinstatementFee(data map[string]string, certKey string, expiration, on civil.Date, tariff fees.Tariff) error {
	q, err := tariff.Quote(fees.Request{
		At:             noonIn(on),
		Items:          []fees.Item{{Kind: fees.KindCMPDeclaration, Certification: certKey}},
		Certifications: map[string]fees.Certification{certKey: {Expiration: expiration, Expired: true}},
	})
	if err != nil {
		return fmt.Errorf("reinstatement fee of %s: %w", certKey, err)
	}
	for _, l := range q.Lines {
		switch l.Rule {
		case "R-FEE-1":
			data["applicationFee"] = fees.FormatCents(l.AmountCents)
		case "R-FEE-3":
			data["reinstatementFee"] = fees.FormatCents(l.AmountCents)
		}
	}
	data["totalFee"] = fees.FormatCents(q.TotalCents)
	data["currency"] = q.Currency
	return nil
}

// noonIn is midday of d in the board's zone: an instant whose board date is d.
func noonIn(d civil.Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, calendar.Zone)
}

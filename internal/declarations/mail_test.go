package declarations

import (
	"strings"
	"testing"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/mail/mailtest"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/rules"
)

// R-DEC-5, R-REM-2: the status email of every state a transition enters,
// the documentation-received email and the deadline reminders render with
// realistic data and without debris (%!, <no value>, an empty date or
// amount), and state the facts of their state.
func TestStatusMailsRenderForEveryState(t *testing.T) {
	party := Party{Email: "ana@example.org", Given: "Ana", Certification: mls("2025-01-31", true)}
	at := time.Date(2024, 12, 2, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		from partition.State
		dec  Decision
		by   string
		want []string
	}{
		{partition.Submitted, Review, "staff-1", []string{"in review", "2024-12-17"}},
		{partition.Processing, Approve, "staff-1", []string{"approved", "2025-02-01 to 2028-01-31", "effective 2025-01-01", "MLS(ASCPi)CM"}},
		{partition.Processing, Deficiency, "staff-1", []string{"deficient", "2025-01-01", "95.00 USD"}},
		{partition.Processing, Audit, "staff-1", []string{"selected for audit", "2025-01-15", "translated"}},
		{partition.UnderAudit, AuditFail, "staff-1", []string{"audit unsuccessful", "2025-01-15", "on or after 2025-01-01", "appeal letter", "95.00 USD"}},
		{partition.AuditFailed, Resolve, "c-1", []string{"appeal received", "decision on your appeal"}},
		{partition.Appealed, AppealDeny, "staff-1", []string{"appeal denied", "95.00 USD", "not refundable"}},
		{partition.AuditFailed, Lapse, ActorJobName, []string{"rejected after the deadline", "2024-12-01", "95.00 USD"}},
		{partition.Deficient, Lapse, ActorJobName, []string{"deleted after the deadline", "95.00 USD", "125.00 USD"}},
		{partition.Appealed, AppealGrant, "staff-1", []string{"approved", "2025-02-01 to 2028-01-31"}},
	} {
		d := sampleDeclaration(tc.from)
		if tc.from == partition.AuditFailed || tc.from == partition.Deficient {
			dl := at.AddDate(0, 0, -1)
			day := calendar.Today(dl)
			d.DeadlineOn = &day
		}
		reason := "reason given"
		if tc.dec == Lapse {
			reason = "deadline " + d.DeadlineOn.String() + " passed"
		}
		c, err := ChangeOf(d, tc.dec, tc.by, reason, party, at)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.from, tc.dec, err)
		}
		m := mailtest.Render(t, StatusTemplate, c.Mail.Data)
		for _, w := range tc.want {
			if !strings.Contains(m.Subject+"\n"+m.Text, w) || !strings.Contains(m.HTML, w) {
				t.Errorf("%s --%s--> %s: %q missing from %q", tc.from, tc.dec, c.To.Status, w, m.Subject+"\n"+m.Text)
			}
		}
	}
	// Documentation received: its own subject, missing activities by title.
	d := sampleDeclaration(partition.UnderAudit)
	dl := calendar.Today(at.AddDate(0, 1, 0))
	d.DeadlineOn = &dl
	d.Documents = []partition.Document{{ActivityID: "a1", Kind: CertificateOfParticipation, FileName: "c.pdf", Language: "en"}}
	acts := map[string]rules.Activity{"a1": {ID: "a1", Title: "Transfusion update"}, "a2": {ID: "a2", Title: "Hemostasis workshop"}}
	m := mailtest.Render(t, StatusTemplate, documentMail(d, party, titles(acts)))
	if !strings.Contains(m.Subject, "documentation received") || strings.Contains(m.Subject, "selected for audit") ||
		!strings.Contains(m.Text, "Hemostasis workshop") || strings.Contains(m.Text, " a2") {
		t.Errorf("documentation received: %q / %q", m.Subject, m.Text)
	}
	// The reminders of both deadline states.
	for _, s := range []partition.State{partition.Deficient, partition.UnderAudit} {
		d := sampleDeclaration(s)
		d.DeadlineOn = &dl
		data := statusMail(d, party, nil)
		if s == partition.UnderAudit {
			data = documentMail(d, party, titles(acts))
			data["status"] = statusText[partition.UnderAudit].headline
		}
		m := mailtest.Render(t, ReminderTemplate, data)
		if !strings.Contains(m.Subject, dl.String()) {
			t.Errorf("%s reminder subject %q", s, m.Subject)
		}
	}
}

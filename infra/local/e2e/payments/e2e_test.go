package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boc/cmp/infra/local/stacktest"
	"github.com/boc/cmp/infra/local/stripelocal"
	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/declarations"
	"github.com/boc/cmp/internal/payment"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

// payer is a certificant with an MLS certificate expiring in two months
// (the submission window open) and a transcript that meets it.
type payer struct{ id, email, token string }

func newPayer(t *testing.T, s *stacktest.Stack, id string) payer {
	t.Helper()
	staff := s.Token("staff-pay", "staff")
	p := payer{id: id, email: id + "@example.org", token: s.Token(id)}
	start := calendar.Today(time.Now()).FirstOfMonth().AddMonths(2 - 36)
	steps := []struct {
		path, token string
		body        map[string]any
	}{
		{"/v1/certificants", staff, map[string]any{"id": id, "email": p.email, "country": "PH", "name": map[string]string{"given": "Lea", "family": "Cruz"}}},
		{"/v1/certificants/" + id + "/certifications", staff, map[string]any{"program": "ASCPi", "category": "MLS", "startedOn": start.String()}},
	}
	on := calendar.Today(time.Now()).AddDays(-20).String()
	for _, area := range []string{"safety", "ethics", "blood_banking", "chemistry", "hematology", "microbiology", "management"} {
		hours := map[string]string{"management": "27"}[area]
		if hours == "" {
			hours = "2"
		}
		steps = append(steps, struct {
			path, token string
			body        map[string]any
		}{"/v1/certificants/" + id + "/activities", p.token, map[string]any{"type": "formal_ce", "title": "Course in " + area,
			"provider": "ASCLS", "completedOn": on, "areas": []string{area}, "contactHours": hours, "accreditation": "ASCLS_PACE"}})
	}
	for _, st := range steps {
		if r := s.Do(t, "POST", st.path, st.token, st.body); r.Status != 201 {
			t.Fatalf("POST %s: %d %s", st.path, r.Status, r.Body)
		}
	}
	return p
}

type receipt struct {
	ID              string       `json:"id"`
	Status          string       `json:"status"`
	ProcessingDueOn string       `json:"processingDueOn"`
	Payment         payment.Info `json:"payment"`
}

func (p payer) submit(t *testing.T, s *stacktest.Stack, hdr ...string) (*stacktest.Response, receipt) {
	t.Helper()
	r := s.Do(t, "POST", "/v1/declarations", p.token, map[string]any{"certificantId": p.id, "certification": "ASCPi-MLS"}, hdr...)
	var rc receipt
	if r.Status == 201 {
		if err := json.Unmarshal(r.Body, &rc); err != nil {
			t.Fatal(err)
		}
	}
	return r, rc
}

type declaration struct {
	Status          string `json:"status"`
	ProcessingDueOn string `json:"processingDueOn"`
	History         []struct {
		State string `json:"state"`
		By    string `json:"by"`
	} `json:"history"`
}

func getDeclaration(t *testing.T, s *stacktest.Stack, p payer, id string) declaration {
	t.Helper()
	r := s.Do(t, "GET", "/v1/declarations/"+id, p.token, nil)
	var d declaration
	if r.Status != 200 || json.Unmarshal(r.Body, &d) != nil {
		t.Fatalf("get %s: %d %s", id, r.Status, r.Body)
	}
	return d
}

func payments(t *testing.T, s *stacktest.Stack, token, id string) []payment.Receipt {
	t.Helper()
	r := s.Do(t, "GET", "/v1/certificants/"+id+"/payments", token, nil)
	var v struct {
		Payments []payment.Receipt `json:"payments"`
	}
	if r.Status != 200 || json.Unmarshal(r.Body, &v) != nil {
		t.Fatalf("payments of %s: %d %s", id, r.Status, r.Body)
	}
	return v.Payments
}

// mailsTo waits until want emails to addr whose subject starts with prefix
// went out, then a little longer so that an extra one would show.
func mailsTo(t *testing.T, s *stacktest.Stack, addr, prefix string, want int) []stacktest.Mail {
	t.Helper()
	var got []stacktest.Mail
	deadline := time.Now().Add(20 * time.Second)
	settled := time.Time{}
	for {
		got = got[:0]
		for _, m := range s.Mail(t) {
			if len(m.Destination.To) == 1 && m.Destination.To[0] == addr && strings.HasPrefix(m.Subject, prefix) {
				got = append(got, m)
			}
		}
		switch {
		case len(got) > want:
			t.Fatalf("%d emails %q to %s, want %d", len(got), prefix, addr, want)
		case len(got) == want && settled.IsZero():
			settled = time.Now()
		case len(got) == want && time.Since(settled) > 2*time.Second:
			return got
		case time.Now().After(deadline):
			t.Fatalf("%d emails %q to %s, want %d", len(got), prefix, addr, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

const receivedSubject = "CMP declaration received"

// R-PAY-1, R-PAY-2, R-PAY-5: a declaration with a fee waits for its payment,
// then is submitted with its due date counted from the payment and the
// received email with a receipt line; the receipts list it.
func TestDeclarationPaid(t *testing.T) {
	s := stacktest.Get(t)
	p := newPayer(t, s, "c-pay-1")
	r, rc := p.submit(t, s)
	if r.Status != 201 || rc.Status != "awaiting_payment" || rc.Payment.Status != payment.RequiresPayment ||
		rc.Payment.AmountCents != 9500 || !strings.HasPrefix(rc.Payment.ClientSecret, "pi_") {
		t.Fatalf("submit: %d %s, want 201 awaiting_payment with a 9500 payment and its client secret", r.Status, r.Body)
	}
	if d := getDeclaration(t, s, p, rc.ID); d.Status != "awaiting_payment" {
		t.Errorf("before payment: %s, want awaiting_payment", d.Status)
	}
	mailsTo(t, s, p.email, receivedSubject, 0) // nothing received before the payment
	ps := payments(t, s, p.token, p.id)
	if len(ps) != 1 || ps[0].About != rc.ID || ps[0].Status != payment.RequiresPayment || ps[0].Intent == "" || ps[0].PaidAt != "" {
		t.Fatalf("payments before: %+v", ps)
	}
	// A second certificant cannot read them; staff can.
	if r := s.Do(t, "GET", "/v1/certificants/"+p.id+"/payments", s.Token("c-pay-other"), nil); r.Status != 404 {
		t.Errorf("another certificant: %d, want 404", r.Status)
	}
	if got := payments(t, s, s.Token("staff-1", "staff"), p.id); len(got) != 1 {
		t.Errorf("staff sees %d payments, want 1", len(got))
	}

	s.Pay(t, rc.ID)
	d := getDeclaration(t, s, p, rc.ID)
	if want := calendar.ProcessingDue(time.Now()).String(); d.Status != "submitted" || d.ProcessingDueOn != want {
		t.Errorf("after payment: %s due %s, want submitted due %s", d.Status, d.ProcessingDueOn, want)
	}
	if n := len(d.History); n != 2 || d.History[0].State != "awaiting_payment" || d.History[1].State != "submitted" || d.History[1].By != declarations.ActorStripe {
		t.Errorf("history %+v, want awaiting_payment then submitted by stripe", d.History)
	}
	m := mailsTo(t, s, p.email, receivedSubject, 1)[0]
	pay := s.Payment(t, rc.ID)
	if want := "Receipt: 95.00 USD paid by card"; !strings.Contains(m.Body.Text, want) || !strings.Contains(m.Body.Text, pay.IntentID) {
		t.Errorf("received email lacks %q and the intent %s:\n%s", want, pay.IntentID, m.Body.Text)
	}
	ps = payments(t, s, p.token, p.id)
	if len(ps) != 1 || ps[0].Status != payment.Succeeded || ps[0].PaidAt == "" || ps[0].AmountCents != 9500 || ps[0].Currency != "USD" {
		t.Errorf("payments after: %+v", ps)
	}
}

// R-PAY-2, R-PAY-3: per fee-bearing kind, 20 identical requests at once
// (one Idempotency-Key) make one payable thing and ask stripe-mock for one
// PaymentIntent; 20 deliveries of its succeeded event at once make one
// payment record, one state change and one email.
func TestOnceUnderRepeats(t *testing.T) {
	s := stacktest.Get(t)
	for _, kind := range []struct {
		name, payer string
		// create sends the request: its status, the thing's id and client secret.
		create func(p payer) (int, string, string)
		// mail is the subject prefix of the one email the payment owes.
		mail string
		// effective checks the one state change the payment made.
		effective func(t *testing.T, p payer, id string)
	}{{
		name: "declaration", payer: "c-pay-race", mail: receivedSubject,
		create: func(p payer) (int, string, string) {
			r, rc := p.submit(t, s, "Idempotency-Key", "race-key")
			return r.Status, rc.ID, rc.Payment.ClientSecret
		},
		effective: func(t *testing.T, p payer, id string) {
			d := getDeclaration(t, s, p, id)
			submitted := 0
			for _, h := range d.History {
				if h.State == "submitted" {
					submitted++
				}
			}
			if d.Status != "submitted" || submitted != 1 {
				t.Errorf("declaration %s with %d submitted transitions, want submitted once", d.Status, submitted)
			}
			r := s.Do(t, "GET", "/v1/certificants/"+p.id+"/declarations", p.token, nil)
			var list struct {
				Declarations []json.RawMessage `json:"declarations"`
			}
			if r.Status != 200 || json.Unmarshal(r.Body, &list) != nil || len(list.Declarations) != 1 {
				t.Errorf("declarations: %d %s, want one", r.Status, r.Body)
			}
		},
	}, {
		name: "inactive_request", payer: "c-pay-race-ina", mail: "Inactive status request received",
		create: func(p payer) (int, string, string) {
			r := s.Do(t, "POST", "/v1/certificants/"+p.id+"/inactive-requests", p.token, map[string]any{"certification": "ASCPi-MLS",
				"reason": "serious illness", "basis": "illness", "documents": []map[string]string{{"fileName": "letter.pdf"}}},
				"Idempotency-Key", "race-key")
			var a struct {
				ID      string
				Payment payment.Info
			}
			_ = json.Unmarshal(r.Body, &a)
			return r.Status, a.ID, a.Payment.ClientSecret
		},
		effective: func(t *testing.T, p payer, id string) {
			// Registered: staff decide it, once (a second decision is 409).
			path := "/v1/certificants/" + p.id + "/inactive-requests/" + id + "/decision"
			deny := map[string]any{"decision": "deny", "reason": "not documented"}
			if r := s.Do(t, "POST", path, s.Token("staff-1", "staff"), deny); r.Status != 200 {
				t.Errorf("decision on the paid request: %d %s, want 200", r.Status, r.Body)
			}
		},
	}} {
		t.Run(kind.name, func(t *testing.T) {
			p := newPayer(t, s, kind.payer)
			const n = 20
			before := s.StripeRequests("POST /v1/payment_intents")
			ids, secrets, statuses := make([]string, n), make([]string, n), make([]int, n)
			parallel(n, func(i int) { statuses[i], ids[i], secrets[i] = kind.create(p) })
			for i := range n {
				if statuses[i] != 201 || ids[i] != ids[0] || secrets[i] != secrets[0] || secrets[i] == "" {
					t.Errorf("request %d: %d %s %q, want the first 201 %s %q", i, statuses[i], ids[i], secrets[i], ids[0], secrets[0])
				}
			}
			if got := s.StripeRequests("POST /v1/payment_intents") - before; got != 1 {
				t.Errorf("%d PaymentIntent creations sent to stripe-mock, want 1", got)
			}
			t.Logf("20 parallel %s requests: %d PaymentIntent creation(s) sent to stripe-mock", kind.name, s.StripeRequests("POST /v1/payment_intents")-before)

			pay := s.Payment(t, ids[0])
			body, sig := s.StripeEvent("evt_race_"+kind.name, payment.EventSucceeded, stripelocal.IntentOf(pay), time.Now())
			outcomes := make([]string, n)
			parallel(n, func(i int) {
				r := s.Webhook(t, body, sig)
				var v struct{ Outcome string }
				if r.Status != 200 || json.Unmarshal(r.Body, &v) != nil {
					t.Errorf("delivery %d: %d %s", i, r.Status, r.Body)
				}
				outcomes[i] = v.Outcome
			})
			count := map[string]int{}
			for _, o := range outcomes {
				count[o]++
			}
			if count["applied"] != 1 || count["duplicate"] != n-1 {
				t.Errorf("outcomes %v, want 1 applied and %d duplicate", count, n-1)
			}
			t.Logf("20 parallel deliveries of one event: %v", count)
			if ps := payments(t, s, p.token, p.id); len(ps) != 1 || ps[0].Status != payment.Succeeded || ps[0].About != ids[0] {
				t.Errorf("payments %+v, want one succeeded", ps)
			}
			mailsTo(t, s, p.email, kind.mail, 1)
			kind.effective(t, p, ids[0])
		})
	}
}

func parallel(n int, f func(i int)) {
	var start, wg sync.WaitGroup
	start.Add(1)
	for i := range n {
		wg.Go(func() { start.Wait(); f(i) })
	}
	start.Done()
	wg.Wait()
}

// R-PAY-3: what the webhook refuses or ignores changes nothing.
func TestWebhookRefusals(t *testing.T) {
	s := stacktest.Get(t)
	p := newPayer(t, s, "c-pay-refuse")
	_, rc := p.submit(t, s)
	pay := s.Payment(t, rc.ID)
	pi := stripelocal.IntentOf(pay)
	now := time.Now()
	unchanged := func(step string) {
		t.Helper()
		if d := getDeclaration(t, s, p, rc.ID); d.Status != "awaiting_payment" {
			t.Errorf("%s: declaration %s, want awaiting_payment", step, d.Status)
		}
		if got := s.Payment(t, rc.ID); got.Status != payment.RequiresPayment || got.PaidAt != "" || got.Version != pay.Version {
			t.Errorf("%s: payment %s v%d, want requires_payment v%d", step, got.Status, got.Version, pay.Version)
		}
	}
	good, _ := s.StripeEvent("evt_ref_good", payment.EventSucceeded, pi, now)
	for _, tc := range []struct {
		name      string
		body      []byte
		signature string
		status    int
		outcome   string
	}{
		{"signed with another secret", good, stripelocal.Sign(good, "whsec_not-ours", now), 400, ""},
		{"no signature", good, "", 400, ""},
		{"a body changed after signing", []byte(strings.Replace(string(good), `"amount":9500`, `"amount":1`, 1)), stripelocal.Sign(good, s.WebhookSecret(), now), 400, ""},
		{"signed 301 s ago", good, stripelocal.Sign(good, s.WebhookSecret(), now.Add(-301*time.Second)), 400, ""},
	} {
		r := s.Webhook(t, tc.body, tc.signature)
		if r.Status != tc.status || !strings.Contains(string(r.Body), `"rule":"R-PAY-3"`) {
			t.Errorf("%s: %d %s, want %d naming R-PAY-3", tc.name, r.Status, r.Body, tc.status)
		}
		unchanged(tc.name)
	}
	for _, tc := range []struct {
		name, id, typ string
		pi            stripelocal.Intent
		outcome       string
	}{
		{"an unknown PaymentIntent", "evt_ref_unknown", payment.EventSucceeded, stripelocal.Intent{ID: "pi_not_ours", AmountCents: 9500, Currency: "USD"}, "ignored"},
		{"a wrong amount", "evt_ref_amount", payment.EventSucceeded, stripelocal.Intent{ID: pi.ID, AmountCents: 9400, Currency: "USD"}, "refused"},
		{"a wrong currency", "evt_ref_currency", payment.EventSucceeded, stripelocal.Intent{ID: pi.ID, AmountCents: 9500, Currency: "EUR"}, "refused"},
		{"a declined card", "evt_ref_declined", payment.EventFailed, pi, "ignored"},
	} {
		body, sig := s.StripeEvent(tc.id, tc.typ, tc.pi, now)
		if r := s.Webhook(t, body, sig); r.Status != 200 || !strings.Contains(string(r.Body), `"outcome":"`+tc.outcome+`"`) {
			t.Errorf("%s: %d %s, want 200 %s", tc.name, r.Status, r.Body, tc.outcome)
		}
		unchanged(tc.name)
	}
	// The refused event stays refused when Stripe delivers it again.
	body, sig := s.StripeEvent("evt_ref_amount", payment.EventSucceeded, stripelocal.Intent{ID: pi.ID, AmountCents: 9400, Currency: "USD"}, now)
	if r := s.Webhook(t, body, sig); !strings.Contains(string(r.Body), `"outcome":"duplicate"`) {
		t.Errorf("refused event again: %s, want duplicate", r.Body)
	}
	unchanged("refused event again")
	mailsTo(t, s, p.email, receivedSubject, 0)

	// Paid; then a payment_failed that Stripe delivers late changes nothing.
	s.Pay(t, rc.ID)
	paid := s.Payment(t, rc.ID)
	body, sig = s.StripeEvent("evt_ref_late_failure", payment.EventFailed, pi, time.Now())
	if r := s.Webhook(t, body, sig); r.Status != 200 || !strings.Contains(string(r.Body), `"outcome":"ignored"`) {
		t.Errorf("failure after success: %d %s, want 200 ignored", r.Status, r.Body)
	}
	if got := s.Payment(t, rc.ID); got.Status != payment.Succeeded || got.Version != paid.Version {
		t.Errorf("after a late failure: payment %s v%d, want succeeded v%d", got.Status, got.Version, paid.Version)
	}
	if d := getDeclaration(t, s, p, rc.ID); d.Status != "submitted" {
		t.Errorf("after a late failure: %s, want submitted", d.Status)
	}
	mailsTo(t, s, p.email, receivedSubject, 1)
}

// R-PAY-4: unpaid 24 hours after it was created, the deadlines job cancels
// the declaration (its claims and pending marker released, the certificant
// told); a replay of the day does nothing more; a payment arriving later is
// flagged for a refund, never applied.
func TestCancelledWhenUnpaid(t *testing.T) {
	s := stacktest.Get(t)
	p := newPayer(t, s, "c-pay-cancel")
	_, rc := p.submit(t, s)
	pay := s.Payment(t, rc.ID)
	created, err := time.Parse(time.RFC3339, pay.CreatedAt)
	if err != nil {
		t.Fatal(err)
	}
	job := func(day time.Time) declarations.DeadlineReport {
		var rep declarations.DeadlineReport
		if err := json.Unmarshal(s.Invoke(t, "DeclarationDeadlinesFunction", s.ScheduledEvent(t, "DeclarationDeadlinesFunction", day)), &rep); err != nil {
			t.Fatal(err)
		}
		return rep
	}
	cancelOn := payment.CancelOn(created)
	if rep := job(cancelOn.AddDays(-1).Time()); rep.Cancelled != 0 {
		t.Errorf("the day before: %+v, want nothing cancelled", rep)
	}
	if d := getDeclaration(t, s, p, rc.ID); d.Status != "awaiting_payment" {
		t.Fatalf("before its day: %s", d.Status)
	}
	if rep := job(cancelOn.Time()); rep.Cancelled != 1 {
		t.Errorf("its day: %+v, want 1 cancelled", rep)
	}
	if rep := job(cancelOn.Time()); rep.Cancelled != 0 {
		t.Errorf("its day replayed: %+v, want nothing more", rep)
	}
	if d := getDeclaration(t, s, p, rc.ID); d.Status != "cancelled" {
		t.Errorf("after: %s, want cancelled", d.Status)
	}
	m := mailsTo(t, s, p.email, "CMP declaration ASCPi-MLS: cancelled", 1)[0]
	if !strings.Contains(m.Body.Text, "not paid within 24 hours") {
		t.Errorf("cancel email: %s", m.Body.Text)
	}
	if got := s.Payment(t, rc.ID); got.Status != payment.Cancelled {
		t.Errorf("payment %s, want cancelled", got.Status)
	}
	// Pending marker and claims released: a new declaration of MLS claims
	// the same activities, at the full fee (the cancelled one paid nothing,
	// so no R-FEE-2 reduction).
	r, again := p.submit(t, s)
	if r.Status != 201 || again.Payment.AmountCents != 9500 {
		t.Errorf("new declaration after the cancel: %d %s, want 201 at 9500", r.Status, r.Body)
	}
	// The cancelled one's payment arrives late: recorded, flagged, not applied.
	body, sig := s.StripeEvent("evt_cancel_late", payment.EventSucceeded, stripelocal.IntentOf(pay), time.Now())
	if r := s.Webhook(t, body, sig); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"outcome":"flagged"`) {
		t.Errorf("late payment: %d %s, want 200 flagged", r.Status, r.Body)
	}
	if got := s.Payment(t, rc.ID); got.Status != payment.RefundDue {
		t.Errorf("late payment: %s, want refund_due", got.Status)
	}
	if d := getDeclaration(t, s, p, rc.ID); d.Status != "cancelled" {
		t.Errorf("late payment applied: %s, want cancelled", d.Status)
	}
}

// R-PAY-4 with R-PAY-3: the deadlines job cancelling a declaration and its
// payment succeeding, in either order and at once: exactly one outcome
// holds, never both and never a lost payment record: paid and submitted,
// or cancelled with the payment recorded as refund_due. Last in the file:
// its job runs cancel whatever else is unpaid on the day.
func TestCancelRacesPayment(t *testing.T) {
	s := stacktest.Get(t)
	for i, order := range []string{"cancel-first", "pay-first", "together", "together", "together"} {
		p := newPayer(t, s, fmt.Sprintf("c-pay-cancel-race-%d", i))
		_, rc := p.submit(t, s)
		pay := s.Payment(t, rc.ID)
		created, err := time.Parse(time.RFC3339, pay.CreatedAt)
		if err != nil {
			t.Fatal(err)
		}
		event := s.ScheduledEvent(t, "DeclarationDeadlinesFunction", payment.CancelOn(created).Time())
		body, sig := s.StripeEvent(fmt.Sprintf("evt_cancel_race_%d", i), payment.EventSucceeded, stripelocal.IntentOf(pay), time.Now())
		cancel := func() { s.Invoke(t, "DeclarationDeadlinesFunction", event) }
		deliver := func() {
			if r := s.Webhook(t, body, sig); r.Status != http.StatusOK {
				t.Errorf("%s: delivery %d %s, want 200", order, r.Status, r.Body)
			}
		}
		switch order {
		case "cancel-first":
			cancel()
			deliver()
		case "pay-first":
			deliver()
			cancel()
		default:
			parallel(2, func(j int) { [2]func(){cancel, deliver}[j]() })
		}
		d, got := getDeclaration(t, s, p, rc.ID), s.Payment(t, rc.ID)
		paid := d.Status == "submitted" && got.Status == payment.Succeeded
		cancelled := d.Status == "cancelled" && got.Status == payment.RefundDue
		switch {
		case paid == cancelled:
			t.Errorf("%s: declaration %s, payment %s: want paid and submitted, or cancelled and refund_due", order, d.Status, got.Status)
		case order == "cancel-first" && !cancelled, order == "pay-first" && !paid:
			t.Errorf("%s: declaration %s, payment %s", order, d.Status, got.Status)
		}
		if got.EventID == "" || got.PaidAt == "" {
			t.Errorf("%s: payment record %+v lost the payment", order, got)
		}
		t.Logf("%s: declaration %s, payment %s", order, d.Status, got.Status)
	}
}

package e2e

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boc/cmp/infra/local/stacktest"
	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/payment"
)

// End-to-end tests of the R-INA inactive status request, mounted on the
// certificants function (R-INA-1, R-FEE-4).
func TestInactiveRequests(t *testing.T) {
	s := stacktest.Get(t)
	staff := s.Token("staff-1", "staff")
	for _, id := range []string{"c-ina-1", "c-ina-2"} {
		if r := s.Do(t, "POST", "/v1/certificants", staff, newCertificant(id, id+"@example.org")); r.Status != 201 {
			t.Fatalf("create %s: %d %s", id, r.Status, r.Body)
		}
	}
	for _, key := range []string{"MLS", "BB", "MLT"} {
		if r := s.Do(t, "POST", "/v1/certificants/c-ina-1/certifications", staff, map[string]any{
			"program": "ASCPi", "category": key, "startedOn": "2024-03-01"}); r.Status != 201 {
			t.Fatalf("register %s: %d %s", key, r.Status, r.Body)
		}
	}
	self, other := s.Token("c-ina-1"), s.Token("c-ina-2")
	path := "/v1/certificants/c-ina-1/inactive-requests"
	body := func(cert, basis string) map[string]any {
		return map[string]any{"certification": cert, "reason": "two years of service abroad", "basis": basis,
			"documents": []map[string]string{{"fileName": "orders.pdf"}}}
	}
	type answer struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Fee    struct {
			Lines []struct {
				Rule string `json:"rule"`
			} `json:"lines"`
			TotalCents int64 `json:"totalCents"`
		} `json:"fee"`
		Payment payment.Info `json:"payment"`
	}
	// R-PAY-1, R-PAY-2: a fee waits for its payment (awaiting_payment, the
	// client secret answered); a waived one is requested at once.
	created := func(name string, r *stacktest.Response, cents int64) answer {
		t.Helper()
		var a answer
		status, pay := "awaiting_payment", payment.RequiresPayment
		if cents == 0 {
			status, pay = "requested", payment.NotRequired
		}
		if r.Status != 201 || json.Unmarshal(r.Body, &a) != nil || a.Status != status || a.Fee.TotalCents != cents ||
			len(a.Fee.Lines) != 1 || a.Fee.Lines[0].Rule != "R-FEE-4" || a.Payment.Status != pay || a.Payment.AmountCents != cents ||
			(cents > 0) != strings.HasPrefix(a.Payment.ClientSecret, "pi_") {
			t.Errorf("%s: %d %s, want 201 %s with one R-FEE-4 line of %d and payment %s", name, r.Status, r.Body, status, cents, pay)
		}
		return a
	}
	created("R-FEE-4 fee", s.Do(t, "POST", path, self, body("ASCPi-MLS", "illness")), 4000)
	created("R-FEE-4 waived for mandatory military service", s.Do(t, "POST", path, self, body("ASCPi-BB", "mandatory_military_service")), 0)

	// Idempotency: the same key and body, in parallel, answer the first
	// request (same id); one request stored, charged once.
	const n = 6
	answers := make([]*stacktest.Response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			answers[i] = s.Do(t, "POST", path, self, body("ASCPi-MLT", "illness"), "Idempotency-Key", "ina-k1")
		})
	}
	wg.Wait()
	first := created("idempotent", answers[0], 4000)
	for i, r := range answers {
		if r.Status != 201 || string(r.Body) != string(answers[0].Body) {
			t.Errorf("answer %d: %d %s, want the first %s", i, r.Status, r.Body, answers[0].Body)
		}
	}
	if first.ID == "" {
		t.Fatal("no id")
	}

	for _, tc := range []struct {
		name   string
		token  string
		path   string
		body   any
		hdr    []string
		status int
		field  string
		rule   string
	}{
		{"R-INA-1 one open request per certification", self, path, body("ASCPi-MLS", "illness"), nil, 409, "certification", "R-INA-1"},
		{"same key, different body", self, path, body("ASCPi-MLT", "other"), []string{"Idempotency-Key", "ina-k1"}, 422, "Idempotency-Key", ""},
		{"R-INA-1 certification not held", self, path, body("ASCPi-SBB", "illness"), nil, 422, "certification", "R-INA-1"},
		{"R-INA-1 documentation required", self, path, map[string]any{"certification": "ASCPi-MLS", "reason": "x", "basis": "illness", "documents": []any{}}, nil, 422, "documents", "R-INA-1"},
		{"R-INA-1 basis required", self, path, map[string]any{"certification": "ASCPi-MLS", "reason": "x", "documents": []map[string]string{{"fileName": "a.pdf"}}}, nil, 422, "basis", "R-INA-1"},
		{"unknown field", self, path, map[string]any{"certification": "ASCPi-MLS", "fee": 0}, nil, 400, "fee", ""},
		{"B requests for A: 404", other, path, body("ASCPi-MLS", "illness"), nil, 404, "", ""},
		{"staff may not request: 403", staff, path, body("ASCPi-MLS", "illness"), nil, 403, "", ""},
		{"no token: 401", "", path, body("ASCPi-MLS", "illness"), nil, 401, "", ""},
		{"body over 64 KiB: 413", self, path, `{"reason":"` + strings.Repeat("x", 70<<10) + `"}`, nil, 413, "", ""},
	} {
		r := s.Do(t, "POST", tc.path, tc.token, tc.body, tc.hdr...)
		if r.Status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, r.Status, r.Body, tc.status)
			continue
		}
		var p problem
		if r.Header.Get("Content-Type") != "application/problem+json" || json.Unmarshal(r.Body, &p) != nil {
			t.Errorf("%s: not a problem: %s", tc.name, r.Body)
			continue
		}
		named := tc.field == ""
		for _, e := range p.Errors {
			named = named || e.Field == tc.field && (tc.rule == "" || e.Rule == tc.rule)
		}
		if !named {
			t.Errorf("%s: problem %s does not name %s %s", tc.name, r.Body, tc.field, tc.rule)
		}
	}
}

// waitMail waits until exactly one email to `to` has the subject and every
// fact in both its text and HTML parts.
func waitMail(t *testing.T, s *stacktest.Stack, to, subject string, facts ...string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		n := 0
		for _, m := range s.Mail(t) {
			ok := slices.Contains(m.Destination.To, to) && m.Subject == subject
			for _, f := range facts {
				ok = ok && strings.Contains(m.Body.Text, f) && strings.Contains(m.Body.HTML, f)
			}
			if ok {
				n++
			}
		}
		if n == 1 {
			return
		}
		if n > 1 || time.Now().After(deadline) {
			t.Fatalf("%d emails to %s %q with %q, want 1", n, to, subject, facts)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// R-INA-1, R-INA-2: request -> staff grant with an extended period: the
// profile shows the certification inactive through the new end, progress
// counts the points of the extended period, the expiry job expires it only
// after that period; the emails arrive; a second decision is 409. A denial
// frees the slot for a new request.
func TestInactiveGrant(t *testing.T) {
	s := stacktest.Get(t)
	staff := s.Token("staff-1", "staff")
	const id, email = "c-ina-grant", "ina-grant@example.org"
	if r := s.Do(t, "POST", "/v1/certificants", staff, newCertificant(id, email)); r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	// A cycle that is current: started a year ago.
	started := calendar.Today(time.Now()).FirstOfMonth().AddMonths(-12)
	cycle := calendar.CycleFromStart(started)
	for _, cat := range []string{"MLS", "BB"} {
		if r := s.Do(t, "POST", "/v1/certificants/"+id+"/certifications", staff, map[string]any{
			"program": "ASCPi", "category": cat, "startedOn": started.String()}); r.Status != 201 {
			t.Fatalf("register %s: %d %s", cat, r.Status, r.Body)
		}
	}
	self := s.Token(id)
	request := func(cert string) string {
		t.Helper()
		var a struct{ ID string }
		r := s.Do(t, "POST", "/v1/certificants/"+id+"/inactive-requests", self, map[string]any{"certification": cert,
			"reason": "serious illness over one year", "basis": "illness", "documents": []map[string]string{{"fileName": "letter.pdf"}}})
		if r.Status != 201 || json.Unmarshal(r.Body, &a) != nil || a.ID == "" {
			t.Fatalf("request %s: %d %s", cert, r.Status, r.Body)
		}
		s.Pay(t, a.ID) // R-PAY-1: received and decided once paid
		return a.ID
	}
	reqID := request("ASCPi-MLS")
	waitMail(t, s, email, "Inactive status request received: ASCPi-MLS, fee 40.00 USD", reqID, cycle.End.String())
	var receipts struct{ Payments []payment.Receipt }
	if r := s.Do(t, "GET", "/v1/certificants/"+id+"/payments", self, nil); r.Status != 200 || json.Unmarshal(r.Body, &receipts) != nil ||
		len(receipts.Payments) != 1 || receipts.Payments[0].About != reqID || receipts.Payments[0].Kind != payment.KindInactive ||
		receipts.Payments[0].Status != payment.Succeeded || receipts.Payments[0].AmountCents != 4000 {
		t.Errorf("receipts after payment: %d %s, want the request's 4000 succeeded", r.Status, r.Body)
	}

	until := cycle.End.AddMonths(12).EndOfMonth()
	decision := "/v1/certificants/" + id + "/inactive-requests/" + reqID + "/decision"
	grant := map[string]any{"decision": "grant", "extendedUntil": until.String(), "reason": "documented illness"}
	for _, tc := range []struct {
		name, token, path string
		body              any
		status            int
		field, rule       string
	}{
		{"certificant calls the staff route: 403", self, decision, grant, 403, "", ""},
		{"no token: 401", "", decision, grant, 401, "", ""},
		{"unknown request: 404", staff, "/v1/certificants/" + id + "/inactive-requests/NOSUCH/decision", grant, 404, "", ""},
		{"unknown field: 400", staff, decision, map[string]any{"decision": "grant", "until": "2030-01-31"}, 400, "until", ""},
		{"R-INA-1 extended end on the expiration: 422", staff, decision,
			map[string]any{"decision": "grant", "extendedUntil": cycle.End.String()}, 422, "extendedUntil", "R-INA-1"},
		{"R-INA-1 denial without a reason: 422", staff, decision, map[string]any{"decision": "deny"}, 422, "reason", "R-INA-1"},
	} {
		r := s.Do(t, "POST", tc.path, tc.token, tc.body)
		var p problem
		named := tc.field == ""
		if r.Status == tc.status && json.Unmarshal(r.Body, &p) == nil {
			for _, e := range p.Errors {
				named = named || e.Field == tc.field && e.Rule == tc.rule
			}
		}
		if r.Status != tc.status || !named {
			t.Errorf("%s: %d %s", tc.name, r.Status, r.Body)
		}
	}

	var decided struct {
		ID, Status, ExtendedUntil, DecidedBy string
	}
	if r := s.Do(t, "POST", decision, staff, grant); r.Status != 200 || json.Unmarshal(r.Body, &decided) != nil ||
		decided.ID != reqID || decided.Status != "granted" || decided.ExtendedUntil != until.String() || decided.DecidedBy != "staff-1" {
		t.Fatalf("grant: %d %s", r.Status, r.Body)
	}
	r := s.Do(t, "POST", decision, staff, grant)
	var p problem
	if r.Status != 409 || json.Unmarshal(r.Body, &p) != nil || len(p.Errors) == 0 || p.Errors[0].Rule != "R-INA-1" {
		t.Errorf("second grant: %d %s, want 409 naming R-INA-1", r.Status, r.Body)
	}

	// The profile: inactive through the new end date, which is its expiration.
	var profile struct {
		Certifications []struct{ Key, Status, CycleStart, CycleEnd, InactiveUntil, Credential string }
	}
	if r := s.Do(t, "GET", "/v1/certificants/"+id, self, nil); r.Status != 200 || json.Unmarshal(r.Body, &profile) != nil {
		t.Fatalf("profile: %d %s", r.Status, r.Body)
	}
	i := slices.IndexFunc(profile.Certifications, func(c struct{ Key, Status, CycleStart, CycleEnd, InactiveUntil, Credential string }) bool {
		return c.Key == "ASCPi-MLS"
	})
	if i < 0 {
		t.Fatalf("profile without ASCPi-MLS: %+v", profile)
	}
	if c := profile.Certifications[i]; c.Status != "inactive" || c.CycleStart != cycle.Start.String() || c.CycleEnd != until.String() ||
		c.InactiveUntil != until.String() || c.Credential != "MLS(ASCPi)CM" {
		t.Errorf("profile %+v, want inactive %s to %s", c, cycle.Start, until)
	}
	waitMail(t, s, email, "Inactive status granted: ASCPi-MLS", reqID, "documented illness",
		cycle.Start.String()+" to "+until.String(), "submissions open on "+calendar.SubmissionWindowFor(until).Opens.String())

	// R-INA-2: the declaration at the end of the period counts the points of the extended period.
	var progress struct {
		Status   string
		CEWindow calendar.Period `json:"ceWindow"`
	}
	if r := s.Do(t, "GET", "/v1/certificants/"+id+"/certifications/ASCPi-MLS/progress", self, nil); r.Status != 200 || json.Unmarshal(r.Body, &progress) != nil {
		t.Fatalf("progress: %d %s", r.Status, r.Body)
	}
	if progress.Status != "inactive" || progress.CEWindow != (calendar.Period{Start: cycle.Start, End: until}) {
		t.Errorf("progress %+v, want inactive with the CE window %s to %s", progress, cycle.Start, until)
	}

	// R-INA-2: the old expiration passes unnoticed; the day after the
	// extended end the certification expires (the ByDate entry moved).
	expiry := func(day civil.Date) (rep struct{ Expired int }) {
		t.Helper()
		if err := json.Unmarshal(s.Invoke(t, "CertificationExpiryFunction", s.ScheduledEvent(t, "CertificationExpiryFunction", day.Time())), &rep); err != nil {
			t.Fatal(err)
		}
		return rep
	}
	table := dynamo.New(s.DynamoDB(), s.TableName)
	stored := func() (it partition.CertificationItem) {
		t.Helper()
		if _, err := table.Get(context.Background(), dynamo.CertificationKey(id, "ASCPi-MLS"), &it); err != nil {
			t.Fatal(err)
		}
		return it
	}
	expiry(cycle.End.AddDays(1))
	if it := stored(); it.Status != "inactive" {
		t.Errorf("after the original expiration: stored %s, want inactive", it.Status)
	}
	if dpk, _ := partition.ExpiryIndex(id, "ASCPi-MLS", until.String()); stored().DatePK != dpk {
		t.Errorf("ByDate entry %s, want %s", stored().DatePK, dpk)
	}
	if rep := expiry(until.AddDays(1)); rep.Expired < 1 {
		t.Errorf("expiry after the extended period: %+v, want this certification expired", rep)
	}
	if it := stored(); it.Status != "expired" || it.Credential != "MLS(ASCPi)" {
		t.Errorf("after the extended period: %s %s, want expired MLS(ASCPi)", it.Status, it.Credential)
	}

	// A denial: the reason and the fee kept are emailed; a new request of the
	// same certification is accepted afterwards.
	bb := request("ASCPi-BB")
	if r := s.Do(t, "POST", "/v1/certificants/"+id+"/inactive-requests/"+bb+"/decision", staff,
		map[string]any{"decision": "deny", "reason": "financial hardship is not a ground"}); r.Status != 200 || !strings.Contains(string(r.Body), `"status":"denied"`) {
		t.Errorf("deny: %d %s", r.Status, r.Body)
	}
	waitMail(t, s, email, "Inactive status denied: ASCPi-BB", "financial hardship is not a ground", "40.00 USD", cycle.End.String())
	if again := request("ASCPi-BB"); again == bb {
		t.Errorf("new request after the denial has the old id %s", bb)
	}
}

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boc/cmp/infra/local/stacktest"
	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/mail/mailtest"
)

// End-to-end tests of the fee and declaration routes through the local
// stack: one stack for the whole group (FeesFunction, DeclarationsFunction,
// and the certificant and transcript functions that set the scene).

func TestMain(m *testing.M) { stacktest.Main(m) }

type problem struct {
	Status int `json:"status"`
	Detail string
	Errors []struct {
		Field, Rule, Message string
	} `json:"errors"`
	Shortfalls []struct {
		Area   string `json:"area"`
		Needed string `json:"needed"`
	} `json:"shortfalls"`
}

// names reports whether the problem names field and rule ("" matches any).
func (p problem) names(field, rule string) bool {
	for _, e := range p.Errors {
		if (field == "" || e.Field == field) && (rule == "" || e.Rule == rule) {
			return true
		}
	}
	return false
}

func decodeProblem(t testing.TB, r *stacktest.Response) problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("status %d with content type %q: %s", r.Status, ct, r.Body)
	}
	var p problem
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("problem %s: %v", r.Body, err)
	}
	return p
}

// today is the board's date now: the functions run on the real clock, so
// every scene is built relative to it.
func today() civil.Date { return calendar.Today(time.Now()) }

// startedFor is the start date of a cycle expiring at the end of the month
// `months` after this one (R-CYC-1: 36 months after the start month).
func startedFor(months int) civil.Date {
	return today().FirstOfMonth().AddMonths(months - 36)
}

// scene creates a certificant holding certifications (key -> months from
// now to expiration) and a transcript that meets the generalist and
// blood-banking requirements, through the public routes.
type scene struct {
	id, email, token string
}

func newScene(t testing.TB, s *stacktest.Stack, id string, certs map[string]int) scene {
	t.Helper()
	staff := s.Token("staff-scene", "staff")
	email := id + "@example.org"
	if r := s.Do(t, "POST", "/v1/certificants", staff, map[string]any{"id": id, "email": email, "country": "PH",
		"name": map[string]string{"given": "Ana", "family": "Reyes"}}); r.Status != 201 {
		t.Fatalf("create %s: %d %s", id, r.Status, r.Body)
	}
	for key, months := range certs {
		program, category, _ := strings.Cut(key, "-")
		if r := s.Do(t, "POST", "/v1/certificants/"+id+"/certifications", staff, map[string]any{
			"program": program, "category": category, "startedOn": startedFor(months).String()}); r.Status != 201 {
			t.Fatalf("register %s: %d %s", key, r.Status, r.Body)
		}
	}
	sc := scene{id: id, email: email, token: s.Token(id)}
	// Completed a month ago: inside every current cycle, and inside the 3
	// years before submission for a reinstatement (R-CYC-3, R-CYC-4).
	on := today().AddDays(-30).String()
	for i, a := range []struct {
		area  string
		hours string
	}{{"safety", "2"}, {"ethics", "1"}, {"blood_banking", "12"}, {"chemistry", "2"}, {"hematology", "2"}, {"microbiology", "2"}, {"management", "20"}} {
		if r := s.Do(t, "POST", "/v1/certificants/"+id+"/activities", sc.token, map[string]any{
			"type": "formal_ce", "title": fmt.Sprintf("Course %d %s", i, a.area), "provider": "ASCLS", "completedOn": on,
			"areas": []string{a.area}, "contactHours": a.hours, "accreditation": "ASCLS_PACE"}); r.Status != 201 {
			t.Fatalf("activity %s: %d %s", a.area, r.Status, r.Body)
		}
	}
	return sc
}

type receipt struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Fee    struct {
		Lines []struct {
			Rule        string `json:"rule"`
			AmountCents int64  `json:"amountCents"`
		} `json:"lines"`
		TotalCents int64 `json:"totalCents"`
	} `json:"fee"`
	ProcessingDueOn string `json:"processingDueOn"`
	Warnings        []struct {
		Rule string `json:"rule"`
	} `json:"warnings"`
}

func submit(t testing.TB, s *stacktest.Stack, sc scene, key string, hdr ...string) *stacktest.Response {
	t.Helper()
	return s.Do(t, "POST", "/v1/declarations", sc.token, map[string]any{"certificantId": sc.id, "certification": key}, hdr...)
}

// submitPaid submits a declaration, which waits for its fee (R-PAY-1), and
// pays it as Stripe reports a confirmed card (a signed webhook event): the
// declaration is submitted from then on.
func submitPaid(t testing.TB, s *stacktest.Stack, sc scene, key string) receipt {
	t.Helper()
	r := submit(t, s, sc, key)
	var rec receipt
	if r.Status != 201 || json.Unmarshal(r.Body, &rec) != nil || rec.Status != "awaiting_payment" {
		t.Fatalf("submit %s: %d %s, want 201 awaiting_payment", key, r.Status, r.Body)
	}
	s.Pay(t, rec.ID)
	return rec
}

func TestSubmitAndRead(t *testing.T) {
	s := stacktest.Get(t)
	a := newScene(t, s, "c-decl-a", map[string]int{"ASCPi-MLS": 2, "ASCPi-SBB": 2, "ASCPi-BB": 5, "ASCPi-MLT": 0, "ASCPi-CLM": -1, "ASCPi-C": -130})
	b := newScene(t, s, "c-decl-b", map[string]int{"ASCPi-MLS": 2})
	staff := s.Token("staff-1", "staff")

	// Happy path: the proposed allocation, the full fee, 30 business days.
	r := submit(t, s, a, "ASCPi-MLS")
	var mls receipt
	if r.Status != 201 {
		t.Fatalf("submit MLS: %d %s", r.Status, r.Body)
	}
	if err := json.Unmarshal(r.Body, &mls); err != nil {
		t.Fatal(err)
	}
	wantDue := calendar.ProcessingDue(time.Now())
	if mls.Status != "awaiting_payment" || mls.Fee.TotalCents != 9500 || mls.Fee.Lines[0].Rule != "R-FEE-1" ||
		mls.ProcessingDueOn != wantDue.String() || len(mls.Warnings) != 0 || !strings.Contains(string(r.Body), `"payment":{"status":"requires_payment","amountCents":9500,"clientSecret":"pi_`) {
		t.Errorf("MLS receipt %s, want awaiting_payment of R-FEE-1 9500 (R-PAY-2), due %s, no warning", r.Body, wantDue)
	}

	// R-FEE-2: SBB expires the same month, submitted the same business day.
	var sbb receipt
	if r := submit(t, s, a, "ASCPi-SBB"); r.Status != 201 || json.Unmarshal(r.Body, &sbb) != nil || sbb.Fee.TotalCents != 1500 || sbb.Fee.Lines[0].Rule != "R-FEE-2" {
		t.Errorf("SBB: %d %s, want 201 with the R-FEE-2 1500", r.Status, r.Body)
	}
	// R-CYC-7: less than a month before expiration: accepted with a warning.
	if r := submit(t, s, a, "ASCPi-MLT"); r.Status != 201 || !strings.Contains(string(r.Body), `"rule":"R-CYC-7"`) {
		t.Errorf("late MLT: %d %s, want 201 with the R-CYC-7 warning", r.Status, r.Body)
	}
	// R-FEE-3: expired last month: the reinstatement fee on top.
	if r := submit(t, s, a, "ASCPi-CLM"); r.Status != 201 || !strings.Contains(string(r.Body), `"rule":"R-FEE-3"`) {
		t.Errorf("expired CLM: %d %s, want 201 with the R-FEE-3 line", r.Status, r.Body)
	}

	errs := []struct {
		name   string
		token  string
		body   any
		hdr    []string
		status int
		field  string
		rule   string
	}{
		{"R-CYC-7 window not open: the opening date", a.token, map[string]any{"certificantId": a.id, "certification": "ASCPi-BB"}, nil, 409, "certification", "R-CYC-7"},
		{"R-DEC-1 one pending declaration", a.token, map[string]any{"certificantId": a.id, "certification": "ASCPi-MLS"}, nil, 409, "certification", "R-DEC-1"},
		{"R-CYC-8 expired over 10 years", a.token, map[string]any{"certificantId": a.id, "certification": "ASCPi-C"}, nil, 409, "certification", "R-CYC-8"},
		{"R-CAT-1 certification not held", a.token, map[string]any{"certificantId": a.id, "certification": "ASCPi-CG"}, nil, 422, "certification", "R-CAT-1"},
		{"R-ALLOC-2 allocation short", b.token, map[string]any{"certificantId": b.id, "certification": "ASCPi-MLS",
			"allocations": []map[string]any{}}, nil, 422, "allocations", "R-ALLOC-2"},
		{"unknown field", a.token, map[string]any{"certificantId": a.id, "certification": "ASCPi-MLS", "fee": 0}, nil, 400, "fee", ""},
		{"B submits for A: 404", b.token, map[string]any{"certificantId": a.id, "certification": "ASCPi-MLS"}, nil, 404, "", ""},
		{"staff may not submit: 403", staff, map[string]any{"certificantId": a.id, "certification": "ASCPi-MLS"}, nil, 403, "", ""},
		{"no token: 401", "", map[string]any{"certificantId": a.id, "certification": "ASCPi-MLS"}, nil, 401, "", ""},
		{"body over 64 KiB: 413", a.token, `{"certificantId":"` + strings.Repeat("x", 70<<10) + `"}`, nil, 413, "", ""},
	}
	for _, tc := range errs {
		r := s.Do(t, "POST", "/v1/declarations", tc.token, tc.body, tc.hdr...)
		if r.Status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, r.Status, r.Body, tc.status)
			continue
		}
		if p := decodeProblem(t, r); (tc.field != "" || tc.rule != "") && !p.names(tc.field, tc.rule) {
			t.Errorf("%s: problem %s does not name %s %s", tc.name, r.Body, tc.field, tc.rule)
		}
		if tc.rule == "R-CYC-7" && !strings.Contains(string(r.Body), calendar.SubmissionWindowFor(startedForExpiry(5)).Opens.String()) {
			t.Errorf("%s: %s lacks the opening date", tc.name, r.Body)
		}
		if tc.rule == "R-ALLOC-2" {
			if p := decodeProblem(t, r); len(p.Shortfalls) == 0 {
				t.Errorf("%s: no shortfalls in %s", tc.name, r.Body)
			}
		}
	}

	// Reads: self and staff see the declaration and its history; B gets 404.
	reads := []struct {
		name, token, path string
		status            int
		want              string
	}{
		{"self reads", a.token, "/v1/declarations/" + mls.ID, 200, `"history":[{"state":"awaiting_payment"`},
		{"staff reads", staff, "/v1/declarations/" + mls.ID, 200, `"certificantId":"c-decl-a"`},
		{"B reads A's: 404", b.token, "/v1/declarations/" + mls.ID, 404, ""},
		{"unknown id", staff, "/v1/declarations/NOPE", 404, ""},
		{"self lists", a.token, "/v1/certificants/c-decl-a/declarations", 200, mls.ID},
		{"staff lists", staff, "/v1/certificants/c-decl-a/declarations", 200, sbb.ID},
		{"B lists A's: 404", b.token, "/v1/certificants/c-decl-a/declarations", 404, ""},
		{"staff, unknown certificant: 404", staff, "/v1/certificants/c-nobody/declarations", 404, ""},
		{"B lists own, none yet", b.token, "/v1/certificants/c-decl-b/declarations", 200, `{"declarations":[]}`},
		{"no token: 401", "", "/v1/declarations/" + mls.ID, 401, ""},
	}
	for _, tc := range reads {
		r := s.Do(t, "GET", tc.path, tc.token, nil)
		if r.Status != tc.status || !strings.Contains(string(r.Body), tc.want) {
			t.Errorf("%s: %d %s, want %d with %s", tc.name, r.Status, r.Body, tc.status, tc.want)
		}
	}

	// The "declaration received" email reached SES once paid (R-PAY-1):
	// recipient, subject, fee, due date.
	s.Pay(t, mls.ID)
	waitMail(t, s, func(m stacktest.Mail) bool {
		return strings.Contains(strings.Join(m.Destination.To, ","), a.email) && m.Subject == "CMP declaration received: ASCPi-MLS, fee 95.00 USD" &&
			strings.Contains(m.Body.Text, mls.ID) && strings.Contains(m.Body.Text, mls.ProcessingDueOn) && strings.Contains(m.Body.HTML, "95.00 USD")
	})
}

// startedForExpiry is the expiration of a cycle ending `months` from now.
func startedForExpiry(months int) civil.Date {
	return calendar.CycleFromStart(startedFor(months)).End
}

// waitMail waits until exactly one sent email matches.
func waitMail(t testing.TB, s *stacktest.Stack, match func(stacktest.Mail) bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		n := 0
		for _, m := range s.Mail(t) {
			if match(m) {
				n++
				// What the certificant reads: no format or template debris (issue 10).
				if d := mailtest.Debris(m.Subject + "\n" + m.Body.Text); len(d) > 0 {
					t.Errorf("email %q carries %v: %q", m.Subject, d, m.Body.Text)
				}
			}
		}
		if n == 1 {
			return
		}
		if n > 1 || time.Now().After(deadline) {
			t.Fatalf("%d matching emails, want 1", n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestParallelSubmissions(t *testing.T) {
	s := stacktest.Get(t)
	const n = 20
	run := func(sc scene, key func(i int) string) []*stacktest.Response {
		out := make([]*stacktest.Response, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { out[i] = submit(t, s, sc, "ASCPi-MLS", "Idempotency-Key", key(i)) })
		}
		wg.Wait()
		return out
	}

	// Different keys: exactly one 201, the rest 409 (the pending marker's condition).
	diff := newScene(t, s, "c-par-diff", map[string]int{"ASCPi-MLS": 2})
	created := 0
	for i, r := range run(diff, func(i int) string { return fmt.Sprintf("k-%d", i) }) {
		switch r.Status {
		case 201:
			created++
		case 409:
		default:
			t.Errorf("submission %d: %d %s", i, r.Status, r.Body)
		}
	}
	if created != 1 {
		t.Errorf("%d created, want exactly 1", created)
	}

	// The same key: one declaration, every answer identical, one fee.
	same := newScene(t, s, "c-par-same", map[string]int{"ASCPi-MLS": 2})
	answers := run(same, func(int) string { return "one-key" })
	for i, r := range answers {
		if r.Status != 201 || string(r.Body) != string(answers[0].Body) {
			t.Errorf("answer %d: %d %s, want the first 201 %s", i, r.Status, r.Body, answers[0].Body)
		}
	}
	var list struct {
		Declarations []receipt `json:"declarations"`
	}
	if r := s.Do(t, "GET", "/v1/certificants/c-par-same/declarations", same.token, nil); json.Unmarshal(r.Body, &list) != nil {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	if len(list.Declarations) != 1 || list.Declarations[0].Fee.TotalCents != 9500 {
		t.Errorf("declarations %+v, want one charged 9500 once", list.Declarations)
	}
	// Same key, different body: 422 naming the header.
	r := s.Do(t, "POST", "/v1/declarations", same.token, map[string]any{"certificantId": same.id, "certification": "ASCPi-SBB"}, "Idempotency-Key", "one-key")
	if r.Status != 422 || !decodeProblem(t, r).names("Idempotency-Key", "") {
		t.Errorf("reused key: %d %s, want 422", r.Status, r.Body)
	}
}

func TestQuote(t *testing.T) {
	s := stacktest.Get(t)
	a := newScene(t, s, "c-quote-a", map[string]int{"ASCPi-MLS": 2, "ASCPi-SBB": 2, "ASCPi-CLM": -1})
	b := newScene(t, s, "c-quote-b", map[string]int{"ASCPi-MLS": 2})
	staff := s.Token("staff-1", "staff")
	quote := func(token string, body any) *stacktest.Response {
		return s.Do(t, "POST", "/v1/fees/quote", token, body)
	}
	decl := func(key string) map[string]any {
		return map[string]any{"certificantId": a.id, "items": []map[string]any{{"kind": "cmp_declaration", "certification": key}}}
	}

	ok := []struct {
		name  string
		token string
		body  any
		total int64
		rules []string
	}{
		{"R-FEE-1 before any declaration", a.token, decl("ASCPi-SBB"), 9500, []string{"R-FEE-1"}},
		{"R-FEE-3 expired adds reinstatement", staff, decl("ASCPi-CLM"), 22000, []string{"R-FEE-1", "R-FEE-3"}},
		{"R-FEE-4,5,6", a.token, map[string]any{"certificantId": a.id, "items": []map[string]any{{"kind": "verification", "count": 2},
			{"kind": "score_review"}, {"kind": "inactive_status", "basis": "illness"}}}, 3000 + 2500 + 4000, []string{"R-FEE-6", "R-FEE-5", "R-FEE-4"}},
	}
	check := func(name string, r *stacktest.Response, total int64, rules []string) {
		t.Helper()
		var q struct {
			Lines []struct {
				Rule string `json:"rule"`
			} `json:"lines"`
			TotalCents int64  `json:"totalCents"`
			Currency   string `json:"currency"`
		}
		if r.Status != 200 || json.Unmarshal(r.Body, &q) != nil || q.TotalCents != total || q.Currency != "USD" || len(q.Lines) != len(rules) {
			t.Errorf("%s: %d %s, want total %d with %v", name, r.Status, r.Body, total, rules)
			return
		}
		for i, l := range q.Lines {
			if l.Rule != rules[i] {
				t.Errorf("%s: line %d rule %s, want %s", name, i, l.Rule, rules[i])
			}
		}
	}
	for _, tc := range ok {
		check(tc.name, quote(tc.token, tc.body), tc.total, tc.rules)
	}
	// R-FEE-2: after a declaration submitted today, SBB (same expiration) is reduced.
	if r := submit(t, s, a, "ASCPi-MLS"); r.Status != 201 {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	check("R-FEE-2 after today's declaration", quote(a.token, decl("ASCPi-SBB")), 1500, []string{"R-FEE-2"})

	errs := []struct {
		name   string
		token  string
		body   any
		status int
		field  string
		rule   string
	}{
		{"unknown kind", a.token, map[string]any{"certificantId": a.id, "items": []map[string]any{{"kind": "lunch"}}}, 422, "items[0].kind", "R-FEE-7"},
		{"certification not held", a.token, decl("ASCPi-CG"), 422, "items[0].certification", "R-FEE-1"},
		{"unknown field", a.token, map[string]any{"certificantId": a.id, "items": []any{}, "coupon": "x"}, 400, "coupon", ""},
		{"B quotes for A: 404", b.token, decl("ASCPi-MLS"), 404, "", ""},
		{"staff, unknown certificant: 404", staff, map[string]any{"certificantId": "c-nobody", "items": []map[string]any{{"kind": "score_review"}}}, 404, "", ""},
		{"no token: 401", "", decl("ASCPi-MLS"), 401, "", ""},
		{"body over 64 KiB: 413", a.token, `{"certificantId":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "", ""},
	}
	for _, tc := range errs {
		r := quote(tc.token, tc.body)
		if r.Status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, r.Status, r.Body, tc.status)
			continue
		}
		if p := decodeProblem(t, r); (tc.field != "" || tc.rule != "") && !p.names(tc.field, tc.rule) {
			t.Errorf("%s: problem %s does not name %s %s", tc.name, r.Body, tc.field, tc.rule)
		}
	}
}

// The sample events replay through the Lambda Invoke API, as `sam local invoke -e` would.
func TestSampleEvents(t *testing.T) {
	s := stacktest.Get(t)
	// The samples speak for c-sample-1, who holds an MLS cycle in its window.
	newScene(t, s, "c-sample-1", map[string]int{"ASCPi-MLS": 2})
	tests := []struct {
		fn, file string
		status   int
		want     string
	}{
		{"FeesFunction", "fees-quote.json", 200, `"totalCents":5500`},
		{"DeclarationsFunction", "declarations-submit.json", 201, `"status":"awaiting_payment"`},
		{"DeclarationsFunction", "declarations-submit.json", 201, `"status":"awaiting_payment"`}, // replayed: same key, same answer
		{"DeclarationsFunction", "declarations-list.json", 200, `"certificantId":"c-sample-1"`},
	}
	for _, tc := range tests {
		ev, err := os.ReadFile("../../../../events/" + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		var resp struct {
			StatusCode int    `json:"statusCode"`
			Body       string `json:"body"`
		}
		if err := json.Unmarshal(s.Invoke(t, tc.fn, ev), &resp); err != nil || resp.StatusCode != tc.status || !strings.Contains(resp.Body, tc.want) {
			t.Errorf("%s %s: %d %s %v", tc.fn, tc.file, resp.StatusCode, resp.Body, err)
		}
	}
}

package declarationsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/declarations"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/mail/mailtest"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/payment"
	"github.com/boc/cmp/internal/rules"
)

// memStore keeps what TableStore keeps, with the same conditions and the
// contract of dynamo.Table.Commit, under a lock.
type memStore struct {
	mu      sync.Mutex
	decls   map[string]partition.Declaration
	pending map[string]string       // certificant#cert -> declaration id
	answers map[string]storedAnswer // principal#key
	outbox  []declarations.Submission
}

type storedAnswer struct {
	requestHash string
	dynamo.Answer
}

func newMemStore() *memStore {
	return &memStore{decls: map[string]partition.Declaration{}, pending: map[string]string{}, answers: map[string]storedAnswer{}}
}

func (m *memStore) Submit(ctx context.Context, idem *dynamo.Idempotency, _ time.Time, _ string, judge declarations.Judge) (dynamo.Answer, error) {
	if ans, done, err := m.replay(idem); done {
		return ans, err
	}
	sub, err := judge(ctx)
	if err == nil {
		err = m.write(idem, sub)
	}
	if err == nil {
		return sub.Answer, nil
	}
	// A twin with the same key may have won since the first look.
	if ans, done, rerr := m.replay(idem); done {
		return ans, rerr
	}
	return dynamo.Answer{}, err
}

func (m *memStore) replay(idem *dynamo.Idempotency) (dynamo.Answer, bool, error) {
	if idem == nil {
		return dynamo.Answer{}, false, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.answers[idem.Principal+"#"+idem.Key]
	switch {
	case !ok:
		return dynamo.Answer{}, false, nil
	case a.requestHash != idem.RequestHash:
		return dynamo.Answer{}, true, dynamo.ErrIdempotencyMismatch
	}
	return a.Answer, true, nil
}

// write applies a submission all or nothing, as the transaction does.
func (m *memStore) write(idem *dynamo.Idempotency, s declarations.Submission) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := s.Declaration
	if idem != nil {
		if _, taken := m.answers[idem.Principal+"#"+idem.Key]; taken {
			return dynamo.ErrConditionFailed
		}
	}
	pk := d.CertificantID + "#" + d.Certification
	if _, ok := m.pending[pk]; ok {
		return declarations.ErrPending
	}
	if idem != nil {
		m.answers[idem.Principal+"#"+idem.Key] = storedAnswer{requestHash: idem.RequestHash, Answer: s.Answer}
	}
	m.pending[pk] = d.ID
	m.decls[d.ID] = d
	m.outbox = append(m.outbox, s)
	return nil
}

func (m *memStore) Get(_ context.Context, id string) (partition.Declaration, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.decls[id]
	return d, ok, nil
}

func (m *memStore) List(_ context.Context, certificantID string) ([]partition.Declaration, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []partition.Declaration{}
	for _, d := range m.decls {
		if d.CertificantID == certificantID {
			out = append(out, d)
		}
	}
	return out, certificantID == "c-1" || certificantID == "c-2", nil
}

// memLoader builds snapshots from the store, as the partition loader does.
type memLoader struct {
	store      *memStore
	expiration map[string]civil.Date // by certification key; absent: not held
	activities []rules.Activity
}

func (l *memLoader) Load(_ context.Context, certificantID, certKey string, at time.Time) (declarations.Snapshot, bool, error) {
	if certificantID != "c-1" && certificantID != "c-2" {
		return declarations.Snapshot{}, false, nil
	}
	exp, held := l.expiration[certKey]
	cert, err := rules.ParseKey(certKey)
	if err != nil {
		return declarations.Snapshot{}, false, err
	}
	l.store.mu.Lock()
	_, pending := l.store.pending[certificantID+"#"+certKey]
	claimed := map[string]bool{}
	var decls []partition.Declaration
	for _, d := range l.store.decls {
		if d.CertificantID != certificantID {
			continue
		}
		decls = append(decls, d)
		if d.Certification == certKey {
			for _, id := range d.Claims() {
				claimed[id] = true
			}
		}
	}
	l.store.mu.Unlock()
	cycle := calendar.Period{Start: exp.AddDays(1).AddMonths(-36), End: exp}
	if exp.IsZero() {
		cycle = calendar.Period{}
	}
	w := calendar.CEWindow(cycle, calendar.Today(at))
	return declarations.Snapshot{
		Email: certificantID + "@example.org", GivenName: "Maria", Registered: held, Expiration: exp,
		Pending: pending, Declarations: decls,
		Evaluation: rules.EvaluationInput{Certification: cert, Expires: exp, Window: rules.Window{From: w.Start, To: w.End},
			Activities: l.activities, ClaimedInCertification: claimed},
	}, true, nil
}

var d = civil.MustParse

// ny is a New York wall-clock instant.
func ny(date string, hour int) time.Time {
	c := d(date)
	return time.Date(c.Year, c.Month, c.Day, hour, 0, 0, 0, calendar.Zone)
}

// mlsTranscript meets the MLS requirements of a cycle ending 2025-01-31.
func mlsTranscript() []rules.Activity {
	act := func(id string, pts rules.Points, areas ...rules.Area) rules.Activity {
		return rules.Activity{ID: id, Type: rules.FormalCE, Title: id, CompletedOn: d("2023-05-02"), Areas: areas, Points: pts, Status: rules.Accepted}
	}
	return []rules.Activity{
		act("a-safety", 2*rules.Pt, rules.AreaSafety), act("a-ethics", 1*rules.Pt, rules.AreaEthics),
		act("a-bb", 2*rules.Pt, rules.AreaBloodBanking), act("a-chem", 2*rules.Pt, rules.AreaChemistry),
		act("a-hem", 2*rules.Pt, rules.AreaHematology), act("a-micro", 2*rules.Pt, rules.AreaMicrobiology),
		act("a-rest", 30*rules.Pt, rules.AreaManagement),
	}
}

type fixture struct {
	store *memStore
	rt    *httpapi.Router
	now   time.Time
}

func newFixture(now time.Time, activities []rules.Activity) *fixture {
	f := &fixture{store: newMemStore(), now: now}
	loader := &memLoader{store: f.store, activities: activities, expiration: map[string]civil.Date{
		"ASCPi-MLS": d("2025-01-31"), "ASCPi-SBB": d("2025-02-28"), "ASCPi-H": d("2020-06-30"), "ASCPi-M": d("2012-06-30"),
		"ASCPi-BB": {}}}
	svc := declarations.NewService(f.store, loader, fees.DefaultTariff(), func() time.Time { return f.now })
	f.rt = NewRouter(svc, fixedPayments{}, httpapi.NewLogger(&bytes.Buffer{}))
	return f
}

func (f *fixture) call(route, sub, groups, body string, params map[string]string, hdr ...string) httpapi.Response {
	ev := events.APIGatewayV2HTTPRequest{RouteKey: route, Body: body, PathParameters: params, Headers: map[string]string{"content-type": "application/json"}}
	for i := 0; i+1 < len(hdr); i += 2 {
		ev.Headers[hdr[i]] = hdr[i+1]
	}
	if sub != "" {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": sub, "cognito:groups": groups}}}
	}
	return f.rt.Serve(context.Background(), ev)
}

const mlsBody = `{"certificantId":"c-1","certification":"ASCPi-MLS"}`

func TestSubmit(t *testing.T) {
	inWindow := ny("2024-11-12", 10) // window opened 2024-10-31
	tests := []struct {
		name       string
		at         time.Time
		activities []rules.Activity
		sub, group string
		body       string
		status     int
		want       []string // fragments of the body
	}{
		{"R-ALLOC-3 proposal accepted", inWindow, mlsTranscript(), "c-1", "", mlsBody, 201,
			[]string{`"status":"awaiting_payment"`, `"rule":"R-FEE-1"`, `"totalCents":9500`, `"processingDueOn":"2024-12-26"`, `"warnings":[]`,
				`"payment":{"status":"requires_payment","amountCents":9500,"clientSecret":"pi_`}},
		{"R-CYC-7 late warning", ny("2025-01-06", 10), mlsTranscript(), "c-1", "", mlsBody, 201,
			[]string{`"rule":"R-CYC-7"`, `may end after expiration`}},
		{"R-CYC-7 window not open: 409 with the opening date", ny("2024-10-30", 10), mlsTranscript(), "c-1", "", mlsBody, 409,
			[]string{`"field":"certification"`, `"rule":"R-CYC-7"`, `2024-10-31`}},
		{"R-ALLOC-2 shortfalls per area", inWindow, mlsTranscript()[2:], "c-1", "", mlsBody, 422,
			[]string{`"shortfalls":[`, `"area":"safety"`, `"area":"ethics"`, `"rule":"R-ALLOC-2"`}},
		{"R-ALLOC-1 given allocation over an activity's points", inWindow, mlsTranscript(), "c-1", "",
			`{"certificantId":"c-1","certification":"ASCPi-MLS","allocations":[{"activityId":"a-safety","area":"safety","points":"5.00"}]}`, 422,
			[]string{`"field":"allocations[0].points"`, `"rule":"R-ALLOC-1"`, `"shortfalls"`}},
		{"R-AREA-3 given allocation to an uncovered area", inWindow, mlsTranscript(), "c-1", "",
			`{"certificantId":"c-1","certification":"ASCPi-MLS","allocations":[{"activityId":"a-rest","area":"chemistry","points":"2"}]}`, 422,
			[]string{`"field":"allocations[0].area"`, `"rule":"R-AREA-3"`}},
		{"R-FEE-3 a reinstatement adds its fee", inWindow, mlsTranscript(), "c-1", "",
			`{"certificantId":"c-1","certification":"ASCPi-H"}`, 201, []string{`"rule":"R-FEE-3"`, `"totalCents":22000`}},
		{"R-CYC-8 expired 10 years: re-examination", inWindow, mlsTranscript(), "c-1", "",
			`{"certificantId":"c-1","certification":"ASCPi-M"}`, 409, []string{`"rule":"R-CYC-8"`, `re-examination`}},
		{"R-CAT-1 certification not held", inWindow, mlsTranscript(), "c-1", "",
			`{"certificantId":"c-1","certification":"ASCPi-C"}`, 422, []string{`"field":"certification"`, `"rule":"R-CAT-1"`}},
		{"R-CAT-3 unsupported key", inWindow, mlsTranscript(), "c-1", "",
			`{"certificantId":"c-1","certification":"ASCP-SBB"}`, 422, []string{`"field":"certification"`, `"rule":"R-CAT-3"`}},
		{"unknown field", inWindow, mlsTranscript(), "c-1", "", `{"certificantId":"c-1","certification":"ASCPi-MLS","fee":1}`, 400,
			[]string{`"field":"fee"`}},
		{"points with three decimals", inWindow, mlsTranscript(), "c-1", "",
			`{"certificantId":"c-1","certification":"ASCPi-MLS","allocations":[{"activityId":"a","area":"safety","points":"1.234"}]}`, 400, nil},
		{"another certificant: 404", inWindow, mlsTranscript(), "c-2", "", mlsBody, 404, nil},
		{"staff may not submit: 403", inWindow, mlsTranscript(), "s-1", "[staff]", mlsBody, 403, nil},
		{"no token: 401", inWindow, mlsTranscript(), "", "", mlsBody, 401, nil},
		{"unknown certificant: 404", inWindow, mlsTranscript(), "c-9", "", `{"certificantId":"c-9","certification":"ASCPi-MLS"}`, 404, nil},
	}
	for _, tc := range tests {
		f := newFixture(tc.at, tc.activities)
		resp := f.call(RouteSubmit, tc.sub, tc.group, tc.body, nil)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, resp.Body, tc.status)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(resp.Body, w) {
				t.Errorf("%s: body %s lacks %s", tc.name, resp.Body, w)
			}
		}
		if tc.status != 201 && len(f.store.decls) != 0 {
			t.Errorf("%s: a refused submission stored a declaration", tc.name)
		}
	}
}

func TestSubmitReinstatementFee(t *testing.T) {
	// R-FEE-3, R-CYC-4: an expired certification pays the reinstatement fee on top.
	f := newFixture(ny("2024-11-12", 10), nil)
	loader := &memLoader{store: f.store, expiration: map[string]civil.Date{"ASCPi-MLS": d("2024-06-30")}}
	tr := mlsTranscript()
	for i := range tr {
		tr[i].CompletedOn = d("2024-08-01") // inside the 3 years before submission
	}
	loader.activities = tr
	f.rt = NewRouter(declarations.NewService(f.store, loader, fees.DefaultTariff(), func() time.Time { return f.now }), fixedPayments{}, httpapi.NewLogger(&bytes.Buffer{}))
	resp := f.call(RouteSubmit, "c-1", "", mlsBody, nil)
	var r declarations.Receipt
	if err := json.Unmarshal([]byte(resp.Body), &r); err != nil || resp.StatusCode != 201 {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	if r.Fee.TotalCents != 9500+12500 || len(r.Fee.Lines) != 2 || r.Fee.Lines[1].Rule != "R-FEE-3" {
		t.Errorf("fee %+v, want application + reinstatement", r.Fee)
	}
	if got := f.store.decls[r.ID]; !got.Reinstatement || got.CEWindow.Start != d("2021-11-12") {
		t.Errorf("stored %+v: want a reinstatement with the 3-year CE window", got)
	}
}

func TestSubmitSameDayReduction(t *testing.T) {
	// R-FEE-2: a second declaration the same business day, expiring within 3
	// months of the first, pays 1500; the next business day pays 9500 again.
	tr := append(mlsTranscript(), rules.Activity{ID: "a-sbb", Type: rules.FormalCE, Title: "SBB", CompletedOn: d("2023-06-01"),
		Areas: []rules.Area{rules.AreaBloodBanking}, Points: 10 * rules.Pt, Status: rules.Accepted})
	tests := []struct {
		name       string
		secondAt   time.Time
		rule       string
		totalCents int64
	}{
		{"same business day", ny("2024-12-02", 15), "R-FEE-2", 1500},
		{"next business day", ny("2024-12-03", 9), "R-FEE-1", 9500},
	}
	for _, tc := range tests {
		f := newFixture(ny("2024-12-02", 9), tr)
		if first := f.call(RouteSubmit, "c-1", "", mlsBody, nil); first.StatusCode != 201 {
			t.Fatalf("%s: first %d %s", tc.name, first.StatusCode, first.Body)
		}
		f.now = tc.secondAt
		second := f.call(RouteSubmit, "c-1", "", `{"certificantId":"c-1","certification":"ASCPi-SBB"}`, nil)
		var r declarations.Receipt
		if err := json.Unmarshal([]byte(second.Body), &r); err != nil || second.StatusCode != 201 {
			t.Fatalf("%s: second %d %s", tc.name, second.StatusCode, second.Body)
		}
		// R-FEE-7: the stored declaration keeps the quote it was charged.
		if r.Fee.TotalCents != tc.totalCents || r.Fee.Lines[0].Rule != tc.rule || f.store.decls[r.ID].Fee.TotalCents != tc.totalCents {
			t.Errorf("%s: fee %+v, want %s %d", tc.name, r.Fee, tc.rule, tc.totalCents)
		}
	}
}

func TestSubmitConflicts(t *testing.T) {
	f := newFixture(ny("2024-11-12", 10), mlsTranscript())
	if r := f.call(RouteSubmit, "c-1", "", mlsBody, nil); r.StatusCode != 201 {
		t.Fatalf("first: %d %s", r.StatusCode, r.Body)
	}
	// R-DEC-1: one pending declaration per certification.
	r := f.call(RouteSubmit, "c-1", "", mlsBody, nil)
	if r.StatusCode != 409 || !strings.Contains(r.Body, `"rule":"R-DEC-1"`) {
		t.Errorf("second: %d %s, want 409 naming R-DEC-1", r.StatusCode, r.Body)
	}
}

func TestIdempotency(t *testing.T) {
	// api.md: same key + same body -> the first answer; different body -> 422.
	f := newFixture(ny("2024-11-12", 10), mlsTranscript())
	first := f.call(RouteSubmit, "c-1", "", mlsBody, nil, "Idempotency-Key", "k-1")
	again := f.call(RouteSubmit, "c-1", "", mlsBody, nil, "Idempotency-Key", "k-1")
	if first.StatusCode != 201 || again.StatusCode != 201 || first.Body != again.Body {
		t.Errorf("replay: %d %s / %d %s", first.StatusCode, first.Body, again.StatusCode, again.Body)
	}
	other := f.call(RouteSubmit, "c-1", "", `{"certificantId":"c-1","certification":"ASCPi-SBB"}`, nil, "Idempotency-Key", "k-1")
	if other.StatusCode != 422 || !strings.Contains(other.Body, `"field":"Idempotency-Key"`) {
		t.Errorf("other body: %d %s, want 422", other.StatusCode, other.Body)
	}
	bad := f.call(RouteSubmit, "c-1", "", mlsBody, nil, "Idempotency-Key", "k\x01")
	if bad.StatusCode != 400 {
		t.Errorf("control character key: %d %s, want 400", bad.StatusCode, bad.Body)
	}
	if len(f.store.decls) != 1 || len(f.store.outbox) != 1 {
		t.Errorf("%d declarations, %d emails: want one of each", len(f.store.decls), len(f.store.outbox))
	}
}

func TestParallelSameKey(t *testing.T) {
	// A twin in flight loses on the store's condition (or sees the winner's
	// pending marker) and answers with the winner's stored answer.
	f := newFixture(ny("2024-11-12", 10), mlsTranscript())
	const n = 20
	answers := make([]httpapi.Response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { answers[i] = f.call(RouteSubmit, "c-1", "", mlsBody, nil, "Idempotency-Key", "same") })
	}
	wg.Wait()
	for i, a := range answers {
		if a.StatusCode != 201 || a.Body != answers[0].Body {
			t.Errorf("answer %d: %d %s, want the first 201 %s", i, a.StatusCode, a.Body, answers[0].Body)
		}
	}
	if len(f.store.decls) != 1 {
		t.Errorf("%d declarations, want 1", len(f.store.decls))
	}
}

func TestGetAndList(t *testing.T) {
	f := newFixture(ny("2024-11-12", 10), mlsTranscript())
	var r declarations.Receipt
	if resp := f.call(RouteSubmit, "c-1", "", mlsBody, nil); json.Unmarshal([]byte(resp.Body), &r) != nil {
		t.Fatalf("%s", resp.Body)
	}
	tests := []struct {
		name, route, sub, group, id string
		status                      int
		want                        string
	}{
		{"R-DEC-5 self reads the history", RouteGet, "c-1", "", r.ID, 200, `"history":[{"state":"awaiting_payment","at":"2024-11-12T15:00:00Z","by":"c-1"}]`},
		{"staff reads", RouteGet, "s-1", "[staff]", r.ID, 200, `"version":1`},
		{"another certificant: 404", RouteGet, "c-2", "", r.ID, 404, ""},
		{"unknown id", RouteGet, "c-1", "", "nope", 404, ""},
		{"self lists", RouteList, "c-1", "", "c-1", 200, `"id":"` + r.ID + `"`},
		{"staff lists", RouteList, "s-1", "[staff]", "c-1", 200, `"certification":"ASCPi-MLS"`},
		{"another certificant's list: 404", RouteList, "c-2", "", "c-1", 404, ""},
		{"staff, unknown certificant: 404", RouteList, "s-1", "[staff]", "c-9", 404, ""},
		{"no declarations yet: empty list", RouteList, "c-2", "", "c-2", 200, `{"declarations":[]}`},
	}
	for _, tc := range tests {
		resp := f.call(tc.route, tc.sub, tc.group, "", map[string]string{"id": tc.id})
		if resp.StatusCode != tc.status || !strings.Contains(resp.Body, tc.want) {
			t.Errorf("%s: %d %s, want %d with %s", tc.name, resp.StatusCode, resp.Body, tc.status, tc.want)
		}
	}
}

func TestReceivedMail(t *testing.T) {
	// The "declaration received" email: fee and processing due date, greeting by given name.
	f := newFixture(ny("2025-01-06", 10), mlsTranscript())
	if resp := f.call(RouteSubmit, "c-1", "", mlsBody, nil); resp.StatusCode != 201 {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	sub := f.store.outbox[0]
	// Rendered without debris (%!, <no value>, empty dates or amounts), with its late-submission warning.
	m := mailtest.Render(t, declarations.ReceivedTemplate, declarations.ReceivedMail(sub.Declaration, sub.GivenName, "95.00 USD paid by card on 2025-01-06 (payment pay-x, Stripe pi_x)"))
	if m.Subject != "CMP declaration received: ASCPi-MLS, fee 95.00 USD" {
		t.Errorf("subject %q", m.Subject)
	}
	for _, want := range []string{"Dear Maria", "95.00 USD", "2025-02-19", "may end after expiration", "Receipt: 95.00 USD paid by card on 2025-01-06 (payment pay-x, Stripe pi_x)"} {
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
			t.Errorf("mail lacks %q:\n%s\n%s", want, m.Text, m.HTML)
		}
	}
}

func TestBusyIsRetryable(t *testing.T) {
	// A racing transaction (ErrBusy) is a retryable 409, not a 500.
	if p, ok := problem(declarations.ErrBusy).(*httpapi.Problem); !ok || p.Status != 409 {
		t.Errorf("ErrBusy maps to %v, want 409", problem(declarations.ErrBusy))
	}
}

// fixedPayments answers every payment as created with one client secret:
// the intent's creation is the payment package's, tested through the stack.
type fixedPayments struct{}

func (fixedPayments) Info(_ context.Context, _, about string) (payment.Info, error) {
	return payment.Info{Status: payment.RequiresPayment, AmountCents: 9500, ClientSecret: "pi_" + about + "_secret_x"}, nil
}

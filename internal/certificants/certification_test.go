package certificants

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/httpapi"
)

func registered() (memStore, *Service, *httpapi.Router) {
	store := memStore{"c-1": {ID: "c-1", Certifications: []Certification{}}}
	// 2025-03-04 noon in New York.
	now := func() time.Time { return time.Date(2025, 3, 4, 12, 0, 0, 0, calendar.Zone) }
	svc := NewService(store, now)
	return store, svc, NewRouter(svc, httpapi.NewLogger(&bytes.Buffer{}))
}

func TestRegisterRoute(t *testing.T) {
	_, _, rt := registered()
	tests := []struct {
		name, id, sub, group, body string
		status                     int
		want                       string // in the body
	}{
		// R-CAT-4, R-CYC-1, R-CYC-6: required since 2012, cycle to the month end 36 months on, CM shown.
		{"ASCPi MLS", "c-1", "s1", "[staff]", `{"program":"ASCPi","category":"MLS","startedOn":"2024-01-15","number":"N-1"}`, 201,
			`"key":"ASCPi-MLS","program":"ASCPi","category":"MLS","number":"N-1","status":"active","cmpRequired":true,"firstIssuedOn":"2024-01-15","cycleStart":"2024-01-15","cycleEnd":"2027-01-31","credential":"MLS(ASCPi)CM"`},
		{"registered already", "c-1", "s1", "[staff]", `{"program":"ASCPi","category":"MLS","startedOn":"2024-01-15"}`, 409, `"rule":"R-CAT-1"`},
		// R-CAT-4 / R-CYC-5: first issued before 2012: voluntary, no cycle, no CM.
		{"voluntary SBB", "c-1", "s1", "[staff]", `{"program":"ASCPi","category":"SBB","startedOn":"2010-06-01"}`, 201,
			`"status":"active","cmpRequired":false,"firstIssuedOn":"2010-06-01","credential":"SBB(ASCPi)"`},
		// R-CAT-5: a certificant who renewed already: first issue before 2012 (voluntary) apart from the current cycle.
		{"renewed voluntary", "c-1", "s1", "[staff]", `{"program":"ASCPi","category":"SC","startedOn":"2023-02-01","firstIssuedOn":"2008-05-01"}`, 201,
			`"status":"active","cmpRequired":false,"firstIssuedOn":"2008-05-01","cycleStart":"2023-02-01"`},
		// R-CAT-5: first issued 2015, current cycle from 2023: required, cycle from the current start.
		{"renewed required", "c-1", "s1", "[staff]", `{"program":"ASCPi","category":"M","startedOn":"2023-02-01","firstIssuedOn":"2015-03-01"}`, 201,
			`"cmpRequired":true,"firstIssuedOn":"2015-03-01","cycleStart":"2023-02-01","cycleEnd":"2026-02-28"`},
		{"first issue after the cycle", "c-1", "s1", "[staff]", `{"program":"ASCPi","category":"CG","startedOn":"2023-02-01","firstIssuedOn":"2024-03-01"}`, 422,
			`"field":"firstIssuedOn","rule":"R-CAT-5"`},
		// R-CYC-8: a cycle ended before today is expired, without CM.
		{"expired", "c-1", "s1", "[staff]", `{"program":"ASCPi","category":"H","startedOn":"2020-01-01"}`, 201,
			`"status":"expired","cmpRequired":true,"firstIssuedOn":"2020-01-01","cycleStart":"2020-01-01","cycleEnd":"2023-01-31","credential":"H(ASCPi)"`},
		// R-CAT-3: US categories other than MLS/MLT are not supported.
		{"US SBB", "c-1", "s1", "[staff]", `{"program":"ASCP","category":"SBB","startedOn":"2024-01-15"}`, 422, `"field":"category","rule":"R-CAT-3"`},
		{"unknown category", "c-1", "s1", "[staff]", `{"program":"ASCPi","category":"XYZ","startedOn":"2024-01-15"}`, 422, `"field":"category","rule":"R-CAT-`},
		{"no start", "c-1", "s1", "[staff]", `{"program":"ASCPi","category":"C"}`, 422, `"field":"startedOn","rule":"R-CYC-1"`},
		{"future start", "c-1", "s1", "[staff]", `{"program":"ASCPi","category":"C","startedOn":"2025-03-05"}`, 422, `"field":"startedOn"`},
		{"bad number", "c-1", "s1", "[staff]", `{"program":"ASCPi","category":"C","startedOn":"2024-01-15","number":"N 1<"}`, 422, `"field":"number"`},
		{"unknown field", "c-1", "s1", "[staff]", `{"program":"ASCPi","category":"C","startedOn":"2024-01-15","extra":1}`, 400, `"field":"extra"`},
		{"certificant may not register", "c-1", "c-1", "", `{"program":"ASCPi","category":"C","startedOn":"2024-01-15"}`, 403, ""},
		{"unknown certificant", "c-9", "s1", "[staff]", `{"program":"ASCPi","category":"C","startedOn":"2024-01-15"}`, 404, ""},
	}
	for _, tc := range tests {
		resp := call(rt, RouteRegister, tc.id, tc.sub, tc.group, tc.body)
		if resp.StatusCode != tc.status || !strings.Contains(resp.Body, tc.want) {
			t.Errorf("%s: %d %s, want %d with %s", tc.name, resp.StatusCode, resp.Body, tc.status, tc.want)
		}
	}
	// The profile lists every certification with today's status.
	resp := call(rt, RouteGet, "c-1", "c-1", "", "")
	var p Profile
	if err := json.Unmarshal([]byte(resp.Body), &p); err != nil || len(p.Certifications) != 5 {
		t.Fatalf("profile %d %s", resp.StatusCode, resp.Body)
	}
}

// R-CYC-6, R-CYC-8: status and credential are refreshed on read, not frozen at registration.
func TestProfileRefreshesStatus(t *testing.T) {
	store, svc, _ := registered()
	if _, err := svc.Register(context.Background(), "c-1", Registration{Program: "ASCPi", Category: "MLS", StartedOn: civil.MustParse("2022-01-10")}); err != nil {
		t.Fatal(err)
	}
	later := NewService(store, func() time.Time { return time.Date(2025, 2, 1, 12, 0, 0, 0, calendar.Zone) })
	p, _, err := later.Get(context.Background(), "c-1")
	if err != nil {
		t.Fatal(err)
	}
	if c := p.Certifications[0]; c.Status != "expired" || c.Credential != "MLS(ASCPi)" || c.CycleEnd != "2025-01-31" {
		t.Errorf("on 2025-02-01: %+v", c)
	}
}

// An exam pass prepares its registration without storing it (the exams
// store writes it with the attempt): a drawn number, the cycle from the exam
// date (R-CYC-1), the route kept; invalid input is refused as in Register.
func TestPrepare(t *testing.T) {
	store, svc, _ := registered()
	c, err := svc.Prepare(Registration{Program: "ASCPi", Category: "MLT", StartedOn: civil.MustParse("2025-02-10"), Route: "route_1"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Number == "" || c.Key != "ASCPi-MLT" || c.Route != "route_1" || c.CycleEnd != "2028-02-29" || c.Status != "active" {
		t.Errorf("prepared %+v", c)
	}
	if store.holds("c-1", "ASCPi-MLT") {
		t.Error("Prepare stored the certification")
	}
	if _, err := svc.Prepare(Registration{Program: "ASCPi", Category: "XYZ", StartedOn: civil.MustParse("2025-02-10")}); err == nil {
		t.Error("an unknown category was prepared")
	}
}

// R-REM-1 (issue 7): a certification item carries its holder's address and
// given name, so the reminder sweep reads only the expiry index; only a
// certification with a cycle enters that index.
func TestCertificationItemCarriesRecipient(t *testing.T) {
	p := ProfileItem{ID: "c-1", Given: "Ana", Family: "Reyes", Email: "ana@example.org"}
	timed := NewCertificationItem("c-1", p, Certification{Key: "ASCPi-MLS", CycleEnd: "2027-01-31"})
	if timed.Email != p.Email || timed.Given != p.Given || timed.CertificantID != "c-1" {
		t.Errorf("item %+v lacks the recipient of %+v", timed, p)
	}
	if !strings.HasPrefix(timed.DatePK, "EXP#2027-01-31#") || timed.DateSK != "c-1#ASCPi-MLS" {
		t.Errorf("timed item ByDate key %q %q", timed.DatePK, timed.DateSK)
	}
	if voluntary := NewCertificationItem("c-1", p, Certification{Key: "ASCPi-SBB"}); voluntary.DatePK != "" || voluntary.DateSK != "" {
		t.Errorf("voluntary item indexed by date: %q %q", voluntary.DatePK, voluntary.DateSK)
	}
}

func date(s string) civil.Date { return civil.MustParse(s) }

// R-CYC-8: status is derived from the dates at every read: the day after
// the expiration the stored "active" reads expired, without CM, no job run.
func TestOnDayAfterExpiry(t *testing.T) {
	c := Certification{Key: "ASCPi-MLS", Program: "ASCPi", Category: "MLS", CMPRequired: true, Status: "active",
		Credential: "MLS(ASCPi)CM", CycleStart: "2022-02-01", CycleEnd: "2025-01-31"}
	if got := c.On(date("2025-01-31")); got.Status != "active" || got.Credential != "MLS(ASCPi)CM" {
		t.Errorf("on the expiration: %s %s, want active MLS(ASCPi)CM", got.Status, got.Credential)
	}
	if got := c.On(date("2025-02-01")); got.Status != "expired" || got.Credential != "MLS(ASCPi)" {
		t.Errorf("the day after: %s %s, want expired MLS(ASCPi)", got.Status, got.Credential)
	}
	// R-CYC-8: 10 or more years expired needs re-examination.
	if c.ReexaminationRequired(date("2035-01-31")) || !c.ReexaminationRequired(date("2035-02-01")) {
		t.Error("re-examination from 10 years after the day after the expiration")
	}
}

// R-CYC-2: a renewal approved before its effective date is stored as the
// new cycle with the old one kept: until the effective date the old cycle
// shows, the new one as nextCycle; from that day the new one, no job run.
func TestOnRenewalEffectiveDate(t *testing.T) {
	c := Certification{Key: "ASCPi-MLS", Program: "ASCPi", Category: "MLS", CMPRequired: true,
		CycleStart: "2025-02-01", CycleEnd: "2028-01-31", PriorCycleStart: "2022-02-01", PriorCycleEnd: "2025-01-31", EffectiveOn: "2025-01-01"}
	before := c.On(date("2024-12-31"))
	if before.CycleStart != "2022-02-01" || before.CycleEnd != "2025-01-31" || before.NextCycle == nil ||
		before.NextCycle.Start != date("2025-02-01") || before.NextCycle.End != date("2028-01-31") || before.Status != "active" {
		t.Errorf("before the effective date: %+v", before)
	}
	on := c.On(date("2025-01-01"))
	if on.CycleStart != "2025-02-01" || on.CycleEnd != "2028-01-31" || on.NextCycle != nil || on.Credential != "MLS(ASCPi)CM" {
		t.Errorf("on the effective date: %+v", on)
	}
	b, _ := json.Marshal(before)
	if !strings.Contains(string(b), `"nextCycle":{"start":"2025-02-01","end":"2028-01-31"}`) || strings.Contains(string(b), "prior") {
		t.Errorf("profile JSON %s", b)
	}
}

// R-CYC-5: a voluntary participant's CM period ending never makes the
// certification expired: the plain credential stays valid.
func TestOnVoluntaryNeverExpires(t *testing.T) {
	c := Certification{Key: "ASCPi-MT", Program: "ASCPi", Category: "MT", CMPRequired: false, CycleStart: "2022-02-01", CycleEnd: "2025-01-31"}
	if got := c.On(date("2025-01-31")); got.Status != "active" || got.Credential != "MT(ASCPi)CM" {
		t.Errorf("during CM: %s %s", got.Status, got.Credential)
	}
	if got := c.On(date("2040-02-01")); got.Status != "active" || got.Credential != "MT(ASCPi)" || got.ReexaminationRequired(date("2040-02-01")) {
		t.Errorf("after CM: %s %s, want active MT(ASCPi), never the 10-year rule", got.Status, got.Credential)
	}
}

// R-EXAM-2: a certification earned by a held pass is not in the public profile.
func TestPublicHidesHeldPass(t *testing.T) {
	p := Profile{Certifications: []Certification{{Key: "ASCPi-MLS"}, {Key: "ASCPi-SBB", ScoreHeld: true}}}
	if got := p.Public().Certifications; len(got) != 1 || got[0].Key != "ASCPi-MLS" || len(p.Certifications) != 2 {
		t.Errorf("public %+v (staff %d)", got, len(p.Certifications))
	}
}

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
			`"key":"ASCPi-MLS","program":"ASCPi","category":"MLS","number":"N-1","status":"active","cmpRequired":true,"cycleStart":"2024-01-15","cycleEnd":"2027-01-31","credential":"MLS(ASCPi)CM"`},
		{"registered already", "c-1", "s1", "[staff]", `{"program":"ASCPi","category":"MLS","startedOn":"2024-01-15"}`, 409, `"rule":"R-CAT-1"`},
		// R-CAT-4 / R-CYC-5: first issued before 2012: voluntary, no cycle, no CM.
		{"voluntary SBB", "c-1", "s1", "[staff]", `{"program":"ASCPi","category":"SBB","startedOn":"2010-06-01"}`, 201,
			`"status":"active","cmpRequired":false,"credential":"SBB(ASCPi)"`},
		// R-CYC-8: a cycle ended before today is expired, without CM.
		{"expired", "c-1", "s1", "[staff]", `{"program":"ASCPi","category":"H","startedOn":"2020-01-01"}`, 201,
			`"status":"expired","cmpRequired":true,"cycleStart":"2020-01-01","cycleEnd":"2023-01-31","credential":"H(ASCPi)"`},
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
	if err := json.Unmarshal([]byte(resp.Body), &p); err != nil || len(p.Certifications) != 3 {
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

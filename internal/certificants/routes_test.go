package certificants_test

// The certificants routes (internal/httpapi/certificantsapi) over the use
// case with its in-memory store; an external test package, so it can import
// the adapter (export_test.go lends it the store).

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/boc/cmp/internal/certificants"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/httpapi/certificantsapi"
	"github.com/boc/cmp/internal/partition"
)

func call(rt *httpapi.Router, routeKey, id, sub, groups, body string) httpapi.Response {
	ev := events.APIGatewayV2HTTPRequest{RouteKey: routeKey, Body: body, PathParameters: map[string]string{"id": id}, Headers: map[string]string{"content-type": "application/json"}}
	if sub != "" {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: map[string]string{"sub": sub, "cognito:groups": groups}},
		}
	}
	return rt.Serve(context.Background(), ev)
}

const validBody = `{"id":"c-1","name":{"given":"Maria","family":"Santos"},"email":"maria@example.org","country":"ph"}`

func TestCreateAndGet(t *testing.T) {
	store := certificants.MemStore{}
	now := func() time.Time { return time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC) }
	rt := certificantsapi.NewRouter(certificants.NewService(store, now), httpapi.NewLogger(&bytes.Buffer{}))

	tests := []struct {
		name                  string
		route, id, sub, group string
		body                  string
		status                int
		wantInBody            string
	}{
		{"staff creates", certificantsapi.RouteCreate, "", "s1", "[staff]", validBody, 201, `"country":"PH"`},
		{"duplicate id", certificantsapi.RouteCreate, "", "s1", "[staff]", validBody, 409, ""},
		{"certificant may not create", certificantsapi.RouteCreate, "", "c-9", "", validBody, 403, ""},
		{"no token", certificantsapi.RouteCreate, "", "", "", validBody, 401, ""},
		{"unknown field", certificantsapi.RouteCreate, "", "s1", "[staff]", `{"nmae":{}}`, 400, `"field":"nmae"`},
		{"missing fields named", certificantsapi.RouteCreate, "", "s1", "[staff]", `{"name":{"given":"A"}}`, 422, `"field":"name.family"`},
		{"bad email", certificantsapi.RouteCreate, "", "s1", "[staff]", strings.Replace(validBody, "maria@example.org", "maria@", 1), 422, `"field":"email"`},
		{"self reads", certificantsapi.RouteGet, "c-1", "c-1", "", "", 200, `"certifications":[]`},
		{"staff reads", certificantsapi.RouteGet, "c-1", "s1", "[staff]", "", 200, `"email":"maria@example.org"`},
		{"other certificant gets 404", certificantsapi.RouteGet, "c-1", "c-2", "", "", 404, ""},
		{"staff, unknown id", certificantsapi.RouteGet, "c-404", "s1", "[staff]", "", 404, ""},
	}
	for _, tc := range tests {
		resp := call(rt, tc.route, tc.id, tc.sub, tc.group, tc.body)
		if resp.StatusCode != tc.status || !strings.Contains(resp.Body, tc.wantInBody) {
			t.Errorf("%s: %d %s, want %d with %s", tc.name, resp.StatusCode, resp.Body, tc.status, tc.wantInBody)
		}
	}
	if p := store["c-1"]; p.CreatedAt != "2025-03-04T05:06:07Z" || p.Name.Given != "Maria" {
		t.Errorf("stored %+v", p)
	}
}

func TestCreateGeneratesID(t *testing.T) {
	store := certificants.MemStore{}
	rt := certificantsapi.NewRouter(certificants.NewService(store, time.Now), httpapi.NewLogger(&bytes.Buffer{}))
	resp := call(rt, certificantsapi.RouteCreate, "", "s1", "[staff]", strings.Replace(validBody, `"id":"c-1",`, "", 1))
	var p partition.Profile
	if err := json.Unmarshal([]byte(resp.Body), &p); err != nil || resp.StatusCode != 201 {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	if !certificants.IDPattern.MatchString(p.ID) || resp.Headers["Location"] != "/v1/certificants/"+p.ID {
		t.Errorf("generated id %q, location %q", p.ID, resp.Headers["Location"])
	}
}

// registered is the router over a store holding certificant c-1, on
// 2025-03-04 in New York.
func registered() *httpapi.Router {
	_, svc := certificants.Registered()
	return certificantsapi.NewRouter(svc, httpapi.NewLogger(&bytes.Buffer{}))
}

func TestRegisterRoute(t *testing.T) {
	rt := registered()
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
		resp := call(rt, certificantsapi.RouteRegister, tc.id, tc.sub, tc.group, tc.body)
		if resp.StatusCode != tc.status || !strings.Contains(resp.Body, tc.want) {
			t.Errorf("%s: %d %s, want %d with %s", tc.name, resp.StatusCode, resp.Body, tc.status, tc.want)
		}
	}
	// The profile lists every certification with today's status.
	resp := call(rt, certificantsapi.RouteGet, "c-1", "c-1", "", "")
	var p partition.Profile
	if err := json.Unmarshal([]byte(resp.Body), &p); err != nil || len(p.Certifications) != 5 {
		t.Fatalf("profile %d %s", resp.StatusCode, resp.Body)
	}
}

package transcript_test

// The transcript routes (internal/httpapi/transcriptapi) over the use case
// with its in-memory store; an external test package, so it can import the
// adapter (export_test.go lends it the store).

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/httpapi/transcriptapi"
	"github.com/boc/cmp/internal/partition"
	"github.com/boc/cmp/internal/rules"
	"github.com/boc/cmp/internal/transcript"
)

var d = civil.MustParse

func fixture() (*transcript.Memory, *httpapi.Router) {
	m, svc := transcript.Fixture()
	return m, transcriptapi.NewRouter(svc, httpapi.NewLogger(&bytes.Buffer{}))
}

func call(rt *httpapi.Router, route string, params map[string]string, sub, groups, body string) httpapi.Response {
	ev := events.APIGatewayV2HTTPRequest{RouteKey: route, Body: body, PathParameters: params, Headers: map[string]string{"content-type": "application/json"}}
	if sub != "" {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": sub, "cognito:groups": groups}}}
	}
	return rt.Serve(context.Background(), ev)
}

func TestAddActivity(t *testing.T) {
	_, rt := fixture()
	c1 := map[string]string{"id": "c-1"}
	tests := []struct {
		name, sub, groups, body string
		status                  int
		want                    string
	}{
		// R-ACT-1: 1 point per contact hour, points as a two-place string.
		{"formal CE", "c-1", "", `{"type":"formal_ce","title":"T","provider":"P","completedOn":"2024-05-01","areas":["safety"],"contactHours":2.5,"accreditation":"ASCLS_PACE"}`, 201, `"points":"2.50","status":"accepted"`},
		// R-ACT-2: 1 semester hour = 15 points.
		{"college semester hours", "c-1", "", `{"type":"college_course","title":"T","provider":"U","completedOn":"2024-05-01","areas":["chemistry"],"semesterHours":"1"}`, 201, `"points":"15.00"`},
		// R-ACT-9: covid entries wait for staff.
		{"covid pending", "c-1", "", `{"type":"covid_ce","title":"T","provider":"H","completedOn":"2021-05-01","areas":["other"],"contactHours":"12","supervisorSignoff":"S-1"}`, 201, `"status":"pending_review"`},
		{"formal CE without accreditation", "c-1", "", `{"type":"formal_ce","title":"T","provider":"P","completedOn":"2024-05-01","areas":["safety"],"contactHours":"1"}`, 422, `"field":"accreditation","rule":"R-ACT-1"`},
		{"college with two credit kinds", "c-1", "", `{"type":"college_course","title":"T","provider":"U","completedOn":"2024-05-01","areas":["chemistry"],"semesterHours":"1","contactHours":"3"}`, 422, `"rule":"R-ACT-2"`},
		{"unknown area", "c-1", "", `{"type":"journal_article","title":"T","provider":"J","completedOn":"2024-05-01","areas":["astrology"]}`, 422, `"rule":"R-AREA-1"`},
		{"future completion", "c-1", "", `{"type":"journal_article","title":"T","provider":"J","completedOn":"2025-03-05","areas":["chemistry"]}`, 422, `"field":"completedOn"`},
		{"unknown field", "c-1", "", `{"type":"journal_article","points":"5"}`, 400, `"field":"points"`},
		{"staff may not add", "s-1", "[staff]", `{"type":"journal_article","title":"T","provider":"J","completedOn":"2024-05-01","areas":["chemistry"]}`, 403, ""},
		{"other certificant", "c-2", "", `{"type":"journal_article","title":"T","provider":"J","completedOn":"2024-05-01","areas":["chemistry"]}`, 404, ""},
		{"no token", "", "", `{}`, 401, ""},
	}
	for _, tc := range tests {
		r := call(rt, transcriptapi.RouteAdd, c1, tc.sub, tc.groups, tc.body)
		if r.StatusCode != tc.status || !strings.Contains(r.Body, tc.want) {
			t.Errorf("%s: %d %s, want %d with %s", tc.name, r.StatusCode, r.Body, tc.status, tc.want)
		}
	}
	r := call(rt, transcriptapi.RouteList, c1, "s-1", "[staff]", "")
	var list struct{ Activities []partition.Entry }
	if err := json.Unmarshal([]byte(r.Body), &list); err != nil || len(list.Activities) != 3 {
		t.Fatalf("list: %d %s", r.StatusCode, r.Body)
	}
	if r := call(rt, transcriptapi.RouteList, map[string]string{"id": "c-404"}, "s-1", "[staff]", ""); r.StatusCode != 404 {
		t.Errorf("unknown certificant list: %d", r.StatusCode)
	}
}

// R-ACT-11: a claimed activity cannot be deleted; an unclaimed one can, once.
func TestDeleteActivity(t *testing.T) {
	m, rt := fixture()
	p := m.Parts()["c-1"]
	p.Entries = []partition.Entry{{ID: "a-1"}, {ID: "a-2"}}
	p.Activities = []rules.Activity{{ID: "a-1"}, {ID: "a-2"}}
	p.Claims = []partition.Claim{{Certification: "ASCPi-MLS", ActivityID: "a-1"}}
	tests := []struct {
		name, id, sub string
		status        int
	}{
		{"claimed", "a-1", "c-1", 409},
		{"other certificant", "a-2", "c-2", 404},
		{"unclaimed", "a-2", "c-1", 204},
		{"gone", "a-2", "c-1", 404},
	}
	for _, tc := range tests {
		r := call(rt, transcriptapi.RouteDelete, map[string]string{"id": "c-1", "activityId": tc.id}, tc.sub, "", "")
		if r.StatusCode != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, r.StatusCode, r.Body, tc.status)
		}
	}
}

func TestProgress(t *testing.T) {
	m, rt := fixture()
	p := m.Parts()["c-1"]
	act := func(id string, pts rules.Points, on string, areas ...rules.Area) {
		p.Entries = append(p.Entries, partition.Entry{ID: id})
		p.Activities = append(p.Activities, rules.Activity{ID: id, Type: rules.FormalCE, Title: id, CompletedOn: d(on), Areas: areas, Points: pts, Status: rules.Accepted})
	}
	act("safety", 2*rules.Pt, "2023-05-02", rules.AreaSafety)
	act("chem", 3*rules.Pt, "2023-05-02", rules.AreaChemistry)
	act("before-cycle", 10*rules.Pt, "2021-12-31", rules.AreaHematology)
	act("claimed", 4*rules.Pt, "2023-05-02", rules.AreaBloodBanking)
	p.Claims = []partition.Claim{{Certification: "ASCPi-MLS", ActivityID: "claimed"}}

	r := call(rt, transcriptapi.RouteProgress, map[string]string{"id": "c-1", "key": "ascpi-mls"}, "c-1", "", "")
	if r.StatusCode != 200 {
		t.Fatalf("progress: %d %s", r.StatusCode, r.Body)
	}
	var got transcript.Progress
	if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
		t.Fatal(err)
	}
	// R-CYC-3: the CE window is the cycle; R-CYC-7: opens 3 months before, late after 1 month before.
	if got.CEWindow != (calendar.Period{Start: d("2022-02-01"), End: d("2025-04-30")}) ||
		got.SubmissionWindow == nil || got.SubmissionWindow.Opens != d("2025-01-31") || got.SubmissionWindow.LateAfter != d("2025-03-31") {
		t.Errorf("windows: %s", r.Body)
	}
	earned := map[rules.Area][2]rules.Points{}
	for _, rq := range got.Requirements {
		earned[rq.Area] = [2]rules.Points{rq.Required, rq.Earned}
	}
	// R-REQ-1..4: MLS needs 36, safety 1, ethics 1 (expiring 2025), 2 in each generalist area;
	// R-ACT-11: the claimed and the out-of-window entries do not count.
	if earned[rules.AreaTotal] != [2]rules.Points{36 * rules.Pt, 5 * rules.Pt} || earned[rules.AreaEthics][0] != rules.Pt ||
		earned[rules.AreaChemistry] != [2]rules.Points{2 * rules.Pt, 3 * rules.Pt} || earned[rules.AreaBloodBanking][1] != 0 {
		t.Errorf("requirements: %v", earned)
	}
	excluded := map[string]string{}
	for _, e := range got.Excluded {
		excluded[e.ActivityID] = e.Rule
	}
	if excluded["claimed"] != "R-ACT-11" || excluded["before-cycle"] == "" {
		t.Errorf("excluded: %v", got.Excluded)
	}
	if len(got.Shortfalls) == 0 || len(got.Proposed) == 0 {
		t.Errorf("shortfalls %v, proposal %v", got.Shortfalls, got.Proposed)
	}
	for _, tc := range []struct {
		key, sub string
		status   int
	}{{"ASCPi-SBB", "c-1", 404}, {"nonsense", "c-1", 404}, {"ASCPi-MLS", "c-2", 404}, {"ASCPi-MLS", "s-1", 200}} {
		groups := ""
		if tc.sub == "s-1" {
			groups = "[staff]"
		}
		if r := call(rt, transcriptapi.RouteProgress, map[string]string{"id": "c-1", "key": tc.key}, tc.sub, groups, ""); r.StatusCode != tc.status {
			t.Errorf("progress %s by %s: %d, want %d", tc.key, tc.sub, r.StatusCode, tc.status)
		}
	}
}

// R-ACT-9: a claim by a declaration of the same certification excludes the
// covid entry by R-ACT-11 only (so re-allocating that declaration keeps it),
// never as "used elsewhere".
func TestCovidReview(t *testing.T) {
	m, rt := fixture()
	c1 := map[string]string{"id": "c-1"}
	covid := `{"type":"covid_ce","title":"Covid testing","provider":"City Lab","completedOn":"2022-06-01","areas":["other"],"contactHours":"10","supervisorSignoff":"SUP-7"}`
	add := func(body string) httpapi.Response { return call(rt, transcriptapi.RouteAdd, c1, "c-1", "", body) }
	r := add(covid)
	var e partition.Entry
	if r.StatusCode != 201 || json.Unmarshal([]byte(r.Body), &e) != nil || e.Status != rules.PendingReview {
		t.Fatalf("covid entry: %d %s", r.StatusCode, r.Body)
	}
	if r := add(covid); r.StatusCode != 409 || !strings.Contains(r.Body, `"rule":"R-ACT-9"`) {
		t.Errorf("second covid entry while the first is pending: %d %s, want 409 R-ACT-9", r.StatusCode, r.Body)
	}
	counted := func() bool {
		t.Helper()
		r := call(rt, transcriptapi.RouteProgress, map[string]string{"id": "c-1", "key": "ASCPi-MLS"}, "c-1", "", "")
		var p transcript.Progress
		if r.StatusCode != 200 || json.Unmarshal([]byte(r.Body), &p) != nil {
			t.Fatalf("progress: %d %s", r.StatusCode, r.Body)
		}
		return !slices.ContainsFunc(p.Excluded, func(x rules.Excluded) bool { return x.ActivityID == e.ID })
	}
	if counted() {
		t.Error("pending covid entry counts")
	}
	review := func(sub, groups, id, body string) httpapi.Response {
		return call(rt, transcriptapi.RouteReview, map[string]string{"id": "c-1", "activityId": id}, sub, groups, body)
	}
	for _, tc := range []struct {
		name, sub, groups, id, body string
		status                      int
	}{
		{"the certificant reviews", "c-1", "", e.ID, `{"decision":"accept"}`, 403},
		{"unknown decision", "s-1", "[staff]", e.ID, `{"decision":"maybe"}`, 422},
		{"reject without a reason", "s-1", "[staff]", e.ID, `{"decision":"reject"}`, 422},
		{"unknown activity", "s-1", "[staff]", "nope", `{"decision":"accept"}`, 409},
	} {
		if r := review(tc.sub, tc.groups, tc.id, tc.body); r.StatusCode != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, r.StatusCode, r.Body, tc.status)
		}
	}
	r = review("s-1", "[staff]", e.ID, `{"decision":"accept"}`)
	if r.StatusCode != 200 || !strings.Contains(r.Body, `"status":"accepted"`) {
		t.Fatalf("accept: %d %s", r.StatusCode, r.Body)
	}
	if !counted() {
		t.Error("accepted covid entry does not count")
	}
	if r := review("s-1", "[staff]", e.ID, `{"decision":"reject","reason":"late"}`); r.StatusCode != 409 {
		t.Errorf("second review: %d %s, want 409", r.StatusCode, r.Body)
	}
	if r := add(covid); r.StatusCode != 409 {
		t.Errorf("second covid entry after an accepted one: %d %s, want 409", r.StatusCode, r.Body)
	}
	// A rejected one never counts and frees the entry.
	m.Parts()["c-1"].Activities[len(m.Parts()["c-1"].Activities)-1].Status = rules.PendingReview
	m.Parts()["c-1"].Entries[len(m.Parts()["c-1"].Entries)-1].Status = rules.PendingReview
	r = review("s-1", "[staff]", e.ID, `{"decision":"reject","reason":"no supervisor sign-off on the claim form"}`)
	if r.StatusCode != 200 || !strings.Contains(r.Body, `"status":"rejected"`) || !strings.Contains(r.Body, "no supervisor sign-off") {
		t.Fatalf("reject: %d %s", r.StatusCode, r.Body)
	}
	if counted() {
		t.Error("rejected covid entry counts")
	}
	if r := add(covid); r.StatusCode != 201 {
		t.Errorf("new covid entry after a rejection: %d %s, want 201", r.StatusCode, r.Body)
	}
}

// R-PROV-3: a provider-posted entry is disputed, never deleted; a
// self-entered one cannot be disputed; a claimed one cannot be disputed
// (R-ACT-11); a dispute needs a reason; only the certificant disputes.
func TestDisputeActivity(t *testing.T) {
	m, rt := fixture()
	p := m.Parts()["c-1"]
	p.Entries = []partition.Entry{{ID: "p-1", Source: partition.SourceProvider, Status: rules.Accepted}, {ID: "s-1", Source: partition.SourceSelf},
		{ID: "p-2", Source: partition.SourceProvider, Status: rules.Accepted}}
	p.Activities = []rules.Activity{{ID: "p-1", Reported: true}, {ID: "s-1"}, {ID: "p-2", Reported: true}}
	p.Claims = []partition.Claim{{Certification: "ASCPi-MLS", ActivityID: "p-2"}}
	reason := `{"reason":"I never took this course"}`
	params := func(id string) map[string]string { return map[string]string{"id": "c-1", "activityId": id} }
	tests := []struct {
		name, route, id, sub, groups, body string
		status                             int
		rule                               string
	}{
		{"delete posted", transcriptapi.RouteDelete, "p-1", "c-1", "", "", 409, "R-PROV-3"},
		{"no reason", transcriptapi.RouteDispute, "p-1", "c-1", "", `{"reason":"  "}`, 422, "R-PROV-3"},
		{"staff", transcriptapi.RouteDispute, "p-1", "s-9", "[staff]", reason, 403, ""},
		{"other certificant", transcriptapi.RouteDispute, "p-1", "c-2", "", reason, 404, ""},
		{"provider client", transcriptapi.RouteDispute, "p-1", "c-1", "[provider]", reason, 403, "R-PROV-4"},
		{"self-entered", transcriptapi.RouteDispute, "s-1", "c-1", "", reason, 409, "R-PROV-3"},
		{"claimed", transcriptapi.RouteDispute, "p-2", "c-1", "", reason, 409, "R-ACT-11"},
		{"unknown", transcriptapi.RouteDispute, "p-9", "c-1", "", reason, 404, ""},
		{"dispute", transcriptapi.RouteDispute, "p-1", "c-1", "", reason, 200, ""},
		{"again", transcriptapi.RouteDispute, "p-1", "c-1", "", reason, 409, "R-PROV-3"},
	}
	for _, tc := range tests {
		r := call(rt, tc.route, params(tc.id), tc.sub, tc.groups, tc.body)
		if r.StatusCode != tc.status || !strings.Contains(r.Body, tc.rule) {
			t.Errorf("%s: %d %s, want %d naming %q", tc.name, r.StatusCode, r.Body, tc.status, tc.rule)
		}
	}
	if got := p.Activities[0].Status; got != rules.Disputed {
		t.Errorf("disputed entry has status %q", got)
	}
}

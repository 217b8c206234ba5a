package e2e

import (
	"strings"
	"testing"

	"github.com/boc/cmp/infra/local/stacktest"
)

// openapi.yaml (info): one order of judgement on every route, authentication
// and role, then the body's shape (400/422), then existence and ownership
// (404), then state (409). Each case would have been answered by a later
// step before: 404 for a missing certificantId or attemptId, 409 for an
// invalid body on a declaration in the wrong state, 400 for an over-long
// reason where other over-long fields are 422.
func TestValidationOrder(t *testing.T) {
	s := stacktest.Get(t)
	l := openDeclaration(t, s, "c-order-1") // submitted: no documents, no resolution yet
	other := newScene(t, s, "c-order-2", map[string]int{"ASCPi-MLS": mlsMonths})
	docs := "/v1/declarations/" + l.id + "/documents"
	for _, tc := range []struct {
		name, token, path string
		body              map[string]any
		status            int
		field, rule       string
	}{
		// R-DEC-1: a declaration names its certificant; shape before ownership.
		{"declaration without certificantId: 422, not 404", l.sc.token, "/v1/declarations",
			map[string]any{"certification": "ASCPi-MLS"}, 422, "certificantId", "R-DEC-1"},
		{"declaration of another certificant: 404", l.sc.token, "/v1/declarations",
			map[string]any{"certificantId": other.id, "certification": "ASCPi-MLS"}, 404, "", ""},
		{"staff submits: 403 before the body", l.staff, "/v1/declarations", map[string]any{}, 403, "", ""},
		// R-VER-1: an order names its certificant.
		{"order without certificantId: 422, not 404", l.sc.token, "/v1/verification-orders",
			map[string]any{"certification": "ASCPi-MLS", "recipients": []map[string]string{{"kind": "employer", "name": "Lab", "email": "hr@example.org"}}},
			422, "certificantId", "R-VER-1"},
		// R-EXAM-4: a review names its attempt.
		{"review without attemptId: 422, not 404", l.sc.token, "/v1/score-reviews", map[string]any{}, 422, "attemptId", "R-EXAM-4"},
		{"review of an unknown attempt: 404", l.sc.token, "/v1/score-reviews", map[string]any{"attemptId": "NOPE"}, 404, "", ""},
		// R-DEC-3: the document's shape before the declaration's state.
		{"bad document on a submitted declaration: 422, not 409", l.sc.token, docs,
			map[string]any{"activityId": "a", "kind": "selfie", "fileName": "x.pdf", "language": "en"}, 422, "kind", "R-DEC-3"},
		{"good document on a submitted declaration: 409", l.sc.token, docs,
			map[string]any{"activityId": "a", "kind": "certificate_of_participation", "fileName": "x.pdf", "language": "en"}, 409, "", "R-DEC"},
		{"bad document on another's declaration: 422, not 404", other.token, docs,
			map[string]any{"activityId": "a", "kind": "selfie", "fileName": "x.pdf", "language": "en"}, 422, "kind", "R-DEC-3"},
		// R-DEC-5: an over-long reason is 422 like every other over-long field.
		{"over-long reason: 422, not 400", l.staff, "/v1/declarations/" + l.id + "/decisions",
			map[string]any{"decision": "approve", "reasons": []string{strings.Repeat("x", 501)}}, 422, "reasons[0]", "R-DEC-5"},
		{"over-long reason on an unknown declaration: 422, not 404", l.staff, "/v1/declarations/NOPE/decisions",
			map[string]any{"decision": "approve", "reasons": make([]string, 11)}, 422, "reasons", "R-DEC-5"},
		// R-INA-1: the decision's shape before the request is looked up.
		{"denial without reason on an unknown request: 422, not 404", l.staff, "/v1/certificants/" + l.sc.id + "/inactive-requests/NOPE/decision",
			map[string]any{"decision": "deny"}, 422, "reason", "R-INA-1"},
		// R-ACT: the entry's shape before ownership.
		{"bad activity on another's transcript: 422, not 404", l.sc.token, "/v1/certificants/" + other.id + "/activities",
			map[string]any{"type": "formal_ce", "title": "t", "provider": "p", "completedOn": "2999-01-01", "areas": []string{"hematology"}, "contactHours": "1", "accreditation": "ACCME"},
			422, "completedOn", "R-ACT-11"},
	} {
		r := s.Do(t, "POST", tc.path, tc.token, tc.body)
		if r.Status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, r.Status, r.Body, tc.status)
			continue
		}
		if p := decodeProblem(t, r); (tc.field != "" || tc.rule != "") && !p.names(tc.field, tc.rule) {
			t.Errorf("%s: problem %s does not name %s %s", tc.name, r.Body, tc.field, tc.rule)
		}
	}
}

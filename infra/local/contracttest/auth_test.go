package contracttest

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// who is api.md's "who" column of the Routes table.
type who int

const (
	public who = iota
	self
	selfOrStaff
	staffOnly
	providerOnly // a CE provider's machine client (R-PROV-1)
)

// caller is one kind of requester; the route's certificant is always c-1.
type caller struct {
	name   string
	claims map[string]string // nil: no authorizer context at all
}

var callers = []caller{
	{"no claims", nil},
	{"other certificant", map[string]string{"sub": "c-2"}},
	// API Gateway flattens the groups list claim into "[staff]".
	{"staff", map[string]string{"sub": "s-1", "cognito:groups": "[staff]"}},
	{"owner", map[string]string{"sub": "c-1"}},
	// A provider's client whose subject happens to be the owner's id: it must
	// still reach no certificant data (R-PROV-4).
	{"provider", map[string]string{"sub": "c-1", "cognito:groups": "[provider]", "provider_id": "p-1"}},
}

// allowed stands for a call that passed the authorization check. The
// routers run on nil services, so such a call ends in the service: its first
// storage access panics and Serve recovers it as a 500, or the service turns
// down the placeholder body as 422 before touching storage. Refusals are
// 401/403/404 and come before any service call, so a refused caller that
// gets anything else means the check is missing or comes too late.
const allowed = 0

// passed reports whether status is what an allowed call answers.
func passed(status int) bool {
	return status == http.StatusInternalServerError || status == http.StatusUnprocessableEntity
}

// expect is what each caller of a route gets under api.md's who column:
// no claims 401 unless public; another certificant 404 where the resource is
// a certificant's (existence must not leak), 403 on staff routes; staff 403
// on self-only routes; the owner 403 on staff routes.
func (w who) expect(c caller) int {
	switch {
	case w == public:
		return allowed
	case c.claims == nil:
		return http.StatusUnauthorized
	}
	isProvider := c.claims["provider_id"] != ""
	isStaff, isOwner := c.claims["cognito:groups"] == "[staff]", c.claims["sub"] == "c-1" && !isProvider
	switch {
	case w == providerOnly && isProvider:
		return allowed
	case w == providerOnly, isProvider:
		return http.StatusForbidden // every other caller on a provider route; a provider anywhere else
	}
	switch w {
	case self:
		switch {
		case isOwner:
			return allowed
		case isStaff:
			return http.StatusForbidden
		}
		return http.StatusNotFound
	case selfOrStaff:
		if isOwner || isStaff {
			return allowed
		}
		return http.StatusNotFound
	default: // staffOnly
		if isStaff {
			return allowed
		}
		return http.StatusForbidden
	}
}

// authRoute is one template route. body and query carry just enough for an
// allowed call to get past input checks to the service. e2e, when set, names
// the end-to-end test that judges the callers whose answer depends on stored
// data (the owner of a declaration or an attempt); judged lists the callers
// this test can still judge without data.
type authRoute struct {
	who    who
	body   string
	query  map[string]string
	e2e    string
	judged []string
}

// Authorization of every template route against api.md's Routes table
// (Identity: sub is the certificant id, group staff is board staff). The
// table must name every route the template declares, so a new route fails
// here until its authorization is stated.
func TestRouteAuthorization(t *testing.T) {
	owned := `{"certificantId":"c-1"}` // body-addressed routes: the owner is named in the body
	// Self routes judge the body's shape before ownership (openapi.yaml's
	// order: 422 before 404), so their bodies are well-formed.
	const (
		declarationBody = `{"certificantId":"c-1","certification":"ASCPi-MLS"}`
		orderBody       = `{"certificantId":"c-1","certification":"ASCPi-MLS","recipients":[{"kind":"employer","name":"Lab","email":"hr@example.org"}]}`
		activityBody    = `{"type":"journal_article","title":"t","provider":"p","completedOn":"2020-01-01","areas":["hematology"]}`
		inactiveBody    = `{"certification":"ASCPi-MLS","reason":"illness","basis":"illness","documents":[{"fileName":"note.pdf"}]}`
	)
	routes := map[string]authRoute{
		"POST /v1/certificants":                                             {who: staffOnly, body: `{}`},
		"GET /v1/certificants/{id}":                                         {who: selfOrStaff},
		"POST /v1/certificants/{id}/certifications":                         {who: staffOnly, body: `{}`},
		"POST /v1/certificants/{id}/inactive-requests":                      {who: self, body: inactiveBody},
		"POST /v1/certificants/{id}/inactive-requests/{requestId}/decision": {who: staffOnly, body: `{}`}, // not in api.md's table: openapi.yaml, staff grant/deny
		"POST /v1/certificants/{id}/activities":                             {who: self, body: activityBody},
		"GET /v1/certificants/{id}/activities":                              {who: selfOrStaff},
		"DELETE /v1/certificants/{id}/activities/{activityId}":              {who: self},
		"POST /v1/certificants/{id}/activities/{activityId}/review":         {who: staffOnly, body: `{}`},
		"GET /v1/certificants/{id}/certifications/{key}/progress":           {who: selfOrStaff},
		"POST /v1/fees/quote":                                               {who: selfOrStaff, body: owned},
		"POST /v1/declarations":                                             {who: self, body: declarationBody},
		"GET /v1/certificants/{id}/declarations":                            {who: selfOrStaff},
		"POST /v1/declarations/{id}/decisions":                              {who: staffOnly, body: `{"decision":"approve"}`},
		"GET /v1/declarations":                                              {who: staffOnly, query: map[string]string{"status": "submitted"}}, // not in api.md's table: the staff work queue
		"POST /v1/exam-attempts":                                            {who: staffOnly, body: `{}`},
		"POST /v1/certificants/{id}/transcripts-received":                   {who: staffOnly, body: `{}`},
		"GET /v1/certification-report":                                      {who: staffOnly, query: map[string]string{"from": "2026-01-01", "to": "2026-01-31"}}, // not in api.md's table: staff report
		"POST /v1/verification-orders":                                      {who: self, body: orderBody},
		"GET /v1/verifications/{token}":                                     {who: public},
		"GET /v1/certificants/{id}/certifications/{key}/credential":         {who: self},
		"GET /v1/status-lists/{listId}":                                     {who: public},
		"GET /.well-known/did.json":                                         {who: public},
		"POST /v1/certificants/{id}/activities/{activityId}/dispute":        {who: self, body: `{"reason":"not mine"}`},
		"POST /v1/providers":                                                {who: staffOnly, body: `{}`},
		"POST /v1/provider-completions":                                     {who: providerOnly, body: `{"completions":[]}`},
		"GET /v1/provider-completions/{batchId}":                            {who: providerOnly},
		"GET /v1/certificants/{id}/payments":                                {who: selfOrStaff},
		"POST /v1/payments/stripe-webhook":                                  {who: public, body: `{}`}, // Stripe-Signature instead of a token (R-PAY-3)

		// The owner is the stored declaration's certificant: read before any check.
		"GET /v1/declarations/{id}": {who: selfOrStaff, e2e: "infra/local/e2e/declarations TestSubmitAndRead",
			judged: []string{"no claims", "provider"}},
		"POST /v1/declarations/{id}/resolution": {who: self, e2e: "infra/local/e2e/declarations TestLifecycleRefusals",
			judged: []string{"no claims", "provider"}},
		"POST /v1/declarations/{id}/documents": {who: self, e2e: "infra/local/e2e/declarations TestLifecycleAuditPass (staff 403)",
			judged: []string{"no claims", "provider"}},
		// The attempt is looked up among the caller's own; staff are refused first.
		"POST /v1/score-reviews": {who: self, body: `{"attemptId":"a-1"}`, e2e: "infra/local/e2e/exams TestScoreReview",
			judged: []string{"no claims", "staff", "provider"}},
	}

	served := routers()
	declared := map[string]bool{}
	for _, fn := range loadFunctions(t) {
		for _, key := range fn.Routes {
			declared[key] = true
			rc, ok := routes[key]
			if !ok {
				t.Errorf("%s (%s): no authorization entry; add one from api.md's who column", key, fn.LogicalID)
				continue
			}
			rt, ok := served[fn.LogicalID]
			if !ok {
				t.Errorf("%s: no router for %s", key, fn.LogicalID)
				continue
			}
			for _, c := range callers {
				if rc.e2e != "" && !slices.Contains(rc.judged, c.name) {
					continue
				}
				t.Run(fmt.Sprintf("%s/%s", key, c.name), func(t *testing.T) {
					got := rt.Serve(context.Background(), event(key, rc, c)).StatusCode
					switch want := rc.who.expect(c); {
					case want == allowed && !passed(got):
						t.Errorf("status %d, want the call let through (500 or 422 from the nil service)", got)
					case want != allowed && got != want:
						t.Errorf("status %d, want %d", got, want)
					}
				})
			}
		}
	}
	for key := range routes {
		if !declared[key] {
			t.Errorf("%s: authorization entry for a route the template does not declare", key)
		}
	}
}

// event is the HTTP API payload 2.0 event API Gateway would pass for key,
// with the JWT authorizer's claims of c.
func event(key string, rc authRoute, c caller) events.APIGatewayV2HTTPRequest {
	ev := events.APIGatewayV2HTTPRequest{
		RouteKey: key,
		PathParameters: map[string]string{
			"id": "c-1", "activityId": "a-1", "key": "ASCPi-MLS", "requestId": "r-1", "batchId": "b-1",
			"token":  strings.Repeat("t", 43), // a well-formed verification token, so the lookup reaches storage
			"listId": "revocation-1",          // a list that exists, so the read reaches storage
		},
		QueryStringParameters: rc.query,
		Headers:               map[string]string{"content-type": "application/json"},
		Body:                  rc.body,
	}
	if c.claims != nil {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: c.claims},
		}
	}
	return ev
}

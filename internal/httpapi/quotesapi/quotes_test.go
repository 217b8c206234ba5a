package quotesapi

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/fees"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/quotes"
)

// fakeLoader answers fixed facts and counts its reads.
type fakeLoader struct {
	facts quotes.Facts
	reads int
}

func (l *fakeLoader) Facts(_ context.Context, id string, _ time.Time) (quotes.Facts, bool, error) {
	l.reads++
	return l.facts, id == "c-1", nil
}

var at = time.Date(2025, 1, 6, 15, 0, 0, 0, time.UTC) // 10:00 in New York, a Monday

func newRouter(l *fakeLoader) *httpapi.Router {
	return NewRouter(quotes.NewService(l, fees.DefaultTariff(), func() time.Time { return at }), httpapi.NewLogger(&bytes.Buffer{}))
}

func call(rt *httpapi.Router, sub, groups, body string) httpapi.Response {
	ev := events.APIGatewayV2HTTPRequest{RouteKey: RouteQuote, Body: body, Headers: map[string]string{"content-type": "application/json"}}
	if sub != "" {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": sub, "cognito:groups": groups}}}
	}
	return rt.Serve(context.Background(), ev)
}

func facts() quotes.Facts {
	return quotes.Facts{
		Certifications: map[string]fees.Certification{
			"ASCPi-MLS": {Expiration: civil.MustParse("2025-01-31")},
			"ASCPi-SBB": {Expiration: civil.MustParse("2025-04-30")},
			"ASCPi-H":   {Expiration: civil.MustParse("2024-06-30"), Expired: true},
		},
		// Submitted earlier today (New York): R-FEE-2 applies to SBB.
		Earlier: []fees.EarlierDeclaration{{SubmittedAt: time.Date(2025, 1, 6, 9, 0, 0, 0, calendar.Zone), Expiration: civil.MustParse("2025-01-31")}},
	}
}

func TestQuoteRoute(t *testing.T) {
	tests := []struct {
		name, sub, groups, body string
		status                  int
		want                    []string
		reads                   int
	}{
		{"R-FEE-2 reduced after a declaration submitted today", "c-1", "", `{"certificantId":"c-1","items":[{"kind":"cmp_declaration","certification":"ascpi-sbb"}]}`,
			200, []string{`"rule":"R-FEE-2"`, `"totalCents":1500`, `"currency":"USD"`}, 1},
		{"R-FEE-3 reinstatement line", "s-1", "[staff]", `{"certificantId":"c-1","items":[{"kind":"cmp_declaration","certification":"ASCPi-H"}]}`,
			200, []string{`"rule":"R-FEE-3"`, `"amountCents":12500`}, 1},
		{"R-FEE-4,5,6", "c-1", "", `{"certificantId":"c-1","items":[{"kind":"verification","count":3},{"kind":"score_review"},{"kind":"inactive_status","basis":"mandatory_military_service"}]}`,
			200, []string{`"amountCents":4500`, `"rule":"R-FEE-5"`, `"rule":"R-FEE-4","description":"Inactive status request, fee waived`, `"totalCents":7000`}, 1},
		{"R-FEE-1 certification not held", "c-1", "", `{"certificantId":"c-1","items":[{"kind":"cmp_declaration","certification":"ASCPi-C"}]}`,
			422, []string{`"field":"items[0].certification"`, `"rule":"R-FEE-1"`}, 1},
		{"unknown kind", "c-1", "", `{"certificantId":"c-1","items":[{"kind":"lunch"}]}`, 422, []string{`"field":"items[0].kind"`, `"rule":"R-FEE-7"`}, 1},
		{"no items", "c-1", "", `{"certificantId":"c-1","items":[]}`, 422, []string{`"field":"items"`}, 1},
		{"staff, unknown certificant: 404", "s-1", "[staff]", `{"certificantId":"c-9","items":[{"kind":"score_review"}]}`, 404, nil, 1},
		{"no certificant", "s-1", "[staff]", `{"items":[{"kind":"score_review"}]}`, 422, []string{`"field":"certificantId"`}, 0},
		{"unknown field", "c-1", "", `{"certificantId":"c-1","items":[],"discount":5}`, 400, []string{`"field":"discount"`}, 0},
		{"count of the wrong type", "c-1", "", `{"certificantId":"c-1","items":[{"kind":"verification","count":"2"}]}`, 400, []string{`"field":"items.count"`}, 0},
		{"another certificant: 404", "c-2", "", `{"certificantId":"c-1","items":[{"kind":"score_review"}]}`, 404, nil, 0},
		{"no token: 401", "", "", `{"certificantId":"c-1","items":[{"kind":"score_review"}]}`, 401, nil, 0},
	}
	for _, tc := range tests {
		l := &fakeLoader{facts: facts()}
		resp := call(newRouter(l), tc.sub, tc.groups, tc.body)
		if resp.StatusCode != tc.status || l.reads != tc.reads {
			t.Errorf("%s: %d %s (%d reads), want %d (%d reads)", tc.name, resp.StatusCode, resp.Body, l.reads, tc.status, tc.reads)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(resp.Body, w) {
				t.Errorf("%s: %s lacks %s", tc.name, resp.Body, w)
			}
		}
	}
}

// FuzzQuoteBody drives the quote route's body decoding and pricing: any
// input answers below 500 and never panics.
func FuzzQuoteBody(f *testing.F) {
	f.Add(`{"certificantId":"c-1","items":[{"kind":"cmp_declaration","certification":"ASCPi-MLS"}]}`)
	f.Add(`{"certificantId":"c-1","items":[{"kind":"verification","count":100},{"kind":"inactive_status","basis":"x"}]}`)
	f.Add(`{"certificantId":"c-1","items":[{"kind":"verification","count":-1}]}`)
	f.Fuzz(func(t *testing.T, body string) {
		resp := call(newRouter(&fakeLoader{facts: facts()}), "c-1", "", body)
		if resp.StatusCode >= 500 {
			t.Fatalf("%q: %d %s", body, resp.StatusCode, resp.Body)
		}
	})
}

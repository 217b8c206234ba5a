package contract

import (
	"bytes"
	"net/http"
	"os"
	"strings"
	"testing"
)

const spec = "../../../openapi.yaml"

// entry is a transcript entry as GET /v1/certificants/{id}/activities answers it.
const entry = `{"id":"a-1","type":"formal_ce","title":"Hematology update","provider":"ASCLS",` +
	`"completedOn":"2025-03-01","areas":["hematology"],"contactHours":"2.00","accreditation":"ASCLS_PACE",` +
	`"points":"2.00","status":"accepted","createdAt":"2025-03-02T10:00:00Z","source":"self"}`

func listing(t *testing.T, c *Contract, body string) error {
	t.Helper()
	req, err := http.NewRequest("GET", "http://127.0.0.1:3000/v1/certificants/c-1/activities", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer x")
	return c.Check(Exchange{Request: req, Status: 200,
		Header: http.Header{"Content-Type": {"application/json"}}, ResponseBody: []byte(body)})
}

func load(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// A real transcript entry passes the document; the same entry with a renamed
// field, a wrong format or a missing required field does not.
func TestActivityListing(t *testing.T) {
	c, err := New(load(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := listing(t, c, `{"activities":[`+entry+`]}`); err != nil {
		t.Fatalf("a real entry fails the contract: %v", err)
	}
	for name, body := range map[string]string{
		"renamed field":  strings.Replace(entry, `"points"`, `"pts"`, 1),
		"bad date":       strings.Replace(entry, `"2025-03-01"`, `"03/01/2025"`, 1),
		"missing status": strings.Replace(entry, `"status":"accepted",`, ``, 1),
		"bad points":     strings.Replace(entry, `"points":"2.00"`, `"points":2`, 1),
	} {
		if err := listing(t, c, `{"activities":[`+body+`]}`); err == nil {
			t.Errorf("%s: passes the contract", name)
		}
	}
	if err := listing(t, c, `{}`); err == nil {
		t.Error("a listing without activities passes the contract")
	}
	if r := c.Report(); r.Responses != 6 || r.Traffic["GET /v1/certificants/{id}/activities"] != 6 {
		t.Errorf("report %+v", r)
	}
}

// The check bites: a deliberately broken copy of one schema (Points takes
// three decimals) makes the same real entry fail.
func TestBrokenSchemaFails(t *testing.T) {
	raw := load(t)
	broken := bytes.Replace(raw, []byte(`pattern: "^-?[0-9]+\\.[0-9]{2}$"`), []byte(`pattern: "^-?[0-9]+\\.[0-9]{3}$"`), 1)
	if bytes.Equal(broken, raw) {
		t.Fatal("the Points pattern was not found in openapi.yaml; update this test")
	}
	c, err := New(broken)
	if err != nil {
		t.Fatal(err)
	}
	if err := listing(t, c, `{"activities":[`+entry+`]}`); err == nil {
		t.Fatal("a broken Points schema still passes a real entry")
	} else if !strings.Contains(err.Error(), "points") {
		t.Errorf("the error does not name the field: %v", err)
	}
}

// An answer with a status the route does not list fails.
func TestUnlistedStatusFails(t *testing.T) {
	c, err := New(load(t))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "http://127.0.0.1:3000/v1/certificants/c-1/activities", nil)
	req.Header.Set("Authorization", "Bearer x")
	err = c.Check(Exchange{Request: req, Status: 418, Header: http.Header{"Content-Type": {"application/problem+json"}},
		ResponseBody: []byte(`{"type":"about:blank","title":"teapot","status":418}`)})
	if err == nil {
		t.Fatal("an unlisted status passes")
	}
}

// A request the document refuses must not be answered with success.
func TestRefusedRequestAnsweredOK(t *testing.T) {
	c, err := New(load(t))
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"certificantId":"c-1","items":[{"kind":"no_such_kind"}]}`)
	req, _ := http.NewRequest("POST", "http://127.0.0.1:3000/v1/fees/quote", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer x")
	req.Header.Set("Content-Type", "application/json")
	ok := `{"lines":[],"totalCents":0,"currency":"USD","pricedOn":"2025-01-01"}`
	if err := c.Check(Exchange{Request: req, RequestBody: body, Status: 200,
		Header: http.Header{"Content-Type": {"application/json"}}, ResponseBody: []byte(ok)}); err == nil ||
		!strings.Contains(err.Error(), "refuses the request") {
		t.Fatalf("got %v", err)
	}
}

// R-PAY-3: the Stripe webhook's body is Stripe's; its schema lists the
// members read and says additionalProperties: true, so members Stripe adds
// are not refused. A strict route still refuses an undeclared member.
func TestOpenBodyAllowsUnlistedMembers(t *testing.T) {
	c, err := New(load(t))
	if err != nil {
		t.Fatal(err)
	}
	check := func(path string, body []byte, hdr http.Header, resp string) error {
		req, _ := http.NewRequest("POST", "http://127.0.0.1:3000"+path, bytes.NewReader(body))
		req.Header = hdr
		req.Header.Set("Content-Type", "application/json")
		return c.Check(Exchange{Request: req, RequestBody: body, Status: 200,
			Header: http.Header{"Content-Type": {"application/json"}}, ResponseBody: []byte(resp)})
	}
	event := []byte(`{"id":"evt_1","type":"payment_intent.succeeded","created":1,"request":{"id":null},"account":"acct_1",
		"data":{"object":{"id":"pi_1","amount":9500,"currency":"usd","latest_charge":"ch_1","metadata":{"about":"D1"}}}}`)
	if err := check("/v1/payments/stripe-webhook", event, http.Header{"Stripe-Signature": {"t=1,v1=x"}},
		`{"eventId":"evt_1","outcome":"applied"}`); err != nil {
		t.Errorf("a Stripe event with members the schema does not list: %v", err)
	}
	quote := []byte(`{"certificantId":"c-1","items":[{"kind":"verification","count":1}],"extra":1}`)
	if err := check("/v1/fees/quote", quote, http.Header{"Authorization": {"Bearer x"}},
		`{"lines":[],"totalCents":0,"currency":"USD","pricedOn":"2025-01-01"}`); err == nil || !strings.Contains(err.Error(), "refuses the request") {
		t.Errorf("an undeclared member on a strict route: %v, want refused", err)
	}
}

package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/boc/cmp/internal/fielderr"
)

func event(routeKey, sub, groups, body string) events.APIGatewayV2HTTPRequest {
	ev := events.APIGatewayV2HTTPRequest{RouteKey: routeKey, Body: body,
		Headers: map[string]string{"Authorization": "Bearer secret-token", "Idempotency-Key": " k1 ", "Content-Type": "application/json"}}
	ev.RequestContext.RequestID = "req-1"
	if sub != "" || groups != "" {
		claims := map[string]string{"sub": sub}
		if groups != "" {
			claims["cognito:groups"] = groups
		}
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
		}
	}
	return ev
}

func TestParseListClaim(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"[staff]", []string{"staff"}},
		{"[staff admin]", []string{"staff", "admin"}},
		{`["staff","x"]`, []string{"staff", "x"}},
		{"staff", []string{"staff"}},
		{"[]", nil},
		// Issue 11 item 6, api.md "Identity": group names are exact, never
		// split on commas.
		{"[lab,staff]", []string{"lab,staff"}},
		{"[staff, x]", []string{"staff,", "x"}},
		{`["lab,staff"]`, []string{"lab,staff"}},
		{`["lab staff"]`, []string{"lab staff"}},
	}
	for _, tc := range tests {
		if got := parseListClaim(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("parseListClaim(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAccessChecks(t *testing.T) {
	staff := Principal{Subject: "s1", Groups: []string{"staff"}}
	self := Principal{Subject: "c1"}
	other := Principal{Subject: "c2", Groups: []string{"staffers", "lab,staff"}}
	tests := []struct {
		name string
		err  error
		want int // 0 = allowed
	}{
		{"staff on staff route", RequireStaff(staff), 0},
		{"certificant on staff route", RequireStaff(self), 403},
		{"self reads self", RequireSelfOrStaff(self, "c1"), 0},
		{"staff reads anyone", RequireSelfOrStaff(staff, "c1"), 0},
		{"other certificant does not learn existence", RequireSelfOrStaff(other, "c1"), 404},
		{"anonymous", RequireSelfOrStaff(Principal{}, ""), 404},
		{"self-only route, self", RequireSelf(self, "c1"), 0},
		{"self-only route, staff", RequireSelf(staff, "c1"), 403},
		{"self-only route, other", RequireSelf(other, "c1"), 404},
	}
	for _, tc := range tests {
		var p *Problem
		switch {
		case tc.want == 0 && tc.err != nil:
			t.Errorf("%s: got %v, want allowed", tc.name, tc.err)
		case tc.want != 0 && (!errors.As(tc.err, &p) || p.Status != tc.want):
			t.Errorf("%s: got %v, want %d", tc.name, tc.err, tc.want)
		}
	}
}

type payload struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
	Inner struct {
		Given string `json:"given"`
	} `json:"inner"`
	Items []struct {
		CertificantID string `json:"certificantId"`
	} `json:"items"`
}

func TestDecode(t *testing.T) {
	big := `{"name":"` + strings.Repeat("a", MaxBody) + `"}`
	tests := []struct {
		name      string
		body      string
		base64    bool
		status    int // 0 = decodes
		wantField string
	}{
		{"valid", `{"name":"a","count":2}`, false, 0, ""},
		{"valid base64", `{"name":"a"}`, true, 0, ""},
		{"unknown field", `{"name":"a","nmae":"b"}`, false, 400, "nmae"},
		{"unknown nested field", `{"inner":{"givn":"b"}}`, false, 400, "givn"},
		{"wrong type", `{"count":"2"}`, false, 400, "count"},
		{"wrong nested type", `{"inner":{"given":3}}`, false, 400, "inner.given"},
		{"trailing data", `{"name":"a"} {"name":"b"}`, false, 400, ""},
		{"trailing garbage", `{"name":"a"}x`, false, 400, ""},
		{"truncated", `{"name":"a"`, false, 400, ""},
		{"empty", ``, false, 400, ""},
		{"not an object", `[1]`, false, 400, ""},
		{"bad base64", `%%%`, true, 400, ""},
		{"over 64 KiB", big, false, 413, ""},
		{"over 64 KiB base64", big, true, 413, ""},
		// Issue 11 item 7, api.md Conventions: strict JSON.
		{"field name case", `{"Name":"a"}`, false, 400, "Name"},
		{"nested field name case", `{"name":"a","inner":{"Given":"b"}}`, false, 400, "inner.Given"},
		{"duplicate key", `{"name":"a","name":"b"}`, false, 400, "name"},
		{"duplicate nested key", `{"name":"a","inner":{"given":"a","given":"b"}}`, false, 400, "inner.given"},
		{"invalid UTF-8", "{\"name\":\"a\xff\"}", false, 400, ""},
		{"control character", `{"name":"a\u0007"}`, false, 400, "name"},
		{"C1 control character", `{"name":"a\u0085"}`, false, 400, "name"},
		{"control character in an array", `{"name":"a","items":[{"certificantId":"c\u0000"}]}`, false, 400, "items[0].certificantId"},
		// Issue 11 item 5: ids are bounded at the edge.
		{"id at the bound", `{"name":"a","items":[{"certificantId":"` + strings.Repeat("c", MaxID) + `"}]}`, false, 0, ""},
		{"id over the bound", `{"name":"a","items":[{"certificantId":"` + strings.Repeat("c", MaxID+1) + `"}]}`, false, 400, "items[0].certificantId"},
	}
	for _, tc := range tests {
		body := tc.body
		if tc.base64 && tc.name != "bad base64" {
			body = base64.StdEncoding.EncodeToString([]byte(body))
		}
		ev := event("POST /x", "c1", "", body)
		ev.IsBase64Encoded = tc.base64
		var got payload
		req, err := newRequest(ev, MaxBody, NewLogger(&bytes.Buffer{}))
		if err == nil {
			err = req.Decode(&got)
		}
		var p *Problem
		switch {
		case tc.status == 0 && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.status == 0 && got.Name != "a":
			t.Errorf("%s: decoded %+v", tc.name, got)
		case tc.status != 0 && (!errors.As(err, &p) || p.Status != tc.status):
			t.Errorf("%s: got %v, want status %d", tc.name, err, tc.status)
		case tc.wantField != "" && (len(p.Errors) != 1 || p.Errors[0].Field != tc.wantField):
			t.Errorf("%s: errors %+v, want field %q", tc.name, p.Errors, tc.wantField)
		}
	}
}

func decodeProblemBody(t *testing.T, resp Response) Problem {
	t.Helper()
	if ct := resp.Headers["Content-Type"]; ct != "application/problem+json" {
		t.Fatalf("content type %q", ct)
	}
	var p Problem
	if err := json.Unmarshal([]byte(resp.Body), &p); err != nil {
		t.Fatalf("problem body %q: %v", resp.Body, err)
	}
	if p.Status != resp.StatusCode || p.Title == "" || p.Type == "" {
		t.Fatalf("incomplete problem %+v for status %d", p, resp.StatusCode)
	}
	return p
}

// Issue 11 item 7: a body that is not declared application/json is 415.
func TestDecodeContentType(t *testing.T) {
	for ct, status := range map[string]int{
		"application/json": 0, "application/json; charset=utf-8": 0, "Application/JSON": 0,
		"": 415, "text/plain": 415, "application/x-www-form-urlencoded": 415, "application/json; charset=latin1": 415, "application/jsonx": 415,
	} {
		ev := event("POST /x", "c1", "", `{"name":"a"}`)
		ev.Headers["Content-Type"] = ct
		req, err := newRequest(ev, MaxBody, NewLogger(&bytes.Buffer{}))
		if err == nil {
			err = req.Decode(&payload{})
		}
		var p *Problem
		if (status == 0 && err != nil) || (status != 0 && (!errors.As(err, &p) || p.Status != status)) {
			t.Errorf("Content-Type %q: %v, want status %d", ct, err, status)
		}
	}
}

func TestRouterServe(t *testing.T) {
	var logs bytes.Buffer
	rt := NewRouter(NewLogger(&logs))
	rt.Handle("GET /v1/things/{id}", func(_ context.Context, r *Request) (Response, error) {
		if err := RequireSelfOrStaff(r.Principal, r.Param("id")); err != nil {
			return Response{}, err
		}
		key, err := r.IdempotencyKey()
		if err != nil {
			return Response{}, err
		}
		return JSON(http.StatusOK, map[string]string{"id": r.Param("id"), "key": key})
	})
	rt.Handle("POST /v1/panic", func(context.Context, *Request) (Response, error) {
		panic("secret detail jane@example.org")
	})
	rt.Handle("POST /v1/fail", func(context.Context, *Request) (Response, error) {
		return Response{}, errors.New("table unreachable")
	})
	rt.HandlePublic("GET /v1/open", func(context.Context, *Request) (Response, error) { return NoContent() })

	if got := rt.Routes(); !slices.Equal(got, []string{"GET /v1/open", "GET /v1/things/{id}", "POST /v1/fail", "POST /v1/panic"}) {
		t.Errorf("Routes() = %q", got)
	}

	withParam := func(ev events.APIGatewayV2HTTPRequest, id string) events.APIGatewayV2HTTPRequest {
		ev.PathParameters = map[string]string{"id": id}
		return ev
	}
	withID := func(ev events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPRequest { return withParam(ev, "c1") }
	tests := []struct {
		name   string
		ev     events.APIGatewayV2HTTPRequest
		status int
	}{
		{"self", withID(event("GET /v1/things/{id}", "c1", "", "")), 200},
		{"staff", withID(event("GET /v1/things/{id}", "s1", "[staff]", "")), 200},
		{"other certificant", withID(event("GET /v1/things/{id}", "c2", "", "")), 404},
		// Issue 11 item 5: a path id no record can have is 404 before any handler.
		{"over-long path id", withParam(event("GET /v1/things/{id}", "s1", "[staff]", ""), strings.Repeat("c", MaxID+1)), 404},
		{"path id with a control character", withParam(event("GET /v1/things/{id}", "s1", "[staff]", ""), "c\x00"), 404},
		{"path id at the bound", withParam(event("GET /v1/things/{id}", "s1", "[staff]", ""), strings.Repeat("c", MaxID)), 200},
		{"no principal", withID(event("GET /v1/things/{id}", "", "", "")), 401},
		{"public without principal", event("GET /v1/open", "", "", ""), 204},
		{"unknown route", event("GET /v1/nothing", "c1", "", ""), 404},
		{"panic", event("POST /v1/panic", "c1", "", ""), 500},
		{"error", event("POST /v1/fail", "c1", "", ""), 500},
	}
	for _, tc := range tests {
		resp := rt.Serve(context.Background(), tc.ev)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, resp.StatusCode, tc.status, resp.Body)
			continue
		}
		if tc.status >= 400 {
			p := decodeProblemBody(t, resp)
			if tc.status == 500 && (p.Detail != "" || strings.Contains(resp.Body, "secret") || strings.Contains(resp.Body, "unreachable")) {
				t.Errorf("%s: 500 leaks details: %s", tc.name, resp.Body)
			}
		}
	}
	resp := rt.Serve(context.Background(), withID(event("GET /v1/things/{id}", "c1", "", "")))
	if !strings.Contains(resp.Body, `"key":"k1"`) {
		t.Errorf("Idempotency-Key not read: %s", resp.Body)
	}

	out := logs.String()
	for _, leak := range []string{"secret-token", "jane@example.org"} {
		if strings.Contains(out, leak) {
			t.Errorf("log leaks %q", leak)
		}
	}
	for _, want := range []string{`"requestId":"req-1"`, `"msg":"handler panic"`, `"status":500`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s", want)
		}
	}
}

// The domain's invalid input is a 422 problem with its detail and every field,
// wrapped or not (api.md errors[]).
func TestRouterAnswersInvalidInput(t *testing.T) {
	invalid := &fielderr.Invalid{Detail: "invalid request", Fields: []fielderr.Field{
		{Field: "email", Message: "a plain email address"},
		{Field: "category", Rule: "R-CAT-1", Message: "unknown"},
	}}
	rt := NewRouter(NewLogger(&bytes.Buffer{}))
	rt.Handle("POST /v1/things", func(context.Context, *Request) (Response, error) {
		return Response{}, fmt.Errorf("create thing: %w", invalid)
	})
	resp := rt.Serve(context.Background(), event("POST /v1/things", "c1", "", ""))
	p := decodeProblemBody(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || p.Detail != "invalid request" || !slices.Equal(p.Errors, invalid.Fields) {
		t.Errorf("status %d, problem %+v", resp.StatusCode, p)
	}
	if !strings.Contains(resp.Body, `{"field":"email","message":"a plain email address"}`) {
		t.Errorf("a field without a rule is answered without one: %s", resp.Body)
	}
}

// api.md: the Idempotency-Key of every idempotent route is at most 255
// printable ASCII characters, surrounding blanks ignored; otherwise 400.
func TestIdempotencyKey(t *testing.T) {
	tests := []struct {
		header, want string
		status       int
	}{
		{"", "", 0},
		{" k1 ", "k1", 0},
		{strings.Repeat("k", MaxIdempotencyKey), strings.Repeat("k", MaxIdempotencyKey), 0},
		{strings.Repeat("k", MaxIdempotencyKey+1), "", http.StatusBadRequest},
		{"clé", "", http.StatusBadRequest},
		{"k\x00", "", http.StatusBadRequest},
	}
	for _, tc := range tests {
		r := &Request{Headers: map[string]string{"idempotency-key": tc.header}}
		got, err := r.IdempotencyKey()
		var p *Problem
		switch {
		case tc.status == 0 && (err != nil || got != tc.want):
			t.Errorf("%q: %q, %v; want %q", tc.header, got, err, tc.want)
		case tc.status != 0 && (!errors.As(err, &p) || p.Status != tc.status || p.Errors[0].Field != "Idempotency-Key"):
			t.Errorf("%q: %q, %v; want a %d problem", tc.header, got, err, tc.status)
		}
	}
}

package apigw

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/boc/cmp/infra/local/internal/testbin"
	"github.com/boc/cmp/infra/local/localjwt"
	"github.com/boc/cmp/infra/local/runtimeapi"
)

const secret = "test-secret"

// recorder is a function that answers with the event it received.
type recorder struct{}

func (recorder) Invoke(_ context.Context, payload []byte) ([]byte, error) {
	return json.Marshal(map[string]any{"statusCode": 200, "body": string(payload)})
}

func serve(t *testing.T, routes ...Route) string {
	t.Helper()
	s, err := New(routes, secret, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts.URL
}

func call(t *testing.T, method, url, token, body string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Cookie", "a=1; b=2")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func wantProblem(t *testing.T, resp *http.Response, body []byte, status int) {
	t.Helper()
	if resp.StatusCode != status || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("got %d %s %s, want %d problem+json", resp.StatusCode, resp.Header.Get("Content-Type"), body, status)
	}
	var p struct{ Status int }
	if err := json.Unmarshal(body, &p); err != nil || p.Status != status {
		t.Fatalf("problem body %s", body)
	}
}

func TestEventShape(t *testing.T) {
	url := serve(t,
		Route{Method: "GET", Path: "/v1/things/{id}", Fn: recorder{}},
		Route{Method: "GET", Path: "/v1/things/special", Fn: recorder{}},
		Route{Method: "ANY", Path: "/files/{proxy+}", NoAuth: true, Fn: recorder{}},
	)
	tok, _ := localjwt.Mint(secret, "staff-1", time.Minute, "staff")
	resp, body := call(t, "GET", url+"/v1/things/a%20b?x=1&x=2&y=3", tok, "")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(body, &ev); err != nil {
		t.Fatal(err)
	}
	jwt := ev.RequestContext.Authorizer.JWT
	if ev.Version != "2.0" || ev.RouteKey != "GET /v1/things/{id}" || ev.PathParameters["id"] != "a b" ||
		ev.RawQueryString != "x=1&x=2&y=3" || ev.QueryStringParameters["x"] != "1,2" ||
		ev.Headers["content-type"] != "application/json" || len(ev.Cookies) != 2 ||
		ev.RequestContext.HTTP.Method != "GET" || ev.RequestContext.RequestID == "" ||
		jwt.Claims["sub"] != "staff-1" || jwt.Claims["cognito:groups"] != "[staff]" {
		t.Errorf("event %+v", ev)
	}
	// A literal segment wins over a parameter.
	_, body = call(t, "GET", url+"/v1/things/special", tok, "")
	ev = events.APIGatewayV2HTTPRequest{}
	if err := json.Unmarshal(body, &ev); err != nil || ev.RouteKey != "GET /v1/things/special" {
		t.Errorf("route key %q", ev.RouteKey)
	}
	// Greedy path, no auth.
	_, body = call(t, "PUT", url+"/files/a/b/c", "", `{"k":1}`)
	ev = events.APIGatewayV2HTTPRequest{}
	if err := json.Unmarshal(body, &ev); err != nil || ev.PathParameters["proxy"] != "a/b/c" || ev.Body != `{"k":1}` || ev.RequestContext.Authorizer != nil {
		t.Errorf("greedy event %+v", ev)
	}
}

// api.md Identity: no or invalid token -> 401 problem, function not invoked.
func TestAuthorizerAndUnknownRoute(t *testing.T) {
	url := serve(t, Route{Method: "GET", Path: "/v1/x", Fn: recorder{}})
	expired, _ := localjwt.Mint(secret, "c-1", -time.Minute)
	other, _ := localjwt.Mint("other-secret", "c-1", time.Minute)
	for name, tok := range map[string]string{"missing": "", "expired": expired, "wrong secret": other, "garbage": "x.y.z"} {
		t.Run(name, func(t *testing.T) {
			resp, body := call(t, "GET", url+"/v1/x", tok, "")
			wantProblem(t, resp, body, 401)
		})
	}
	resp, body := call(t, "GET", url+"/v1/nope", "", "")
	wantProblem(t, resp, body, 404)
	resp, body = call(t, "POST", url+"/v1/x", "", "")
	wantProblem(t, resp, body, 404)
}

// Issue 11 item 10: a request line plus headers over the HTTP API quota
// (10240 bytes), an oversized bearer token among them, is refused with a
// problem document before the authorizer or the function.
func TestOversizedHeadersRefused(t *testing.T) {
	url := serve(t, Route{Method: "GET", Path: "/v1/x", Fn: recorder{}})
	tok, _ := localjwt.Mint(secret, strings.Repeat("c", MaxHeaderBytes), time.Minute)
	resp, body := call(t, "GET", url+"/v1/x", tok, "")
	wantProblem(t, resp, body, http.StatusRequestHeaderFieldsTooLarge)
	// Just under the quota still passes.
	small, _ := localjwt.Mint(secret, strings.Repeat("c", MaxHeaderBytes/2), time.Minute)
	if resp, body := call(t, "GET", url+"/v1/x", small, ""); resp.StatusCode != 200 {
		t.Errorf("a token well under the quota: %d %s", resp.StatusCode, body)
	}
}

func TestResponseForms(t *testing.T) {
	cases := []struct {
		payload, wantBody, wantCT string
		status                    int
	}{
		{`{"statusCode":201,"headers":{"content-type":"text/plain"},"body":"made"}`, "made", "text/plain", 201},
		{`{"statusCode":200,"isBase64Encoded":true,"body":"aGk="}`, "hi", "application/json", 200},
		{`{"hello":"world"}`, `{"hello":"world"}`, "application/json", 200},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		if err := writeResponse(rec, []byte(c.payload)); err != nil {
			t.Fatal(err)
		}
		if rec.Code != c.status || rec.Body.String() != c.wantBody || rec.Header().Get("Content-Type") != c.wantCT {
			t.Errorf("%s -> %d %q %q", c.payload, rec.Code, rec.Body.String(), rec.Header().Get("Content-Type"))
		}
	}
	for _, bad := range []string{`not json`, `{"statusCode":42}`, `{"statusCode":200,"isBase64Encoded":true,"body":"%%"}`} {
		if err := writeResponse(httptest.NewRecorder(), []byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// A function process killed mid-invocation: the caller gets a 502 problem,
// the next request is served by a fresh process.
func TestKilledFunctionGives502ThenRecovers(t *testing.T) {
	bin := testbin.Host(t, "testfn")
	fn := runtimeapi.New(runtimeapi.Config{Name: "TestFunction", Bootstrap: bin, TaskRoot: filepath.Dir(bin), MemoryMB: 128, Timeout: 10 * time.Second})
	t.Cleanup(fn.Close)
	url := serve(t, Route{Method: "POST", Path: "/v1/work", NoAuth: true, Fn: fn})

	done := make(chan struct{})
	var resp *http.Response
	var body []byte
	go func() {
		defer close(done)
		resp, body = call(t, "POST", url+"/v1/work", "", `{"sleepMs":5000}`)
	}()
	time.Sleep(500 * time.Millisecond) // cold start plus delivery of the event
	fn.KillRunning()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("killed request did not return")
	}
	wantProblem(t, resp, body, http.StatusBadGateway)

	resp, body = call(t, "POST", url+"/v1/work", "", `{}`)
	if resp.StatusCode != 200 {
		t.Fatalf("after the kill: %d %s", resp.StatusCode, body)
	}
}

package stacktest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/boc/cmp/infra/local/contract"
	"github.com/boc/cmp/infra/local/localjwt"
	"github.com/boc/cmp/infra/local/stack"
	"github.com/boc/cmp/infra/local/stripelocal"
	"github.com/boc/cmp/infra/local/template"
	"github.com/boc/cmp/internal/payment"
)

const secret = "stacktest-secret"

// Stack is the running stack of this test package.
type Stack struct {
	APIURL, LambdaURL, DynamoURL, MailURL, TableName string
	StripeURL                                        string
	s                                                *stack.Stack
	client                                           *http.Client
	contract                                         *contract.Contract
}

// ContractDirEnv names the folder where each e2e package leaves its
// contract report (make test sums them up with cmd/contract-report).
const ContractDirEnv = "CMP_CONTRACT_DIR"

var (
	current  *Stack
	startErr error
)

// Main starts the stack, runs the package's tests and tears it down.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// Function and local-part output goes to a file kept on failure: test
	// output stays readable, and nothing is lost.
	logf, err := os.CreateTemp("", "cmp-stacktest-*.log")
	if err != nil {
		fmt.Fprintln(os.Stderr, "stacktest:", err)
		return 1
	}
	out := stack.LockedWriter(logf)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// Every exchange of Do is held to openapi.yaml: each e2e test is also a
	// contract test.
	c, cerr := contract.Load(filepath.Join(repoRoot(), "openapi.yaml"))
	s, err := stack.Start(ctx, stack.Config{Root: repoRoot(), JWTSecret: secret, Output: out,
		Logger: slog.New(slog.NewJSONHandler(out, nil))})
	switch {
	case cerr != nil:
		startErr = cerr
	case err != nil:
		startErr = fmt.Errorf("start local stack (log: %s): %w", logf.Name(), err)
	default:
		current = &Stack{APIURL: s.APIURL, LambdaURL: s.LambdaURL, DynamoURL: s.DynamoURL, MailURL: s.MailURL, TableName: s.TableName,
			StripeURL: s.StripeURL, s: s, client: &http.Client{Timeout: time.Minute}, contract: c}
	}
	code := m.Run()
	if s != nil {
		s.Close()
	}
	if c != nil {
		if err := reportContract(c); err != nil {
			fmt.Fprintln(os.Stderr, "stacktest:", err)
			code = 1
		}
	}
	logf.Close()
	if code == 0 {
		_ = os.Remove(logf.Name())
	} else {
		fmt.Fprintln(os.Stderr, "stacktest: stack log kept at", logf.Name())
	}
	return code
}

// reportContract prints what the package's tests exchanged and, with
// CMP_CONTRACT_DIR set, leaves the report there.
func reportContract(c *contract.Contract) error {
	r := c.Report()
	fmt.Fprintf(os.Stderr, "stacktest: contract: %d requests and %d responses validated against openapi.yaml (%d routes with traffic)\n",
		r.Requests, r.Responses, len(r.Traffic))
	dir := os.Getenv(ContractDirEnv)
	if dir == "" {
		return nil
	}
	return r.Write(dir, fmt.Sprintf("%s-%d", strings.TrimSuffix(filepath.Base(os.Args[0]), ".test"), os.Getpid()))
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// Get returns the package's stack, or fails the test when it did not start.
func Get(t testing.TB) *Stack {
	t.Helper()
	if startErr != nil {
		t.Fatal(startErr)
	}
	if current == nil {
		t.Fatal("stacktest: call stacktest.Main(m) from TestMain")
	}
	return current
}

// Token is a local JWT for sub with the groups, valid for an hour.
func (s *Stack) Token(sub string, groups ...string) string {
	tok, err := localjwt.Mint(secret, sub, time.Hour, groups...)
	if err != nil {
		panic(err) // HMAC signing with a fixed key cannot fail
	}
	return tok
}

// ProviderToken is a CE provider client's local JWT (group provider, claim
// provider_id), valid for an hour.
func (s *Stack) ProviderToken(sub, providerID string) string {
	tok, err := localjwt.MintClaims(secret, sub, time.Hour, map[string]string{localjwt.ProviderIDClaim: providerID}, "provider")
	if err != nil {
		panic(err) // HMAC signing with a fixed key cannot fail
	}
	return tok
}

// Response is an HTTP answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body strictly into v, or fails the test.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %d response %s: %v", r.Status, r.Body, err)
	}
}

// Do calls the HTTP API. body: nil, []byte or string as is, anything else
// JSON-encoded. hdr: header name, value pairs.
func (s *Stack) Do(t testing.TB, method, path, token string, body any, hdr ...string) *Response {
	t.Helper()
	var rd io.Reader
	var sent []byte // kept for the contract check
	switch b := body.(type) {
	case nil:
	case []byte:
		sent = b
	case string:
		sent = []byte(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encode body: %v", err)
		}
		sent = enc
	}
	if body != nil {
		rd = bytes.NewReader(sent)
	}
	req, err := http.NewRequest(method, s.APIURL+path, rd)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if len(hdr)%2 != 0 {
		t.Fatal("Do: hdr must be name, value pairs")
	}
	for i := 0; i < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	if err := s.contract.Check(contract.Exchange{Request: req, RequestBody: sent, Status: resp.StatusCode,
		Header: resp.Header, ResponseBody: b}); err != nil {
		t.Error(err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Invoke calls a function through the Lambda Invoke API and returns its
// payload; a function error fails the test.
func (s *Stack) Invoke(t testing.TB, logicalID string, event []byte) []byte {
	t.Helper()
	out, fnErr := s.InvokeRaw(t, logicalID, event)
	if fnErr != "" {
		t.Fatalf("%s: function error %s: %s", logicalID, fnErr, out)
	}
	return out
}

// InvokeRaw is Invoke without failing on a function error: it returns the
// payload and the X-Amz-Function-Error value ("" on success).
func (s *Stack) InvokeRaw(t testing.TB, logicalID string, event []byte) ([]byte, string) {
	t.Helper()
	resp, err := s.client.Post(s.LambdaURL+"/2015-03-31/functions/"+logicalID+"/invocations", "application/json", bytes.NewReader(event))
	if err != nil {
		t.Fatalf("invoke %s: %v", logicalID, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("invoke %s: read: %v", logicalID, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("invoke %s: status %d: %s", logicalID, resp.StatusCode, b)
	}
	return b, resp.Header.Get("X-Amz-Function-Error")
}

// ScheduledEvent is the EventBridge Scheduler event the function's schedule
// delivers on the given day (year, month, day of `day`).
func (s *Stack) ScheduledEvent(t testing.TB, logicalID string, day time.Time) []byte {
	t.Helper()
	b, err := s.s.ScheduledEvent(logicalID, day)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Mail is one message aws-ses-v2-local stored.
type Mail struct {
	MessageID   string `json:"messageId"`
	From        string `json:"from"`
	Destination struct {
		To  []string `json:"to"`
		Cc  []string `json:"cc"`
		Bcc []string `json:"bcc"`
	} `json:"destination"`
	Subject string `json:"subject"`
	Body    struct {
		Text string `json:"text"`
		HTML string `json:"html"`
	} `json:"body"`
	At int64 `json:"at"`
}

// Mail returns every message sent so far (aws-ses-v2-local GET /store).
func (s *Stack) Mail(t testing.TB) []Mail {
	t.Helper()
	resp, err := s.client.Get(s.MailURL + "/store")
	if err != nil {
		t.Fatalf("mail store: %v", err)
	}
	defer resp.Body.Close()
	var store struct {
		Emails []Mail `json:"emails"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&store); err != nil {
		t.Fatalf("mail store: %v", err)
	}
	return store.Emails
}

// DynamoDB is a client for DynamoDB Local.
func (s *Stack) DynamoDB() *dynamodb.Client { return s.s.DynamoDB() }

// DeadLetters are stream records of the function that exhausted their retries.
func (s *Stack) DeadLetters(logicalID string) [][]byte { return s.s.DeadLetters(logicalID) }

// StopMail takes SES down.
func (s *Stack) StopMail(t testing.TB) { t.Helper(); s.s.StopMail() }

// StartMail brings SES back behind the same address (with an empty store).
func (s *Stack) StartMail(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := s.s.StartMail(ctx); err != nil {
		t.Fatal(err)
	}
}

// KillMail and KillDynamoDB kill a local part as a crash would; the stack
// restarts it behind the same address.
func (s *Stack) KillMail()     { s.s.KillMail() }
func (s *Stack) KillDynamoDB() { s.s.KillDynamoDB() }

// Restarts counts the stack's supervised restarts of SES local and DynamoDB Local.
func (s *Stack) Restarts() (mail, dynamodb int) { return s.s.Restarts() }

// KillRunning kills the function's processes that are busy right now.
func (s *Stack) KillRunning(logicalID string) {
	if f, ok := s.s.Function(logicalID); ok {
		f.KillRunning()
	}
}

// Template is template.yaml as the stack read it at start.
func (s *Stack) Template() *template.Template { return s.s.Template }

// ColdStart starts a fresh process of the function (its build, its
// environment), returns its init duration and kills it.
func (s *Stack) ColdStart(t testing.TB, logicalID string) time.Duration {
	t.Helper()
	fn, ok := s.s.Function(logicalID)
	if !ok {
		t.Fatalf("no function %s", logicalID)
	}
	d, err := fn.ColdStart(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// InitDurations are each function's first cold start, as the runner reports it.
func (s *Stack) InitDurations() map[string]time.Duration { return s.s.InitDurations() }

// StripeRequests counts what the functions asked of stripe-mock, by method
// and path (e.g. "POST /v1/payment_intents").
func (s *Stack) StripeRequests(methodPath string) int { return s.s.StripeRequests(methodPath) }

// Payment is the stored payment of a declaration, order, review or request.
func (s *Stack) Payment(t testing.TB, about string) payment.Record {
	t.Helper()
	r, found, err := stripelocal.Payment(context.Background(), s.DynamoDB(), s.TableName, about)
	if err != nil || !found {
		t.Fatalf("payment of %s: found %v, %v", about, found, err)
	}
	return r
}

// StripeEvent is a Stripe event of typ about pi, signed with the stack's
// endpoint secret at at, as Stripe sends it: the body and its
// Stripe-Signature header.
func (s *Stack) StripeEvent(eventID, typ string, pi stripelocal.Intent, at time.Time) (body []byte, signature string) {
	body = stripelocal.Event(eventID, typ, pi, at)
	return body, stripelocal.Sign(body, s.WebhookSecret(), at)
}

// Webhook delivers a Stripe event to the webhook route.
func (s *Stack) Webhook(t testing.TB, body []byte, signature string) *Response {
	t.Helper()
	return s.Do(t, "POST", stripelocal.WebhookPath, "", body, "Stripe-Signature", signature)
}

// Pay completes the card payment of about as Stripe reports it once the
// card is confirmed (a signed payment_intent.succeeded for its intent), or
// fails the test unless the webhook applied it.
func (s *Stack) Pay(t testing.TB, about string) {
	t.Helper()
	r := s.Payment(t, about)
	body, sig := s.StripeEvent("evt_pay_"+about, payment.EventSucceeded, stripelocal.IntentOf(r), time.Now())
	if resp := s.Webhook(t, body, sig); resp.Status != http.StatusOK || !strings.Contains(string(resp.Body), `"outcome":"applied"`) {
		t.Fatalf("pay %s: %d %s, want 200 applied", about, resp.Status, resp.Body)
	}
}

// WebhookSecret is the local Stripe endpoint secret the functions verify with.
func (s *Stack) WebhookSecret() string { return s.s.StripeWebhookSecret }

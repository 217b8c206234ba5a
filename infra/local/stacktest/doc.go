// Package stacktest is the one shared test harness for tests that need the
// whole local stack: every function of template.yaml running as its real
// bootstrap process behind the local HTTP API and Lambda Invoke API, DynamoDB
// Local (in memory) with the template's table, aws-ses-v2-local, schedules
// and the DynamoDB stream feeding stream-triggered functions.
//
// Use it from a package's TestMain; the stack starts once per package run on
// loopback ports the stack binds and holds (port 0; nothing is picked, closed
// and bound again) and is torn down after the tests:
//
//	func TestMain(m *testing.M) { stacktest.Main(m) }
//
//	func TestGetCertificant(t *testing.T) {
//		s := stacktest.Get(t)
//		staff := s.Token("staff-1", "staff")
//		r := s.Do(t, "POST", "/v1/certificants", staff, map[string]any{"id": "c-1", ...})
//		if r.Status != 201 { t.Fatalf("status %d: %s", r.Status, r.Body) }
//		var v struct{ ID string `json:"id"` }
//		r.JSON(t, &v)
//	}
//
// API:
//
//	func Main(m *testing.M)
//	func Get(t testing.TB) *Stack
//	type Stack struct{ APIURL, LambdaURL, DynamoURL, MailURL, TableName string; ... }
//	func (s *Stack) Token(sub string, groups ...string) string  // valid 1 h
//	func (s *Stack) ProviderToken(sub, providerID string) string // group provider + provider_id claim
//	func (s *Stack) Do(t testing.TB, method, path, token string, body any, hdr ...string) *Response
//	    // body: nil, []byte/string (sent as is) or any value (JSON-encoded);
//	    // hdr: name, value pairs, e.g. "Idempotency-Key", "k1"
//	type Response struct{ Status int; Header http.Header; Body []byte }
//	func (r *Response) JSON(t testing.TB, v any)                 // strict decode or t.Fatal
//	func (s *Stack) Invoke(t testing.TB, logicalID string, event []byte) []byte
//	    // through the Lambda Invoke API; t.Fatal on a function error
//	func (s *Stack) ScheduledEvent(t testing.TB, logicalID string, day time.Time) []byte
//	    // the EventBridge Scheduler event the function's schedule delivers on
//	    // that calendar day (its cron time in its zone; noon when none)
//	func (s *Stack) Mail(t testing.TB) []Mail                    // aws-ses-v2-local GET /store
//	func (s *Stack) DynamoDB() *dynamodb.Client
//	func (s *Stack) DeadLetters(logicalID string) [][]byte       // stream records that exhausted retries
//	func (s *Stack) StopMail(t testing.TB)                       // fault tests: SES down ...
//	func (s *Stack) StartMail(t testing.TB)                      // ... and back (same address, empty store)
//	func (s *Stack) KillMail(), KillDynamoDB()                   // crash a local part; the stack restarts it
//	func (s *Stack) Restarts() (mail, dynamodb int)              // supervised restarts so far
//	func (s *Stack) MailFaults(t testing.TB, fail func(n int) (status int))
//	    // for the rest of t, a proxy behind the mail address answers the n-th SendEmail
//	    // (from 0) with status (429 or 5xx) when fail(n) != 0, without
//	    // forwarding, else forwards to a fresh aws-ses-v2-local; Mail reads it;
//	    // at cleanup the stack's own SES is back (empty store)
//	    // (the Mail values: MessageID, From, Destination.To/Cc/Bcc, Subject, Body.Text/HTML, At)
//	func (s *Stack) KillRunning(logicalID string)                // kill busy processes mid-invocation
//	func (s *Stack) InitDurations() map[string]time.Duration     // per function, first cold start
//	func (s *Stack) ColdStart(t testing.TB, logicalID string) time.Duration
//	    // one more cold start of a fresh process, killed once initialised
//	func (s *Stack) Template() *template.Template               // template.yaml as read at start
//	func (s *Stack) InvokeRaw(t, logicalID, event) (payload []byte, functionError string)
//
// Every exchange of Do is a contract test too: the request and the answer
// are validated against openapi.yaml (infra/local/contract: strict JSON
// Schema 2020-12, undeclared properties and unlisted statuses refused); a
// mismatch fails the test that made the call (t.Error). TestMain prints how
// many were validated; with CMP_CONTRACT_DIR set (make test) each package
// leaves its report there for cmd/contract-report, which fails on a route
// of the document that no e2e test reached.
//
// Claims reach functions as API Gateway HTTP API passes JWT authorizer claims:
// every value a string; a list claim such as cognito:groups becomes the
// bracketed, space-separated form "[staff]" (two groups: "[staff admin]").
//
// Tests in different packages may start stacks at the same time; the
// function build (make build-local) is serialised by a file lock.
package stacktest

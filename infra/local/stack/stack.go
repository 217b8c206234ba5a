// Package stack assembles the local stack from template.yaml: it builds the
// functions, starts DynamoDB Local and aws-ses-v2-local, creates the table,
// and serves the HTTP API and the Lambda Invoke API in front of the
// functions' real bootstrap processes, with schedules and stream mappings.
package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/boc/cmp/infra/local/apigw"
	"github.com/boc/cmp/infra/local/invokeapi"
	"github.com/boc/cmp/infra/local/localparts"
	"github.com/boc/cmp/infra/local/runtimeapi"
	"github.com/boc/cmp/infra/local/scheduler"
	"github.com/boc/cmp/infra/local/streams"
	"github.com/boc/cmp/infra/local/template"
	"github.com/boc/cmp/internal/credential"
)

// Config says where and how to run. Zero ports mean free ones.
type Config struct {
	Root                                      string // repository root (template.yaml, Makefile)
	APIPort, LambdaPort, DynamoPort, MailPort int
	StripePort                                int    // stripe-mock as the functions reach it (STRIPE_PORT)
	DynamoDBPath                              string // "" keeps data in memory
	KeyDir                                    string // where the credential signing key is kept; "" a temporary one
	TableName                                 string // default "cmp-local"
	JWTSecret                                 string
	Schedules                                 bool      // fire ScheduleV2 events on their clock
	Output                                    io.Writer // child process output; must be safe for concurrent use
	Logger                                    *slog.Logger
}

// Stack is a running local stack.
type Stack struct {
	APIURL, LambdaURL, DynamoURL, MailURL, TableName string
	StripeURL                                        string
	Template                                         *template.Template
	// StripeSecretKey and StripeWebhookSecret are what the functions get
	// instead of the Secrets Manager secret (STRIPE_SECRET_KEY,
	// STRIPE_WEBHOOK_SECRET, or their local defaults).
	StripeSecretKey, StripeWebhookSecret string

	cfg       Config
	fns       map[string]*runtimeapi.Function
	db        *dynamodb.Client
	poller    *streams.Poller
	servers   []*http.Server
	cancel    context.CancelFunc
	taskRoots string
	keyFile   string

	mail, dynamo, stripe *localparts.Part
	stripeCount          *stripeCounter
}

// Start brings the whole stack up; the build and the local parts start in parallel.
func Start(ctx context.Context, cfg Config) (_ *Stack, err error) {
	if cfg.Output == nil {
		cfg.Output = io.Discard
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.TableName == "" {
		cfg.TableName = "cmp-local"
	}
	tpl, err := template.Load(filepath.Join(cfg.Root, "template.yaml"), template.Options{TableName: cfg.TableName})
	if err != nil {
		return nil, err
	}
	if tpl.Table == nil {
		return nil, errors.New("template.yaml declares no DynamoDB table")
	}
	// The local API serves routes at the root, as the $default stage does; a
	// named stage would prefix every deployed URL, which it does not play.
	if tpl.APIStage != "$default" {
		return nil, fmt.Errorf("template.yaml: HTTP API stage %q: the local stack serves the $default stage only", tpl.APIStage)
	}
	// The HTTP listeners first: a taken port fails fast, before anything starts.
	apiLn, err := listen(cfg.APIPort, "API_PORT")
	if err != nil {
		return nil, err
	}
	lambdaLn, err := listen(cfg.LambdaPort, "LAMBDA_PORT")
	if err != nil {
		apiLn.Close()
		return nil, err
	}
	stripeLn, err := listen(cfg.StripePort, "STRIPE_PORT")
	if err != nil {
		apiLn.Close()
		lambdaLn.Close()
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	s := &Stack{TableName: cfg.TableName, Template: tpl, cfg: cfg, fns: map[string]*runtimeapi.Function{}, cancel: cancel,
		APIURL: "http://" + apiLn.Addr().String(), LambdaURL: "http://" + lambdaLn.Addr().String(),
		StripeURL: "http://" + stripeLn.Addr().String(), StripeSecretKey: envOr("STRIPE_SECRET_KEY", DefaultStripeSecretKey),
		StripeWebhookSecret: envOr("STRIPE_WEBHOOK_SECRET", DefaultStripeWebhookSecret)}
	defer func() {
		if err != nil {
			apiLn.Close()
			lambdaLn.Close()
			stripeLn.Close()
			s.Close()
		}
	}()
	if s.taskRoots, err = os.MkdirTemp("", "cmp-local-fns-"); err != nil {
		return nil, fmt.Errorf("task roots: %w", err)
	}
	keyDir := cfg.KeyDir
	if keyDir == "" {
		keyDir = s.taskRoots
	}
	if s.keyFile, err = signingKeyFile(keyDir); err != nil {
		return nil, err
	}

	ids := make([]string, len(tpl.Functions))
	for i, f := range tpl.Functions {
		ids[i] = f.LogicalID
	}
	nodeModules := filepath.Join(cfg.Root, "infra", "local", "node_modules")
	stripeMock := filepath.Join(cfg.Root, ".tools", "stripe-mock")
	var wg sync.WaitGroup
	var buildErr, dynErr, mailErr, stripeErr error
	wg.Add(4)
	go func() { defer wg.Done(); buildErr = Build(ctx, cfg.Root, ids, s.taskRoots, cfg.Output) }()
	go func() {
		defer wg.Done()
		s.dynamo, dynErr = localparts.Supervise(ctx, runCtx, "dynamodb", cfg.DynamoPort, func(ctx context.Context) (*localparts.Process, error) {
			return localparts.DynamoDB(ctx, nodeModules, cfg.DynamoDBPath, prefixed(cfg.Output, "dynamodb"))
		}, cfg.Logger)
	}()
	go func() {
		defer wg.Done()
		s.mail, mailErr = localparts.Supervise(ctx, runCtx, "mail", cfg.MailPort, func(ctx context.Context) (*localparts.Process, error) {
			return localparts.Mail(ctx, nodeModules, prefixed(cfg.Output, "mail"))
		}, cfg.Logger)
	}()
	go func() {
		defer wg.Done()
		if stripeErr = ensureStripeMock(ctx, cfg.Root, stripeMock, cfg.Output); stripeErr != nil {
			return
		}
		s.stripe, stripeErr = localparts.Supervise(ctx, runCtx, "stripe", 0, func(ctx context.Context) (*localparts.Process, error) {
			return localparts.Stripe(ctx, stripeMock, prefixed(cfg.Output, "stripe"))
		}, cfg.Logger)
	}()
	wg.Wait()
	if err = errors.Join(buildErr, dynErr, mailErr, stripeErr); err != nil {
		return nil, err
	}
	s.DynamoURL, s.MailURL = s.dynamo.URL(), s.mail.URL()
	if s.stripeCount, err = newStripeCounter(s.stripe.URL()); err != nil {
		return nil, err
	}
	s.serve(stripeLn, s.stripeCount)
	s.db = dynamodb.New(dynamodb.Options{Region: template.Region, BaseEndpoint: aws.String(s.DynamoURL), Credentials: localCredentials})
	if err = ensureTable(ctx, s.db, tpl.Table); err != nil {
		return nil, err
	}
	// An in-memory DynamoDB Local comes back empty: the table at least is there again.
	s.dynamo.OnRestart(func(ctx context.Context) error { return ensureTable(ctx, s.db, tpl.Table) })

	apiRoutes := []apigw.Route{}
	invokers := map[string]invokeapi.Invoker{}
	var jobs []scheduler.Job
	var mappings []streams.Mapping
	for _, f := range tpl.Functions {
		fn := runtimeapi.New(runtimeapi.Config{
			Name: f.LogicalID, Bootstrap: filepath.Join(s.taskRoots, f.LogicalID, "bootstrap"), TaskRoot: filepath.Join(s.taskRoots, f.LogicalID),
			Handler: f.Handler, MemoryMB: f.MemoryMB, Timeout: f.Timeout, Env: s.functionEnv(f), Output: cfg.Output, Logger: cfg.Logger,
		})
		s.fns[f.LogicalID] = fn
		invokers[f.LogicalID] = fn
		for _, r := range f.HTTP {
			apiRoutes = append(apiRoutes, apigw.Route{Method: r.Method, Path: r.Path, NoAuth: r.NoAuth, Fn: fn})
		}
		for _, sc := range f.Schedules {
			jobs = append(jobs, scheduler.Job{Function: f.LogicalID, Schedule: sc, Fn: fn})
		}
		for _, src := range f.Streams {
			mappings = append(mappings, streams.Mapping{Function: f.LogicalID, Source: src, Fn: fn})
		}
	}
	api, err := apigw.New(apiRoutes, cfg.JWTSecret, cfg.Logger)
	if err != nil {
		return nil, err
	}
	s.serve(apiLn, api)
	s.serve(lambdaLn, invokeapi.Handler(invokers, cfg.Logger))

	// Warm one process per function: start-up then reports every init duration.
	warmErrs := make([]error, len(ids))
	for i, id := range ids {
		wg.Add(1)
		go func() { defer wg.Done(); warmErrs[i] = s.fns[id].Warm(ctx) }()
	}
	wg.Wait()
	if err = errors.Join(warmErrs...); err != nil {
		return nil, err
	}
	if len(mappings) > 0 {
		sc := dynamodbstreams.New(dynamodbstreams.Options{Region: template.Region, BaseEndpoint: aws.String(s.DynamoURL), Credentials: localCredentials})
		s.poller, err = streams.Start(runCtx, sc, s.db, cfg.TableName, mappings, cfg.Logger)
		if err != nil {
			return nil, err
		}
	}
	if cfg.Schedules {
		go scheduler.Run(runCtx, jobs, cfg.Logger)
	}
	return s, nil
}

// ensureStripeMock installs the pinned stripe-mock with the Makefile's own
// target when a checkout has not run `make deps` since it was added.
func ensureStripeMock(ctx context.Context, root, bin string, out io.Writer) error {
	if _, err := os.Stat(bin); err == nil {
		return nil
	}
	cmd := exec.CommandContext(ctx, "make", "--no-print-directory", "-C", root, bin)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("install stripe-mock (make %s): %w", bin, err)
	}
	return nil
}

var localCredentials = credentials.NewStaticCredentialsProvider("local", "local", "local")

// functionEnv is the template's environment plus the endpoints of the local
// parts, given the way the SDK reads them, so function code has no local case.
func (s *Stack) functionEnv(f template.Function) map[string]string {
	env := map[string]string{}
	for k, v := range f.Env {
		env[k] = v
	}
	env["AWS_ENDPOINT_URL_DYNAMODB"] = s.DynamoURL
	env["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"] = s.DynamoURL
	env["AWS_ENDPOINT_URL_SESV2"] = s.MailURL
	// Secrets Manager has no local part: a function that reads the signing
	// key secret in AWS reads the local key file instead.
	if _, ok := env["SIGNING_KEY_SECRET_ID"]; ok {
		delete(env, "SIGNING_KEY_SECRET_ID")
		env["SIGNING_KEY_FILE"] = s.keyFile
	}
	// Likewise the Stripe secret: the keys themselves, and stripe-mock as
	// Stripe's API.
	if _, ok := env["STRIPE_SECRET_ID"]; ok {
		delete(env, "STRIPE_SECRET_ID")
		env["STRIPE_SECRET_KEY"], env["STRIPE_WEBHOOK_SECRET"] = s.StripeSecretKey, s.StripeWebhookSecret
		env["STRIPE_API_BASE"] = s.StripeURL
	}
	return env
}

// The local Stripe keys unless STRIPE_SECRET_KEY / STRIPE_WEBHOOK_SECRET
// say otherwise (api.md); stripe-mock accepts any test key.
const (
	DefaultStripeSecretKey     = "sk_test_local"
	DefaultStripeWebhookSecret = "whsec_local-dev-secret"
)

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// signingKeyFile is the local credential signing key in dir, generated the
// first time (R-CRED-2): kept across restarts, as the secret is in AWS, so
// credentials issued earlier still verify.
func signingKeyFile(dir string) (string, error) {
	f := filepath.Join(dir, "signing-key.json")
	if _, err := os.Stat(f); err == nil {
		return f, nil
	}
	raw, err := credential.NewSecret("key-1", nil)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("signing key dir: %w", err)
	}
	if err := os.WriteFile(f, raw, 0o600); err != nil {
		return "", fmt.Errorf("write signing key: %w", err)
	}
	return f, nil
}

func (s *Stack) serve(ln net.Listener, h http.Handler) {
	// Go's own 431 for huge headers is plain text; a generous ceiling leaves
	// the answer to the API's problem+json check (apigw.MaxHeaderBytes).
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 8 << 20}
	s.servers = append(s.servers, srv)
	go func() { _ = srv.Serve(ln) }()
}

func listen(port int, envName string) (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return nil, fmt.Errorf("port %d is taken (set %s to another): %w", port, envName, err)
	}
	return ln, nil
}

// Close stops everything: servers, function processes, local parts.
func (s *Stack) Close() {
	s.cancel()
	for _, srv := range s.servers {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = srv.Shutdown(ctx)
		cancel()
	}
	for _, fn := range s.fns {
		fn.Close()
	}
	if s.mail != nil {
		s.mail.Close()
	}
	if s.dynamo != nil {
		s.dynamo.Close()
	}
	if s.stripe != nil {
		s.stripe.Close()
	}
	if s.taskRoots != "" {
		_ = os.RemoveAll(s.taskRoots)
	}
}

// Function returns a function's runner.
func (s *Stack) Function(id string) (*runtimeapi.Function, bool) {
	f, ok := s.fns[id]
	return f, ok
}

// DynamoDB is a client for the local table.
func (s *Stack) DynamoDB() *dynamodb.Client { return s.db }

// InitDurations are the measured cold starts, by logical id.
func (s *Stack) InitDurations() map[string]time.Duration {
	out := map[string]time.Duration{}
	for id, f := range s.fns {
		if d, ok := f.InitDuration(); ok {
			out[id] = d
		}
	}
	return out
}

// DeadLetters are the stream records of a function that exhausted their retries.
func (s *Stack) DeadLetters(id string) [][]byte {
	if s.poller == nil {
		return nil
	}
	return s.poller.DeadLetters(id)
}

// StopMail stops aws-ses-v2-local (SES unreachable) until StartMail.
func (s *Stack) StopMail() { s.mail.Stop() }

// StartMail starts aws-ses-v2-local again, behind the same address.
func (s *Stack) StartMail(ctx context.Context) error { return s.mail.Start(ctx) }

// RouteMail sends the mail address to addr while SES is stopped (a fault
// proxy); StartMail routes it back.
func (s *Stack) RouteMail(addr string) { s.mail.SetBackend(addr) }

// KillMail and KillDynamoDB kill a local part as a crash would; the stack
// notices and restarts it behind the same address.
func (s *Stack) KillMail()     { s.mail.Kill() }
func (s *Stack) KillDynamoDB() { s.dynamo.Kill() }

// Restarts counts the supervised restarts of the local parts.
func (s *Stack) Restarts() (mail, dynamodb int) { return s.mail.Restarts(), s.dynamo.Restarts() }

// ScheduledEvent is the EventBridge Scheduler event a function's first
// schedule would deliver on day.
func (s *Stack) ScheduledEvent(id string, day time.Time) ([]byte, error) {
	f, ok := s.Template.Function(id)
	if !ok {
		return nil, fmt.Errorf("no function %s", id)
	}
	var sc template.Schedule
	if len(f.Schedules) > 0 {
		sc = f.Schedules[0]
	}
	return scheduler.EventForDay(id, sc, day)
}

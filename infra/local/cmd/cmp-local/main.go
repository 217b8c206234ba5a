// Command cmp-local runs the whole CMP stack locally (`make run`) and mints
// local tokens (`make token`).
//
//	cmp-local                         run; ports from API_PORT (3000), LAMBDA_PORT (3001),
//	                                  DYNAMODB_PORT (8000), MAIL_PORT (8005)
//	                                  STRIPE_PORT (12111)
//	cmp-local token -sub X [-groups staff] [-provider P]
//	cmp-local pay -id X               the signed payment_intent.succeeded of X's payment
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/boc/cmp/infra/local/localjwt"
	"github.com/boc/cmp/infra/local/stack"
)

func main() {
	var err error
	switch {
	case len(os.Args) > 1 && os.Args[1] == "token":
		err = token(os.Args[2:])
	case len(os.Args) > 1 && os.Args[1] == "pay":
		err = pay(os.Args[2:])
	default:
		err = run(os.Args[1:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cmp-local:", err)
		os.Exit(1)
	}
}

func token(args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	sub := fs.String("sub", "", "subject (a certificant id, or a staff user id)")
	groups := fs.String("groups", "", "comma-separated groups, e.g. staff")
	provider := fs.String("provider", "", "provider_id claim of a CE provider client (with -groups provider)")
	ttl := fs.Duration("ttl", 12*time.Hour, "validity")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *sub == "" {
		return errors.New("token: -sub is required")
	}
	var gs []string
	for _, g := range strings.Split(*groups, ",") {
		if g = strings.TrimSpace(g); g != "" {
			gs = append(gs, g)
		}
	}
	var extra map[string]string
	if *provider != "" {
		extra = map[string]string{localjwt.ProviderIDClaim: *provider}
	}
	tok, err := localjwt.MintClaims(localjwt.SecretFromEnv(), *sub, *ttl, extra, gs...)
	if err != nil {
		return err
	}
	fmt.Println(tok)
	return nil
}

func run(args []string) error {
	fs := flag.NewFlagSet("cmp-local", flag.ContinueOnError)
	root := fs.String("root", ".", "repository root")
	seed := fs.Bool("seed", true, "seed demo data through the HTTP API")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ports := map[string]int{"API_PORT": 3000, "LAMBDA_PORT": 3001, "DYNAMODB_PORT": 8000, "MAIL_PORT": 8005, "STRIPE_PORT": 12111}
	for name := range ports {
		if v := os.Getenv(name); v != "" {
			p, err := strconv.Atoi(v)
			if err != nil || p <= 0 || p > 65535 {
				return fmt.Errorf("%s=%q is not a port", name, v)
			}
			ports[name] = p
		}
	}
	abs, err := filepath.Abs(*root)
	if err != nil {
		return fmt.Errorf("root: %w", err)
	}
	out := stack.LockedWriter(os.Stderr)
	log := slog.New(slog.NewJSONHandler(out, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	fmt.Fprintln(os.Stderr, "cmp-local: building functions and starting DynamoDB Local and SES local ...")
	s, err := stack.Start(ctx, stack.Config{
		Root: abs, APIPort: ports["API_PORT"], LambdaPort: ports["LAMBDA_PORT"], DynamoPort: ports["DYNAMODB_PORT"], MailPort: ports["MAIL_PORT"],
		StripePort: ports["STRIPE_PORT"], DynamoDBPath: filepath.Join(abs, ".local", "dynamodb"), KeyDir: filepath.Join(abs, ".local"), JWTSecret: localjwt.SecretFromEnv(), Schedules: true, Output: out, Logger: log,
	})
	if err != nil {
		return err
	}
	defer s.Close()

	secret := localjwt.SecretFromEnv()
	staffTok, err := localjwt.Mint(secret, demoStaff, 12*time.Hour, "staff")
	if err != nil {
		return err
	}
	certTok, err := localjwt.Mint(secret, demoCertificants[0].id, 12*time.Hour)
	if err != nil {
		return err
	}
	if *seed {
		seedDemo(ctx, s.APIURL, staffTok, func(sub string) (string, error) { return localjwt.Mint(secret, sub, time.Hour) })
	}
	for id, d := range s.InitDurations() {
		fmt.Fprintf(os.Stderr, "cmp-local: %s init %.1f ms\n", id, float64(d.Microseconds())/1000)
	}
	fmt.Printf(`
CMP local stack is ready.
  HTTP API       %s
  Lambda invoke  %s   (aws lambda invoke --endpoint-url %s --function-name CertificantsFunction ...)
  DynamoDB Local %s   table %s
  Mail viewer    %s
  stripe-mock    %s   (Stripe's API for the functions; key %s, webhook secret %s)
  Staff token (sub %s, group staff):
    %s
  Demo certificant token (sub %s):
    %s
  Try: curl -H "Authorization: Bearer <certificant token>" %s/v1/certificants/%s
  Pay a fee by card locally: a declaration (order, review, request) is awaiting_payment
    until Stripe reports the payment; after submitting one, send what Stripe would send
    once the card is confirmed:  make pay ID=<its id>
    (then GET /v1/declarations/<id> says submitted, the mail viewer shows the receipt,
    GET /v1/certificants/<id>/payments lists it)
Ctrl-C stops everything.
`, s.APIURL, s.LambdaURL, s.LambdaURL, s.DynamoURL, s.TableName, s.MailURL, s.StripeURL, s.StripeSecretKey, s.StripeWebhookSecret, demoStaff, staffTok, demoCertificants[0].id, certTok, s.APIURL, demoCertificants[0].id)
	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "cmp-local: stopping ...")
	return nil
}

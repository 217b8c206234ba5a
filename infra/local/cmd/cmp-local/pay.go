package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/boc/cmp/infra/local/stack"
	"github.com/boc/cmp/infra/local/stripelocal"
	"github.com/boc/cmp/infra/local/template"
	"github.com/boc/cmp/internal/payment"
)

// pay sends, to the running stack, the signed payment_intent.succeeded
// Stripe would send once the card of id's payment is confirmed (`make pay`).
func pay(args []string) error {
	fs := flag.NewFlagSet("pay", flag.ContinueOnError)
	id := fs.String("id", "", "the declaration, order, review or request id")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *id == "" {
		return errors.New("pay: -id is required")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := dynamodb.New(dynamodb.Options{Region: template.Region, BaseEndpoint: aws.String("http://127.0.0.1:" + portOf("DYNAMODB_PORT", "8000")),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "local")})
	r, found, err := stripelocal.Payment(ctx, db, "cmp-local", *id)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("pay: no payment for %s (a zero fee needs none)", *id)
	}
	if r.IntentID == "" {
		return fmt.Errorf("pay: payment %s has no PaymentIntent yet", r.ID)
	}
	secret := os.Getenv("STRIPE_WEBHOOK_SECRET")
	if secret == "" {
		secret = stack.DefaultStripeWebhookSecret
	}
	now := time.Now()
	body := stripelocal.Event(fmt.Sprintf("evt_local_%s_%d", *id, now.UnixNano()), payment.EventSucceeded, stripelocal.IntentOf(r), now)
	status, answer, err := stripelocal.Deliver(ctx, "http://127.0.0.1:"+portOf("API_PORT", "3000"), body, stripelocal.Sign(body, secret, now))
	if err != nil {
		return err
	}
	fmt.Printf("%d %s\n", status, answer)
	return nil
}

func portOf(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

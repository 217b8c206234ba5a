package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/boc/cmp/internal/boot"
)

// StripeKeys are the Stripe API secret key and the webhook endpoint secret.
// Never logged.
type StripeKeys struct {
	SecretKey     string `json:"secretKey"`
	WebhookSecret string `json:"webhookSecret"`
	// BaseURL is STRIPE_API_BASE: stripe-mock locally, "" (Stripe) in AWS.
	BaseURL string `json:"-"`
}

// Stripe reads the keys once, at init: the Secrets Manager secret
// STRIPE_SECRET_ID (JSON {"secretKey", "webhookSecret"}) in AWS, or
// STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET as the local runner sets them.
func Stripe(ctx context.Context, cfg aws.Config, getenv boot.Getenv) (StripeKeys, error) {
	k := StripeKeys{SecretKey: getenv("STRIPE_SECRET_KEY"), WebhookSecret: getenv("STRIPE_WEBHOOK_SECRET")}
	if id := getenv("STRIPE_SECRET_ID"); id != "" {
		out, err := Client(cfg, getenv).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
		if err != nil {
			return StripeKeys{}, fmt.Errorf("read stripe secret: %w", err)
		}
		if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &k); err != nil {
			return StripeKeys{}, errors.New("stripe secret is not JSON {secretKey, webhookSecret}") // no content in the error
		}
	}
	if k.SecretKey == "" || k.WebhookSecret == "" {
		return StripeKeys{}, errors.New("stripe keys missing: set STRIPE_SECRET_ID, or STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET")
	}
	k.BaseURL = getenv("STRIPE_API_BASE")
	return k, nil
}

// StripeOrExit is Stripe for a function's init: the keys, or a logged exit
// (boot.Fatal), since a function without them can take no payment.
func StripeOrExit(cfg aws.Config, log *slog.Logger) StripeKeys {
	k, err := Stripe(context.Background(), cfg, os.Getenv)
	if err != nil {
		boot.Fatal(log, err)
	}
	return k
}

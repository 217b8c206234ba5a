// Command declarations serves the declaration routes of the HTTP API.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/functions/declarations/wiring"
	"github.com/boc/cmp/internal/boot"
	"github.com/boc/cmp/internal/boot/secrets"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/stripeapi"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	cfg := boot.AWS(log)
	table := boot.Table(cfg, log)
	keys := secrets.StripeOrExit(cfg, log)
	intents := stripeapi.New(keys.SecretKey, keys.BaseURL)
	lambda.Start(wiring.Router(table, intents, log).Handler())
}

// Command mail-sender sends the outbox items of the table stream through SES.
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/mail"
	"github.com/boc/cmp/internal/outbox"
)

func main() {
	ctx := context.Background()
	log := httpapi.NewLogger(os.Stdout)
	table, err := dynamo.FromEnv(ctx)
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	sender, err := mail.SenderFromEnv(ctx)
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	rate, err := mail.SendRateFromEnv()
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	renderer, err := mail.NewRenderer(map[string]string{"baseUrl": os.Getenv("PUBLIC_BASE_URL")})
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	h := outbox.NewHandler(table, renderer, mail.NewThrottled(sender, rate, 4), log, time.Now)
	lambda.Start(h.Handle)
}

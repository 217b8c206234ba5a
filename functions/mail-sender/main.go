// Command mail-sender sends the outbox items of the table stream through SES.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/boot"
	"github.com/boc/cmp/internal/boot/ses"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/outbox"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	cfg := boot.AWS(log)
	h, err := outbox.FromEnv(boot.Table(cfg, log), ses.Client(cfg, os.Getenv), log)
	if err != nil {
		boot.Fatal(log, err)
	}
	lambda.Start(h.Handle)
}

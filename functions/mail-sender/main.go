// Command mail-sender sends the outbox items of the table stream through SES.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/boot"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/outbox"
)

func main() {
	ctx := context.Background()
	log := httpapi.NewLogger(os.Stdout)
	h, err := outbox.FromEnv(ctx, boot.Table(ctx, log), log)
	if err != nil {
		boot.Fatal(log, err)
	}
	lambda.Start(h.Handle)
}

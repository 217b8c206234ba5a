// Command mail-sender sends the outbox items of the table stream through SES,
// and on its schedule redrives every item still unsent (architecture.md "Email").
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/boc/cmp/internal/boot"
	"github.com/boc/cmp/internal/boot/ses"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/outbox"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	cfg := boot.AWS(log)
	table := boot.Table(cfg, log)
	h, err := outbox.FromEnv(table, ses.Client(cfg, os.Getenv), log)
	if err != nil {
		boot.Fatal(log, err)
	}
	// One function, two event sources: stream batches carry Records; the
	// redrive schedule's event does not.
	lambda.Start(func(ctx context.Context, raw json.RawMessage) (any, error) {
		var probe struct {
			Records json.RawMessage `json:"Records"`
		}
		if err := json.Unmarshal(raw, &probe); err != nil {
			return nil, fmt.Errorf("event: %w", err)
		}
		if probe.Records == nil {
			return h.Redrive(ctx, table)
		}
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("stream event: %w", err)
		}
		return h.Handle(ctx, ev)
	})
}

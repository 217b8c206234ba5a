// Package outbox sends the outbox items of the table stream through SES, each
// once as far as SES allows.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/mail"
)

// Store applies the conditional updates of an outbox item.
type Store interface {
	Apply(ctx context.Context, w dynamo.Write) error
}

// Handler sends each outbox INSERT once. Delivery is at least once:
//  1. an update counts the attempt, on condition that sentAt is absent; if it
//     is present the email went out before and the record is skipped;
//  2. the email is rendered and sent;
//  3. sentAt and the SES message id are recorded, on the same condition.
//
// If the process dies between 2 and 3 (or step 3 fails), the redelivered
// record sends the email a second time: SES has no idempotency key, and a
// duplicate courtesy email is better than a lost deadline notice. A claim
// before sending would close that window only by opening one for loss.
type Handler struct {
	store  Store
	render *mail.Renderer
	send   mail.MessageSender
	log    *slog.Logger
	now    func() time.Time
}

// NewHandler wires the table, the templates, the sender and the clock.
func NewHandler(store Store, render *mail.Renderer, send mail.MessageSender, log *slog.Logger, now func() time.Time) *Handler {
	return &Handler{store: store, render: render, send: send, log: log, now: now}
}

// FromEnv wires the handler on store and an SES client from the
// environment: the sender (mail.SenderFromEnv), its rate
// (mail.SendRateFromEnv) and PUBLIC_BASE_URL for the links in the templates.
func FromEnv(store Store, ses mail.SESAPI, log *slog.Logger) (*Handler, error) {
	sender, err := mail.SenderFromEnv(ses)
	if err != nil {
		return nil, err
	}
	rate, err := mail.SendRateFromEnv()
	if err != nil {
		return nil, err
	}
	renderer, err := mail.NewRenderer(map[string]string{"baseUrl": os.Getenv("PUBLIC_BASE_URL")})
	if err != nil {
		return nil, err
	}
	// Four attempts per email under throttling; the stream retries the rest.
	return NewHandler(store, renderer, mail.NewThrottled(sender, rate, 4), log, time.Now), nil
}

// Handle processes a batch and reports the records that failed, so only they
// (and the ones after them in the shard) are retried, then dead-lettered.
func (h *Handler) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	for _, rec := range ev.Records {
		if rec.EventName != "INSERT" {
			continue
		}
		item, ok, err := outboxFromImage(rec.Change.NewImage)
		if err == nil && ok {
			err = h.deliver(ctx, item)
		}
		if err != nil {
			h.log.Error("outbox item failed", "eventId", rec.EventID, "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures,
				events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
		}
	}
	return resp, nil
}

func (h *Handler) deliver(ctx context.Context, item dynamo.OutboxItem) error {
	notSent := dynamo.Condition{Expr: "attribute_exists(pk) AND attribute_not_exists(sentAt)",
		Values: map[string]any{":one": 1, ":zero": 0}}
	attempt, err := dynamo.Update("attempt", item.Key, "SET attempts = if_not_exists(attempts, :zero) + :one", notSent)
	if err != nil {
		return err
	}
	if err := h.store.Apply(ctx, attempt); errors.Is(err, dynamo.ErrConditionFailed) {
		h.log.Info("outbox item already sent", "outboxId", item.ID)
		return nil
	} else if err != nil {
		return fmt.Errorf("outbox %s: %w", item.ID, err)
	}

	msg, err := h.render.Render(item.Template, item.Data)
	if err != nil {
		return fmt.Errorf("outbox %s: %w", item.ID, err)
	}
	messageID, err := h.send.Send(ctx, item.To, msg)
	if err != nil {
		return fmt.Errorf("outbox %s: %w", item.ID, err)
	}

	// The data goes once sent: it may hold secrets (a verification link carries
	// its token, which is otherwise stored only hashed). What was sent to whom
	// and when stays, for the record.
	sent, err := dynamo.Update("sent", item.Key, "SET sentAt = :now, messageId = :id REMOVE #data", dynamo.Condition{
		Expr:   "attribute_not_exists(sentAt)",
		Names:  map[string]string{"#data": "data"},
		Values: map[string]any{":now": h.now().UTC().Format(time.RFC3339), ":id": messageID},
	})
	if err != nil {
		return err
	}
	if err := h.store.Apply(ctx, sent); err != nil && !errors.Is(err, dynamo.ErrConditionFailed) {
		return fmt.Errorf("outbox %s: record sent: %w", item.ID, err)
	}
	h.log.Info("outbox item sent", "outboxId", item.ID, "template", item.Template, "messageId", messageID)
	return nil
}

// outboxFromImage reads an outbox item from a stream image; ok is false for
// other item types (the event source filter should already drop them).
func outboxFromImage(img map[string]events.DynamoDBAttributeValue) (dynamo.OutboxItem, bool, error) {
	if str(img, "type") != dynamo.OutboxType {
		return dynamo.OutboxItem{}, false, nil
	}
	item := dynamo.OutboxItem{
		Key:      dynamo.Key{PK: str(img, "pk"), SK: str(img, "sk")},
		Type:     dynamo.OutboxType,
		ID:       str(img, "id"),
		Template: str(img, "template"),
		To:       str(img, "to"),
		Data:     map[string]string{},
	}
	if item.PK == "" || item.SK == "" || item.Template == "" || item.To == "" {
		return dynamo.OutboxItem{}, false, fmt.Errorf("outbox item %q lacks pk, sk, template or to", item.ID)
	}
	if data, ok := img["data"]; ok && data.DataType() == events.DataTypeMap {
		for k, v := range data.Map() {
			if v.DataType() == events.DataTypeString {
				item.Data[k] = v.String()
			}
		}
	}
	return item, true, nil
}

// str reads a string attribute; the events accessors panic on other types.
func str(img map[string]events.DynamoDBAttributeValue, name string) string {
	v, ok := img[name]
	if !ok || v.DataType() != events.DataTypeString {
		return ""
	}
	return v.String()
}

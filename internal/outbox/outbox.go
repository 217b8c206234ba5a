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

// lease is how long one delivery holds an item: longer than a throttled
// send with its attempts, shorter than the redrive's period.
const lease = 2 * time.Minute

func (h *Handler) deliver(ctx context.Context, item dynamo.OutboxItem) error {
	now := h.now()
	// Not sent, and nobody else sending it (the stream's delivery and the
	// redrive may hold the same item at once).
	free := dynamo.Condition{Expr: "attribute_exists(pk) AND attribute_not_exists(sentAt) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)",
		Values: map[string]any{":one": 1, ":zero": 0, ":now": now.Unix(), ":until": now.Add(lease).Unix()}}
	attempt, err := dynamo.Update("attempt", item.Key, "SET attempts = if_not_exists(attempts, :zero) + :one, leaseUntil = :until", free)
	if err != nil {
		return err
	}
	if err := h.store.Apply(ctx, attempt); errors.Is(err, dynamo.ErrConditionFailed) {
		h.log.Info("outbox item already sent or being sent", "outboxId", item.ID)
		return nil
	} else if err != nil {
		return fmt.Errorf("outbox %s: %w", item.ID, err)
	}

	msg, err := h.render.Render(item.Template, item.Data)
	if err == nil {
		var messageID string
		if messageID, err = h.send.Send(ctx, item.To, msg); err == nil {
			return h.recordSent(ctx, item, messageID)
		}
	}
	// Failed: free the item at once, so the stream's retry (or the redrive)
	// may try again without waiting out the lease.
	release, rerr := dynamo.Update("release", item.Key, "REMOVE leaseUntil", dynamo.Condition{Expr: "attribute_not_exists(sentAt)"})
	if rerr == nil {
		rerr = h.store.Apply(ctx, release)
	}
	if rerr != nil && !errors.Is(rerr, dynamo.ErrConditionFailed) {
		h.log.Warn("outbox lease not released", "outboxId", item.ID, "error", rerr.Error())
	}
	return fmt.Errorf("outbox %s: %w", item.ID, err)
}

// recordSent marks item sent with SES's message id.
func (h *Handler) recordSent(ctx context.Context, item dynamo.OutboxItem, messageID string) error {

	// The data goes once sent: it may hold secrets (a verification link carries
	// its token, which is otherwise stored only hashed). What was sent to whom
	// and when stays, for the record.
	sent, err := dynamo.Update("sent", item.Key, "SET sentAt = :now, messageId = :id REMOVE #data, queuePk, queueSk, leaseUntil", dynamo.Condition{
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

// Unsent lists the outbox items not yet sent (dynamo.Table.Unsent).
type Unsent interface {
	Unsent(ctx context.Context) ([]dynamo.OutboxItem, error)
}

// RedriveReport is what one redrive run did.
type RedriveReport struct {
	Unsent int `json:"unsent"` // items found unsent
	Failed int `json:"failed"` // of which sending failed again (SES still down)
}

// Redrive delivers every outbox item still unsent: those whose stream
// retries ran out while SES was down, however long ago (architecture.md
// "Email"). Each goes through the same lease and sent-once conditions as the
// stream's delivery, so an item the stream is sending right now, or sent
// meanwhile, is skipped: every owed email goes out once. A failure leaves
// the item for the next run.
func (h *Handler) Redrive(ctx context.Context, q Unsent) (RedriveReport, error) {
	items, err := q.Unsent(ctx)
	if err != nil {
		return RedriveReport{}, err
	}
	rep := RedriveReport{Unsent: len(items)}
	for _, item := range items {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if err := h.deliver(ctx, item); err != nil {
			rep.Failed++
			h.log.Error("redrive failed", "outboxId", item.ID, "error", err.Error())
		}
	}
	h.log.Info("outbox redrive", "unsent", rep.Unsent, "failed", rep.Failed)
	return rep, nil
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

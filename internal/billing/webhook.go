package billing

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/payment"
)

// Processor applies verified Stripe events, each event id exactly once.
type Processor struct {
	ledger  *Ledger
	effects map[payment.Kind]payment.Effect
	log     *slog.Logger
}

// NewProcessor wires the ledger and one payment.Effect per kind.
func NewProcessor(ledger *Ledger, effects map[payment.Kind]payment.Effect, log *slog.Logger) *Processor {
	return &Processor{ledger: ledger, effects: effects, log: log}
}

// eventItem records a processed event: its put-if-absent in the transaction
// of what the event changes is what makes processing exactly once.
type eventItem struct {
	dynamo.Key
	Type    string `dynamodbav:"type"`
	EventID string `dynamodbav:"eventId"`
	Intent  string `dynamodbav:"intentId"`
	Outcome string `dynamodbav:"outcome"`
	At      string `dynamodbav:"at"`
	TTL     int64  `dynamodbav:"ttl"`
}

// eventTTL outlives Stripe's retries (3 days) by far.
const eventTTL = 30 * 24 * time.Hour

const labelEvent = "stripe-event"

func (p *Processor) eventWrite(ev payment.Event, out payment.Outcome, now time.Time) (dynamo.Write, error) {
	return dynamo.Put(labelEvent, eventItem{Key: dynamo.StripeEventKey(ev.ID), Type: "stripe-event", EventID: ev.ID,
		Intent: ev.IntentID, Outcome: string(out), At: now.UTC().Format(time.RFC3339), TTL: now.Add(eventTTL).Unix()}, dynamo.IfAbsent)
}

// Handle processes one verified event at now. Out-of-order and repeated
// deliveries change nothing: the payment moves only from requires_payment,
// and the event record makes each id count once.
func (p *Processor) Handle(ctx context.Context, ev payment.Event, now time.Time) (payment.Outcome, error) {
	var seen eventItem
	found, err := p.ledger.table.Get(ctx, dynamo.StripeEventKey(ev.ID), &seen)
	if err != nil || found {
		return payment.Duplicate, err
	}
	if ev.Type != payment.EventSucceeded && ev.Type != payment.EventFailed {
		return payment.Ignored, nil
	}
	for try := 1; ; try++ {
		r, found, err := p.ledger.ByIntent(ctx, ev.IntentID)
		if err != nil {
			return "", err
		}
		if !found {
			p.log.Warn("stripe event for an unknown payment intent", "eventId", ev.ID, "intent", ev.IntentID)
			return payment.Ignored, nil
		}
		out, err := p.apply(ctx, ev, r, now)
		if err == nil {
			p.alert(ev, r, out)
			return out, nil
		}
		// A twin delivery of the same event won the race (its commit made
		// this one's reads or conditions stale): nothing more to do.
		if found, gerr := p.ledger.table.Get(ctx, dynamo.StripeEventKey(ev.ID), &seen); gerr == nil && found {
			return payment.Duplicate, nil
		}
		// Something else moved the payment or its thing meanwhile (the
		// deadlines job cancelling it, R-PAY-4): judge the event again on
		// what is stored now, so a payment racing its cancel is recorded
		// (refund_due) in this delivery rather than at Stripe's retry.
		if try == maxTries {
			return "", err
		}
	}
}

// maxTries bounds the judgements of one delivery whose commit lost a race.
const maxTries = 3

// apply commits the event record with what the event does, in one transaction.
func (p *Processor) apply(ctx context.Context, ev payment.Event, r payment.Record, now time.Time) (payment.Outcome, error) {
	out, writes, err := p.decide(ctx, ev, r, now)
	if err != nil {
		return "", err
	}
	w, err := p.eventWrite(ev, out, now)
	if err != nil {
		return "", err
	}
	if err := p.ledger.table.Transact(ctx, append([]dynamo.Write{w}, writes...)...); err != nil {
		return "", fmt.Errorf("apply stripe event %s: %w", ev.ID, err)
	}
	return out, nil
}

// decide is what the event does to payment r, and the writes beside the
// event record.
func (p *Processor) decide(ctx context.Context, ev payment.Event, r payment.Record, now time.Time) (payment.Outcome, []dynamo.Write, error) {
	if ev.Type == payment.EventFailed || r.Status == payment.Succeeded || r.Status == payment.RefundDue {
		// A declined card leaves the payment payable (the client may retry
		// it); a failure reported after success changes nothing.
		return payment.Ignored, nil, nil
	}
	if ev.AmountCents != r.AmountCents || !strings.EqualFold(ev.Currency, r.Currency) {
		return payment.Refused, nil, nil
	}
	next := r
	next.Status, next.PaidAt, next.EventID, next.Version = payment.Succeeded, now.UTC().Format(time.RFC3339), ev.ID, r.Version+1
	if r.Status == payment.Cancelled {
		next.Status = payment.RefundDue
		w, err := p.recordWrite(r, next)
		return payment.Flagged, []dynamo.Write{w}, err
	}
	eff, ok := p.effects[r.Kind]
	if !ok {
		return "", nil, fmt.Errorf("no effect for payments of kind %s", r.Kind)
	}
	writes, err := eff.Paid(ctx, next, now)
	if err != nil {
		return "", nil, fmt.Errorf("effect of payment %s: %w", r.ID, err)
	}
	w, err := p.recordWrite(r, next)
	return payment.Applied, append([]dynamo.Write{w}, writes...), err
}

// recordWrite replaces r with next while r is still what was read.
func (p *Processor) recordWrite(r, next payment.Record) (dynamo.Write, error) {
	next.LeaseUntil = 0
	return dynamo.Put(payment.LabelPayment, next, dynamo.Condition{Expr: "#v = :v AND #s = :s",
		Names: map[string]string{"#v": "version", "#s": "status"}, Values: map[string]any{":v": r.Version, ":s": string(r.Status)}})
}

// alert logs what staff must look at, with an embedded-metric-format
// record CloudWatch turns into the metric the template's alarms watch.
func (p *Processor) alert(ev payment.Event, r payment.Record, out payment.Outcome) {
	var metric string
	switch out {
	case payment.Refused:
		metric = "AmountMismatch"
	case payment.Flagged:
		metric = "LatePayment"
	default:
		return
	}
	p.log.Error("stripe payment not applied", "outcome", string(out), "eventId", ev.ID, "payment", r.ID,
		"expectedCents", r.AmountCents, "expectedCurrency", r.Currency, "paidCents", ev.AmountCents, "paidCurrency", ev.Currency,
		"_aws", map[string]any{"Timestamp": time.Now().UnixMilli(), "CloudWatchMetrics": []any{map[string]any{
			"Namespace": payment.MetricNamespace, "Dimensions": [][]string{{}}, "Metrics": []any{map[string]string{"Name": metric, "Unit": "Count"}}}}},
		metric, 1)
}

package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/payment"
)

// Change computes a change: the answer to give and the writes that make it.
type Change func(ctx context.Context) (answer any, writes []dynamo.Write, err error)

// CommitOwing applies change in one transaction through dynamo's one
// committer (Table.Commit) and answers its value as JSON with status. Under
// an Idempotency-Key (api.md) a repeat gets the first answer and changes
// nothing; a different body gets 422 (dynamo.ErrIdempotencyMismatch,
// answered by the router). A failed condition answers the error its write
// names. An answer whose "payment" requires one (R-PAY-2) gets the client
// secret of its one PaymentIntent (infos creates it when there is none
// yet), so every answer, a replayed one too, carries the same intent.
func CommitOwing(ctx context.Context, table *dynamo.Table, r *Request, now time.Time, status int,
	infos payment.Infos, certificantID string, change Change) (Response, error) {
	encoded := func(ctx context.Context) (dynamo.Answer, []dynamo.Write, error) {
		v, writes, err := change(ctx)
		if err != nil {
			return dynamo.Answer{}, nil, err
		}
		body, err := json.Marshal(v)
		if err != nil {
			return dynamo.Answer{}, nil, fmt.Errorf("encode answer: %w", err)
		}
		return dynamo.Answer{Body: body}, writes, nil
	}
	key, err := r.IdempotencyKey()
	if err != nil {
		return Response{}, err
	}
	ans, err := table.Commit(ctx, dynamo.NewIdempotency(r.Principal.Subject, key, r.RouteKey, r.Body()), now, nil, encoded)
	if err != nil {
		return Response{}, err
	}
	body, err := CompletePayment(ctx, infos, certificantID, ans.Body)
	if err != nil {
		return Response{}, err
	}
	return EncodedJSON(status, body), nil
}

// CompletePayment is payment.Complete for a stored 201 answer, its
// failures answered as what they are: the intent still being prepared by a
// twin is 409, the card processor down 503. Either way the thing is stored,
// and a retry under the same Idempotency-Key answers it with its payment.
func CompletePayment(ctx context.Context, infos payment.Infos, certificantID string, body []byte) ([]byte, error) {
	out, err := payment.Complete(ctx, infos, certificantID, body)
	switch {
	case errors.Is(err, payment.ErrBusy):
		return nil, Conflict("the payment is being prepared: retry with the same Idempotency-Key")
	case errors.Is(err, payment.ErrUnavailable):
		return nil, NewProblem(http.StatusServiceUnavailable, "the card processor is unavailable: retry with the same Idempotency-Key")
	case err != nil:
		return nil, fmt.Errorf("complete the payment: %w", err)
	}
	return out, nil
}

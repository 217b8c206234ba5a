package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
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
	body, err := payment.Complete(ctx, infos, certificantID, ans.Body)
	if err != nil {
		return Response{}, err
	}
	return EncodedJSON(status, body), nil
}

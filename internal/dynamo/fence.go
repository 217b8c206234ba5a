package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Fence is a counter item a change is judged against: the change commits
// only while the counter still holds the value read before the change's own
// reads, and advances it. The counter is read on its own, serializably,
// because a Query is only read-committed: it can return some items of a
// concurrent transaction and not others (a fresh counter beside a stale
// declaration list), which a counter read in the same Query would not reveal.
type Fence struct {
	Key   Key
	Attr  string
	Label string // of the counter's write when it moved
}

// FencedChange computes a change judged on reads made after the fence read
// seen; it must not write the fence itself.
type FencedChange func(ctx context.Context, seen int) (Answer, []Write, error)

// Fenced is Idempotent for a change whose reads must not be stale: the
// fence's counter is read first (with the idempotency record, in one round
// trip), and the transaction advances it from the value seen, failing with
// a ConditionError under f.Label if another change moved it meanwhile; the
// caller then judges again.
func (t *Table) Fenced(ctx context.Context, idem *Idempotency, now time.Time, f Fence, change FencedChange) (Answer, error) {
	seen, rec, err := t.readFence(ctx, f, idem, now)
	if err != nil {
		return Answer{}, err
	}
	if rec != nil {
		return answerOf(*rec, idem)
	}
	return t.guarded(ctx, idem, now, func(ctx context.Context) (Answer, []Write, error) {
		ans, writes, err := change(ctx, seen)
		if err != nil {
			return Answer{}, nil, err
		}
		w, err := f.advance(seen)
		return ans, append(writes, w), err
	})
}

// advance moves the counter from seen, under the fence's label.
func (f Fence) advance(seen int) (Write, error) {
	cond := Condition{Expr: "#v = :seen", Names: map[string]string{"#v": f.Attr},
		Values: map[string]any{":seen": seen, ":next": seen + 1}}
	if seen == 0 {
		cond.Expr = "attribute_not_exists(#v)"
		delete(cond.Values, ":seen")
	}
	return Update(f.Label, f.Key, "SET #v = :next", cond)
}

// readFence reads the counter (0 when absent) and, when idem is set, the
// live idempotency record, in one BatchGetItem.
func (t *Table) readFence(ctx context.Context, f Fence, idem *Idempotency, now time.Time) (int, *IdempotencyRecord, error) {
	keys := []Key{f.Key}
	if idem != nil {
		keys = append(keys, IdempotencyKey(idem.Principal, idem.Key))
	}
	items, err := t.batchGet(ctx, keys)
	if err != nil {
		return 0, nil, fmt.Errorf("dynamo: read fence %s/%s: %w", f.Key.PK, f.Key.SK, err)
	}
	seen := 0
	var rec *IdempotencyRecord
	for _, it := range items {
		switch it.SK() {
		case f.Key.SK:
			if v, ok := it[f.Attr]; ok {
				if err := attributevalue.Unmarshal(v, &seen); err != nil {
					return 0, nil, fmt.Errorf("dynamo: decode fence %s: %w", f.Key.SK, err)
				}
			}
		default:
			var r IdempotencyRecord
			if err := it.Decode(&r); err != nil {
				return 0, nil, err
			}
			if r.TTL > now.Unix() {
				rec = &r
			}
		}
	}
	return seen, rec, nil
}

// batchGetAttempts bounds the rounds spent on keys DynamoDB left unprocessed
// (throttling); the SDK already retries each request.
const batchGetAttempts = 5

// batchGet reads keys (distinct, strongly consistent); absent ones are left out.
func (t *Table) batchGet(ctx context.Context, keys []Key) ([]Item, error) {
	req := types.KeysAndAttributes{ConsistentRead: aws.Bool(true)}
	for _, k := range keys {
		av, err := attributevalue.MarshalMap(k)
		if err != nil {
			return nil, fmt.Errorf("marshal key: %w", err)
		}
		req.Keys = append(req.Keys, av)
	}
	var items []Item
	pending := map[string]types.KeysAndAttributes{t.name: req}
	for range batchGetAttempts {
		out, err := t.api.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
		if err != nil {
			return nil, err
		}
		for _, it := range out.Responses[t.name] {
			items = append(items, it)
		}
		if len(out.UnprocessedKeys) == 0 {
			return items, nil
		}
		pending = out.UnprocessedKeys
	}
	return nil, fmt.Errorf("keys still unprocessed after %d rounds", batchGetAttempts)
}

package dynamo

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
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

// fenced is idempotent for a change whose reads must not be stale: the
// fence's counter is read first (with the idempotency record, in one round
// trip), and the transaction advances it from the value seen, failing with
// a ConditionError under f.Label if another change moved it meanwhile: the
// caller then judges again (Rejudge).
func (t *Table) fenced(ctx context.Context, idem *Idempotency, now time.Time, f Fence, change FencedChange) (Answer, error) {
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
		w, err := f.Advance(seen)
		return ans, append(writes, w), err
	})
}

// ErrFenceBusy: the fence kept moving through every judgement of Rejudge.
var ErrFenceBusy = errors.New("dynamo: changed by others on every attempt")

// rejudgements bounds the judgements of one change when others keep moving
// its fence (then ErrFenceBusy).
const rejudgements = 8

// Rejudge runs judge until it does not fail on the fence f (a read it relied
// on went stale: it is judged again on fresh reads), spreading racing
// retries apart; after rejudgements tries, ErrFenceBusy.
func Rejudge(ctx context.Context, f Fence, judge func(ctx context.Context) error) error {
	for attempt := range rejudgements {
		err := judge(ctx)
		if failedLabel(err) != f.Label {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(1+mrand.IntN(20*(attempt+1))) * time.Millisecond):
		}
	}
	return ErrFenceBusy
}

// FenceValue reads the counter of f, 0 when absent: the value a change
// judged on reads made after it passes to Advance.
func (t *Table) FenceValue(ctx context.Context, f Fence) (int, error) {
	seen, _, err := t.readFence(ctx, f, nil, time.Time{})
	return seen, err
}

// Advance moves the counter from seen, failing under the fence's label when
// it moved since seen was read.
func (f Fence) Advance(seen int) (Write, error) {
	cond := Condition{Expr: "#v = :seen", Names: map[string]string{"#v": f.Attr},
		Values: map[string]any{":seen": seen, ":next": seen + 1}}
	if seen == 0 {
		cond.Expr = "attribute_not_exists(#v)"
		delete(cond.Values, ":seen")
	}
	return Update(f.Label, f.Key, "SET #v = :next", cond)
}

// readFence reads the counter (0 when absent) and, when idem is set, the
// live idempotency record, in one BatchGetItem (else one GetItem).
func (t *Table) readFence(ctx context.Context, f Fence, idem *Idempotency, now time.Time) (int, *IdempotencyRecord, error) {
	var items []Item
	var err error
	if idem != nil {
		items, err = t.batchGet(ctx, []Key{f.Key, IdempotencyKey(idem.Principal, idem.Key)})
	} else {
		items, err = t.getItem(ctx, f.Key)
	}
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

// getItem reads one item (strongly consistent), none when absent.
func (t *Table) getItem(ctx context.Context, key Key) ([]Item, error) {
	k, err := attributevalue.MarshalMap(key)
	if err != nil {
		return nil, fmt.Errorf("marshal key: %w", err)
	}
	out, err := t.api.GetItem(ctx, &dynamodb.GetItemInput{TableName: &t.name, Key: k, ConsistentRead: aws.Bool(true)})
	if err != nil || out.Item == nil {
		return nil, err
	}
	return []Item{out.Item}, nil
}

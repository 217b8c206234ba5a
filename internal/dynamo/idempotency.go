package dynamo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/boc/cmp/internal/fielderr"
)

// IdempotencyTTL is how long an Idempotency-Key answer is kept.
const IdempotencyTTL = 24 * time.Hour

// IdempotencyLabel labels the record's write in a transaction.
const IdempotencyLabel = "idempotency"

// IdempotencyRecord stores the first answer given for a principal's key.
type IdempotencyRecord struct {
	Key
	Type        string `dynamodbav:"type"`
	RequestHash string `dynamodbav:"requestHash"`
	Answer      string `dynamodbav:"answer"`
	CreatedAt   string `dynamodbav:"createdAt"`
	TTL         int64  `dynamodbav:"ttl"` // epoch seconds; DynamoDB deletes lazily
}

// Idempotency is a request's Idempotency-Key: whose key it is and the
// fingerprint of the request it came with.
type Idempotency struct {
	Principal, Key, RequestHash string
}

// NewIdempotency is the Idempotency of principal's request to routeKey with
// body under key; nil when the request carried no key.
func NewIdempotency(principal, key, routeKey string, body []byte) *Idempotency {
	if key == "" {
		return nil
	}
	return &Idempotency{Principal: principal, Key: key, RequestHash: RequestHash(routeKey, body)}
}

// RequestHash fingerprints a request (route and body) so a key reused with
// a different body can be told apart. A JSON body is hashed as its value
// (api.md: key order and whitespace do not matter), anything else as bytes.
func RequestHash(routeKey string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(routeKey))
	h.Write([]byte{0})
	h.Write(canonicalJSON(body))
	return hex.EncodeToString(h.Sum(nil))
}

// canonicalJSON re-encodes one JSON value with object keys sorted, no
// insignificant whitespace and uniform string escapes; numbers keep their
// text. Not JSON: the bytes as they are.
func canonicalJSON(body []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return body
	}
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return out
}

// LookupIdempotency returns the live record of principal's key, if any.
// Expired records are ignored in code because TTL deletion lags by days.
func (t *Table) LookupIdempotency(ctx context.Context, principal, key string, now time.Time) (IdempotencyRecord, bool, error) {
	var rec IdempotencyRecord
	found, err := t.Get(ctx, IdempotencyKey(principal, key), &rec)
	if err != nil || !found || rec.TTL <= now.Unix() {
		return IdempotencyRecord{}, false, err
	}
	return rec, true, nil
}

// PutIdempotency is the write that records the answer, to be added to the
// transaction of the change it guards. It fails (label IdempotencyLabel) when
// a live record exists, i.e. a concurrent request with the same key won.
func PutIdempotency(principal, key, requestHash string, answer []byte, now time.Time) (Write, error) {
	rec := IdempotencyRecord{
		Key:         IdempotencyKey(principal, key),
		Type:        "idempotency",
		RequestHash: requestHash,
		Answer:      string(answer),
		CreatedAt:   now.UTC().Format(time.RFC3339),
		TTL:         now.Add(IdempotencyTTL).Unix(),
	}
	return Put(IdempotencyLabel, rec, Condition{
		Expr:   "attribute_not_exists(pk) OR #ttl <= :now",
		Names:  map[string]string{"#ttl": "ttl"},
		Values: map[string]any{":now": now.Unix()},
	})
}

// ErrIdempotencyMismatch is a key reused with a different request: invalid
// input, so every route answers it as the same 422 (api.md).
var ErrIdempotencyMismatch error = &fielderr.Invalid{Detail: "Idempotency-Key reused with a different request",
	Fields: []fielderr.Field{{Field: "Idempotency-Key", Message: "this key was used with a different body"}}}

// Answer is what a guarded change answered: the encoded result a repeat of
// the request gets back. It holds no status: every guarded change succeeds
// with its route's one status, which the HTTP adapter answers.
type Answer struct {
	Body []byte
}

// Change computes a guarded change: its answer and the writes that make it.
type Change func(ctx context.Context) (Answer, []Write, error)

// Commit is the one committer of a guarded change (issue 13): change's
// writes, the idempotency record of idem (nil: the request carried no key)
// and the outbox items among the writes in one transaction; a failed
// condition answers the error its write names (Condition.Else). With a
// fence, change is judged on reads made after the fence's counter was read,
// the transaction advances the counter, and when another change moved it
// meanwhile change is judged again on fresh reads (Rejudge: at most 8
// times, then ErrFenceBusy).
func (t *Table) Commit(ctx context.Context, idem *Idempotency, now time.Time, fence *Fence, change Change) (Answer, error) {
	if fence == nil {
		return t.idempotent(ctx, idem, now, change)
	}
	var ans Answer
	err := Rejudge(ctx, *fence, func(ctx context.Context) error {
		var err error
		ans, err = t.fenced(ctx, idem, now, *fence, func(ctx context.Context, _ int) (Answer, []Write, error) { return change(ctx) })
		return err
	})
	return ans, err
}

// idempotent applies change in one transaction, at most once per key when idem
// is not nil (nil: the request carried no key). A repeat with the same request
// hash gets the first answer back and writes nothing; with a different hash,
// ErrIdempotencyMismatch. The record is written in the same transaction as the
// change, so a concurrent twin loses on a condition (the record's, or any
// other the winner's writes made false) or refuses in its own checks; either
// way it is answered from the winner's record when there is one.
func (t *Table) idempotent(ctx context.Context, idem *Idempotency, now time.Time, change Change) (Answer, error) {
	if idem != nil {
		if ans, done, err := t.replay(ctx, idem, now); done || err != nil {
			return ans, err
		}
	}
	return t.guarded(ctx, idem, now, change)
}

// guarded applies change with idem's record in its transaction, once the
// caller found no record; a failure is answered from a twin's record when
// one won meanwhile.
func (t *Table) guarded(ctx context.Context, idem *Idempotency, now time.Time, change Change) (Answer, error) {
	ans, writes, err := change(ctx)
	if err == nil && idem != nil {
		var rec Write
		if rec, err = PutIdempotency(idem.Principal, idem.Key, idem.RequestHash, ans.Body, now); err == nil {
			writes = append(writes, rec)
		}
	}
	if err == nil {
		err = t.Transact(ctx, writes...)
	}
	if err == nil || idem == nil {
		return ans, err
	}
	// Only failures pay for this read: a twin may have won since the first look.
	if replayed, done, rerr := t.replay(ctx, idem, now); done || rerr != nil {
		return replayed, rerr
	}
	return Answer{}, err
}

// replay answers from a live record; done is false when there is none.
func (t *Table) replay(ctx context.Context, idem *Idempotency, now time.Time) (Answer, bool, error) {
	rec, found, err := t.LookupIdempotency(ctx, idem.Principal, idem.Key, now)
	if err != nil || !found {
		return Answer{}, false, err
	}
	ans, err := answerOf(rec, idem)
	return ans, true, err
}

// answerOf is the first answer recorded, for a request with the same hash.
func answerOf(rec IdempotencyRecord, idem *Idempotency) (Answer, error) {
	if rec.RequestHash != idem.RequestHash {
		return Answer{}, ErrIdempotencyMismatch
	}
	return Answer{Body: []byte(rec.Answer)}, nil
}

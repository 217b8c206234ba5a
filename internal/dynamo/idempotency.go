package dynamo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
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
	Status      int    `dynamodbav:"status"`
	Answer      string `dynamodbav:"answer"`
	CreatedAt   string `dynamodbav:"createdAt"`
	TTL         int64  `dynamodbav:"ttl"` // epoch seconds; DynamoDB deletes lazily
}

// RequestHash fingerprints a request (route and body) so a key reused with
// a different body can be told apart.
func RequestHash(routeKey string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(routeKey))
	h.Write([]byte{0})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
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
func PutIdempotency(principal, key, requestHash string, status int, answer []byte, now time.Time) (Write, error) {
	rec := IdempotencyRecord{
		Key:         IdempotencyKey(principal, key),
		Type:        "idempotency",
		RequestHash: requestHash,
		Status:      status,
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

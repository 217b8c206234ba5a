package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/boc/cmp/infra/local/stacktest"
	"github.com/boc/cmp/internal/dynamo"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

// SES is down for the whole retry window: the create still succeeds (the
// email is owed, not lost), the stream record ends in the dead-letter list,
// and replaying it sends the email once, however often it is replayed.
func TestSESOutageThenReplay(t *testing.T) {
	s := stacktest.Get(t)
	const email = "outage@example.org"
	key := dynamo.OutboxKey("welcome:c-outage-1")
	table := dynamo.New(s.DynamoDB(), s.TableName)
	outbox := func() dynamo.OutboxItem {
		var item dynamo.OutboxItem
		if found, err := table.Get(context.Background(), key, &item); err != nil || !found {
			t.Fatalf("outbox item found %v: %v", found, err)
		}
		return item
	}
	welcomes := func() int {
		n := 0
		for _, m := range s.Mail(t) {
			if strings.Contains(strings.Join(m.Destination.To, ","), email) {
				n++
			}
		}
		return n
	}

	s.StopMail(t)
	r := s.Do(t, "POST", "/v1/certificants", s.Token("staff-1", "staff"), map[string]any{
		"id": "c-outage-1", "name": map[string]string{"given": "Ana", "family": "Reyes"}, "email": email, "country": "PH"})
	if r.Status != 201 {
		t.Fatalf("create during SES outage: %d %s", r.Status, r.Body)
	}

	var dead []byte
	for deadline := time.Now().Add(30 * time.Second); dead == nil; time.Sleep(200 * time.Millisecond) {
		for _, rec := range s.DeadLetters("MailSenderFunction") {
			if bytes.Contains(rec, []byte(key.PK)) {
				dead = rec
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the failing outbox record never reached the dead-letter list")
		}
	}
	before := outbox()
	if before.SentAt != "" || before.Attempts < 2 {
		t.Fatalf("after the outage: %+v, want unsent after several attempts", before)
	}

	s.StartMail(t)
	event, err := json.Marshal(map[string]any{"Records": []json.RawMessage{dead}})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		var resp struct {
			BatchItemFailures []any `json:"batchItemFailures"`
		}
		if err := json.Unmarshal(s.Invoke(t, "MailSenderFunction", event), &resp); err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("replay: %+v %v", resp, err)
		}
	}
	if n := welcomes(); n != 1 {
		t.Errorf("%d welcome emails after two replays, want 1", n)
	}
	if after := outbox(); after.SentAt == "" || after.MessageID == "" || after.Attempts != before.Attempts+1 {
		t.Errorf("after replays: %+v (before %+v)", after, before)
	}
}

package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/boc/cmp/infra/local/stacktest"
	"github.com/boc/cmp/internal/dynamo"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

// replayEvent is the stream INSERT of an outbox item, as a redelivery.
func replayEvent(t *testing.T, item dynamo.OutboxItem) []byte {
	t.Helper()
	s := func(v string) map[string]string { return map[string]string{"S": v} }
	data := map[string]any{}
	for k, v := range item.Data {
		data[k] = s(v)
	}
	ev, err := json.Marshal(map[string]any{"Records": []any{map[string]any{
		"eventID": "replay", "eventName": "INSERT", "eventSource": "aws:dynamodb",
		"dynamodb": map[string]any{"SequenceNumber": "1", "NewImage": map[string]any{
			"pk": s(item.PK), "sk": s(item.SK), "type": s(item.Type), "id": s(item.ID),
			"template": s(item.Template), "to": s(item.To), "data": map[string]any{"M": data},
		}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// SES is down when a certificant is created: the create still succeeds (the
// email is owed, not lost), the sender fails and is retried by the stream,
// the email goes out once SES is back, and redeliveries send nothing more.
func TestSESOutageThenRedelivery(t *testing.T) {
	s := stacktest.Get(t)
	const email = "outage@example.org"
	table := dynamo.New(s.DynamoDB(), s.TableName)
	outbox := func() dynamo.OutboxItem {
		var item dynamo.OutboxItem
		if found, err := table.Get(context.Background(), dynamo.OutboxKey("welcome:c-outage-1"), &item); err != nil || !found {
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
	waitFor := func(what string, ok func() bool) {
		for deadline := time.Now().Add(60 * time.Second); !ok(); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}

	s.StopMail(t)
	r := s.Do(t, "POST", "/v1/certificants", s.Token("staff-1", "staff"), map[string]any{
		"id": "c-outage-1", "name": map[string]string{"given": "Ana", "family": "Reyes"}, "email": email, "country": "PH"})
	if r.Status != 201 {
		t.Fatalf("create during SES outage: %d %s", r.Status, r.Body)
	}
	waitFor("a failed send attempt", func() bool { return outbox().Attempts >= 1 })
	if item := outbox(); item.SentAt != "" {
		t.Fatalf("marked sent while SES was down: %+v", item)
	}

	s.StartMail(t)
	waitFor("the stream retry to deliver", func() bool { return outbox().SentAt != "" })
	sent := outbox()
	if n := welcomes(); n != 1 || sent.MessageID == "" {
		t.Fatalf("%d welcome emails, item %+v; want 1 with its message id", n, sent)
	}

	for range 2 {
		var resp struct {
			BatchItemFailures []any `json:"batchItemFailures"`
		}
		if err := json.Unmarshal(s.Invoke(t, "MailSenderFunction", replayEvent(t, sent)), &resp); err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("redelivery: %+v %v", resp, err)
		}
	}
	if n, after := welcomes(), outbox(); n != 1 || after.SentAt != sent.SentAt || after.MessageID != sent.MessageID || after.Attempts != sent.Attempts {
		t.Errorf("after two redeliveries: %d emails, item %+v (was %+v)", n, after, sent)
	}
}

// Issue 11 item 2, architecture.md "Email": SES local is killed for longer
// than the stream's retry budget, so every owed email's stream delivery is
// dead-lettered. Once SES is back the redrive sends each of them exactly
// once, and a second redrive sends nothing more.
func TestOutageLongerThanRetriesThenRedrive(t *testing.T) {
	s := stacktest.Get(t)
	table := dynamo.New(s.DynamoDB(), s.TableName)
	ids := []string{"c-redrive-1", "c-redrive-2", "c-redrive-3", "c-redrive-4", "c-redrive-5", "c-redrive-6"}
	emailOf := func(id string) string { return id + "@example.org" }
	item := func(id string) dynamo.OutboxItem {
		var it dynamo.OutboxItem
		if found, err := table.Get(context.Background(), dynamo.OutboxKey("welcome:"+id), &it); err != nil || !found {
			t.Fatalf("outbox item of %s: found %v, %v", id, found, err)
		}
		return it
	}
	received := func() map[string]int {
		n := map[string]int{}
		for _, m := range s.Mail(t) {
			for _, to := range m.Destination.To {
				n[to]++
			}
		}
		return n
	}

	s.StopMail(t)
	for _, id := range ids {
		if r := s.Do(t, "POST", "/v1/certificants", s.Token("staff-1", "staff"), map[string]any{"id": id,
			"name": map[string]string{"given": "Ana", "family": "Reyes"}, "email": emailOf(id), "country": "PH"}); r.Status != 201 {
			t.Fatalf("create %s during the outage: %d %s", id, r.Status, r.Body)
		}
	}
	// The outage outlasts the retry budget: every delivery is dead-lettered.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		dead := 0
		for _, rec := range s.DeadLetters("MailSenderFunction") {
			for _, id := range ids {
				if strings.Contains(string(rec), "welcome:"+id) {
					dead++
				}
			}
		}
		if dead >= len(ids) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d deliveries dead-lettered after 2 minutes of outage", dead, len(ids))
		}
		time.Sleep(250 * time.Millisecond)
	}
	for _, id := range ids {
		if it := item(id); it.SentAt != "" || it.Attempts == 0 {
			t.Fatalf("%s: %+v, want tried and unsent", id, it)
		}
	}

	s.StartMail(t)
	redrive := func() outboxReport {
		var rep outboxReport
		if err := json.Unmarshal(s.Invoke(t, "MailSenderFunction", s.ScheduledEvent(t, "MailSenderFunction", time.Now())), &rep); err != nil {
			t.Fatal(err)
		}
		return rep
	}
	if rep := redrive(); rep.Failed != 0 || rep.Unsent < len(ids) {
		t.Errorf("redrive after the outage: %+v, want at least %d unsent sent, none failed", rep, len(ids))
	}
	got := received()
	for _, id := range ids {
		if got[emailOf(id)] != 1 {
			t.Errorf("%s: %d welcome emails after the redrive, want exactly 1", id, got[emailOf(id)])
		}
		if it := item(id); it.SentAt == "" || it.MessageID == "" || it.QueuePK != "" {
			t.Errorf("%s: %+v, want sent, with its message id, out of the unsent queue", id, it)
		}
	}
	// Nothing left to redrive; nothing is sent twice.
	if rep := redrive(); rep.Unsent != 0 {
		t.Errorf("second redrive found %d unsent", rep.Unsent)
	}
	again := received()
	for _, id := range ids {
		if again[emailOf(id)] != 1 {
			t.Errorf("%s: %d emails after a second redrive, want still 1", id, again[emailOf(id)])
		}
	}
}

type outboxReport struct {
	Unsent int `json:"unsent"`
	Failed int `json:"failed"`
}

package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/mail"
)

// memOutbox plays the table for the two conditional updates: it knows which
// outbox keys are sent.
type memOutbox struct {
	sent    map[string]bool
	applied []string
}

func (m *memOutbox) Apply(_ context.Context, w dynamo.Write) error {
	m.applied = append(m.applied, w.Label)
	// Both updates are conditioned on sentAt being absent.
	if m.sent[m.key()] {
		return &dynamo.ConditionError{Label: w.Label}
	}
	if w.Label == "sent" {
		m.sent[m.key()] = true
	}
	return nil
}

// key: the tests use one outbox item.
func (m *memOutbox) key() string { return "OUTBOX#welcome:c-1" }

type fakeSender struct {
	sent []string
	err  error
}

func (f *fakeSender) Send(_ context.Context, to string, m mail.Message) (string, error) {
	if f.err != nil {
		return "", f.err
	}
	f.sent = append(f.sent, to+"|"+m.Subject)
	return "ses-1", nil
}

func outboxRecord(seq, event string, img map[string]events.DynamoDBAttributeValue) events.DynamoDBEventRecord {
	return events.DynamoDBEventRecord{EventName: event, EventID: "e" + seq,
		Change: events.DynamoDBStreamRecord{SequenceNumber: seq, NewImage: img}}
}

func welcomeImage() map[string]events.DynamoDBAttributeValue {
	s := events.NewStringAttribute
	return map[string]events.DynamoDBAttributeValue{
		"pk": s("OUTBOX#welcome:c-1"), "sk": s("OUTBOX"), "type": s("outbox"), "id": s("welcome:c-1"),
		"template": s("welcome"), "to": s("maria@example.org"),
		"data": events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{
			"given": s("Maria"), "family": s("Santos"), "certificantId": s("c-1")}),
	}
}

func newHandler(t *testing.T, st Store, snd mail.MessageSender) *Handler {
	t.Helper()
	r, err := mail.NewRenderer(map[string]string{"baseUrl": "https://cmp.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	return NewHandler(st, r, snd, httpapi.NewLogger(&bytes.Buffer{}), time.Now)
}

func TestRedeliverySendsNothingTwice(t *testing.T) {
	st, snd := &memOutbox{sent: map[string]bool{}}, &fakeSender{}
	h := newHandler(t, st, snd)
	ev := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{outboxRecord("1", "INSERT", welcomeImage())}}
	for range 2 {
		resp, err := h.Handle(context.Background(), ev)
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("failures %+v err %v", resp.BatchItemFailures, err)
		}
	}
	want := []string{"maria@example.org|Welcome to the Credential Maintenance Program, Maria"}
	if !slices.Equal(snd.sent, want) {
		t.Errorf("sent %q, want %q", snd.sent, want)
	}
	if !slices.Equal(st.applied, []string{"attempt", "sent", "attempt"}) {
		t.Errorf("writes %q", st.applied)
	}
}

func TestFailuresAreReportedForRetry(t *testing.T) {
	bad := welcomeImage()
	bad["to"] = events.NewNumberAttribute("7") // wrong type: must not panic
	unknown := welcomeImage()
	unknown["template"] = events.NewStringAttribute("nope")
	other := welcomeImage()
	other["type"] = events.NewStringAttribute("certificant")

	tests := []struct {
		name     string
		rec      events.DynamoDBEventRecord
		sendErr  error
		failures []string
		sent     bool
	}{
		{"SES down", outboxRecord("10", "INSERT", welcomeImage()), errors.New("connection refused"), []string{"10"}, false},
		{"malformed image", outboxRecord("11", "INSERT", bad), nil, []string{"11"}, false},
		{"unknown template", outboxRecord("12", "INSERT", unknown), nil, []string{"12"}, false},
		{"not an outbox item", outboxRecord("13", "INSERT", other), nil, nil, false},
		{"modify is not a new email", outboxRecord("14", "MODIFY", welcomeImage()), nil, nil, false},
	}
	for _, tc := range tests {
		st := &memOutbox{sent: map[string]bool{}}
		h := newHandler(t, st, &fakeSender{err: tc.sendErr})
		resp, _ := h.Handle(context.Background(), events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{tc.rec}})
		var got []string
		for _, f := range resp.BatchItemFailures {
			got = append(got, f.ItemIdentifier)
		}
		if !slices.Equal(got, tc.failures) || st.sent[st.key()] != tc.sent {
			t.Errorf("%s: failures %q sent %v, want %q %v", tc.name, got, st.sent[st.key()], tc.failures, tc.sent)
		}
	}
}

// The sample event of events/ is one this handler accepts.
func TestSampleEvent(t *testing.T) {
	raw, err := os.ReadFile("../../events/mail-sender-outbox.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	item, ok, err := outboxFromImage(ev.Records[0].Change.NewImage)
	if err != nil || !ok || item.Template != "welcome" || item.Data["given"] == "" {
		t.Fatalf("sample outbox item %+v ok %v err %v", item, ok, err)
	}
}

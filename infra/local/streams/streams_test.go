package streams

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	"github.com/boc/cmp/infra/local/template"
)

const outboxFilter = `{"eventName":["INSERT"],"dynamodb":{"NewImage":{"type":{"S":["outbox"]}}}}`

func rec(name, typ, seq string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"eventName":%q,"dynamodb":{"SequenceNumber":%q,"NewImage":{"type":{"S":%q}}}}`, name, seq, typ))
}

func TestFilter(t *testing.T) {
	cases := []struct {
		filters []string
		rec     json.RawMessage
		want    bool
	}{
		{nil, rec("MODIFY", "x", "1"), true},
		{[]string{outboxFilter}, rec("INSERT", "outbox", "1"), true},
		{[]string{outboxFilter}, rec("MODIFY", "outbox", "1"), false},
		{[]string{outboxFilter}, rec("INSERT", "profile", "1"), false},
		{[]string{`{"eventName":["REMOVE"]}`, outboxFilter}, rec("REMOVE", "x", "1"), true},
		{[]string{`{"dynamodb":{"NewImage":{"type":{"S":[{"prefix":"out"}]}}}}`}, rec("INSERT", "outbox", "1"), true},
		{[]string{`{"dynamodb":{"OldImage":[{"exists":false}]}}`}, rec("INSERT", "outbox", "1"), true},
		{[]string{`{"eventName":[{"anything-but":["INSERT"]}]}`}, rec("INSERT", "outbox", "1"), false},
	}
	for i, c := range cases {
		if got := matches(c.filters, c.rec); got != c.want {
			t.Errorf("case %d: got %v", i, got)
		}
	}
}

// fake fails the records whose sequence numbers it is told to, n times each.
type fake struct {
	mu      sync.Mutex
	failing map[string]int
	seen    [][]string
}

func (f *fake) Invoke(_ context.Context, payload []byte) ([]byte, error) {
	var ev struct {
		Records []struct {
			DynamoDB struct{ SequenceNumber string } `json:"dynamodb"`
		}
	}
	_ = json.Unmarshal(payload, &ev)
	f.mu.Lock()
	defer f.mu.Unlock()
	var seqs, failed []string
	for _, r := range ev.Records {
		s := r.DynamoDB.SequenceNumber
		seqs = append(seqs, s)
		if f.failing[s] > 0 {
			f.failing[s]--
			failed = append(failed, fmt.Sprintf(`{"itemIdentifier":%q}`, s))
		}
	}
	f.seen = append(f.seen, seqs)
	return []byte(`{"batchItemFailures":[` + join(failed) + `]}`), nil
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

func TestRetryFromFirstFailureThenDeadLetter(t *testing.T) {
	f := &fake{failing: map[string]int{"2": 1, "3": 99}}
	p := &Poller{dead: map[string][][]byte{}, log: discard()}
	m := Mapping{Function: "F", Fn: f, Source: template.StreamSource{BatchSize: 10, MaxRetries: 2, ReportItemFailures: true}}
	p.process(context.Background(), m, []json.RawMessage{rec("INSERT", "outbox", "1"), rec("INSERT", "outbox", "2"), rec("INSERT", "outbox", "3")})
	// first call all three; retries resume at the first failure: 2,3 then 3, 3.
	want := "[[1 2 3] [2 3] [3]]"
	if got := fmt.Sprint(f.seen); got != want {
		t.Errorf("batches %s, want %s", got, want)
	}
	if d := p.DeadLetters("F"); len(d) != 1 {
		t.Errorf("dead letters %d, want 1 (record 3)", len(d))
	}
}

func TestFirstFailureUnknownIDFailsBatch(t *testing.T) {
	batch := []json.RawMessage{rec("INSERT", "x", "1"), rec("INSERT", "x", "2")}
	cases := map[string]int{
		`{"batchItemFailures":[]}`: -1,
		`null`:                     -1,
		`{"batchItemFailures":[{"itemIdentifier":"2"}]}`:  1,
		`{"batchItemFailures":[{"itemIdentifier":"99"}]}`: 0,
		`{"batchItemFailures":[{}]}`:                      0,
	}
	for out, want := range cases {
		if got := firstFailure([]byte(out), batch); got != want {
			t.Errorf("%s: got %d, want %d", out, got, want)
		}
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
